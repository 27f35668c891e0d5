/**
 * Self-tests of the integration harness: real registries in every auth mode, skopeo as the
 * neutral client, the token server's grants, and each fault of the fault proxy.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, startOriginServer, type FaultProxy } from './fault-proxy.js';
import { blobPath, runSkopeo, skopeoCopyToRegistry, skopeoInspectRaw, writeTestImageLayout, type TestImageLayout } from './fixtures.js';
import { startRegistry, type RegistryAuthMode, type TestRegistry } from './registry.js';
import { parseScope } from './token-server.js';

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basic = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

let work: string;
let layout: TestImageLayout;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gantry-harness-test-'));
  layout = await writeTestImageLayout(join(work, 'layout'), { tag: 'v1', layers: 2, layerBytes: 48 * 1024, seed: 'harness' });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('writeTestImageLayout', () => {
  it('is deterministic and writes blobs that match their digests', async () => {
    const again = await writeTestImageLayout(join(work, 'again'), { tag: 'other', layers: 2, layerBytes: 48 * 1024, seed: 'harness' });
    expect(again.indexDigest).toBe(layout.indexDigest);
    expect(layout.manifests.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const layer = layout.manifests[0]!.layers[0]!;
    const bytes = await readFile(blobPath(layout.dir, layer.digest));
    expect(sha256(bytes)).toBe(layer.digest);
    expect(bytes.length).toBe(layer.size);
    expect(layer.size).toBeGreaterThan(48 * 1024); // random payload: gzip cannot shrink it
    expect(sha256(gunzipSync(bytes))).toBe(layer.diffId);
    const index = await readFile(blobPath(layout.dir, layout.indexDigest));
    expect(sha256(index)).toBe(layout.indexDigest);
    const other = await writeTestImageLayout(join(work, 'other'), { layers: 1, layerBytes: 1024, seed: 'different' });
    expect(other.indexDigest).not.toBe(layout.indexDigest);
  });

  it('is read by skopeo as a valid OCI layout', async () => {
    const { stdoutBytes } = await runSkopeo(['inspect', '--raw', `oci:${layout.dir}:v1`]);
    expect(sha256(stdoutBytes)).toBe(layout.indexDigest);
  });
});

describe.each<RegistryAuthMode>(['none', 'htpasswd', 'token'])('registry with auth=%s', (auth) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth, users: { alice: 'wonderland-secret', bob: 'bob-secret' }, readOnlyUsers: ['bob'] });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('accepts a skopeo push and serves the same index back', async () => {
    const creds = registry.defaultUser;
    const pushed = await skopeoCopyToRegistry(layout.dir, 'v1', registry, 'app/harness', creds);
    expect(pushed.digest).toBe(layout.indexDigest);
    const { stdoutBytes } = await skopeoInspectRaw(registry, 'app/harness:v1', creds);
    expect(sha256(stdoutBytes)).toBe(layout.indexDigest);
    const v2 = await fetch(`${registry.url}/v2/`);
    expect(v2.status).toBe(auth === 'none' ? 200 : 401);
  });

  if (auth === 'htpasswd') {
    it('refuses a wrong password', async () => {
      const res = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic('alice', 'wrong') } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: basic('alice', 'wonderland-secret') } })).status).toBe(200);
      await expect(skopeoInspectRaw(registry, 'app/harness:v1', 'alice:wrong')).rejects.toThrow(/unauthorized|401/i);
    });
  }

  if (auth === 'token') {
    it('grants a read-only user pull only, so its push is refused', async () => {
      const ts = registry.tokenServer!;
      ts.clear();
      await expect(skopeoInspectRaw(registry, 'app/harness:v1', 'bob:bob-secret')).resolves.toBeDefined();
      await expect(skopeoCopyToRegistry(layout.dir, 'v1', registry, 'app/bob', 'bob:bob-secret')).rejects.toThrow(
        /denied|unauthorized|authentication required/i,
      );
      const bobs = ts.requests.filter((r) => r.user === 'bob');
      expect(bobs.length).toBeGreaterThan(0);
      expect(bobs.every((r) => r.authorization === 'basic' && r.status === 200)).toBe(true);
      const pushAsked = bobs.find((r) => r.scopes.some((s) => parseScope(s)?.actions.includes('push')));
      expect(pushAsked?.granted.flatMap((g) => g.actions)).not.toContain('push');
      expect(JSON.stringify(ts.requests)).not.toContain('bob-secret');
    });

    it('answers 401 for a wrong password and grants nothing anonymously', async () => {
      const ts = registry.tokenServer!;
      const q = `service=${ts.service}&scope=repository:app/harness:pull`;
      expect((await fetch(`${ts.realm}?${q}`, { headers: { authorization: basic('alice', 'nope') } })).status).toBe(401);
      const anon = (await (await fetch(`${ts.realm}?${q}`)).json()) as { token: string };
      const res = await fetch(`${registry.url}/v2/app/harness/manifests/v1`, { headers: { authorization: `Bearer ${anon.token}` } });
      expect(res.status).toBe(401);
    });

    it('issues tokens by OAuth2 POST', async () => {
      const ts = registry.tokenServer!;
      const form = new URLSearchParams({
        grant_type: 'password',
        username: 'alice',
        password: 'wonderland-secret',
        client_id: 'harness',
        service: ts.service,
        scope: `repository:${registry.host}/x:pull repository:app/harness:pull,push`,
      });
      const res = await fetch(ts.realm, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { access_token: string; scope: string };
      expect(body.scope).toBe(`repository:${registry.host}/x:pull repository:app/harness:pull,push`);
      const manifest = await fetch(`${registry.url}/v2/app/harness/manifests/v1`, {
        headers: { authorization: `Bearer ${body.access_token}`, accept: 'application/vnd.oci.image.index.v1+json' },
      });
      expect(manifest.status).toBe(200);
    });
  }
});

describe('registry restart', () => {
  it('keeps the port and the stored images across a crash', async () => {
    const registry = await startRegistry();
    try {
      await skopeoCopyToRegistry(layout.dir, 'v1', registry, 'app/restart');
      const before = registry.url;
      await registry.restart();
      expect(registry.url).toBe(before);
      const { stdoutBytes } = await skopeoInspectRaw(registry, 'app/restart:v1');
      expect(sha256(stdoutBytes)).toBe(layout.indexDigest);
    } finally {
      await registry.stop();
    }
  });

  it('keeps a chunked upload session usable across a crash', async () => {
    const registry = await startRegistry();
    try {
      const [a, b] = [Buffer.from('hello '), Buffer.from('world')];
      const post = await fetch(`${registry.url}/v2/app/resume/blobs/uploads/`, { method: 'POST' });
      const patch = (loc: string, body: Buffer, start: number): Promise<Response> =>
        fetch(loc, {
          method: 'PATCH',
          body,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + body.length - 1}` },
        });
      const first = await patch(post.headers.get('location')!, a, 0);
      expect(first.headers.get('range')).toBe('0-5');
      await registry.restart();
      const status = await fetch(first.headers.get('location')!);
      expect([status.status, status.headers.get('range')]).toEqual([204, '0-5']);
      const second = await patch(status.headers.get('location')!, b, a.length);
      const put = await fetch(`${second.headers.get('location')!}&digest=${sha256(Buffer.concat([a, b]))}`, { method: 'PUT' });
      expect(put.status).toBe(201);
    } finally {
      await registry.stop();
    }
  });
});

describe('fault proxy', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  const layer = (): { digest: string; size: number } => layout.manifests[0]!.layers[0]!;
  const blobUrl = (base: string): string => `${base}/v2/app/faults/blobs/${layer().digest}`;

  beforeAll(async () => {
    registry = await startRegistry();
    await skopeoCopyToRegistry(layout.dir, 'v1', registry, 'app/faults');
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  it('forwards skopeo traffic unchanged', async () => {
    proxy.clear();
    const { stdoutBytes } = await skopeoInspectRaw(proxy, 'app/faults:v1');
    expect(sha256(stdoutBytes)).toBe(layout.indexDigest);
    expect(proxy.requests.some((r) => r.method === 'GET' && r.url === '/v2/app/faults/manifests/v1')).toBe(true);
  });

  it('rewrites Location headers to the proxy', async () => {
    const res = await fetch(`${proxy.url}/v2/app/faults/blobs/uploads/`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${proxy.url}/v2/app/faults/blobs/uploads/`));
  });

  it('answers an injected status exactly `times` times', async () => {
    const rule = proxy.inject({
      match: { method: 'GET', path: /\/blobs\/sha256:/ },
      times: 2,
      fault: { kind: 'status', status: 503, retryAfter: 1 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(blobUrl(proxy.url));
      statuses.push(res.status);
      if (res.status === 503) expect(res.headers.get('retry-after')).toBe('1');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([503, 503, 200]);
    expect(rule.hits).toBe(2);
  });

  it('corrupts one byte of a blob', async () => {
    proxy.inject({ match: { path: /\/blobs\// }, fault: { kind: 'corrupt' } });
    const bad = Buffer.from(await (await fetch(blobUrl(proxy.url))).arrayBuffer());
    expect(bad.length).toBe(layer().size);
    expect(sha256(bad)).not.toBe(layer().digest);
    const good = Buffer.from(await (await fetch(blobUrl(proxy.url))).arrayBuffer());
    expect(sha256(good)).toBe(layer().digest);
  });

  it('resets the connection mid-body', async () => {
    proxy.inject({ match: { path: /\/blobs\// }, fault: { kind: 'reset', afterBytes: 1000 } });
    const res = await fetch(blobUrl(proxy.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(layer().size));
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('stalls a body until the client gives up', async () => {
    proxy.inject({ match: { path: /\/blobs\// }, fault: { kind: 'stall', ms: Infinity } });
    const res = await fetch(blobUrl(proxy.url), { signal: AbortSignal.timeout(300) });
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow(/abort|timeout/i);
    proxy.inject({ match: { path: /\/blobs\// }, fault: { kind: 'stall', ms: 200 } });
    const started = Date.now();
    const body = Buffer.from(await (await fetch(blobUrl(proxy.url))).arrayBuffer());
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sha256(body)).toBe(layer().digest);
  });

  it('redirects a blob to another origin', async () => {
    const origin = await startOriginServer({ upstream: registry.url });
    try {
      proxy.inject({ match: { path: /\/blobs\// }, fault: { kind: 'redirect', to: origin.url } });
      const res = await fetch(blobUrl(proxy.url), { headers: { authorization: 'Bearer not-for-the-cdn' } });
      expect(res.status).toBe(200);
      expect(res.url).toBe(blobUrl(origin.url));
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(layer().digest);
      expect(origin.requests).toHaveLength(1);
      expect(origin.requests[0]!.authorization).toBe(false); // fetch drops it across origins
    } finally {
      await origin.close();
    }
  });
});
