import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeHttpClient, RequestBodyError, type HttpRequestOptions } from '../../src/registry/node-http.js';
import { header } from '../../src/registry/transport.js';
import { tempDir } from '../support/images.js';
import { selfSignedCertificate } from '../support/tls.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const MiB = 1024 * 1024;
const cleanups: (() => unknown)[] = [];
const handlerErrors: unknown[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  const errors = handlerErrors.splice(0);
  if (errors.length > 0) throw new AggregateError(errors, 'a test server handler failed');
});

function client(o: ConstructorParameters<typeof NodeHttpClient>[0] = {}): NodeHttpClient {
  const c = new NodeHttpClient(o);
  cleanups.push(() => c.close());
  return c;
}

/** A real HTTP server on loopback that counts the connections it accepted. */
async function serve(
  handler: (rq: http.IncomingMessage, res: http.ServerResponse) => unknown,
): Promise<{ origin: string; connections: () => number; server: http.Server }> {
  // A handler that fails resets its exchange and fails the test (afterEach), not the run as an unhandled rejection.
  const server = http.createServer((rq, res) => {
    void (async () => handler(rq, res))().catch((e: unknown) => {
      handlerErrors.push(e);
      res.destroy();
    });
  });
  let n = 0;
  server.on('connection', () => n++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () => new Promise((r) => server.close(r)),
    () => server.closeAllConnections(),
  );
  return { origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => n, server };
}

/**
 * A raw TCP server (for responses node:http would not send). `answer` gets each request head as
 * it completes, with the number of requests the connection carried before it.
 */
async function rawServe(
  answer: (socket: net.Socket, request: string, before: number) => void,
): Promise<{ origin: string; connections: () => number }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    let got = '';
    let seen = 0;
    s.on('data', (d) => {
      got += d.toString('latin1');
      for (let at = got.indexOf('\r\n\r\n'); at >= 0; at = got.indexOf('\r\n\r\n')) {
        const head = got.slice(0, at + 4);
        got = got.slice(at + 4);
        answer(s, head, seen++);
      }
    });
    s.on('error', () => undefined);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => n };
}

const req = (origin: string, path: string, more: Partial<HttpRequestOptions> = {}): HttpRequestOptions => ({
  origin,
  path,
  method: 'GET',
  headers: {},
  body: null,
  signal: null,
  ...more,
});

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

async function* pieces(data: Buffer, size: number, pauseMs = 0): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) {
    if (pauseMs > 0) await sleep(pauseMs);
    yield data.subarray(i, i + size);
  }
}

