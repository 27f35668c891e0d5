import { describe, expect, it } from 'vitest';
import { EMPTY_JSON_DESCRIPTOR, type Descriptor } from '../../src/oci/descriptor.js';
import { digestOf, parseDigest } from '../../src/oci/digest.js';
import { OciError } from '../../src/oci/errors.js';
import {
  buildIndex,
  isIndex,
  MAX_MANIFEST_BYTES,
  manifestChildren,
  parseManifest,
  serializeManifest,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
} from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';

const D1 = parseDigest(`sha256:${'1'.repeat(64)}`);
const D2 = parseDigest(`sha256:${'2'.repeat(64)}`);
const D3 = parseDigest(`sha512:${'3'.repeat(128)}`);

const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

const config = { mediaType: MediaType.OciConfig, digest: D1, size: 100 };
const layer = { mediaType: MediaType.OciLayerGzip, digest: D2, size: 2000 };
const ociManifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] };
const amd64 = { mediaType: MediaType.OciManifest, digest: D1, size: 500, platform: { architecture: 'amd64', os: 'linux' } };
const arm64 = {
  mediaType: MediaType.OciManifest,
  digest: D3,
  size: 501,
  platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
};
const ociIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [amd64, arm64] };

function manifestError(body: unknown, mediaType?: string): OciError {
  try {
    parseManifest(bytes(body), mediaType);
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    return e as OciError;
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseManifest: accepts', () => {
  it('an OCI image manifest', () => {
    const { mediaType, manifest } = parseManifest(bytes(ociManifest));
    expect(mediaType).toBe(MediaType.OciManifest);
    expect(manifest).toEqual(ociManifest);
    expect(isIndex(manifest)).toBe(false);
  });

  it('an OCI index, with a matching Content-Type carrying parameters', () => {
    const { mediaType, manifest } = parseManifest(bytes(ociIndex), `${MediaType.OciIndex}; charset=utf-8`);
    expect(mediaType).toBe(MediaType.OciIndex);
    expect(isIndex(manifest)).toBe(true);
  });

  it('Docker schema 2 manifests and lists', () => {
    const dm = { ...ociManifest, mediaType: MediaType.DockerManifest, config: { ...config, mediaType: MediaType.DockerConfig } };
    expect(parseManifest(bytes(dm), MediaType.DockerManifest).mediaType).toBe(MediaType.DockerManifest);
    const dl = {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifestList,
      manifests: [{ ...amd64, mediaType: MediaType.DockerManifest }],
    };
    expect(parseManifest(bytes(dl)).mediaType).toBe(MediaType.DockerManifestList);
  });

  it('a manifest without mediaType: from the given type, else from its shape', () => {
    const { mediaType: _m, ...bare } = ociManifest;
    expect(parseManifest(bytes(bare)).mediaType).toBe(MediaType.OciManifest);
    expect(parseManifest(bytes(bare), MediaType.DockerManifest).mediaType).toBe(MediaType.DockerManifest);
    expect(parseManifest(bytes(bare), 'application/json').mediaType).toBe(MediaType.OciManifest);
    const { mediaType: _i, ...bareIndex } = ociIndex;
    expect(parseManifest(bytes(bareIndex)).mediaType).toBe(MediaType.OciIndex);
    expect(parseManifest(bytes(bareIndex), 'Application/Octet-Stream').mediaType).toBe(MediaType.OciIndex);
    expect(parseManifest(bytes(bareIndex), '').mediaType).toBe(MediaType.OciIndex);
  });

  it('an artifact with subject, artifactType, annotations, urls, data and unknown fields', () => {
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: 'application/vnd.example+json',
      config: EMPTY_JSON_DESCRIPTOR,
      layers: [{ ...layer, urls: ['https://example.com/l'], annotations: { a: 'b' }, artifactType: 'x/y' }],
      subject: { mediaType: MediaType.OciManifest, digest: D1, size: 1 },
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
      futureField: { anything: [1, 2] },
    };
    expect(parseManifest(bytes(artifact), MediaType.OciManifest).manifest).toEqual(artifact);
  });

  it('index entries with full platforms, and an empty manifests list', () => {
    const idx = {
      ...ociIndex,
      manifests: [
        {
          ...amd64,
          platform: { architecture: 'amd64', os: 'windows', 'os.version': '10.0', 'os.features': ['win32k'], features: ['sse4'] },
        },
      ],
    };
    expect(parseManifest(bytes(idx)).manifest).toEqual(idx);
    expect(manifestChildren(parseManifest(bytes({ ...ociIndex, manifests: [] })).manifest)).toEqual([]);
  });
});

