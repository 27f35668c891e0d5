// Runs a pushed image with buildah (vfs storage, chroot isolation, its own root): `buildah from`
// pulls it by digest, `buildah run` executes a command in it. arm64 images run under QEMU user
// emulation through binfmt_misc.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './helpers.js';

const QEMU_AARCH64 = '/proc/sys/fs/binfmt_misc/qemu-aarch64';

/** Fails (never skips) when arm64 binaries cannot run here. */
export function assertArm64Emulation(): void {
  if (!existsSync(QEMU_AARCH64)) {
    throw new Error(
      `${QEMU_AARCH64} is missing: arm64 images cannot run on this machine. Run scripts/setup.sh (it registers qemu-user-static with binfmt_misc), then run the tests again`,
    );
  }
}

/** A buildah with its own storage under a temp dir; `close()` removes every trace of it. */
export async function createBuildah(): Promise<{
  runImage(image: string, command: readonly string[]): Promise<string>;
  close(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-buildah-'));
  const global = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs'];
  const buildah = async (args: readonly string[]): Promise<string> => {
    try {
      const { stdout } = await run('buildah', [...global, ...args], { maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`buildah ${args.join(' ')} failed: ${err.stderr ?? err.message}`, { cause: e });
    }
  };
  return {
    async runImage(image, command) {
      const container = (await buildah(['from', '--quiet', '--tls-verify=false', `docker://${image}`])).trim();
      try {
        return await buildah(['run', '--isolation', 'chroot', container, '--', ...command]);
      } finally {
        await buildah(['rm', container]).catch(() => undefined);
      }
    },
    async close() {
      await buildah(['rmi', '--all', '--force']).catch(() => undefined);
      // vfs leaves read-only directories behind (copies of the images' own 0555 dirs).
      await run('chmod', ['-R', 'u+w', dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
