// The one registration point of builder backends: each name of plan/config/backend-traits.ts maps to the
// factory of its Builder (the compiler refuses a name without one). Adding a backend: its folder
// here (src/builders/<tool>/), its traits in plan/config/backend-traits.ts (and its fields in the build
// schema), and one entry below.
import type { BackendName } from '../plan/config/backend-traits.js';
import type { Builder } from './backend.js';
import { createBuildahBuilder } from './buildah/builder.js';
import { buildahSettings } from './buildah/settings.js';
import { createBuildxBuilder } from './buildx/builder.js';
import type { BaseResolver } from './layers/base.js';
import { createLayersBuilder } from './layers/builder.js';
import type { StageImage } from './staging.js';

/** What the release library gives every backend. */
export interface BackendServices {
  /** The builders' environment (the caller's). `GITHUB_ACTIONS=true` turns on buildx's gha cache. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Copies a built image to its staging target by digest (gantry's verified copy). */
  readonly stage: StageImage;
  /** Opens a base image for the layers builder. */
  readonly resolveBase: BaseResolver;
  readonly tmpDir: string;
  /** OCI architecture of this machine. */
  readonly hostArch: string;
  /** Registries spoken to in plain HTTP besides loopback ones. */
  readonly insecureRegistries: readonly string[];
}

export const BUILDER_FACTORIES: { readonly [B in BackendName]: (s: BackendServices) => Builder } = {
  buildx: (s) => createBuildxBuilder({ env: s.env, stage: s.stage, tmpDir: s.tmpDir, githubActions: s.env['GITHUB_ACTIONS'] === 'true' }),
  buildah: (s) =>
    createBuildahBuilder({
      env: s.env,
      stage: s.stage,
      tmpDir: s.tmpDir,
      hostArch: s.hostArch,
      insecureRegistries: s.insecureRegistries,
      ...buildahSettings(s.env),
    }),
  layers: (s) => createLayersBuilder({ tmpDir: s.tmpDir, resolveBase: s.resolveBase }),
};

/** The builders of the backends `names`, created lazily (an unused backend's settings are never read). */
export function createBuilders(names: Iterable<BackendName>, s: BackendServices): Partial<Record<BackendName, Builder>> {
  const out: Partial<Record<BackendName, Builder>> = {};
  for (const n of names) out[n] ??= BUILDER_FACTORIES[n](s);
  return out;
}
