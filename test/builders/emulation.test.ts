import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEmulation, isNativePlatform, ociArchitecture, qemuBinfmtName, readBinfmtState } from '../../src/builders/emulation.js';
import { tempDir } from '../support/images.js';

describe('emulation', () => {
  it('names: Node arch → OCI arch → qemu binfmt entry', () => {
    expect(ociArchitecture('x64')).toBe('amd64');
    expect(ociArchitecture('arm64')).toBe('arm64');
    expect(qemuBinfmtName('arm64')).toBe('qemu-aarch64');
    expect(qemuBinfmtName('amd64')).toBe('qemu-x86_64');
    expect(qemuBinfmtName('riscv64')).toBe('qemu-riscv64');
    expect(isNativePlatform('linux/amd64', 'amd64')).toBe(true);
    expect(isNativePlatform('linux/386', 'amd64')).toBe(true);
    expect(isNativePlatform('linux/arm64', 'amd64')).toBe(false);
    expect(isNativePlatform('linux/amd64', 'arm64')).toBe(false);
  });

  it('reads binfmt_misc entries', async () => {
    const dir = await tempDir();
    expect(await readBinfmtState('qemu-aarch64', join(dir, 'absent'))).toBe('unmounted');
    await writeFile(join(dir, 'status'), 'enabled\n');
    expect(await readBinfmtState('qemu-aarch64', dir)).toBe('missing');
    await writeFile(join(dir, 'qemu-aarch64'), 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n');
    expect(await readBinfmtState('qemu-aarch64', dir)).toBe('enabled');
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd', 'qemu-aarch64'), 'disabled\n');
    expect(await readBinfmtState('qemu-aarch64', join(dir, 'd'))).toBe('disabled');
  });

  it('refuses a foreign platform with RUN steps when the emulator is not registered, and says how to fix it', () => {
    for (const state of ['unmounted', 'missing', 'disabled'] as const) {
      expect(() => checkEmulation({ platform: 'linux/arm64', hostArch: 'amd64', runsCommands: true, state })).toThrow(
        expect.objectContaining({
          code: 'EMULATION_UNAVAILABLE',
          userError: true,
          message: expect.stringMatching(/qemu-user-static binfmt-support.*update-binfmts --enable qemu-aarch64/),
        }),
      );
    }
    // Fine: registered, native, or nothing to run.
    checkEmulation({ platform: 'linux/arm64', hostArch: 'amd64', runsCommands: true, state: 'enabled' });
    checkEmulation({ platform: 'linux/amd64', hostArch: 'amd64', runsCommands: true, state: 'missing' });
    checkEmulation({ platform: 'linux/arm64', hostArch: 'amd64', runsCommands: false, state: 'unmounted' });
  });
});
