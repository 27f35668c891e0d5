import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLayout, type LayoutStore } from '../../src/layout/index.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { collect, descriptorOf, jsonBytes, makeIndex, pushArtifact, pushImageBlobs, withTempDirs } from './helpers.js';

const REF = 'org.opencontainers.image.ref.name';

let dirs: Awaited<ReturnType<typeof withTempDirs>>;
let dir: string;
let store: LayoutStore;

beforeEach(async () => {
  dirs = await withTempDirs();
  dir = dirs.path('layout');
  store = await openLayout(dir, { create: true });
});
afterEach(() => dirs.cleanup());

async function blobFiles(): Promise<string[]> {
  return (await readdir(join(dir, 'blobs', 'sha256'))).sort();
}

async function indexJson(): Promise<{ manifests: Descriptor[] }> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
}

describe('opening', () => {
  it('creates an empty layout', async () => {
    expect(await readFile(join(dir, 'index.json'), 'utf8')).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
    );
    expect(await blobFiles()).toEqual([]);
    expect(store.name).toBe(`oci:${dir}`);
    expect(await store.listTags()).toEqual([]);
  });

  it('refuses a directory that is not a layout', async () => {
    await expect(openLayout(dirs.path('nope'))).rejects.toMatchObject({ code: 'NOT_FOUND', userError: true });
    await expect(openLayout(dirs.path('nope'))).rejects.toThrow(/is not an OCI image layout \(no oci-layout file\)/);
  });

  it('refuses an unknown imageLayoutVersion', async () => {
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await expect(openLayout(dir, { create: true })).rejects.toMatchObject({ code: 'UNSUPPORTED', userError: true });
  });

  it('re-opening with create keeps existing content', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    await store.pushManifest(img.manifest, 'v1');
    const again = await openLayout(dir, { create: true });
    expect(await again.listTags()).toEqual(['v1']);
  });

  it('rejects an invalid index.json', async () => {
    await writeFile(join(dir, 'index.json'), '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:XYZ","size":1}]}');
    await expect(store.listTags()).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
  });
});

describe('blobs', () => {
  const bytes = Buffer.from('some blob content');
  const desc = descriptorOf('application/octet-stream', bytes);

  it('round-trips a blob', async () => {
    expect(await store.blobExists(desc)).toBe(false);
    await store.pushBlob(desc, bytes);
    expect(await store.blobExists(desc)).toBe(true);
    expect((await collect(await store.fetchBlob(desc))).equals(bytes)).toBe(true);
    expect(await blobFiles()).toEqual([desc.digest.slice('sha256:'.length)]);
  });

  it('fetchBlob of a missing blob is NOT_FOUND', async () => {
    await expect(store.fetchBlob(desc)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a corrupted file makes the stream throw DIGEST_MISMATCH', async () => {
    await store.pushBlob(desc, bytes);
    const path = join(dir, 'blobs', 'sha256', desc.digest.slice(7));
    const onDisk = await readFile(path);
    onDisk[3] = (onDisk[3] ?? 0) ^ 0xff;
    await writeFile(path, onDisk);
    await expect(collect(await store.fetchBlob(desc))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('a truncated file is not "present" and its stream throws SIZE_MISMATCH', async () => {
    await store.pushBlob(desc, bytes);
    await writeFile(join(dir, 'blobs', 'sha256', desc.digest.slice(7)), bytes.subarray(0, 4));
    expect(await store.blobExists(desc)).toBe(false);
    await expect(collect(await store.fetchBlob(desc))).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    // A push repairs it.
    await store.pushBlob(desc, bytes);
    expect((await collect(await store.fetchBlob(desc))).equals(bytes)).toBe(true);
  });

  it('wrong bytes throw and leave neither the blob nor a temp file', async () => {
    await expect(store.pushBlob(desc, Buffer.from('other content, same len'))).rejects.toMatchObject({ code: 'SIZE_EXCEEDED' });
    await expect(store.pushBlob(desc, Buffer.from('some blob CONTENT'))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(store.pushBlob(desc, Buffer.from('short'))).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(await blobFiles()).toEqual([]);
  });

  it('a body that fails mid-stream leaves no temp file', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 5);
      yield bytes.subarray(5, 9);
      throw new Error('connection reset');
    }
    await expect(store.pushBlob(desc, broken())).rejects.toThrow('connection reset');
    expect(await blobFiles()).toEqual([]);
  });

  it('an aborted push leaves no temp file', async () => {
    const ac = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 5);
      ac.abort();
      yield bytes.subarray(5);
    }
    await expect(store.pushBlob(desc, slow(), { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await blobFiles()).toEqual([]);
  });

  it('a present blob is not read again; an iterable body is closed, a function body never called', async () => {
    await store.pushBlob(desc, bytes);
    let pulled = 0;
    let closed = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        pulled++;
        yield bytes;
      } finally {
        closed = true;
      }
    }
    const gen = body();
    await store.pushBlob(desc, gen);
    expect(pulled).toBe(0);
    expect(await gen.next()).toEqual({ done: true, value: undefined });
    expect(closed).toBe(false); // never started, so its finally never ran: nothing was held open
    let called = false;
    await store.pushBlob(desc, () => {
      called = true;
      return body();
    });
    expect(called).toBe(false);
  });

  it('reports progress', async () => {
    let n = 0;
    await store.pushBlob(desc, bytes, { onProgress: (b) => (n += b) });
    expect(n).toBe(bytes.byteLength);
  });
});

