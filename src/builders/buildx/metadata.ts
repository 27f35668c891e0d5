// The `--metadata-file` buildx writes after a build: the pushed manifest's digest and descriptor.
// https://docs.docker.com/reference/cli/docker/buildx/build/#metadata-file
import type { Descriptor } from '../../oci/descriptor.js';
import { isDigest, type Digest } from '../../oci/digest.js';
import { isImageManifestMediaType } from '../../oci/media-types.js';
import { BuildError } from '../errors.js';

/** What gantry reads from buildx's metadata file. */
export interface BuildxMetadata {
  /** `containerimage.digest`: the platform manifest. */
  readonly digest: Digest;
  /** `containerimage.descriptor` (buildx 0.8+): the manifest's media type and size. */
  readonly descriptor?: Descriptor;
  /** `containerimage.config.digest`. */
  readonly configDigest?: Digest;
  /** `image.name`: where it was pushed. */
  readonly imageName?: string;
}

function invalid(why: string): BuildError {
  return new BuildError('BUILD_OUTPUT_INVALID', `buildx's metadata file ${why}`);
}

/** Parses the metadata file of a single-platform image build. Throws BUILD_OUTPUT_INVALID. */
export function parseBuildxMetadata(text: string): BuildxMetadata {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new BuildError('BUILD_OUTPUT_INVALID', `buildx's metadata file is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw invalid('is not a JSON object');
  const m = j as Record<string, unknown>;
  const digest = m['containerimage.digest'];
  if (typeof digest !== 'string' || !isDigest(digest)) {
    throw invalid(
      `has no containerimage.digest (${digest === undefined ? 'missing' : JSON.stringify(digest)}); was the image exported (--output type=image or type=oci)?`,
    );
  }
  const config = m['containerimage.config.digest'];
  const name = m['image.name'];
  const d = m['containerimage.descriptor'];
  let descriptor: Descriptor | undefined;
  if (d !== undefined) {
    const o = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    if (o['digest'] !== digest)
      throw invalid(
        `disagrees with itself: containerimage.digest is ${digest}, containerimage.descriptor.digest is ${JSON.stringify(o['digest'])}`,
      );
    const mediaType = o['mediaType'];
    const size = o['size'];
    if (typeof mediaType !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
      throw invalid('has a containerimage.descriptor without a mediaType and a positive size');
    }
    if (!isImageManifestMediaType(mediaType)) {
      throw invalid(
        `describes a ${mediaType}, not one platform's image manifest; build one platform at a time and disable attestations (--provenance=false --sbom=false)`,
      );
    }
    descriptor = { mediaType, digest, size };
  }
  return {
    digest,
    ...(descriptor !== undefined ? { descriptor } : {}),
    ...(typeof config === 'string' && isDigest(config) ? { configDigest: config } : {}),
    ...(typeof name === 'string' ? { imageName: name } : {}),
  };
}
