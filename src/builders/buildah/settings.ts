import { resolve } from 'node:path';
import { BuildError } from '../errors.js';
import type { BuildahIsolation, BuildahStorage } from './command.js';

const ISOLATIONS: readonly string[] = ['chroot', 'oci', 'rootless'];

/** buildah's storage and isolation from GANTRY_BUILDAH_* (default: buildah's own storage.conf, chroot isolation). */
export function buildahSettings(env: Readonly<Record<string, string | undefined>>): {
  storage: BuildahStorage;
  isolation?: BuildahIsolation;
} {
  const root = env['GANTRY_BUILDAH_ROOT'];
  const driver = env['GANTRY_BUILDAH_STORAGE_DRIVER'];
  const isolation = env['GANTRY_BUILDAH_ISOLATION'];
  if (isolation !== undefined && !ISOLATIONS.includes(isolation)) {
    throw new BuildError('BUILD_INPUT_INVALID', `GANTRY_BUILDAH_ISOLATION must be chroot, oci or rootless, not "${isolation}"`, {
      userError: true,
    });
  }
  return {
    storage: {
      ...(driver ? { driver } : {}),
      ...(root ? { root: resolve(root, 'root'), runroot: resolve(root, 'runroot') } : {}),
    },
    ...(isolation ? { isolation: isolation as BuildahIsolation } : {}),
  };
}
