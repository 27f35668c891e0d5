// How blobs go up (issue 11, fast over real networks): a small blob in one POST
// (…/uploads/?digest=) where the registry takes that, else POST then PUT; which it is, is learnt
// once per registry host, so the fallback costs one extra round trip at most once.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import type { Digest } from '../../src/oci/digest.js';
import { RegistryClient } from '../../src/registry/client.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { closeHttpServer, listenLoopback, LOOPBACK } from '../harness/net.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { clientFor } from '../support/images.js';

function blob(text: string, size?: number): { desc: Descriptor; bytes: Buffer } {
  const bytes = size === undefined ? Buffer.from(text) : Buffer.alloc(size, text);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  return { desc: { mediaType: 'application/octet-stream', digest, size: bytes.length }, bytes };
}

async function* chunks(b: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += 64 * 1024) yield b.subarray(i, i + 64 * 1024);
}

const uploads = (p: FaultProxy) =>
  p.requests
    .filter((r) => r.method !== 'HEAD' && r.url.includes('/blobs/uploads/'))
    .map((r) => `${r.method} ${/[?&]digest=/.test(r.url) ? 'digest' : '-'}`);

describe('blob upload against the real registry (CNCF distribution answers a single POST with 202)', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;

  beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    client = clientFor(undefined);
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await reg?.stop();
  });

  it('asks once with a single POST, then goes POST + PUT; every blob arrives', async () => {
    const repo = client.repository(proxy.host, 'single/post');
    const small = ['one', 'two', 'three'].map((t) => blob(t));
    await repo.pushBlob(small[0]!.desc, chunks(small[0]!.bytes));
    expect(uploads(proxy)).toEqual(['POST digest', 'PUT digest']);
    proxy.requests.length = 0;
    for (const b of small.slice(1)) await repo.pushBlob(b.desc, chunks(b.bytes));
    // Learnt: no more single POSTs to this host, in any repository.
    await client.repository(proxy.host, 'other/repo').pushBlob(blob('four').desc, blob('four').bytes);
    expect(uploads(proxy)).toEqual(['POST -', 'PUT digest', 'POST -', 'PUT digest', 'POST -', 'PUT digest']);
    for (const b of small) expect(await repo.blobExists(b.desc)).toBe(true);
  });

  it('streams a blob over 1 MiB with POST + PUT, and refuses bytes that do not match', async () => {
    const repo = client.repository(proxy.host, 'single/big');
    const big = blob('b', 3 * 1024 * 1024);
    proxy.requests.length = 0;
    await repo.pushBlob(big.desc, chunks(big.bytes));
    expect(uploads(proxy)).toEqual(['POST -', 'PUT digest']);
    expect(await repo.blobExists(big.desc)).toBe(true);
    const wrong = blob('right');
    await expect(repo.pushBlob(wrong.desc, chunks(Buffer.from('wrong')))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await repo.blobExists(wrong.desc)).toBe(false);
  });
});

/** A scripted registry that takes a blob in one POST (201), or refuses that (405), and records what came. */
async function scriptedRegistry(
  singlePost: 201 | 405,
): Promise<{ host: string; log: string[]; stored: Map<string, Buffer>; server: Server }> {
  const log: string[] = [];
  const stored = new Map<string, Buffer>();
  const read = async (req: IncomingMessage): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const body = await read(req);
      const digest = u.searchParams.get('digest');
      log.push(`${req.method} ${u.pathname.replace(/[0-9a-f-]{36}$/, 'ID')}${digest ? ' digest' : ''} ${body.length}`);
      const keep = (): void => {
        if (`sha256:${createHash('sha256').update(body).digest('hex')}` !== digest) return void res.writeHead(400).end();
        stored.set(digest, body);
        res.writeHead(201, { location: `/v2/x/blobs/${digest}`, 'content-length': 0 }).end();
      };
      if (req.method === 'POST' && u.pathname === '/v2/x/blobs/uploads/') {
        if (digest && singlePost === 201) return keep();
        if (digest) return void res.writeHead(405, { 'content-length': 0 }).end();
        return void res.writeHead(202, { location: '/v2/x/blobs/uploads/00000000-0000-0000-0000-000000000000', 'content-length': 0 }).end();
      }
      if (req.method === 'PUT' && u.pathname.startsWith('/v2/x/blobs/uploads/')) return keep();
      res.writeHead(404, { 'content-length': 0 }).end();
    })();
  });
  const port = await listenLoopback(server);
  return { host: `${LOOPBACK}:${port}`, log, stored, server };
}

describe('blob upload against registries that take, or refuse, a single POST', () => {
  it('201: one request per small blob, the bytes intact', async () => {
    const s = await scriptedRegistry(201);
    const client = new RegistryClient();
    try {
      const repo = client.repository(s.host, 'x');
      const blobs = ['a', 'b', 'c'].map((t) => blob(t, 40_000));
      for (const b of blobs) await repo.pushBlob(b.desc, chunks(b.bytes));
      expect(s.log).toEqual(blobs.map(() => 'POST /v2/x/blobs/uploads/ digest 40000'));
      for (const b of blobs) expect(s.stored.get(b.desc.digest)?.equals(b.bytes)).toBe(true);
    } finally {
      await client.close();
      await closeHttpServer(s.server);
    }
  });

  it('405: falls back to POST + PUT, and does not ask again', async () => {
    const s = await scriptedRegistry(405);
    const client = new RegistryClient();
    try {
      const repo = client.repository(s.host, 'x');
      const [a, b] = [blob('a', 1000), blob('b', 1000)];
      await repo.pushBlob(a.desc, chunks(a.bytes));
      await repo.pushBlob(b.desc, chunks(b.bytes));
      expect(s.log).toEqual([
        'POST /v2/x/blobs/uploads/ digest 1000',
        'POST /v2/x/blobs/uploads/ 0',
        'PUT /v2/x/blobs/uploads/ID digest 1000',
        'POST /v2/x/blobs/uploads/ 0',
        'PUT /v2/x/blobs/uploads/ID digest 1000',
      ]);
      expect(s.stored.get(b.desc.digest)?.equals(b.bytes)).toBe(true);
    } finally {
      await client.close();
      await closeHttpServer(s.server);
    }
  });
});
