/** Media types gantry reads and writes (image-spec media-types.md, docker manifest-v2-2.md). */
export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  OciLayoutHeader: 'application/vnd.oci.layout.header.v1+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export type IndexMediaType = typeof MediaType.OciIndex | typeof MediaType.DockerManifestList;
export type ImageManifestMediaType = typeof MediaType.OciManifest | typeof MediaType.DockerManifest;
export type ManifestMediaType = IndexMediaType | ImageManifestMediaType;

/** Every manifest type, for the Accept header of manifest requests. */
export const MANIFEST_MEDIA_TYPES: readonly ManifestMediaType[] = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
];

export function isIndexMediaType(mt: string): mt is IndexMediaType {
  return mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
}

export function isImageManifestMediaType(mt: string): mt is ImageManifestMediaType {
  return mt === MediaType.OciManifest || mt === MediaType.DockerManifest;
}

export function isManifestMediaType(mt: string): mt is ManifestMediaType {
  return isIndexMediaType(mt) || isImageManifestMediaType(mt);
}
