import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { copyImage } from '../../src/publish/copy.js';
import { RegistryClient } from '../../src/registry/client.js';
import { staticCredentials } from '../../src/registry/credentials.js';
import { skopeoInspectRaw } from '../harness/fixtures.js';
import { startFaultProxy, startOriginServer, type FaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { clientFor, fixtureImage } from '../support/images.js';

// Faults are injected by a proxy in front of the real registry; gantry talks to the proxy.
describe('copy through faults', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let img: Awaited<ReturnType<typeof fixtureImage>>;
  let n = 0;

  beforeAll(async () => {
    [reg, img] = await Promise.all([startRegistry(), fixtureImage({ layers: 2, layerBytes: 300_000 })]);
    proxy = await startFaultProxy(reg.url);
    client = clientFor(undefined, { bodyTimeoutMs: 1_000, headersTimeoutMs: 2_000 });
    // A source image in the registry behind the proxy.
    await copyImage(img.store, 'v1', [{ store: client.repository(reg.host, 'src/app'), tag: 'v1' }]);
  });
  afterEach(() => proxy.clear());
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await reg?.stop();
  });

  const viaProxy = (repo: string) => client.repository(proxy.host, repo);
  const fresh = () => `dst/app${++n}`;

  it('finishes through 429 with Retry-After and 503s', async () => {
    proxy.inject({ match: { method: 'GET', path: /\/manifests\// }, times: 1, fault: { kind: 'status', status: 429, retryAfter: 1 } });
    proxy.inject({ match: { method: 'HEAD', path: /\/blobs\// }, times: 2, fault: { kind: 'status', status: 503 } });
    proxy.inject({ match: { method: 'PUT', path: /\/manifests\// }, times: 1, fault: { kind: 'status', status: 503 } });
    const started = Date.now();
    const repo = fresh();
    const r = await copyImage(viaProxy('src/app'), 'v1', [{ store: viaProxy(repo), tag: 'v1' }]);
    expect(r.descriptor.digest).toBe(img.indexDigest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450); // Retry-After: 1 was honoured (capped at maxDelay 500 ms)
    expect(proxy.requests.filter((q) => q.fault === 'status')).toHaveLength(4);
    expect(JSON.parse((await skopeoInspectRaw(reg, `${repo}:v1`)).stdout)).toMatchObject({ schemaVersion: 2 });
  });

  it('finishes when a blob download is reset mid-body, and when one stalls', async () => {
    proxy.inject({ match: { method: 'GET', path: /\/blobs\/sha256:/ }, times: 1, fault: { kind: 'reset', afterBytes: 10_000 } });
    proxy.inject({ match: { method: 'GET', path: /\/blobs\/sha256:/ }, times: 1, fault: { kind: 'stall', ms: Infinity } });
    const r = await copyImage(viaProxy('src/app'), 'v1', [{ store: client.repository(reg.host, fresh()), tag: 'v1' }], { concurrency: 1 });
    expect(r.descriptor.digest).toBe(img.indexDigest);
    expect(proxy.requests.filter((q) => q.fault === 'reset' || q.fault === 'stall')).toHaveLength(2);
  });

  it('finishes when a blob upload is reset', async () => {
    proxy.inject({ match: { method: 'PUT', path: /\/blobs\/uploads\// }, times: 1, fault: { kind: 'reset', afterBytes: 0 } });
    const r = await copyImage(client.repository(reg.host, 'src/app'), 'v1', [{ store: viaProxy(fresh()), tag: 'v1' }]);
    expect(r.descriptor.digest).toBe(img.indexDigest);
  });

  it('refuses a server whose bytes do not match the digest, and tags nothing', async () => {
    proxy.inject({ match: { method: 'GET', path: /\/blobs\/sha256:/ }, times: Infinity, fault: { kind: 'corrupt' } });
    const repo = fresh();
    const err = await copyImage(viaProxy('src/app'), 'v1', [{ store: client.repository(reg.host, repo), tag: 'v1' }]).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await client.repository(reg.host, repo).listTags()).toEqual([]);
  });

  it('refuses a manifest whose bytes do not match the digest asked for', async () => {
    proxy.inject({ match: { method: 'GET', path: /\/manifests\/sha256:/ }, times: Infinity, fault: { kind: 'corrupt', at: 20 } });
    const err = await copyImage(viaProxy('src/app'), 'v1', [{ store: client.repository(reg.host, fresh()), tag: 'v1' }]).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: expect.stringMatching(/DIGEST_MISMATCH|MANIFEST_INVALID/) });
  });

  it('refuses a manifest larger than 4 MiB', async () => {
    proxy.inject({
      match: { method: 'GET', path: /\/manifests\/big$/ },
      fault: {
        kind: 'status',
        status: 200,
        body: ' '.repeat(5 * 1024 * 1024),
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      },
    });
    await expect(viaProxy('src/app').fetchManifest('big')).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('a missing tag is a clear user error', async () => {
    await expect(client.repository(reg.host, 'src/app').fetchManifest('nope')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      userError: true,
    });
    await expect(copyImage(client.repository(reg.host, 'src/app'), 'nope', [])).rejects.toThrow(
      /tag "nope" not found in 127\.0\.0\.1:\d+\/src\/app/,
    );
  });

  it('an unreachable registry is a clear error', async () => {
    const gone = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxElapsedMs: 1000 } });
    await expect(gone.repository('127.0.0.1:9', 'app').listTags()).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
    await gone.close();
  });
});

describe('blob redirects to another origin', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let origin: Awaited<ReturnType<typeof startOriginServer>>;
  let img: Awaited<ReturnType<typeof fixtureImage>>;

  beforeAll(async () => {
    [reg, img] = await Promise.all([startRegistry({ auth: 'htpasswd' }), fixtureImage({ layers: 1 })]);
    proxy = await startFaultProxy(reg.url);
    // Object storage: serves blob bytes by digest from the fixture, and records what arrives.
    origin = await startOriginServer({
      serve: async (path) => {
        const m = /sha256:([a-f0-9]{64})$/.exec(path);
        return m ? readFile(join(img.dir, 'blobs', 'sha256', m[1]!)) : undefined;
      },
    });
    const c = clientFor(reg);
    await copyImage(img.store, 'v1', [{ store: c.repository(reg.host, 'app'), tag: 'v1' }]);
    await c.close();
  });
  afterAll(async () => {
    await proxy?.close();
    await origin?.close();
    await reg?.stop();
  });

  it('follows the redirect and never sends the credentials there', async () => {
    proxy.inject({ match: { method: 'GET', path: /\/blobs\/sha256:/ }, times: Infinity, fault: { kind: 'redirect', to: origin.url } });
    const user = reg.defaultUser!;
    const client = new RegistryClient({ credentials: staticCredentials({ [proxy.host]: { kind: 'basic', ...user } }) });
    const out = await fixtureImage({ seed: 'other' });
    const r = await copyImage(client.repository(proxy.host, 'app'), 'v1', [{ store: out.store, tag: 'copied' }]);
    expect(r.descriptor.digest).toBe(img.indexDigest);
    expect(origin.requests.length).toBeGreaterThan(0);
    expect(origin.requests.every((q) => !q.authorization)).toBe(true);
    // …while the registry itself did get them.
    expect(proxy.requests.some((q) => typeof q.headers.authorization === 'string')).toBe(true);
    await client.close();
  });
});
