// The platform manifest of a layers build: OCI image manifest over the new config, the base's
// layers and the new ones, with the plan's annotations and the base image's name and digest
// (image-spec annotations.md: org.opencontainers.image.base.name / base.digest).
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf, type Digest } from '../../oci/digest.js';
import { serializeManifest, type ImageManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/media-types.js';
import type { ManifestBytes } from '../../oci/store.js';

export const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';

export interface ManifestInputs {
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations: Readonly<Record<string, string>>;
  readonly base?: { readonly name?: string | undefined; readonly digest?: Digest | undefined };
}

function descriptor(d: Descriptor): Descriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.urls !== undefined && d.urls.length > 0 ? { urls: d.urls } : {}),
    ...(d.annotations !== undefined && Object.keys(d.annotations).length > 0 ? { annotations: d.annotations } : {}),
  };
}

/** Builds the manifest (keys in image-spec's Go field order, annotations sorted) and its bytes. */
export function buildImageManifest(i: ManifestInputs): ManifestBytes & { manifest: ImageManifest } {
  const all: Record<string, string> = { ...i.annotations };
  if (i.base?.name !== undefined) all[BASE_NAME_ANNOTATION] = i.base.name;
  if (i.base?.digest !== undefined) all[BASE_DIGEST_ANNOTATION] = i.base.digest;
  const annotations: Record<string, string> = {};
  for (const k of Object.keys(all).sort()) annotations[k] = all[k] as string;
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: descriptor(i.config),
    layers: i.layers.map(descriptor),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const bytes = serializeManifest(manifest);
  return { manifest, bytes, descriptor: { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.byteLength } };
}
