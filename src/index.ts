// gantry's public library API. The release library (plan, build, publish, verify; src/release)
// is the front door; the OCI building blocks below it are exported for tools built on gantry.
export * from './release/index.js';
export type { Descriptor } from './oci/descriptor.js';
export { parseDigest, digestOf, type Digest } from './oci/digest.js';
export { OciError } from './oci/errors.js';
export { MediaType } from './oci/media-types.js';
export {
  parseManifest,
  buildIndex,
  parseImageConfig,
  type Manifest,
  type ImageIndex,
  type ImageManifest,
  type ImageConfig,
} from './oci/manifest.js';
export { platformMatches } from './oci/platform.js';
export { parseReference, formatReference, familiarReference, type Reference } from './oci/reference.js';
export type { Store, CallOptions, ManifestBytes } from './oci/store.js';
export { RegistryClient, type RegistryClientOptions } from './registry/client.js';
export {
  dockerConfigCredentials,
  staticCredentials,
  chainCredentials,
  type Credential,
  type CredentialSource,
} from './registry/credentials.js';
export { RegistryError } from './registry/errors.js';
export { workflowLoginHint } from './github/login-hint.js';
export { openLayout, LayoutStore } from './layout/index.js';
export { copyImage, type CopyOptions, type CopyTarget } from './publish/copy.js';
export { inspectImage } from './publish/inspect.js';
