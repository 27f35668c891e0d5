// Tokens reused across the repositories of one registry (issue 11, "fast over real networks"):
// the real registry behind the test token server, which records every token request. A copy from
// one repository to three others of the same registry asks the token service once (the stores are
// opened first, so the token is asked for with every scope they need); a repository opened later
// costs one more; a token that covers a request's scopes serves it, whatever repository it names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from '../../src/publish/copy.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { runSkopeo } from '../harness/fixtures.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { clientFor, fixtureImage } from '../support/images.js';

describe('token reuse across repositories of one registry', () => {
  let reg: TestRegistry;
  let img: Awaited<ReturnType<typeof fixtureImage>>;
  const clients: RegistryClient[] = [];
  const client = (): RegistryClient => {
    const c = clientFor(reg);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [reg, img] = await Promise.all([startRegistry({ auth: 'token' }), fixtureImage({ layers: 3, layerBytes: 50_000 })]);
    await copyImage(img.store, 'v1', [{ store: client().repository(reg.host, 'src/app', { push: true }), tag: 'v1' }]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await reg?.stop();
  });

  const tokenLog = (): string =>
    reg.tokenServer!.requests.map((r) => `${r.status} ${r.scopes.join(' ')} → ${JSON.stringify(r.granted)}`).join('\n');

  it('a copy from one repository to three others asks for one token, with every scope', async () => {
    reg.tokenServer!.clear();
    const c = client();
    const src = c.repository(reg.host, 'src/app');
    const targets = ['dst/one', 'dst/two', 'dst/three'].map((r) => ({ store: c.repository(reg.host, r, { push: true }), tag: 'v1' }));
    const r = await copyImage(src, 'v1', targets);
    expect(r.blobs.mounted, 'blobs are mounted from src/app, with the same token').toBeGreaterThan(0);
    expect(reg.tokenServer!.requests, tokenLog()).toHaveLength(1);
    expect(reg.tokenServer!.requests[0]!.scopes.sort()).toEqual([
      'repository:dst/one:pull,push',
      'repository:dst/three:pull,push',
      'repository:dst/two:pull,push',
      'repository:src/app:pull',
    ]);
    // What was copied is there, as another client sees it.
    const creds = `${reg.defaultUser!.username}:${reg.defaultUser!.password}`;
    for (const t of ['dst/one', 'dst/two', 'dst/three']) {
      await runSkopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${reg.host}/${t}:v1`]);
    }
  });

  it('a repository opened after the first token costs one more request, and the new token serves all', async () => {
    reg.tokenServer!.clear();
    const c = client();
    expect(await c.repository(reg.host, 'dst/one').listTags()).toEqual(['v1']);
    expect(await c.repository(reg.host, 'dst/two').listTags()).toEqual(['v1']);
    expect(await c.repository(reg.host, 'dst/one').listTags()).toEqual(['v1']);
    // dst/one alone at first (dst/two was not opened yet), then both: two requests, and none for the third call.
    expect(
      reg.tokenServer!.requests.map((r) => r.scopes.sort()),
      tokenLog(),
    ).toEqual([['repository:dst/one:pull'], ['repository:dst/one:pull', 'repository:dst/two:pull']]);
  });

  it('a user granted less than the token asked for still gets a clear refusal, not a token it cannot use', async () => {
    reg.tokenServer!.options.readOnlyUsers.push(reg.defaultUser!.username);
    try {
      reg.tokenServer!.clear();
      const c = client();
      const src = c.repository(reg.host, 'src/app');
      const dst = c.repository(reg.host, 'dst/readonly', { push: true });
      const err = await copyImage(src, 'v1', [{ store: dst, tag: 'v1' }]).catch((e: unknown) => e);
      expect(err, tokenLog()).toMatchObject({ code: 'REGISTRY_HTTP', userError: true });
      expect([401, 403]).toContain((err as { status: number }).status);
      // Each blob's mount (or upload) asks again once after its 401, then gives up: bounded, no loop.
      expect(reg.tokenServer!.requests.length, tokenLog()).toBeLessThanOrEqual(2 * 8 + 2);
      expect(await c.repository(reg.host, 'dst/readonly').listTags()).toEqual([]);
    } finally {
      reg.tokenServer!.options.readOnlyUsers.pop();
    }
  });
});
