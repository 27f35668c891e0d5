import type { Descriptor, Platform } from './descriptor.js';
import { digestOf } from './digest.js';
import { assertNever, OciError } from './errors.js';
import {
  checkDescriptor,
  checkString,
  checkStringMap,
  isJsonObject,
  Problems,
  parseJsonObject,
  quote,
  type JsonObject,
} from './json-fields.js';
import {
  isIndexMediaType,
  isManifestMediaType,
  MediaType,
  type ImageManifestMediaType,
  type IndexMediaType,
  type ManifestMediaType,
} from './media-types.js';
import type { ManifestBytes } from './store.js';

export { configPlatform, parseImageConfig } from './image-config.js';
export type { ContainerConfig, HistoryEntry, ImageConfig } from './image-config.js';

/** Largest manifest gantry reads or writes; registries commonly refuse more (distribution's default is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** An OCI image manifest or a Docker schema 2 manifest (image-spec manifest.md, docker manifest-v2-2.md). */
export interface ImageManifest {
  readonly schemaVersion: 2;
  /** Absent in some OCI manifests (Helm charts); then the Content-Type or descriptor says. */
  readonly mediaType?: ImageManifestMediaType;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image index or a Docker manifest list (image-spec image-index.md). */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: IndexMediaType;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type Manifest = ImageManifest | ImageIndex;

/** A validated manifest and the media type it was read as. */
export interface ParsedManifest {
  readonly mediaType: ManifestMediaType;
  /** The parsed JSON as sent; fields gantry does not know are kept, untyped. */
  readonly manifest: Manifest;
}

// Content types some registries send for manifests; they say nothing about the kind.
const GENERIC_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/octet-stream', 'text/plain']);

function unsupported(mediaType: string): OciError {
  return new OciError(
    'MEDIA_TYPE_UNSUPPORTED',
    `unsupported manifest media type ${quote(mediaType)}: gantry reads OCI image manifests and indexes, and Docker schema 2 manifests and manifest lists`,
  );
}

/** The media type the body declares, the caller expects, or the body's shape implies, in that order. */
function chooseMediaType(o: JsonObject, expected: string): ManifestMediaType {
  if (expected !== '' && !isManifestMediaType(expected) && !GENERIC_CONTENT_TYPES.has(expected)) throw unsupported(expected);
  const declared = o['mediaType'];
  if (declared !== undefined) {
    if (typeof declared !== 'string') throw new OciError('MANIFEST_INVALID', 'invalid manifest: mediaType: expected a string');
    if (!isManifestMediaType(declared)) throw unsupported(declared);
    // distribution-spec: a manifest whose mediaType differs from its Content-Type must be rejected.
    if (isManifestMediaType(expected) && declared !== expected) {
      throw new OciError(
        'MANIFEST_INVALID',
        `invalid manifest: mediaType: the body says ${quote(declared)} but it was served or referenced as ${quote(expected)}`,
      );
    }
    return declared;
  }
  if (isManifestMediaType(expected)) return expected;
  if ('manifests' in o) return MediaType.OciIndex;
  if ('config' in o) return MediaType.OciManifest;
  throw new OciError(
    'MANIFEST_INVALID',
    'invalid manifest: no mediaType, and neither "manifests" (an index) nor "config" (an image manifest) is present',
  );
}

function checkDescriptorList(p: Problems, o: JsonObject, key: string): void {
  const v = o[key];
  if (!Array.isArray(v)) {
    p.add(key, v === undefined ? 'required array is missing' : 'expected an array of descriptors');
    return;
  }
  v.forEach((d, i) => checkDescriptor(p, d, `${key}[${i}]`));
}

/**
 * A config or layer is a blob: one carrying a manifest media type would be taken for a child
 * manifest and skipped when blobs are copied, and the image tagged without it.
 */
function refuseManifestBlob(p: Problems, d: unknown, path: string, what: string): void {
  const mt = isJsonObject(d) ? d['mediaType'] : undefined;
  if (typeof mt === 'string' && isManifestMediaType(mt))
    p.add(`${path}.mediaType`, `${mt} is a manifest media type; ${what} is a blob, never a manifest`);
}

function refuse(p: Problems, o: JsonObject, keys: readonly string[], what: string): void {
  for (const k of keys) if (k in o) p.add(k, `not allowed in an ${what}`);
}

/**
 * Parses and validates a manifest or index. `mediaType` is the response's Content-Type or the
 * referencing descriptor's mediaType, when known. Every problem is collected, then one
 * `OciError('MANIFEST_INVALID')` lists them with their paths. Unknown fields are allowed.
 * Throws MANIFEST_TOO_LARGE above `MAX_MANIFEST_BYTES` and MEDIA_TYPE_UNSUPPORTED for other types.
 * Digest `bytes`, never a re-serialization of the result.
 */
export function parseManifest(bytes: Uint8Array, mediaType?: string): ParsedManifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new OciError('MANIFEST_TOO_LARGE', `manifest is ${bytes.byteLength} bytes; at most ${MAX_MANIFEST_BYTES} are accepted`);
  }
  // A Content-Type may carry parameters (`; charset=utf-8`); media types are case-insensitive.
  const expected = (mediaType ?? '')
    .replace(/;[\s\S]*$/, '')
    .trim()
    .toLowerCase();
  const o = parseJsonObject(bytes, 'MANIFEST_INVALID', 'manifest');
  const mt = chooseMediaType(o, expected);
  const index = isIndexMediaType(mt);
  const what = index ? 'image index' : 'image manifest';
  const p = new Problems();
  if (o['schemaVersion'] !== 2) {
    p.add('schemaVersion', o['schemaVersion'] === 1 ? 'expected 2 (Docker schema 1 manifests are not supported)' : 'expected 2');
  }
  checkString(p, o, 'artifactType', '');
  checkStringMap(p, o, 'annotations', '');
  if (o['subject'] !== undefined) checkDescriptor(p, o['subject'], 'subject');
  if (index) {
    checkDescriptorList(p, o, 'manifests');
    refuse(p, o, ['config', 'layers'], what);
  } else {
    checkDescriptor(p, o['config'], 'config');
    checkDescriptorList(p, o, 'layers');
    refuseManifestBlob(p, o['config'], 'config', 'a config');
    if (Array.isArray(o['layers'])) o['layers'].forEach((d, i) => refuseManifestBlob(p, d, `layers[${i}]`, 'a layer'));
    refuse(p, o, ['manifests'], what);
  }
  p.throwIfAny('MANIFEST_INVALID', what);
  return { mediaType: mt, manifest: o as unknown as Manifest };
}

