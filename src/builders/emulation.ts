// Whether a platform runs natively here, and if not, whether QEMU user emulation is registered with
// binfmt_misc so that RUN steps of that platform can execute (buildah runs them in a chroot; the
// kernel hands the foreign binaries to qemu-<arch>-static).
// https://docs.kernel.org/admin-guide/binfmt-misc.html
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePlatform } from '../oci/platform.js';
import { BuildError } from './errors.js';

/** The OCI architecture of a Node `process.arch` value. */
export function ociArchitecture(nodeArch: string): string {
  const map: Readonly<Record<string, string>> = {
    x64: 'amd64',
    ia32: '386',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
  };
  return map[nodeArch] ?? nodeArch;
}

/** The binfmt_misc entry qemu-user-static registers for an OCI architecture (`qemu-aarch64` for arm64). */
export function qemuBinfmtName(arch: string): string {
  const map: Readonly<Record<string, string>> = {
    amd64: 'x86_64',
    arm64: 'aarch64',
    '386': 'i386',
    arm: 'arm',
    ppc64le: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    mips64le: 'mips64el',
    loong64: 'loongarch64',
  };
  return `qemu-${map[arch] ?? arch}`;
}

/** True when `platform` runs on a host of `hostArch` without emulation (amd64 hosts also run 386). */
export function isNativePlatform(platform: string, hostArch: string): boolean {
  const p = parsePlatform(platform);
  if (p.os !== 'linux') return false;
  return p.architecture === hostArch || (hostArch === 'amd64' && p.architecture === '386');
}

/** What binfmt_misc says about one emulator: not mounted, no entry, disabled, or enabled. */
export type BinfmtState = 'unmounted' | 'missing' | 'disabled' | 'enabled';

/** Reads `/proc/sys/fs/binfmt_misc/<name>` (the entry's first line is `enabled` or `disabled`). */
export async function readBinfmtState(name: string, root = '/proc/sys/fs/binfmt_misc'): Promise<BinfmtState> {
  const read = (f: string) => readFile(join(root, f), 'utf8').catch(() => undefined);
  const entry = await read(name);
  if (entry !== undefined) return entry.split('\n', 1)[0]?.trim() === 'enabled' ? 'enabled' : 'disabled';
  return (await read('status')) === undefined ? 'unmounted' : 'missing';
}

/** How to make emulation of `arch` work on Debian/Ubuntu, for error messages. */
export function emulationHelp(arch: string): string {
  const name = qemuBinfmtName(arch);
  return (
    `install QEMU user emulation: apt-get install qemu-user-static binfmt-support; then, as root, ` +
    `mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc (if it is not mounted) and update-binfmts --enable ${name}. ` +
    `Or build it natively: give the platform a runner of its architecture (build.platform.<platform>.runner) and run gantry build --platform there`
  );
}

/**
 * Refuses to start a build that would fail half-way: a platform that is not native, whose
 * Dockerfile runs something, on a machine without the emulator registered. Pure: the state is read by the caller.
 */
export function checkEmulation(o: { platform: string; hostArch: string; runsCommands: boolean; state: BinfmtState }): void {
  if (!o.runsCommands || isNativePlatform(o.platform, o.hostArch) || o.state === 'enabled') return;
  const arch = parsePlatform(o.platform).architecture;
  const why = {
    unmounted: 'binfmt_misc is not mounted',
    missing: `binfmt_misc has no ${qemuBinfmtName(arch)} entry`,
    disabled: `binfmt_misc's ${qemuBinfmtName(arch)} entry is disabled`,
  }[o.state];
  throw new BuildError(
    'EMULATION_UNAVAILABLE',
    `${o.platform} is not native on this ${o.hostArch} machine and its Dockerfile has RUN steps, which need QEMU user emulation, but ${why}: ${emulationHelp(arch)}`,
    { userError: true },
  );
}
