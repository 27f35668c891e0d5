// Bodies gantry reads whole have a cap (issue 11, finding 2): a tag-list page or a token response
// that never ends is dropped at its limit, not read into memory. A scripted server on loopback
// streams until the client hangs up and counts what it managed to send.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { staticCredentials } from '../../src/registry/credentials.js';

const servers: Server[] = [];
const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Writes `prefix` and then filler until the client goes away (or 256 MiB); resolves with the bytes sent. */
function stream(res: ServerResponse, prefix: string, sent: { bytes: number }): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.write(prefix);
  const more = (): void => {
    while (!res.destroyed && sent.bytes < 256 * 1024 * 1024) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  res.on('error', () => undefined);
  more();
}

async function serve(handler: (path: string, res: ServerResponse, port: number) => void): Promise<string> {
  const server = createServer((req, res) => handler(req.url ?? '', res, (server.address() as AddressInfo).port));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(): RegistryClient {
  const c = new RegistryClient({
    credentials: staticCredentials({}),
    userAgent: 'gantry-test',
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 1000 },
  });
  clients.push(c);
  return c;
}

describe('bodies read whole are capped', () => {
  it('a tag-list page that never ends: REGISTRY_PROTOCOL at 4 MiB, the rest never read', async () => {
    const sent = { bytes: 0 };
    const host = await serve((path, res) =>
      path.startsWith('/v2/acme/app/tags/list') ? stream(res, '{"tags":["', sent) : res.writeHead(200).end('{}'),
    );
    const err = await client()
      .repository(host, 'acme/app')
      .listTags()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_PROTOCOL',
      message: expect.stringContaining('a page of the tag list of acme/app: the response body is larger than 4 MiB'),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sent.bytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('a token response that never ends: REGISTRY_PROTOCOL at 1 MiB, naming the token service', async () => {
    const sent = { bytes: 0 };
    const host = await serve((path, res, port) => {
      if (path.startsWith('/token')) return stream(res, '{"token":"', sent);
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test"` }).end('{}');
    });
    const err = await client()
      .repository(host, 'acme/app')
      .listTags()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_PROTOCOL',
      message: expect.stringMatching(
        /^the token service of 127\.0\.0\.1:\d+ at http:\/\/127\.0\.0\.1:\d+: the response body is larger than 1 MiB/,
      ),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sent.bytes).toBeLessThan(64 * 1024 * 1024);
  });
});