/** True for an index or manifest list: by its mediaType, else by its shape. */
export function isIndex(m: Manifest): m is ImageIndex {
  return m.mediaType === undefined ? 'manifests' in m : isIndexMediaType(m.mediaType);
}

/** The descriptors a manifest points at: an index's manifests, or an image's config and layers. */
export function manifestChildren(m: Manifest): readonly Descriptor[] {
  switch (m.mediaType) {
    case MediaType.OciIndex:
    case MediaType.DockerManifestList:
      return m.manifests;
    case MediaType.OciManifest:
    case MediaType.DockerManifest:
      return [m.config, ...m.layers];
    case undefined:
      return isIndex(m) ? m.manifests : [m.config, ...m.layers];
    default:
      return assertNever(m, 'manifest');
  }
}

/** Compact JSON bytes of a manifest. Digest and push exactly these bytes; never serialize twice. */
export function serializeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m));
}

export interface BuildIndexOptions {
  /** Defaults to the OCI index type. */
  readonly mediaType?: IndexMediaType;
  /** Index annotations; omitted when empty. Only OCI indexes may carry them. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A built index: the value, its exact bytes, and the descriptor that names them. */
export interface BuiltIndex extends ManifestBytes {
  readonly index: ImageIndex;
}

function canonicalPlatform(p: Platform): Platform {
  return {
    architecture: p.architecture,
    os: p.os,
    ...(p['os.version'] === undefined ? {} : { 'os.version': p['os.version'] }),
    ...(p['os.features'] === undefined ? {} : { 'os.features': p['os.features'] }),
    ...(p.variant === undefined ? {} : { variant: p.variant }),
    ...(p.features === undefined ? {} : { features: p.features }),
  };
}

// Field order of image-spec's Go structs (what buildx, crane and containerd write), and nothing
// else, so equal inputs give byte-identical indexes and re-runs are idempotent.
function canonicalDescriptor(d: Descriptor): Descriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.urls === undefined || d.urls.length === 0 ? {} : { urls: d.urls }),
    ...(d.annotations === undefined || Object.keys(d.annotations).length === 0 ? {} : { annotations: d.annotations }),
    ...(d.data === undefined ? {} : { data: d.data }),
    ...(d.platform === undefined ? {} : { platform: canonicalPlatform(d.platform) }),
    ...(d.artifactType === undefined ? {} : { artifactType: d.artifactType }),
  };
}

/**
 * Builds a new index over `entries` (kept in the given order, usually with `platform` set),
 * and returns its bytes and descriptor. Throws MANIFEST_INVALID for invalid entries, or for
 * annotations on a Docker manifest list.
 */
export function buildIndex(entries: readonly Descriptor[], opts: BuildIndexOptions = {}): BuiltIndex {
  const mediaType = opts.mediaType ?? MediaType.OciIndex;
  const annotations = opts.annotations ?? {};
  const p = new Problems();
  entries.forEach((d, i) => checkDescriptor(p, d, `manifests[${i}]`));
  checkStringMap(p, { annotations }, 'annotations', '');
  const hasAnnotations = Object.keys(annotations).length > 0;
  if (hasAnnotations && mediaType === MediaType.DockerManifestList) {
    p.add('annotations', 'a Docker manifest list cannot carry annotations; use the OCI index media type');
  }
  p.throwIfAny('MANIFEST_INVALID', 'image index');
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType,
    manifests: entries.map(canonicalDescriptor),
    ...(hasAnnotations ? { annotations } : {}),
  };
  const bytes = serializeManifest(index);
  return { index, bytes, descriptor: { mediaType, digest: digestOf(bytes), size: bytes.byteLength } };
}
