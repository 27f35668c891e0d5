import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBuildxMetadata } from '../../src/builders/buildx/metadata.js';

// Recorded in the shape buildx documents for --metadata-file (docs.docker.com/reference/cli/docker/buildx/build/#metadata-file),
// as a push-by-digest build of one platform writes it (image.name, no provenance key with --provenance=false).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const DIGEST = 'sha256:fa30a4448bf43e08976add9c5977940c874718b2b519827baa75d412e86886e3';

describe('buildx metadata file', () => {
  it('reads the digest and the descriptor of a push-by-digest build', () => {
    expect(parseBuildxMetadata(fixture('buildx-metadata-push-by-digest.json'))).toEqual({
      digest: DIGEST,
      descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 1043 },
      configDigest: 'sha256:1abfa0bb372b4c6bedfe943ff8d5ad1b1ee5a004abeb05c1a3cda9cb134fee2f',
      imageName: 'ghcr.io/acme/api',
    });
  });

  it('older buildx (no containerimage.descriptor): the digest alone', () => {
    const m = parseBuildxMetadata(fixture('buildx-metadata-no-descriptor.json'));
    expect(m.digest).toBe(DIGEST);
    expect(m.descriptor).toBeUndefined();
  });

  const base = JSON.parse(fixture('buildx-metadata-push-by-digest.json')) as Record<string, unknown>;
  const desc = base['containerimage.descriptor'] as Record<string, unknown>;
  // prettier-ignore
  const bad: [what: string, text: string, says: RegExp][] = [
    ['not JSON', '{"containerimage.digest": ', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no digest (built without an image export)', JSON.stringify({ 'buildx.build.ref': 'b/b0/x' }), /no containerimage\.digest \(missing\)/],
    ['a digest that is not one', JSON.stringify({ 'containerimage.digest': 'sha256:xyz' }), /no containerimage\.digest \("sha256:xyz"\)/],
    ['descriptor and digest disagree', JSON.stringify({ ...base, 'containerimage.descriptor': { ...desc, digest: `sha256:${'0'.repeat(64)}` } }), /disagrees with itself/],
    ['descriptor without size', JSON.stringify({ ...base, 'containerimage.descriptor': { ...desc, size: undefined } }), /positive size/],
    ['an index (a multi-platform build or attestations)', JSON.stringify({ ...base, 'containerimage.descriptor': { ...desc, mediaType: 'application/vnd.oci.image.index.v1+json' } }), /not one platform's image manifest/],
  ];
  it.each(bad)('refuses %s', (_what, text, says) => {
    expect(() => parseBuildxMetadata(text)).toThrow(says);
    expect(() => parseBuildxMetadata(text)).toThrow(expect.objectContaining({ code: 'BUILD_OUTPUT_INVALID' }));
  });
});
