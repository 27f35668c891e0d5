// buildah command lines, built as data (pure) so they can be read and tested without running them.
// https://github.com/containers/buildah/blob/v1.28.2/docs/buildah-build.1.md
import { dockerfileBuildFlags, type DockerfileInputs } from '../dockerfile-inputs.js';

/** Where buildah keeps images and containers; absent fields are buildah's own defaults (storage.conf). */
export interface BuildahStorage {
  /** `--storage-driver`, e.g. `vfs` (works everywhere, copies every layer) or `overlay`. */
  readonly driver?: string | undefined;
  readonly root?: string | undefined;
  readonly runroot?: string | undefined;
}

/** How RUN steps are isolated: `chroot` needs no runtime (runc/crun) and works in containers and CI. */
export type BuildahIsolation = 'chroot' | 'oci' | 'rootless';

export interface BuildahBuildOptions {
  /** The local name of the built image (removed after the push). */
  readonly tag: string;
  readonly isolation: BuildahIsolation;
  /** False when a stage pulls from a loopback or `--insecure-registry` registry (plain HTTP). */
  readonly tlsVerify: boolean;
  readonly storage?: BuildahStorage | undefined;
}

/** buildah's global options, before the subcommand. */
export function buildahGlobalArgs(s: BuildahStorage = {}): string[] {
  return [
    ...(s.driver !== undefined ? ['--storage-driver', s.driver] : []),
    ...(s.root !== undefined ? ['--root', s.root] : []),
    ...(s.runroot !== undefined ? ['--runroot', s.runroot] : []),
  ];
}

/**
 * `buildah build` of one platform. `--timestamp` is the commit time: buildah 1.28 does not read
 * SOURCE_DATE_EPOCH, and this sets the image's created time, its history and its files' times.
 * `--format oci` makes `--annotation` land in the manifest (docker format has no annotations).
 */
export function buildahBuildArgs(i: DockerfileInputs, o: BuildahBuildOptions): string[] {
  // prettier-ignore
  return [
    ...buildahGlobalArgs(o.storage),
    'build',
    ...dockerfileBuildFlags(i),
    '--timestamp', String(i.sourceDateEpoch),
    '--isolation', o.isolation,
    '--format', 'oci',
    ...(o.tlsVerify ? [] : ['--tls-verify=false']),
    '--tag', o.tag,
    i.context,
  ];
}

/**
 * `buildah push` of the built image into a temporary OCI layout. buildah cannot push by digest
 * without a tag, so gantry copies it from there to the staging target by digest itself.
 */
export function buildahPushArgs(image: string, layoutDir: string, digestFile: string, storage?: BuildahStorage): string[] {
  return [...buildahGlobalArgs(storage), 'push', '--digestfile', digestFile, image, `oci:${layoutDir}:build`];
}

/** `buildah rmi` of the temporary local image. */
export function buildahRmiArgs(image: string, storage?: BuildahStorage): string[] {
  return [...buildahGlobalArgs(storage), 'rmi', image];
}