describe('manifests and tags', () => {
  it('pushes an index with children and resolves by tag and digest', async () => {
    const amd = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'amd' });
    const arm = await pushImageBlobs(store, { os: 'linux', architecture: 'arm64' }, { a: 'arm' });
    await store.pushManifest(amd.manifest);
    await store.pushManifest(arm.manifest);
    const idx = makeIndex([amd.manifest.descriptor, arm.manifest.descriptor]);
    await store.pushManifest(idx, 'v1');

    const byTag = await store.resolve('v1');
    expect(byTag).toMatchObject({ mediaType: MediaType.OciIndex, digest: idx.descriptor.digest, size: idx.descriptor.size });
    expect(await store.resolve(idx.descriptor.digest)).toEqual(byTag);
    // Untagged children are found by digest through their blob.
    expect(await store.resolve(amd.manifest.descriptor.digest)).toEqual({
      mediaType: MediaType.OciManifest,
      digest: amd.manifest.descriptor.digest,
      size: amd.manifest.descriptor.size,
    });
    const got = await store.fetchManifest('v1');
    expect(Buffer.from(got.bytes).equals(Buffer.from(idx.bytes))).toBe(true);
    expect(await store.manifestExists(arm.manifest.descriptor)).toBe(true);
    expect((await indexJson()).manifests).toHaveLength(1);
  });

  it('resolves a digest of a manifest without mediaType by its shape', async () => {
    const bytes = jsonBytes({ schemaVersion: 2, manifests: [] });
    const d = descriptorOf(MediaType.OciIndex, bytes);
    await store.pushManifest({ descriptor: d, bytes });
    expect((await store.resolve(d.digest)).mediaType).toBe(MediaType.OciIndex);
    const blob = Buffer.from('not json');
    const bd = descriptorOf('application/octet-stream', blob);
    await store.pushBlob(bd, blob);
    await expect(store.resolve(bd.digest)).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    await expect(store.resolve(digestOf('absent'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses manifest bytes that do not match the descriptor, even when the blob exists', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    await store.pushManifest(img.manifest);
    const other = jsonBytes({ schemaVersion: 2, manifests: [], padding: 'x'.repeat(img.manifest.bytes.byteLength) });
    await expect(
      store.pushManifest({ descriptor: img.manifest.descriptor, bytes: other.subarray(0, img.manifest.bytes.byteLength) }, 'v1'),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    const wrongType = { ...img.manifest.descriptor, mediaType: MediaType.OciIndex };
    await expect(store.pushManifest({ descriptor: wrongType, bytes: img.manifest.bytes }, 'v1')).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
    expect(await store.listTags()).toEqual([]);
  });

  it('refuses manifests over 4 MiB', async () => {
    const big = jsonBytes({ schemaVersion: 2, manifests: [], pad: 'x'.repeat(4 * 1024 * 1024) });
    await expect(store.pushManifest({ descriptor: descriptorOf(MediaType.OciIndex, big), bytes: big })).rejects.toMatchObject({
      code: 'MANIFEST_TOO_LARGE',
    });
    const d = descriptorOf(MediaType.OciIndex, big);
    await store.pushBlob(d, big);
    await expect(store.fetchManifest(d)).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('re-pushing a tag moves it; exactly one entry carries it', async () => {
    const a = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: '1' });
    const b = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: '2' });
    await store.pushManifest(a.manifest, 'v1');
    await store.pushManifest(a.manifest, 'stable');
    await store.pushManifest(b.manifest, 'v1');
    expect((await store.resolve('v1')).digest).toBe(b.manifest.descriptor.digest);
    expect((await store.resolve('stable')).digest).toBe(a.manifest.descriptor.digest);
    const entries = (await indexJson()).manifests;
    expect(entries.filter((e) => e.annotations?.[REF] === 'v1')).toHaveLength(1);
    expect(entries).toHaveLength(2);
    expect(await store.listTags()).toEqual(['stable', 'v1']);
  });

  it('concurrent tagged pushes all land in index.json', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    const tags = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await Promise.all(tags.map((t) => store.pushManifest(img.manifest, t)));
    expect(await store.listTags()).toEqual(tags);
    // A second store on the same directory with its own locks, sharing nothing but the files:
    // still consistent when its pushes do not overlap with ours.
    const again = await openLayout(dir);
    expect(await again.listTags()).toEqual(tags);
  });

  it('a missing tag lists the available tags', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    await store.pushManifest(img.manifest, 'v1');
    await store.pushManifest(img.manifest, 'latest');
    const err = await store.resolve('v2').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toContain('available tags: latest, v1');
    await expect(store.fetchManifest('v2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects invalid tags as user errors', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    for (const bad of ['', '-x', 'a'.repeat(129), 'has space', 'a/b', 'v1.', '_x', 'a__b', 'x:y']) {
      await expect(store.pushManifest(img.manifest, bad)).rejects.toMatchObject({ code: 'REFERENCE_INVALID', userError: true });
    }
    for (const good of ['v1.2.3', 'latest', 'a--b', 'A_b-c.d', 'a'.repeat(128)]) await store.pushManifest(img.manifest, good);
    await expect(store.resolve('no spaces')).rejects.toMatchObject({ code: 'REFERENCE_INVALID' });
  });

  it('deleteManifest removes entries by tag or digest and keeps blobs', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    await store.pushManifest(img.manifest, 'v1');
    await store.pushManifest(img.manifest, 'v2');
    await store.deleteManifest('v1');
    expect(await store.listTags()).toEqual(['v2']);
    await store.deleteManifest(img.manifest.descriptor.digest);
    expect(await store.listTags()).toEqual([]);
    expect(await store.manifestExists(img.manifest.descriptor)).toBe(true);
    await expect(store.deleteManifest('v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('referrers', () => {
  it('finds manifests by subject and filters by artifactType', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    await store.pushManifest(img.manifest, 'v1');
    const subject = img.manifest.descriptor;
    const sbom = await pushArtifact(store, subject, 'application/spdx+json', { 'org.example.kind': 'sbom' });
    const sig = await pushArtifact(store, subject, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const unrelated = await pushImageBlobs(store, { os: 'linux', architecture: 'arm64' }, { b: 'b' });
    await pushArtifact(store, unrelated.manifest.descriptor, 'application/spdx+json');

    const all = await store.referrers(subject.digest);
    expect(all).toEqual([
      {
        mediaType: MediaType.OciManifest,
        digest: sbom.descriptor.digest,
        size: sbom.descriptor.size,
        annotations: { 'org.example.kind': 'sbom' },
        artifactType: 'application/spdx+json',
      },
      {
        mediaType: MediaType.OciManifest,
        digest: sig.descriptor.digest,
        size: sig.descriptor.size,
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      },
    ]);
    expect((await store.referrers(subject.digest, 'application/spdx+json')).map((d) => d.digest)).toEqual([sbom.descriptor.digest]);
    expect(await store.referrers(subject.digest, 'application/none')).toEqual([]);
    // Referrer entries are untagged.
    expect(await store.listTags()).toEqual(['v1']);
  });

  it('uses config.mediaType when a referrer has no artifactType', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    const cfg = Buffer.from('{"kind":"x"}');
    const cfgDesc = descriptorOf('application/vnd.example.config+json', cfg);
    await store.pushBlob(cfgDesc, cfg);
    const bytes = jsonBytes({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: cfgDesc,
      layers: [],
      subject: { mediaType: img.manifest.descriptor.mediaType, digest: img.manifest.descriptor.digest, size: img.manifest.descriptor.size },
    });
    await store.pushManifest({ descriptor: descriptorOf(MediaType.OciManifest, bytes), bytes });
    const [r] = await store.referrers(img.manifest.descriptor.digest);
    expect(r?.artifactType).toBe('application/vnd.example.config+json');
  });
});
