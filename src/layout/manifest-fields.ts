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
  /** What the manifest names and a layout must hold before it: config, layers, index entries (not `subject`). */
  readonly children: readonly ManifestChild[];
}

/** A descriptor a manifest names. `foreign`: it has `urls`, so the blob may live elsewhere (Windows base layers). */
export interface ManifestChild {
  readonly path: string;
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly foreign: boolean;
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

  const out: { -readonly [K in keyof ManifestFields]: ManifestFields[K] } = { children: readChildren(doc, invalid) };
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

function readChildren(doc: Record<string, unknown>, invalid: (why: string) => OciError): ManifestChild[] {
  const found: [string, unknown][] = [];
  if (doc['config'] !== undefined) found.push(['config', doc['config']]);
  for (const key of ['layers', 'manifests']) {
    const list = doc[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(`${key} must be an array of descriptors`);
    list.forEach((d: unknown, i) => found.push([`${key}[${i}]`, d]));
  }
  return found.map(([path, d]) => {
    if (!isObject(d) || typeof d['digest'] !== 'string' || !isDigest(d['digest']))
      throw invalid(`${path} is not a descriptor with a valid digest`);
    const size = d['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${path}.size must be a non-negative integer`);
    const urls = d['urls'];
    const mediaType = typeof d['mediaType'] === 'string' ? d['mediaType'] : '';
    return { path, mediaType, digest: d['digest'], size, foreign: Array.isArray(urls) && urls.length > 0 };
  });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(o: Record<string, unknown>, key: string, invalid: (why: string) => OciError): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`${key} must be a string`);
  return v;
}