describe('parseManifest: refuses', () => {
  it('lists every problem with its path', () => {
    const bad = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { ...config, size: -1 },
      layers: [layer, { ...layer, digest: 'sha256:nothex' }],
    };
    const e = manifestError(bad);
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toBe(
      'invalid image manifest: config.size: expected a non-negative integer; layers[1].digest: invalid digest "sha256:nothex"',
    );
  });

  // prettier-ignore
  const cases: [name: string, body: unknown, says: string[]][] = [
    ['schemaVersion 1', { ...ociManifest, schemaVersion: 1 }, ['schemaVersion: expected 2 (Docker schema 1']],
    ['no schemaVersion', { ...ociManifest, schemaVersion: undefined }, ['schemaVersion: expected 2']],
    ['missing config', { ...ociManifest, config: undefined }, ['config: required descriptor is missing']],
    ['config not an object', { ...ociManifest, config: 'x' }, ['config: expected a descriptor object']],
    ['layers missing', { ...ociManifest, layers: undefined }, ['layers: required array is missing']],
    ['layers not an array', { ...ociManifest, layers: {} }, ['layers: expected an array of descriptors']],
    ['descriptor fields', { ...ociManifest, layers: [{ mediaType: 7, size: 1.5, urls: 'u', annotations: [], data: 1, artifactType: 2 }] },
      ['layers[0].mediaType: expected a string', 'layers[0].digest: required digest is missing', 'layers[0].size: expected a non-negative integer',
       'layers[0].urls: expected an array of strings', 'layers[0].annotations: expected an object mapping strings to strings',
       'layers[0].data: expected a string', 'layers[0].artifactType: expected a string']],
    ['missing mediaType, digest not a string', { ...ociManifest, config: { digest: 5, size: 1 } },
      ['config.mediaType: required string is missing', 'config.digest: expected a digest string']],
    ['size too large', { ...ociManifest, config: { ...config, size: 2 ** 53 } }, ['config.size: expected a non-negative integer']],
    ['size as string', { ...ociManifest, config: { ...config, size: '1' } }, ['config.size: expected a non-negative integer']],
    ['bad url entry', { ...ociManifest, config: { ...config, urls: ['ok', 3] } }, ['config.urls[1]: expected a string']],
    ['bad annotations', { ...ociManifest, annotations: { a: 1 } }, ['annotations["a"]: expected a string']],
    ['annotations not an object', { ...ociManifest, annotations: 'a=b' }, ['annotations: expected an object mapping strings to strings']],
    ['bad artifactType', { ...ociManifest, artifactType: {} }, ['artifactType: expected a string']],
    ['bad subject', { ...ociManifest, subject: { mediaType: 'x', digest: 'y', size: 1 } }, ['subject.digest: invalid digest "y"']],
    ['manifests in an image', { ...ociManifest, manifests: [] }, ['manifests: not allowed in an image manifest']],
    ['config in an index', { ...ociIndex, config, layers: [] }, ['config: not allowed in an image index', 'layers: not allowed in an image index']],
    ['manifests missing', { schemaVersion: 2, mediaType: MediaType.OciIndex }, ['invalid image index: manifests: required array is missing']],
    ['platform without os', { ...ociIndex, manifests: [{ ...amd64, platform: { architecture: 'amd64' } }] },
      ['manifests[0].platform.os: required string is missing']],
    ['platform not an object', { ...ociIndex, manifests: [{ ...amd64, platform: 'linux/amd64' }] }, ['manifests[0].platform: expected a platform object']],
    ['platform fields', { ...ociIndex, manifests: [{ ...amd64, platform: { os: 1, architecture: 'a', variant: 2, 'os.version': 3, 'os.features': [4], features: 5 } }] },
      ['manifests[0].platform.os: expected a string', 'manifests[0].platform.variant: expected a string', 'manifests[0].platform.os.version: expected a string',
       'manifests[0].platform.os.features[0]: expected a string', 'manifests[0].platform.features: expected an array of strings']],
    ['descriptor not an object', { ...ociIndex, manifests: [null] }, ['manifests[0]: expected a descriptor object']],
  ];
  it.each(cases)('%s', (_name, body, says) => {
    const e = manifestError(body);
    expect(e.code).toBe('MANIFEST_INVALID');
    for (const s of says) expect(e.message).toContain(s);
  });

  it('caps the list of problems', () => {
    const layers = Array.from({ length: 25 }, () => ({ ...layer, size: -1 }));
    const e = manifestError({ ...ociManifest, layers });
    expect(e.message).toContain('layers[19].size');
    expect(e.message).not.toContain('layers[20].size');
    expect(e.message).toMatch(/… and 5 more$/);
  });

  it('cuts very long values in messages', () => {
    const e = manifestError({ ...ociManifest, config: { ...config, digest: 'x'.repeat(500) } });
    expect(e.message).toContain(`"${'x'.repeat(100)}…"`);
    expect(e.message.length).toBeLessThan(300);
  });

  it('a body whose mediaType differs from the Content-Type', () => {
    const e = manifestError(ociManifest, MediaType.DockerManifest);
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toContain('mediaType');
    expect(e.message).toContain(MediaType.DockerManifest);
  });

  it('a Content-Type that says index for an image body', () => {
    const { mediaType: _m, ...bare } = ociManifest;
    const e = manifestError(bare, MediaType.OciIndex);
    expect(e.message).toContain('invalid image index: manifests: required array is missing');
  });

  it('unsupported media types, in the body or the Content-Type', () => {
    const schema1 = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
    expect(manifestError(ociManifest, schema1)).toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' });
    const e = manifestError({ ...ociManifest, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' });
    expect(e.code).toBe('MEDIA_TYPE_UNSUPPORTED');
    expect(e.message).toContain('application/vnd.oci.artifact.manifest.v1+json');
  });

  it('a config or layer descriptor with a manifest or index media type: they are blobs, never manifests', () => {
    const asIndex = { ...layer, mediaType: MediaType.OciIndex };
    const e = manifestError({ ...ociManifest, layers: [layer, asIndex] });
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toBe(
      `invalid image manifest: layers[1].mediaType: ${MediaType.OciIndex} is a manifest media type; a layer is a blob, never a manifest`,
    );
    const docker = manifestError({
      ...ociManifest,
      mediaType: MediaType.DockerManifest,
      config: { ...config, mediaType: MediaType.DockerManifestList },
    });
    expect(docker.message).toContain(
      `config.mediaType: ${MediaType.DockerManifestList} is a manifest media type; a config is a blob, never a manifest`,
    );
    // Without a mediaType field too (the shape says image manifest).
    const { mediaType: _m, ...bare } = ociManifest;
    expect(manifestError({ ...bare, layers: [{ ...layer, mediaType: MediaType.OciManifest }] })).toMatchObject({
      code: 'MANIFEST_INVALID',
    });
  });

  it('a mediaType that is not a string', () => {
    expect(manifestError({ ...ociManifest, mediaType: 3 })).toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringContaining('mediaType: expected a string'),
    });
  });

  it('a body of unknown shape', () => {
    expect(manifestError({ schemaVersion: 2 }).message).toContain('neither "manifests"');
  });

  it('JSON that is not an object, or not JSON, or not UTF-8', () => {
    expect(manifestError('[]').message).toBe('invalid manifest: expected a JSON object');
    expect(manifestError('null').message).toBe('invalid manifest: expected a JSON object');
    const e = manifestError('{"schemaVersion":');
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toContain('not valid UTF-8 JSON');
    expect(e.cause).toBeInstanceOf(SyntaxError);
    let err: unknown;
    try {
      parseManifest(new Uint8Array([0x7b, 0xff, 0x7d]));
    } catch (x) {
      err = x;
    }
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('UTF-8') });
  });

  it('more than MAX_MANIFEST_BYTES', () => {
    expect(() => parseManifest(new Uint8Array(MAX_MANIFEST_BYTES + 1))).toThrow(expect.objectContaining({ code: 'MANIFEST_TOO_LARGE' }));
    const padded = bytes(ociManifest);
    const exact = new Uint8Array(MAX_MANIFEST_BYTES).fill(0x20);
    exact.set(padded);
    expect(parseManifest(exact).mediaType).toBe(MediaType.OciManifest);
  });
});

