// Credentials are bound to the registry's own origin (issue 11, finding 1): a tag list Link or an
// upload Location that names another origin gets no Authorization, and an HTTPS registry never
// sends gantry to plain HTTP. Two scripted servers on loopback: the registry, which requires Basic
// credentials, and another origin that records what it was sent.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/async/retry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { staticCredentials } from '../../src/registry/credentials.js';
import { NodeHttpClient } from '../../src/registry/node-http.js';
import { Transport } from '../../src/registry/transport.js';

const servers: Server[] = [];
const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const BASIC = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

describe("credentials go only to the registry's own origin", () => {
  it('a tag list Link to another origin is followed without the Authorization header', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"tags":["b"]}');
    });
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== BASIC) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end('{}');
        return;
      }
      res
        .writeHead(200, {
          'content-type': 'application/json',
          link: `<http://127.0.0.1:${other}/v2/acme/app/tags/list?last=a>; rel="next"`,
        })
        .end('{"tags":["a"]}');
    });
    const host = `127.0.0.1:${registry}`;
    const client = new RegistryClient({
      credentials: staticCredentials({ [host]: { kind: 'basic', username: 'alice', password: 's3cret' } }),
      userAgent: 'gantry-test',
    });
    closers.push(client);
    expect(await client.repository(host, 'acme/app').listTags()).toEqual(['a', 'b']);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it('a request to another origin (an upload Location) carries no credentials, and its 401 is not answered with them', async () => {
    const seen: (string | undefined)[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'www-authenticate': 'Basic realm="other"' }).end('{}');
    });
    const dispatcher = new NodeHttpClient();
    closers.push(dispatcher);
    const t = new Transport({
      host: '127.0.0.1:1',
      origin: 'http://127.0.0.1:1',
      dispatcher,
      credentials: staticCredentials({ '127.0.0.1:1': { kind: 'basic', username: 'alice', password: 's3cret' } }),
      userAgent: 'gantry-test',
      retry: DEFAULT_RETRY,
    });
    const res = await t.send({
      method: 'PUT',
      url: `http://127.0.0.1:${other}/upload/x?digest=sha256:0`,
      body: new Uint8Array(1),
      scopes: [],
      idempotent: true,
    });
    await res.body.dump();
    expect(res.status).toBe(401);
    expect(seen).toEqual([undefined]);
  });

  it('an HTTPS registry that names a plain-HTTP URL is refused before anything is sent', async () => {
    const seen: string[] = [];
    const other = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.end('{}');
    });
    const dispatcher = new NodeHttpClient();
    closers.push(dispatcher);
    const t = new Transport({
      host: 'registry.example',
      origin: 'https://registry.example',
      dispatcher,
      credentials: staticCredentials({ 'registry.example': { kind: 'basic', username: 'alice', password: 's3cret' } }),
      userAgent: 'gantry-test',
      retry: DEFAULT_RETRY,
    });
    const err = await t
      .send({ method: 'GET', url: `http://127.0.0.1:${other}/v2/acme/app/tags/list?last=a`, scopes: [], idempotent: true })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_PROTOCOL',
      message: expect.stringContaining('on plain HTTP: gantry does not leave HTTPS'),
    });
    expect(seen).toEqual([]);
  });
});
