import { isDigest, type Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import { MediaType } from '../oci/media-types.js';

/**
 * The few manifest fields a layout needs (for index.json entries and referrers), read with a
 * minimal typed parse. Full manifest validation lives elsewhere; this only checks the fields it returns.
 */
export interface ManifestFields {
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly configMediaType?: string;
  readonly subject?: Digest;
  readonly annotations?: Readonly<Record<string, string>>;
  /** The media type implied by the document's shape, for manifests without a `mediaType` field. */
  readonly shapeMediaType?: string;
}

export function readManifestFields(bytes: Uint8Array, where: string): ManifestFields {
  const invalid = (why: string, cause?: unknown) => new OciError('MANIFEST_INVALID', `${where}: ${why}`, { cause });
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err: unknown) {
    throw invalid('not valid JSON', err);
  }
  if (!isObject(doc)) throw invalid('not a JSON object');

  const out: { -readonly [K in keyof ManifestFields]: ManifestFields[K] } = {};
  const mediaType = optionalString(doc, 'mediaType', invalid);
  if (mediaType !== undefined) out.mediaType = mediaType;
  const artifactType = optionalString(doc, 'artifactType', invalid);
  if (artifactType !== undefined) out.artifactType = artifactType;

  const config = doc['config'];
  if (isObject(config)) {
    const cmt = optionalString(config, 'mediaType', invalid);
    if (cmt !== undefined) out.configMediaType = cmt;
  }

  const subject = doc['subject'];
  if (subject !== undefined) {
    if (!isObject(subject) || typeof subject['digest'] !== 'string' || !isDigest(subject['digest'])) {
      throw invalid('subject is not a descriptor with a valid digest');
    }
    out.subject = subject['digest'];
  }

  const annotations = doc['annotations'];
  if (annotations !== undefined) {
    if (!isObject(annotations) || !Object.values(annotations).every((v) => typeof v === 'string')) {
      throw invalid('annotations must map strings to strings');
    }
    if (Object.keys(annotations).length > 0) out.annotations = annotations as Record<string, string>;
  }

  // Without a mediaType field (allowed for OCI types), the shape tells index from manifest.
  if (Array.isArray(doc['manifests'])) out.shapeMediaType = MediaType.OciIndex;
  else if (isObject(config) && Array.isArray(doc['layers'])) out.shapeMediaType = MediaType.OciManifest;
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(
  o: Record<string, unknown>,
  key: string,
  invalid: (why: string) => OciError,
): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`${key} must be a string`);
  return v;
}
