import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { buildIndex } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { copyImage } from '../../src/publish/copy.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { referrersTag } from '../../src/registry/referrers.js';
import { skopeoInspectRaw } from '../harness/fixtures.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { artifactManifest, blobOf, clientFor, fixtureImage } from '../support/images.js';

describe('registry protocol against the real registry', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let img: Awaited<ReturnType<typeof fixtureImage>>;

  beforeAll(async () => {
    [reg, img] = await Promise.all([startRegistry({ auth: 'token' }), fixtureImage({ layers: 2, layerBytes: 1_500_000 })]);
    proxy = await startFaultProxy(reg.url);
    client = clientFor(reg);
    await copyImage(img.store, 'v1', [{ store: client.repository(reg.host, 'app'), tag: 'v1' }]);
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await reg?.stop();
  });

  it('uploads large blobs in chunks and resumes from the registry Range after failed chunks', async () => {
    const user = reg.defaultUser!;
    const chunked = clientFor(undefined, {
      credentials: (await import('../../src/registry/credentials.js')).staticCredentials({ [proxy.host]: { kind: 'basic', ...user } }),
      chunkThreshold: 256 * 1024,
      chunkSize: 200 * 1024,
    });
    // A chunk answered 503 without reaching the registry, and one that reached it but lost its answer.
    proxy.inject({ match: { method: 'PATCH' }, times: 1, fault: { kind: 'status', status: 503 } });
    proxy.inject({ match: { method: 'PATCH' }, times: 1, fault: { kind: 'reset', afterBytes: 0 } });
    const r = await copyImage(img.store, 'v1', [{ store: chunked.repository(proxy.host, 'chunked'), tag: 'v1' }], { concurrency: 1 });
    expect(r.descriptor.digest).toBe(img.indexDigest);
    const patches = proxy.requests.filter((q) => q.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(10);
    expect(proxy.requests.some((q) => q.method === 'GET' && /\/blobs\/uploads\//.test(q.url))).toBe(true); // asked for the Range
    const raw = await skopeoInspectRaw(reg, 'chunked:v1', user);
    expect(digestOf(raw.stdoutBytes)).toBe(img.indexDigest);
    await chunked.close();
    proxy.clear();
  });

  it('reports a source that breaks during a chunked upload as that (temporary) failure, not as a resumable one', async () => {
    const user = reg.defaultUser!;
    const chunked = clientFor(undefined, {
      credentials: (await import('../../src/registry/credentials.js')).staticCredentials({ [reg.host]: { kind: 'basic', ...user } }),
      chunkThreshold: 256 * 1024,
      chunkSize: 200 * 1024,
    });
    const bytes = Buffer.alloc(700 * 1024, 'x');
    const desc = { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length } as Descriptor;
    const broken = Object.assign(new Error('the source connection was reset'), { code: 'ECONNRESET' });
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 300 * 1024);
      throw broken;
    }
    // Not SIZE_MISMATCH from trying to resume with a source that is gone: copyImage retries this one.
    await expect(chunked.repository(reg.host, 'broken-source').pushBlob(desc, source())).rejects.toBe(broken);
    await chunked.close();
  });

  it('lists tags across pages (n, last, Link)', async () => {
    const repo = client.repository(reg.host, 'app');
    const root = await repo.fetchManifest('v1');
    const tags = Array.from({ length: 23 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await Promise.all(tags.map((t) => repo.pushManifest(root, t)));
    const listed = await repo.listTags({ pageSize: 5 });
    expect(listed).toEqual([...tags, 'v1'].sort());
  });

  it('finds referrers through the tag-schema fallback (distribution 2.8 has no referrers API) and copies them', async () => {
    const repo = client.repository(reg.host, 'app');
    const subject = await repo.resolve('v1');
    const sig = blobOf('{"signature":"not really"}', 'application/vnd.dev.example.sig');
    const sbom = blobOf('{"spdxVersion":"SPDX-2.3"}', 'application/spdx+json');
    await repo.pushBlob(sig.descriptor, sig.bytes);
    await repo.pushBlob(sbom.descriptor, sbom.bytes);
    const empty = blobOf('{}', MediaType.OciEmpty);
    await repo.pushBlob(empty.descriptor, empty.bytes);
    const a = artifactManifest(subject, 'application/vnd.dev.example.sig', sig.descriptor);
    const b = artifactManifest(subject, 'application/spdx+json', sbom.descriptor);
    await repo.pushManifest(a);
    await repo.pushManifest(b);
    expect(await repo.listTags()).toContain(referrersTag(subject.digest));
    const all = await repo.referrers(subject.digest);
    expect(all.map((d) => d.digest).sort()).toEqual([a.descriptor.digest, b.descriptor.digest].sort());
    expect(all.find((d) => d.digest === a.descriptor.digest)).toMatchObject({
      artifactType: 'application/vnd.dev.example.sig',
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });
    const sigs = await repo.referrers(subject.digest, 'application/spdx+json');
    expect(sigs.map((d) => d.digest)).toEqual([b.descriptor.digest]);
    // Pushing the same referrer again does not duplicate it.
    await repo.pushManifest(a);
    expect(await repo.referrers(subject.digest)).toHaveLength(2);

    const other = client.repository(reg.host, 'withrefs');
    await copyImage(repo, 'v1', [{ store: other, tag: 'v1' }], { referrers: true });
    expect((await other.referrers(subject.digest)).map((d) => d.digest).sort()).toEqual([a.descriptor.digest, b.descriptor.digest].sort());
    const plain = client.repository(reg.host, 'norefs');
    await copyImage(repo, 'v1', [{ store: plain, tag: 'v1' }]);
    expect(await plain.referrers(subject.digest)).toEqual([]);
  });

  it('pushes and reads every manifest media type, and deletes by digest', async () => {
    const repo = client.repository(reg.host, 'app');
    const child = (await repo.fetchManifest('v1')).bytes;
    const index = JSON.parse(Buffer.from(child).toString()) as { manifests: Descriptor[] };
    const docker = buildIndex(index.manifests, { mediaType: MediaType.DockerManifestList });
    // A Docker manifest list may point at OCI children for this test: the registry stores what it is given.
    await repo.pushManifest(docker, 'dockerlist');
    const back = await repo.fetchManifest('dockerlist');
    expect(back.descriptor).toMatchObject({ mediaType: MediaType.DockerManifestList, digest: docker.descriptor.digest });
    await repo.deleteManifest(docker.descriptor.digest);
    await expect(repo.fetchManifest('dockerlist')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
