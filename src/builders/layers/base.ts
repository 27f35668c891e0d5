// The base image of a layers build, for one platform: the manifest the base reference names (the
// entry of an index that matches the platform), its config and its layers.
import type { Descriptor, Platform } from '../../oci/descriptor.js';
import type { Digest } from '../../oci/digest.js';
import { configPlatform, isIndex, parseImageConfig, parseManifest, type ImageConfig, type ImageManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/media-types.js';
import { formatPlatform, platformMatches } from '../../oci/platform.js';
import type { Store } from '../../oci/store.js';
import { readAll, verified } from '../../oci/verified-stream.js';
import type { BaseImageSpec } from '../../plan/config/index.js';
import { BuildError } from '../errors.js';

/** How the builder reaches a base image: a Store and the tag or digest to resolve in it. */
export type BaseResolver = (base: Exclude<BaseImageSpec, { kind: 'scratch' }>) => Promise<{ store: Store; reference: string }>;

/** A base image resolved for one platform. `scratch` has no store, config or layers. */
export interface ResolvedBase {
  /** `scratch`, the registry reference, or `oci:PATH[:TAG]` as configured. */
  readonly label: string;
  readonly store?: Store;
  readonly config?: ImageConfig;
  /** Layers as OCI descriptors (Docker layer types mapped to their OCI equivalents). */
  readonly layers: readonly Descriptor[];
  /** Digest of what the base reference names (an index for multi-platform bases), for `base.digest`. */
  readonly digest?: Digest;
  /** The registry reference, for `org.opencontainers.image.base.name` (layouts have none). */
  readonly name?: string;
}

/** Largest image config gantry reads. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

// Docker schema 2 layer types are the same bytes as their OCI equivalents; an OCI manifest must
// not mix the two families (image-spec media-types.md compatibility matrix).
const OCI_LAYER_TYPE: Readonly<Record<string, string>> = {
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerForeignLayerGzip]: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
};

export function baseLabel(spec: BaseImageSpec): string {
  switch (spec.kind) {
    case 'scratch':
      return 'scratch';
    case 'registry':
      return spec.reference;
    case 'layout':
      return `oci:${spec.path}${spec.tag === undefined ? '' : `:${spec.tag}`}`;
  }
}

function ociLayer(d: Descriptor): Descriptor {
  const mediaType = OCI_LAYER_TYPE[d.mediaType] ?? d.mediaType;
  return {
    mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.urls !== undefined && d.urls.length > 0 ? { urls: d.urls } : {}),
    ...(d.annotations !== undefined && Object.keys(d.annotations).length > 0 ? { annotations: d.annotations } : {}),
  };
}

function noPlatform(label: string, want: Platform, available: readonly string[]): BuildError {
  return new BuildError(
    'BUILD_INPUT_INVALID',
    `base ${label} has no ${formatPlatform(want)} image; available: ${available.length > 0 ? available.join(', ') : 'none listed'}. Pick a base that has it, or drop the platform`,
    { userError: true },
  );
}

/** Resolves `spec` for `platform`: picks the index entry, reads (verified) manifest and config. */
export async function resolveBase(
  spec: BaseImageSpec,
  platform: Platform,
  resolver: BaseResolver,
  signal?: AbortSignal,
): Promise<ResolvedBase> {
  const label = baseLabel(spec);
  if (spec.kind === 'scratch') return { label, layers: [] };
  const { store, reference } = await resolver(spec);
  const top = await store.fetchManifest(reference, { signal });
  let image = top;
  const parsedTop = parseManifest(top.bytes, top.descriptor.mediaType);
  if (isIndex(parsedTop.manifest)) {
    const entries = parsedTop.manifest.manifests;
    const entry = entries.find((d) => d.platform !== undefined && platformMatches(platform, d.platform));
    if (entry === undefined) {
      throw noPlatform(
        label,
        platform,
        entries.flatMap((d) => (d.platform === undefined ? [] : [formatPlatform(d.platform)])),
      );
    }
    image = await store.fetchManifest(entry, { signal });
  }
  const parsed = parseManifest(image.bytes, image.descriptor.mediaType);
  if (isIndex(parsed.manifest)) {
    throw new BuildError(
      'BUILD_INPUT_INVALID',
      `base ${label}: the ${formatPlatform(platform)} entry is itself an index; gantry expects an image manifest there`,
      { userError: true },
    );
  }
  const manifest: ImageManifest = parsed.manifest;
  const configBytes = await readAll(
    verified(await store.fetchBlob(manifest.config, { signal }), manifest.config, `${store.name}: `),
    MAX_CONFIG_BYTES,
  );
  const config = parseImageConfig(configBytes);
  const have = configPlatform(config);
  if (!platformMatches(platform, have)) throw noPlatform(label, platform, [formatPlatform(have)]);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new BuildError(
      'BUILD_INPUT_INVALID',
      `base ${label}: its config lists ${config.rootfs.diff_ids.length} diff_ids for ${manifest.layers.length} layers; the image is broken`,
      { userError: true },
    );
  }
  return {
    label,
    store,
    config,
    layers: manifest.layers.map(ociLayer),
    digest: top.descriptor.digest,
    ...(spec.kind === 'registry' ? { name: spec.reference } : {}),
  };
}
