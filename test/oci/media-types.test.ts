import { describe, expect, it } from 'vitest';
import {
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from '../../src/oci/media-types.js';

describe('media type guards', () => {
  it('classify manifest media types', () => {
    expect(MANIFEST_MEDIA_TYPES.every(isManifestMediaType)).toBe(true);
    expect(MANIFEST_MEDIA_TYPES.filter(isIndexMediaType)).toEqual([MediaType.OciIndex, MediaType.DockerManifestList]);
    expect(MANIFEST_MEDIA_TYPES.filter(isImageManifestMediaType)).toEqual([MediaType.OciManifest, MediaType.DockerManifest]);
    for (const other of [MediaType.OciConfig, MediaType.OciLayerGzip, MediaType.OciEmpty, 'application/json', '']) {
      expect(isManifestMediaType(other)).toBe(false);
    }
  });
});
