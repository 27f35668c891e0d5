import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Agent, RequestBodyError, type HttpRequestOptions } from '../../src/registry/http1.js';
import { slabsAllocated } from '../../src/registry/slabs.js';
import { tempDir } from '../support/images.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const cleanups: (() => unknown)[] = [];
const handlerErrors: unknown[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  const errors = handlerErrors.splice(0);
  if (errors.length > 0) throw new AggregateError(errors, 'a test server handler failed');
});

function agent(o: ConstructorParameters<typeof Http1Agent>[0] = {}): Http1Agent {
  const a = new Http1Agent(o);
  cleanups.push(() => a.close());
  return a;
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
  cleanups.push(() => new Promise((r) => server.close(r)), () => server.closeAllConnections());
  return { origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => n, server };
}

/** A raw TCP server that answers each connection with `answer` (for responses node:http would not send). */
async function rawServe(answer: (socket: net.Socket, request: string) => void): Promise<string> {
  const server = net.createServer((s) => {
    let got = '';
    s.on('data', (d) => {
      const before = got.includes('\r\n\r\n');
      got += d.toString('latin1');
      if (!before && got.includes('\r\n\r\n')) answer(s, got);
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
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const req = (origin: string, path: string, more: Partial<HttpRequestOptions> = {}): HttpRequestOptions => ({
  origin, path, method: 'GET', headers: {}, body: null, signal: null, ...more,
});

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('Http1Agent against real HTTP servers', () => {
  it('streams a large body intact and reuses the keep-alive connection', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 17);
    const s = await serve((rq, res) => {
      res.setHeader('content-length', data.length);
      res.end(rq.url === '/big' ? data : undefined);
    });
    const a = agent();
    const r1 = await a.request(req(s.origin, '/big'));
    expect(r1.statusCode).toBe(200);
    expect(r1.headers['content-length']).toBe(String(data.length));
    expect(sha(await readAll(r1.body))).toBe(sha(data));
    const r2 = await a.request(req(s.origin, '/big'));
    expect(sha(await readAll(r2.body))).toBe(sha(data));
    expect(s.connections()).toBe(1);
  });

  it('sends a streamed body with its Content-Length, or chunked without one, and a small body whole', async () => {
    const got: { method: string; te: string | undefined; cl: string | undefined; hash: string; auth: string | undefined }[] = [];
    const s = await serve(async (rq, res) => {
      const body = await readAll(rq);
      got.push({ method: rq.method!, te: rq.headers['transfer-encoding'], cl: rq.headers['content-length'], hash: sha(body), auth: rq.headers.authorization });
      res.writeHead(201, { location: '/done' }).end();
    });
    const data = randomBytes(3 * 1024 * 1024);
    const a = agent();
    const put = await a.request(req(s.origin, '/u?digest=x', { method: 'PUT', headers: { 'content-length': String(data.length), authorization: 'Bearer t' }, body: pieces(data, 100_000) }));
    expect(put.statusCode).toBe(201);
    expect(put.headers.location).toBe('/done');
    await put.body.dump();
    const patch = await a.request(req(s.origin, '/u', { method: 'PATCH', body: pieces(data, 65_536) }));
    expect(patch.statusCode).toBe(201);
    const small = await a.request(req(s.origin, '/m', { method: 'PUT', body: Buffer.from('{"a":1}') }));
    expect(small.statusCode).toBe(201);
    const post = await a.request(req(s.origin, '/p', { method: 'POST' }));
    expect(post.statusCode).toBe(201);
    expect(got).toEqual([
      { method: 'PUT', te: undefined, cl: String(data.length), hash: sha(data), auth: 'Bearer t' },
      { method: 'PATCH', te: 'chunked', cl: undefined, hash: sha(data), auth: undefined },
      { method: 'PUT', te: undefined, cl: '7', hash: sha(Buffer.from('{"a":1}')), auth: undefined },
      { method: 'POST', te: undefined, cl: '0', hash: sha(Buffer.alloc(0)), auth: undefined },
    ]);
  });

  it('reads text and JSON bodies, chunked ones included', async () => {
    const s = await serve((rq, res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"tags":');
      res.end('["a","b"]}'); // no Content-Length: node:http sends it chunked
    });
    const a = agent();
    expect(await (await a.request(req(s.origin, '/t'))).body.json()).toEqual({ tags: ['a', 'b'] });
    expect(await (await a.request(req(s.origin, '/t'))).body.text()).toBe('{"tags":["a","b"]}');
  });

  it('sends again on a new connection when the server closed the idle one', async () => {
    const s = await serve((_rq, res) => res.end('ok'));
    const a = agent();
    expect(await (await a.request(req(s.origin, '/1'))).body.text()).toBe('ok');
    s.server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect(await (await a.request(req(s.origin, '/2'))).body.text()).toBe('ok');
    expect(s.connections()).toBe(2);
  });

  it('answers an upload that the server refuses before reading it, and stops reading the source', async () => {
    const s = await serve((_rq, res) => res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"', connection: 'close' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}'));
    let pulled = 0;
    let returned = false;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          pulled++;
          await new Promise((r) => setTimeout(r, 5));
          return { done: false, value: Buffer.alloc(256 * 1024) };
        },
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const r = await agent().request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': String(1 << 30) }, body: source }));
    expect(r.statusCode).toBe(401);
    expect(await r.body.text()).toContain('UNAUTHORIZED');
    await new Promise((res) => setTimeout(res, 50));
    expect(returned).toBe(true);
    expect(pulled).toBeLessThan(100);
  });

  it('aborts the request when its body fails, so the server never sees a whole body', async () => {
    let serverSaw = '';
    const s = await serve((rq, res) => {
      let n = 0;
      rq.on('data', (c: Buffer) => (n += c.length));
      rq.on('end', () => ((serverSaw = `complete ${n}`), res.end()));
      rq.on('close', () => {
        if (!rq.complete) serverSaw = `aborted after ${n}`;
      });
      rq.on('error', () => undefined);
    });
    const boom = new Error('digest mismatch');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(100_000);
      await new Promise((r) => setTimeout(r, 50)); // the first bytes reach the server
      throw boom;
    }
    const err = await agent()
      .request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': '200000' }, body: failing() }))
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RequestBodyError);
    expect((err as RequestBodyError).source).toBe(boom);
    await new Promise((r) => setTimeout(r, 100));
    expect(serverSaw).toMatch(/^aborted after/);
  });

  it('stops reading a body nobody consumes (backpressure) and goes on when it is read', async () => {
    const total = 64 * 1024 * 1024;
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
    const r = await agent().request(req(s.origin, '/slow'));
    await new Promise((res) => setTimeout(res, 400));
    // The client holds at most a few MiB (its queue plus the kernel's socket buffers), not 64 MiB.
    expect(accepted).toBeLessThan(24 * 1024 * 1024);
    let n = 0;
    for await (const c of r.body) n += c.byteLength;
    expect(n).toBe(total);
  });

  it('recycles its read buffers when it forwards a body as an upload, without mixing bytes', async () => {
    const data = randomBytes(48 * 1024 * 1024);
    const src = await serve((_rq, res) => res.writeHead(200, { 'content-length': data.length }).end(data));
    let received = '';
    const dst = await serve(async (rq, res) => {
      received = sha(await readAll(rq));
      res.writeHead(201).end();
    });
    const a = agent();
    const before = slabsAllocated();
    const got = await a.request(req(src.origin, '/blob'));
    const hash = createHash('sha256');
    async function* hashing(): AsyncGenerator<Uint8Array> {
      for await (const c of got.body) {
        hash.update(c);
        yield c;
      }
    }
    const put = await a.request(req(dst.origin, '/u', { method: 'PUT', headers: { 'content-length': String(data.length) }, body: hashing() }));
    expect(put.statusCode).toBe(201);
    expect(received).toBe(sha(data));
    expect(hash.digest('hex')).toBe(sha(data));
    // 48 MiB went through far fewer fresh 1 MiB slabs than that.
    expect(slabsAllocated() - before).toBeLessThan(16);
  });

  it('fails with a typed error when the response stalls, the server closes mid-body, or the caller aborts', async () => {
    const stallHead = await rawServe(() => undefined);
    await expect(agent({ headersTimeoutMs: 200 }).request(req(stallHead, '/'))).rejects.toMatchObject({ code: 'HEADERS_TIMEOUT' });

    const stallBody = await rawServe((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    const r = await agent({ bodyTimeoutMs: 200 }).request(req(stallBody, '/'));
    await expect(readAll(r.body)).rejects.toMatchObject({ code: 'BODY_TIMEOUT' });

    const cut = await rawServe((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    const c = await agent().request(req(cut, '/'));
    await expect(readAll(c.body)).rejects.toMatchObject({ code: 'ECONNRESET' });

    const nothing = await rawServe((s) => s.end());
    await expect(agent().request(req(nothing, '/'))).rejects.toMatchObject({ code: 'ECONNRESET' });

    const garbage = await rawServe((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    await expect(agent().request(req(garbage, '/'))).rejects.toMatchObject({ code: 'HTTP_PROTOCOL' });

    const ac = new AbortController();
    const p = agent().request(req(stallHead, '/', { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });

    const refused = await rawServe(() => undefined);
    cleanups.splice(0).reverse().forEach((f) => f()); // close every server: the port now refuses
    await new Promise((r) => setTimeout(r, 50));
    await expect(agent().request(req(refused, '/'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses header values with line breaks (no request smuggling)', async () => {
    const s = await serve((_rq, res) => res.end());
    await expect(agent().request(req(s.origin, '/', { headers: { 'x-a': 'v\r\nx-b: injected' } }))).rejects.toThrow(/line break/);
  });

  it('does not time out a body while its reader is the slow one', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const s = await serve((_rq, res) => res.writeHead(200, { 'content-length': data.length }).end(data));
    const r = await agent({ bodyTimeoutMs: 300 }).request(req(s.origin, '/'));
    await new Promise((res) => setTimeout(res, 900)); // reading stopped at the high-water mark meanwhile
    expect(sha(await readAll(r.body))).toBe(sha(data));
  });

  it('checks a streamed body against its Content-Length', async () => {
    const s = await serve((rq, res) => {
      rq.resume();
      rq.on('end', () => res.writeHead(201).end());
      rq.on('error', () => undefined);
    });
    const short = await agent()
      .request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': '10' }, body: pieces(Buffer.alloc(5), 5) }))
      .then(() => undefined, (e: unknown) => e);
    expect(short).toBeInstanceOf(RequestBodyError);
    expect(String((short as Error).message)).toMatch(/ended at 5 of its content-length 10/);
    const long = await agent()
      .request(req(s.origin, '/u', { method: 'PUT', headers: { 'content-length': '10' }, body: pieces(Buffer.alloc(15), 5) }))
      .then(() => undefined, (e: unknown) => e);
    expect(String((long as Error).message)).toMatch(/longer than its content-length 10/);
  });

  it('closes busy connections too when closed, so an unread body does not keep the process alive', async () => {
    let serverClosed = false;
    const s = await serve((_rq, res) => {
      res.writeHead(200, { 'content-length': 64 * 1024 * 1024 });
      res.write(Buffer.alloc(4 * 1024 * 1024));
      res.on('close', () => (serverClosed = true));
    });
    const a = agent();
    const r = await a.request(req(s.origin, '/'));
    await a.close();
    await expect(readAll(r.body)).rejects.toMatchObject({ code: expect.any(String) });
    await new Promise((res) => setTimeout(res, 100));
    expect(serverClosed).toBe(true);
  });

  it('speaks TLS, trusting a private CA through NODE_EXTRA_CA_CERTS, and reuses a connection whose reading had stopped', async () => {
    const dir = await tempDir();
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1'], { stdio: 'ignore' });
    // Server and client in one child process: NODE_EXTRA_CA_CERTS is read at start-up.
    const script = join(dir, 'tls.mts');
    writeFileSync(script, [
      `import https from 'node:https';`,
      `import { createHash, randomBytes } from 'node:crypto';`,
      `import { readFileSync } from 'node:fs';`,
      `import { Http1Agent } from ${JSON.stringify(join(ROOT, 'src/registry/http1.ts'))};`,
      `// Just over the high-water mark: TLS hands on records it already decrypted after reading stops.`,
      `const big = randomBytes(2 * 1024 * 1024 + 30_000);`,
      `let connections = 0;`,
      `const server = https.createServer({ key: readFileSync(${JSON.stringify(key)}), cert: readFileSync(${JSON.stringify(cert)}) }, (rq, res) =>`,
      `  rq.url === '/small' ? res.end('ok') : res.writeHead(200, { 'content-length': big.length }).end(big));`,
      `server.on('secureConnection', () => connections++);`,
      `await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));`,
      `const origin = 'https://localhost:' + (server.address() as { port: number }).port;`,
      `const a = new Http1Agent({ headersTimeoutMs: 3000 });`,
      `const get = (path: string) => a.request({ origin, path, method: 'GET', headers: {}, body: null, signal: null });`,
      `try {`,
      `  const r = await get('/big');`,
      `  await new Promise((res) => setTimeout(res, 300)); // the body arrives and waits unread: reading stopped`,
      `  const t = performance.now();`,
      `  const small = await (await get('/small')).body.text();`,
      `  const ms = performance.now() - t;`,
      `  const h = createHash('sha256'); for await (const c of r.body) h.update(c);`,
      `  const same = h.digest('hex') === createHash('sha256').update(big).digest('hex');`,
      `  console.log(r.statusCode, same ? 'intact' : 'CORRUPT', small, ms < 1000 ? 'prompt' : 'slow ' + Math.round(ms) + ' ms');`,
      `} finally {`,
      `  await a.close(); server.closeAllConnections(); server.close();`,
      `}`,
    ].join('\n'));
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, cwd: ROOT, timeout: 20_000 }, (e, stdout, stderr) =>
          resolve({ status: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
        );
      });
    const trusted = await run({ NODE_EXTRA_CA_CERTS: cert });
    expect(trusted.stderr).toBe('');
    // The second request did not wait for a timeout on a connection that had stopped reading.
    expect(trusted.stdout.trim()).toBe('200 intact ok prompt');
    const untrusted = await run({ NODE_EXTRA_CA_CERTS: '' });
    expect(untrusted.status).not.toBe(0);
    expect(untrusted.stderr).toMatch(/self[- ]signed|unable to verify/i);
  });
});
