// gantry's `layers` backend: base image + reproducible file layers + config, no daemon, no emulation.
export {
  commitSeconds,
  createLayersBuilder,
  DEFAULT_GZIP_LEVEL,
  GZIP_MEMBER_BYTES,
  type LayersBuilder,
  type LayersBuilderOptions,
  type LayersBuilderStats,
} from './builder.js';
export { baseLabel, type BaseResolver, type ResolvedBase } from './base.js';
export { checkExcludePattern, compileExclude, type ExcludeMatcher } from './glob.js';
export { BASE_DIGEST_ANNOTATION, BASE_NAME_ANNOTATION } from './platform-manifest.js';
