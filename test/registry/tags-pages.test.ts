// A tag list that never ends (issue 11, finding 7): listTags stopped silently after 10,000 pages and
// returned what it had, from which plan decided `latest`. Now a list cut at the limit is an error
// naming it. A scripted server on loopback (a protocol edge, STYLE.md) always sends a next page.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/registry/client.js';
import { TAG_LIST_MAX_PAGES } from '../../src/registry/tags.js';
import { listTags } from '../../src/release/images.js';
import { planRelease } from '../../src/release/plan-release.js';
import { clientFor } from '../support/images.js';

/** Serves /v2/<repo>/tags/list one tag a page; `endless` repositories always link to a next page. */
function startTagServer(): Promise<{ server: Server; host: string; pages: Map<string, number> }> {
  const pages = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (url.pathname === '/v2/' || m === null)
      return void res.writeHead(url.pathname === '/v2/' ? 200 : 404, { 'content-length': 0 }).end();
    const repo = m[1]!;
    const page = Number(url.searchParams.get('last')?.slice(1) ?? '-1') + 1;
    pages.set(repo, (pages.get(repo) ?? 0) + 1);
    const body = JSON.stringify({ name: repo, tags: [`v${page}`] });
    const more = repo.startsWith('endless') || page < 2;
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...(more ? { link: `</v2/${repo}/tags/list?n=1&last=v${page}>; rel="next"` } : {}),
    });
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, host: `127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`, pages });
    }),
  );
}

describe('listTags: a tag list cut at the page limit is an error, never a partial list', () => {
  let srv: Awaited<ReturnType<typeof startTagServer>>;
  let client: RegistryClient;

  beforeAll(async () => {
    srv = await startTagServer();
    client = clientFor(undefined);
  });
  afterAll(async () => {
    await client?.close();
    srv.server.closeAllConnections();
    await new Promise((resolve) => srv.server.close(resolve));
  });

  it('reads a list that ends, every page', async () => {
    expect(await client.repository(srv.host, 'short/app').listTags({ pageSize: 1 })).toEqual(['v0', 'v1', 'v2']);
  });

  it('refuses a list that does not end within maxPages, naming the limit', async () => {
    const err = await client
      .repository(srv.host, 'endless/small')
      .listTags({ pageSize: 1, maxPages: 20 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_PROTOCOL',
      message: expect.stringContaining('did not end after 20 pages (20 tags so far)'),
    });
    expect(srv.pages.get('endless/small')).toBe(20);
  });

  it(`refuses, by default, after ${TAG_LIST_MAX_PAGES} pages: gantry tags`, async () => {
    const err = await listTags(`${srv.host}/endless/default`, { env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_PROTOCOL',
      message: expect.stringContaining(`did not end after ${TAG_LIST_MAX_PAGES} pages`),
    });
    expect(srv.pages.get('endless/default')).toBe(TAG_LIST_MAX_PAGES);
  });

  it("refuses, by default, in plan's registry check, which says how to plan without it", async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gantry-tag-pages-'));
    try {
      await writeFile(join(cwd, 'gantry.yml'), `images:\n  - name: app\n    repositories: [${srv.host}/endless/plan]\n`);
      const err = await planRelease({ cwd, env: { SOURCE_DATE_EPOCH: '1700000000' }, version: '1.2.3', sha: 'a'.repeat(40) }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 'REGISTRY_CHECK_FAILED',
        message: expect.stringMatching(new RegExp(`did not end after ${TAG_LIST_MAX_PAGES} pages[^]*--no-registry-check`)),
        cause: expect.objectContaining({ code: 'REGISTRY_PROTOCOL' }),
      });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
