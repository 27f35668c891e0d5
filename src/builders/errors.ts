import { GantryError } from '../oci/errors.js';

export type BuildErrorCode =
  /** The builder ran and failed (a RUN step, a pull, a push): exit 1. */
  | 'BUILD_FAILED'
  /** `buildah` or `docker buildx` is not installed: exit 2, with how to install it. */
  | 'BUILDER_MISSING'
  /** A platform that is not native needs QEMU user emulation that is not registered: exit 2. */
  | 'EMULATION_UNAVAILABLE'
  /** The build's inputs are wrong (a Dockerfile that does not exist, a platform the image lacks): exit 2. */
  | 'BUILD_INPUT_INVALID'
  /** No builder of this backend was given to the run (e.g. `layers` not wired in): exit 1. */
  | 'BACKEND_UNAVAILABLE'
  /** The builder reported something gantry cannot use (metadata without a digest, digests that disagree). */
  | 'BUILD_OUTPUT_INVALID';

/** Errors of `build/`: every builder failure, with the builder's own words in the message. */
export class BuildError extends GantryError<BuildErrorCode> {}