describe('manifestChildren / isIndex', () => {
  const image = parseManifest(bytes(ociManifest)).manifest;
  const index = parseManifest(bytes(ociIndex)).manifest;
  it('returns config then layers, or the index entries', () => {
    expect(manifestChildren(image)).toEqual([config, layer]);
    expect(manifestChildren(index)).toEqual([amd64, arm64]);
  });
  it('works for Docker types and for manifests without mediaType', () => {
    const dl: ImageIndex = { schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [amd64] };
    const dm: ImageManifest = { schemaVersion: 2, mediaType: MediaType.DockerManifest, config, layers: [] };
    const bareIndex: ImageIndex = { schemaVersion: 2, manifests: [] };
    const bareImage: ImageManifest = { schemaVersion: 2, config, layers: [layer] };
    expect(manifestChildren(dl)).toHaveLength(1);
    expect(manifestChildren(dm)).toEqual([config]);
    expect(manifestChildren(bareIndex)).toEqual([]);
    expect(manifestChildren(bareImage)).toEqual([config, layer]);
    expect([dl, dm, bareIndex, bareImage].map(isIndex)).toEqual([true, false, true, false]);
  });
  it('throws UNSUPPORTED for a value that is neither', () => {
    const forged = { schemaVersion: 2, mediaType: 'application/x-unknown' } as unknown as Manifest;
    expect(() => manifestChildren(forged)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});

describe('serializeManifest', () => {
  it('writes compact JSON that parses back equal', () => {
    const m = parseManifest(bytes(ociIndex)).manifest;
    const out = serializeManifest(m);
    expect(new TextDecoder().decode(out)).toBe(JSON.stringify(ociIndex));
    expect(parseManifest(out).manifest).toEqual(m);
  });
});

describe('buildIndex', () => {
  it('builds an OCI index whose descriptor names its exact bytes', () => {
    const { bytes: b, descriptor, index } = buildIndex([amd64, arm64]);
    expect(descriptor).toEqual({ mediaType: MediaType.OciIndex, digest: digestOf(b), size: b.byteLength });
    expect(index).toEqual({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [amd64, arm64] });
    expect(JSON.parse(new TextDecoder().decode(b))).toEqual(index);
    expect(parseManifest(b, descriptor.mediaType).manifest).toEqual(index);
    expect(new TextDecoder().decode(b)).not.toMatch(/\s/);
    expect('annotations' in index).toBe(false);
  });

  it('writes fields in a canonical order and drops unknown or empty ones, so equal input gives equal bytes', () => {
    const scrambled = {
      platform: { variant: 'v8', os: 'linux', features: ['f'], 'os.features': ['g'], 'os.version': '1', architecture: 'arm64' },
      size: 1,
      extra: 'dropped',
      annotations: {},
      urls: [],
      digest: D1,
      artifactType: 'a/b',
      data: 'e30=',
      mediaType: MediaType.OciManifest,
    } as unknown as Descriptor;
    const { bytes: b } = buildIndex([scrambled]);
    expect(new TextDecoder().decode(b)).toBe(
      `{"schemaVersion":2,"mediaType":"${MediaType.OciIndex}","manifests":[{"mediaType":"${MediaType.OciManifest}","digest":"${D1}","size":1,` +
        '"data":"e30=","platform":{"architecture":"arm64","os":"linux","os.version":"1","os.features":["g"],"variant":"v8","features":["f"]},' +
        '"artifactType":"a/b"}]}',
    );
    const withLists = buildIndex([{ ...(amd64 as Descriptor), urls: ['u'], annotations: { k: 'v' } }]);
    expect(withLists.index.manifests[0]).toEqual({ ...amd64, urls: ['u'], annotations: { k: 'v' } });
  });

  it('keeps entry order and adds annotations when given', () => {
    const { index, bytes: b } = buildIndex([arm64, amd64], { annotations: { 'org.opencontainers.image.version': '1.2.3' } });
    expect(index.manifests.map((d) => d.digest)).toEqual([D3, D1]);
    expect(index.annotations).toEqual({ 'org.opencontainers.image.version': '1.2.3' });
    expect(new TextDecoder().decode(b).endsWith('"annotations":{"org.opencontainers.image.version":"1.2.3"}}')).toBe(true);
    expect('annotations' in buildIndex([], { annotations: {} }).index).toBe(false);
  });

  it('accepts entries without a platform (artifacts)', () => {
    const entry: Descriptor = { mediaType: MediaType.OciManifest, digest: D2, size: 9, artifactType: 'application/vnd.example' };
    expect(buildIndex([entry]).index.manifests).toEqual([entry]);
  });

  it('builds a Docker manifest list', () => {
    const { descriptor, index } = buildIndex([amd64], { mediaType: MediaType.DockerManifestList });
    expect(descriptor.mediaType).toBe(MediaType.DockerManifestList);
    expect(index.mediaType).toBe(MediaType.DockerManifestList);
  });

  it('refuses annotations on a Docker manifest list, and invalid entries', () => {
    expect(() => buildIndex([], { mediaType: MediaType.DockerManifestList, annotations: { a: 'b' } })).toThrow(
      expect.objectContaining({
        code: 'MANIFEST_INVALID',
        message: expect.stringContaining('annotations: a Docker manifest list cannot carry annotations'),
      }),
    );
    const bad = { ...amd64, size: -5 } as Descriptor;
    expect(() => buildIndex([amd64 as Descriptor, bad])).toThrow(/manifests\[1\]\.size: expected a non-negative integer/);
    expect(() => buildIndex([], { annotations: { a: 1 } as unknown as Record<string, string> })).toThrow(
      /annotations\["a"\]: expected a string/,
    );
  });
});
