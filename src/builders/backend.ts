import type { BackendName } from '../plan/config/backend-traits.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { Store } from '../oci/store.js';
import type { ImageSpec } from '../plan/config/index.js';
import type { ReleaseContext } from '../plan/release-context.js';
import type { ImagePlan } from '../plan/release.js';

/** Where a build pushes its platform manifest (by digest, never by tag). */
export type StagingTarget =
  /** A registry repository, e.g. `ghcr.io/acme/api`; `store` is the same repository as a Store. */
  | { readonly kind: 'registry'; readonly repository: string; readonly store: Store; readonly insecure: boolean }
  /** An OCI image layout directory. */
  | { readonly kind: 'layout'; readonly path: string; readonly store: Store };

/** One platform of one image to build. */
export interface BuildRequest {
  readonly image: ImageSpec;
  /** Canonical platform, e.g. `linux/arm64`. */
  readonly platform: string;
  /** The plan of this image: labels, annotations, version. */
  readonly plan: ImagePlan;
  readonly context: ReleaseContext;
  /** The repository checkout the build's context and Dockerfile paths are relative to. */
  readonly cwd: string;
  readonly staging: StagingTarget;
  /** Progress lines for people (stderr). */
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
}

/** What a built platform is: its manifest, pushed by digest to the staging target. */
export interface BuildResult {
  readonly platform: string;
  readonly descriptor: Descriptor;
  /** Manifest + config + layers, compressed, as a pull downloads them. */
  readonly compressedSize: number;
  readonly backend: BackendName;
  readonly seconds: number;
}

/** A builder backend. */
export interface Builder {
  build(req: BuildRequest): Promise<BuildResult>;
}