describe('NodeHttpClient against real HTTP servers', () => {
  it('streams a large body intact and reuses the keep-alive connection', async () => {
    const data = randomBytes(9 * MiB + 17);
    const s = await serve((rq, res) => {
      res.setHeader('content-length', data.length);
      res.end(rq.url === '/big' ? data : undefined);
    });
    const c = client();
    const r1 = await c.request(req(s.origin, '/big'));
    expect(r1.statusCode).toBe(200);
    expect(r1.headers['content-length']).toBe(String(data.length));
    expect(sha(await readAll(r1.body))).toBe(sha(data));
    const r2 = await c.request(req(s.origin, '/big'));
    expect(sha(await readAll(r2.body))).toBe(sha(data));
    const head = await c.request(req(s.origin, '/big', { method: 'HEAD' }));
    expect(head.headers['content-length']).toBe(String(data.length));
    await head.body.dump();
    await (await c.request(req(s.origin, '/big'))).body.dump(); // longer than dump() reads: this connection is dropped
    await (await c.request(req(s.origin, '/big'))).body.dump();
    expect(s.connections()).toBe(2);
  });

  it('sends a streamed body with its Content-Length, or chunked without one, and a small body whole', async () => {
    const got: { method: string; te: string | undefined; cl: string | undefined; hash: string; auth: string | undefined }[] = [];
    const s = await serve(async (rq, res) => {
      const body = await readAll(rq);
      got.push({
        method: rq.method!,
        te: rq.headers['transfer-encoding'],
        cl: rq.headers['content-length'],
        hash: sha(body),
        auth: rq.headers.authorization,
      });
      res.writeHead(201, { location: '/done' }).end();
    });
    const data = randomBytes(3 * MiB);
    const c = client();
    const put = await c.request(
      req(s.origin, '/u?digest=x', {
        method: 'PUT',
        headers: { 'content-length': String(data.length), authorization: 'Bearer t' },
        body: pieces(data, 100_000),
      }),
    );
    expect(put.statusCode).toBe(201);
    expect(put.headers.location).toBe('/done');
    await put.body.dump();
    const patch = await c.request(req(s.origin, '/u', { method: 'PATCH', body: pieces(data, 65_536) }));
    expect(patch.statusCode).toBe(201);
    await patch.body.dump();
    const small = await c.request(req(s.origin, '/m', { method: 'PUT', body: Buffer.from('{"a":1}') }));
    expect(small.statusCode).toBe(201);
    await small.body.dump();
    const post = await c.request(req(s.origin, '/p', { method: 'POST' }));
    expect(post.statusCode).toBe(201);
    await post.body.dump();
    expect(got).toEqual([
      { method: 'PUT', te: undefined, cl: String(data.length), hash: sha(data), auth: 'Bearer t' },
      { method: 'PATCH', te: 'chunked', cl: undefined, hash: sha(data), auth: undefined },
      { method: 'PUT', te: undefined, cl: '7', hash: sha(Buffer.from('{"a":1}')), auth: undefined },
      { method: 'POST', te: undefined, cl: '0', hash: sha(Buffer.alloc(0)), auth: undefined },
    ]);
    expect(s.connections()).toBe(1);
  });

  it('reads text and JSON bodies, chunked ones included', async () => {
    const s = await serve((_rq, res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"tags":');
      res.end('["a","b"]}'); // no Content-Length: node:http sends it chunked
    });
    const c = client();
    expect(await (await c.request(req(s.origin, '/t'))).body.json()).toEqual({ tags: ['a', 'b'] });
    expect(await (await c.request(req(s.origin, '/t'))).body.text()).toBe('{"tags":["a","b"]}');
  });

  it('opens a new connection when the server closed the idle one', async () => {
    const s = await serve((_rq, res) => res.end('ok'));
    const c = client();
    expect(await (await c.request(req(s.origin, '/1'))).body.text()).toBe('ok');
    s.server.closeIdleConnections();
    await sleep(50);
    expect(await (await c.request(req(s.origin, '/2'))).body.text()).toBe('ok');
    expect(s.connections()).toBe(2);
  });

  it('sends GET again when a pooled connection turns out closed, but never POST or PATCH', async () => {
    // The server closes each connection when its second request arrives, unanswered: the race of
    // a keep-alive timeout on the server's side with a request on the client's.
    const ok = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
    const s = await rawServe((sock, _head, before) => (before === 0 ? sock.write(ok) : sock.destroy()));
    const c = client();
    expect(await (await c.request(req(s.origin, '/1'))).body.text()).toBe('ok');
    expect(await (await c.request(req(s.origin, '/2'))).body.text()).toBe('ok');
    expect(s.connections()).toBe(2);

    const post = await failure(c.request(req(s.origin, '/p', { method: 'POST' })));
    expect(post).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    expect(s.connections()).toBe(2);

    expect(await (await c.request(req(s.origin, '/3'))).body.text()).toBe('ok'); // a new connection, pooled again
    const patch = await failure(c.request(req(s.origin, '/u', { method: 'PATCH', body: pieces(Buffer.alloc(1000), 100) })));
    expect(patch).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    expect(s.connections()).toBe(3);
  });

  it('answers an upload that the server refuses before reading it, and stops reading the source', async () => {
    const s = await serve((_rq, res) =>
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"', connection: 'close' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}'),
    );
    let pulled = 0;
    let returned = false;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          pulled++;
          await sleep(5);
          return { done: false, value: Buffer.alloc(256 * 1024) };
        },
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const r = await client().request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': String(1 << 30) }, body: source }));
    expect(r.statusCode).toBe(401);
    expect(header(r.headers, 'www-authenticate')).toBe('Bearer realm="x"');
    expect(await r.body.text()).toContain('UNAUTHORIZED');
    await sleep(50);
    expect(returned).toBe(true);
    expect(pulled).toBeLessThan(100);
  });

  it('aborts the request when its body fails, so the server never sees a whole body', async () => {
    const serverSaw: string[] = [];
    const s = await serve((rq, res) => {
      let n = 0;
      rq.on('data', (c: Buffer) => (n += c.length));
      rq.on('end', () => (serverSaw.push(`complete ${n}`), res.end()));
      rq.on('close', () => {
        if (!rq.complete) serverSaw.push(`aborted after ${n}`);
      });
      rq.on('error', () => undefined);
    });
    const boom = new Error('digest mismatch');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(100_000);
      await sleep(50); // the first bytes reach the server
      throw boom;
    }
    // With a Content-Length, and chunked: there the last chunk must never go out.
    for (const headers of [{ 'content-length': '200000' }, {}]) {
      const err = await failure(client().request(req(s.origin, '/u', { method: 'PUT', headers, body: failing() })));
      expect(err).toBeInstanceOf(RequestBodyError);
      expect((err as RequestBodyError).source).toBe(boom);
    }
    await sleep(100);
    expect(serverSaw).toEqual([expect.stringMatching(/^aborted after/), expect.stringMatching(/^aborted after/)]);
  });

  it('stops reading a body nobody consumes (backpressure) and goes on when it is read', async () => {
    const total = 64 * MiB;
    let accepted = 0;
    const s = await serve((_rq, res) => {
      res.setHeader('content-length', total);
      const chunk = Buffer.alloc(256 * 1024, 7);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          const more = res.write(chunk, () => (accepted += chunk.length));
          if (!more) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const r = await client().request(req(s.origin, '/slow'));
    await sleep(400);
    // The client holds a few MiB (its queue, Node's buffer, the kernel's socket buffers), not 64 MiB.
    expect(accepted).toBeLessThan(24 * MiB);
    let n = 0;
    for await (const c of r.body) n += c.byteLength;
    expect(n).toBe(total);
  });

  it('forwards a download as an upload on the same client without mixing bytes', async () => {
    const data = randomBytes(48 * MiB);
    const src = await serve((_rq, res) => res.writeHead(200, { 'content-length': data.length }).end(data));
    let received = '';
    const dst = await serve(async (rq, res) => {
      received = sha(await readAll(rq));
      res.writeHead(201).end();
    });
    const c = client();
    const got = await c.request(req(src.origin, '/blob'));
    const hash = createHash('sha256');
    async function* hashing(): AsyncGenerator<Uint8Array> {
      for await (const chunk of got.body) {
        hash.update(chunk);
        yield chunk;
      }
    }
    const put = await c.request(
      req(dst.origin, '/u', { method: 'PUT', headers: { 'content-length': String(data.length) }, body: hashing() }),
    );
    expect(put.statusCode).toBe(201);
    expect(received).toBe(sha(data));
    expect(hash.digest('hex')).toBe(sha(data));
  });

  it('fails with a typed error when the response stalls or is cut short, and rejects at once when aborted', async () => {
    const stallHead = await rawServe(() => undefined);
    await expect(client({ headersTimeoutMs: 200 }).request(req(stallHead.origin, '/'))).rejects.toMatchObject({ code: 'HEADERS_TIMEOUT' });

    const stallBody = await rawServe((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    const r = await client({ bodyTimeoutMs: 200 }).request(req(stallBody.origin, '/'));
    await expect(readAll(r.body)).rejects.toMatchObject({ code: 'BODY_TIMEOUT' });

    const cut = await rawServe((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    const c = await client().request(req(cut.origin, '/'));
    await expect(readAll(c.body)).rejects.toMatchObject({ code: 'ECONNRESET' });

    const nothing = await rawServe((s) => s.end());
    await expect(client().request(req(nothing.origin, '/'))).rejects.toMatchObject({ code: 'ECONNRESET' });

    const ac = new AbortController();
    const p = client().request(req(stallHead.origin, '/', { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });

    const ac2 = new AbortController();
    const b = await client().request(req(stallBody.origin, '/', { signal: ac2.signal }));
    setTimeout(() => ac2.abort(), 50);
    await expect(readAll(b.body)).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client().request(req(stallHead.origin, '/', { signal: AbortSignal.abort() }))).rejects.toMatchObject({
      name: 'AbortError',
    });

    const refused = await rawServe(() => undefined);
    for (const f of cleanups.splice(0).reverse()) await f(); // close every server: the port now refuses
    await expect(client().request(req(refused.origin, '/'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('times out a TLS handshake that never completes as a connection', async () => {
    const silent = await rawServe(() => undefined);
    const origin = silent.origin.replace('http:', 'https:');
    await expect(client({ connectTimeoutMs: 200 }).request(req(origin, '/'))).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
  });

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
    ['a status that is not a number', 'HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!'],
    [
      'Content-Length and chunked at once (smuggling)',
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ],
    ['a header with a bare CR', 'HTTP/1.1 200 OK\r\nx-a: 1\rx-b: 2\r\ncontent-length: 0\r\n\r\n'],
    ['a head larger than 64 KiB', `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70 * 1024)}\r\ncontent-length: 0\r\n\r\n`],
  ])('refuses a response with %s as a protocol error', async (_what, response) => {
    const s = await rawServe((sock) => sock.end(response));
    await expect(client().request(req(s.origin, '/'))).rejects.toMatchObject({ code: 'HTTP_PROTOCOL', name: 'HttpError' });
  });

  it('keeps the bytes a malformed response failed on, whatever the client reads next', async () => {
    const bad = await rawServe((sock) => sock.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    const good = await serve((_rq, res) => res.end('x'.repeat(5000)));
    const c = client();
    const err = await failure(c.request(req(bad.origin, '/')));
    expect(err).toMatchObject({ code: 'HTTP_PROTOCOL' });
    await (await c.request(req(good.origin, '/'))).body.text(); // a read into the same buffer
    const raw = ((err as Error).cause as { rawPacket?: Uint8Array }).rawPacket;
    expect(Buffer.from(raw ?? []).toString('latin1')).toContain('SSH-2.0');
  });

  it('fails the body of a response whose chunked framing breaks as a protocol error', async () => {
    const s = await rawServe((sock) => sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'));
    const r = await client().request(req(s.origin, '/'));
    expect(r.statusCode).toBe(200);
    await expect(readAll(r.body)).rejects.toMatchObject({ code: 'HTTP_PROTOCOL' });
  });

  it('keeps a __proto__ header from touching any prototype', async () => {
    const s = await rawServe((sock) =>
      sock.end(
        'HTTP/1.1 200 OK\r\n__proto__: x\r\n__proto__: {"polluted":true}\r\nconstructor: c\r\n' +
          'set-cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: 0\r\n\r\n',
      ),
    );
    const r = await client().request(req(s.origin, '/'));
    await r.body.dump();
    expect(Object.getPrototypeOf(r.headers)).toBeNull();
    expect(r.headers.constructor).toBe('c');
    expect('polluted' in r.headers).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(header(r.headers, 'toString')).toBeUndefined();
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    for (const v of Object.values(r.headers)) expect(typeof v === 'string' || Array.isArray(v)).toBe(true);
  });

  it('refuses header values with line breaks (no request smuggling)', async () => {
    const s = await serve((_rq, res) => res.end());
    await expect(client().request(req(s.origin, '/', { headers: { 'x-a': 'v\r\nx-b: injected' } }))).rejects.toMatchObject({
      code: 'HTTP_PROTOCOL',
    });
    await expect(client().request(req(s.origin, '/', { headers: { 'x-a\r\nx-b': 'v' } }))).rejects.toMatchObject({ code: 'HTTP_PROTOCOL' });
  });

  it('does not time out a body while its reader is the slow one, nor a request while its source is', async () => {
    const data = randomBytes(8 * MiB);
    const s = await serve(async (rq, res) => {
      if (rq.method === 'GET') return void res.writeHead(200, { 'content-length': data.length }).end(data);
      const got = await readAll(rq);
      res.writeHead(201).end(sha(got));
    });
    const c = client({ bodyTimeoutMs: 300, headersTimeoutMs: 300 });
    const r = await c.request(req(s.origin, '/'));
    await sleep(900); // reading stopped at the high-water mark meanwhile
    expect(sha(await readAll(r.body))).toBe(sha(data));
    const small = data.subarray(0, 300_000);
    const put = await c.request(
      req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': String(small.length) }, body: pieces(small, 100_000, 400) }),
    );
    expect(await put.body.text()).toBe(sha(small));
  });

  it('checks a streamed body against its Content-Length', async () => {
    const s = await serve((rq, res) => {
      rq.resume();
      rq.on('end', () => res.writeHead(201).end());
      rq.on('error', () => undefined);
    });
    const short = await failure(
      client().request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': '10' }, body: pieces(Buffer.alloc(5), 5) })),
    );
    expect(short).toBeInstanceOf(RequestBodyError);
    expect(String((short as Error).message)).toMatch(/ended at 5 of its content-length 10/);
    const long = await failure(
      client().request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': '10' }, body: pieces(Buffer.alloc(15), 5) })),
    );
    expect(long).toBeInstanceOf(RequestBodyError);
    expect(String((long as Error).message)).toMatch(/longer than its content-length 10/);
    const whole = await failure(
      client().request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': '10' }, body: Buffer.alloc(5) })),
    );
    expect(whole).toMatchObject({ code: 'HTTP_PROTOCOL' });
  });

  it('closes busy connections too when closed, and refuses requests afterwards', async () => {
    let serverClosed = false;
    const s = await serve((_rq, res) => {
      res.writeHead(200, { 'content-length': 64 * MiB });
      res.write(Buffer.alloc(4 * MiB));
      res.on('close', () => (serverClosed = true));
    });
    const c = client();
    const r = await c.request(req(s.origin, '/'));
    await c.close();
    await expect(readAll(r.body)).rejects.toMatchObject({ code: expect.any(String) });
    await sleep(100);
    expect(serverClosed).toBe(true);
    await expect(c.request(req(s.origin, '/'))).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('speaks TLS, trusting a private CA through NODE_EXTRA_CA_CERTS, and reuses a connection whose reading had stopped', async () => {
    const dir = await tempDir();
    const { key, cert } = selfSignedCertificate(dir);
    // Server and client in one child process: NODE_EXTRA_CA_CERTS is read at start-up.
    const script = join(dir, 'tls.mts');
    writeFileSync(
      script,
      [
        `import https from 'node:https';`,
        `import { createHash, randomBytes } from 'node:crypto';`,
        `import { readFileSync } from 'node:fs';`,
        `import { NodeHttpClient } from ${JSON.stringify(join(ROOT, 'src/registry/node-http.ts'))};`,
        `// More than the client queues: reading stops with the body unread.`,
        `const big = randomBytes(8 * 1024 * 1024 + 30_000);`,
        `let connections = 0;`,
        `const server = https.createServer({ key: readFileSync(${JSON.stringify(key)}), cert: readFileSync(${JSON.stringify(cert)}) }, (rq, res) =>`,
        `  rq.url === '/small' ? res.end('ok') : res.writeHead(200, { 'content-length': big.length }).end(big));`,
        `server.on('secureConnection', () => connections++);`,
        `await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));`,
        `const origin = 'https://localhost:' + (server.address() as { port: number }).port;`,
        `const c = new NodeHttpClient({ headersTimeoutMs: 3000 });`,
        `const get = (path: string) => c.request({ origin, path, method: 'GET', headers: {}, body: null, signal: null });`,
        `try {`,
        `  const r = await get('/big');`,
        `  await new Promise((res) => setTimeout(res, 300)); // the body arrives and waits unread: reading stopped`,
        `  const t = performance.now();`,
        `  const small = await (await get('/small')).body.text();`,
        `  const ms = performance.now() - t;`,
        `  const h = createHash('sha256'); for await (const ch of r.body) h.update(ch);`,
        `  const same = h.digest('hex') === createHash('sha256').update(big).digest('hex');`,
        `  const again = await (await get('/small')).body.text();`,
        `  console.log(r.statusCode, same ? 'intact' : 'CORRUPT', small, again, ms < 1000 ? 'prompt' : 'slow ' + Math.round(ms) + ' ms', connections + ' connections');`,
        `} finally {`,
        `  await c.close(); server.closeAllConnections(); server.close();`,
        `}`,
      ].join('\n'),
    );
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', script],
          { env: { ...process.env, ...env }, cwd: ROOT, timeout: 20_000 },
          (e, stdout, stderr) => resolve({ status: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
        );
      });
    const trusted = await run({ NODE_EXTRA_CA_CERTS: cert });
    expect(trusted.stderr).toBe('');
    // The second request went on another connection without waiting; the third reused one.
    expect(trusted.stdout.trim()).toBe('200 intact ok ok prompt 2 connections');
    const untrusted = await run({ NODE_EXTRA_CA_CERTS: '' });
    expect(untrusted.status).not.toBe(0);
    expect(untrusted.stderr).toMatch(/self[- ]signed|unable to verify/i);
  });
});

describe('deadlines count from the connection, not from the queue', () => {
  it("a request waiting for one of the origin's connections is not failed by its deadline while it waits", async () => {
    // One connection per origin: the second request waits 400 ms for the first to finish, longer
    // than its own 250 ms deadline, which only starts when it gets the connection.
    const { origin } = await serve(async (rq, res) => {
      if (rq.url === '/slow') await new Promise((r) => setTimeout(r, 400));
      res.end(rq.url);
    });
    const c = client({ maxConnectionsPerOrigin: 1 });
    const get = (path: string): Promise<string> =>
      c
        .request({ origin, path, method: 'GET', headers: {}, body: null, signal: null, deadlineMs: path === '/slow' ? 5_000 : 250 })
        .then((r) => r.body.text());
    const [slow, queued] = await Promise.all([get('/slow'), get('/quick')]);
    expect([slow, queued]).toEqual(['/slow', '/quick']);
  });

  it('still ends a request whose own exchange outlasts its deadline', async () => {
    const { origin } = await serve(async (_rq, res) => {
      await new Promise((r) => setTimeout(r, 600));
      res.end('late');
    });
    const c = client({ maxConnectionsPerOrigin: 1 });
    const r = c.request({ origin, path: '/', method: 'GET', headers: {}, body: null, signal: null, deadlineMs: 200 });
    await expect(r).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
