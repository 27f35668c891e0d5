import { describe, expect, it } from 'vitest';
import { HostAuth, mergeScopes, scopesCover, type TokenFetcher } from '../../src/registry/auth.js';
import type { Challenge } from '../../src/registry/challenge.js';
import { basicAuthHeader, type Credential, type CredentialSource, staticCredentials } from '../../src/registry/credentials.js';

const HOST = 'reg.example:5000';
const PASSWORD = 'pa55-w0rd-that-must-not-leak';
const basic: Credential = { kind: 'basic', username: 'alice', password: PASSWORD };

const bearer = (params: Record<string, string> = {}): Challenge => ({
  scheme: 'bearer',
  params: { realm: 'https://auth.example/token', service: 'registry.example', ...params },
});
const basicChallenge: Challenge = { scheme: 'basic', params: { realm: 'x' } };

type FetchReq = Parameters<TokenFetcher>[0];

/** A token service stub: records requests and answers from `answer` (default: a fresh token per call). */
function tokenService(answer?: (req: FetchReq, n: number) => { status: number; text: string }) {
  const calls: FetchReq[] = [];
  const fetch: TokenFetcher = async (req) => {
    calls.push(req);
    return answer ? answer(req, calls.length) : { status: 200, text: JSON.stringify({ token: `tok${calls.length}`, expires_in: 300 }) };
  };
  return { calls, fetch };
}

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

const creds = (c?: Credential): CredentialSource => staticCredentials(c ? { [HOST]: c } : {});

describe('HostAuth', () => {
  it('sends no Authorization header before any challenge', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    expect(await auth.header(['repository:a:pull'])).toBeUndefined();
    expect(svc.calls).toHaveLength(0);
  });

  it('after a Bearer challenge fetches a token with service, each scope and Basic credentials', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    const scopes = ['repository:a:pull', 'repository:b:pull,push'];
    expect(await auth.unauthorized(bearer(), scopes)).toEqual(scopes);
    expect(await auth.header(scopes)).toBe('Bearer tok1');
    expect(svc.calls).toHaveLength(1);
    const req = svc.calls[0]!;
    expect(req.method).toBe('GET');
    const url = new URL(req.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://auth.example/token');
    expect(url.searchParams.get('service')).toBe('registry.example');
    expect(url.searchParams.getAll('scope')).toEqual(scopes);
    expect(req.headers.authorization).toBe(basicAuthHeader({ username: 'alice', password: PASSWORD }));
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    expect(req.body).toBeUndefined();
  });

  it('keeps query parameters of the realm', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(), svc.fetch);
    await auth.unauthorized(bearer({ realm: 'https://auth.example/token?account=x' }), []);
    await auth.header(['repository:a:pull']);
    const url = new URL(svc.calls[0]!.url);
    expect(url.searchParams.get('account')).toBe('x');
    expect(url.searchParams.getAll('scope')).toEqual(['repository:a:pull']);
  });

  it('asks anonymously, without service, when there is no credential and no service', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(), svc.fetch);
    await auth.unauthorized({ scheme: 'bearer', params: { realm: 'https://auth.example/token' } }, []);
    expect(await auth.header([])).toBe('Bearer tok1');
    expect(svc.calls[0]!.headers).toEqual({});
    expect(new URL(svc.calls[0]!.url).search).toBe('');
  });

  it('caches the token per scope set, whatever the order of the scopes', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['repository:a:pull', 'repository:b:pull'])).toBe('Bearer tok1');
    expect(await auth.header(['repository:b:pull', 'repository:a:pull'])).toBe('Bearer tok1');
    expect(svc.calls).toHaveLength(1);
    // Another scope set needs another token.
    expect(await auth.header(['repository:c:push'])).toBe('Bearer tok2');
    expect(await auth.header(['repository:c:push'])).toBe('Bearer tok2');
    expect(svc.calls).toHaveLength(2);
  });

  it('shares one fetch between concurrent requests for the same scopes', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    const headers = await Promise.all([auth.header(['s']), auth.header(['s']), auth.header(['s'])]);
    expect(headers).toEqual(['Bearer tok1', 'Bearer tok1', 'Bearer tok1']);
    expect(svc.calls).toHaveLength(1);
  });

  it('refetches once the token has expired (refreshing 10 s early)', async () => {
    const svc = tokenService();
    const c = clock();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch, c.now);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['s'])).toBe('Bearer tok1');
    c.t += 289_999;
    expect(await auth.header(['s'])).toBe('Bearer tok1');
    expect(svc.calls).toHaveLength(1);
    c.t += 1;
    expect(await auth.header(['s'])).toBe('Bearer tok2');
    expect(svc.calls).toHaveLength(2);
  });

  it('assumes 60 s without a usable expires_in, and at least 1 s', async () => {
    const answers = [{ token: 'a' }, { token: 'b', expires_in: 5 }, { token: 'c', expires_in: 'soon' }, { token: 'd' }];
    const svc = tokenService((_, n) => ({ status: 200, text: JSON.stringify(answers[n - 1]) }));
    const c = clock();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch, c.now);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['s'])).toBe('Bearer a');
    c.t += 49_999;
    expect(await auth.header(['s'])).toBe('Bearer a');
    c.t += 1;
    expect(await auth.header(['s'])).toBe('Bearer b');
    c.t += 999;
    expect(await auth.header(['s'])).toBe('Bearer b');
    c.t += 1;
    expect(await auth.header(['s'])).toBe('Bearer c');
    c.t += 50_000;
    expect(await auth.header(['s'])).toBe('Bearer d');
  });

  it('accepts access_token (OAuth2) when token is absent or empty', async () => {
    const svc = tokenService(() => ({ status: 200, text: JSON.stringify({ token: '', access_token: 'oauth' }) }));
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['s'])).toBe('Bearer oauth');
  });

  it('sends a registryToken credential directly, without asking the token service', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds({ kind: 'registryToken', token: 'rt-123' }), svc.fetch);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['repository:a:pull'])).toBe('Bearer rt-123');
    expect(await auth.header(['repository:b:push'])).toBe('Bearer rt-123');
    expect(svc.calls).toHaveLength(0);
  });

  it('exchanges an identityToken with a POST refresh_token grant', async () => {
    const svc = tokenService(() => ({ status: 200, text: JSON.stringify({ access_token: 'from-refresh', expires_in: 300 }) }));
    const auth = new HostAuth(HOST, creds({ kind: 'identityToken', token: 'refresh-xyz' }), svc.fetch);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['repository:a:pull', 'repository:b:pull'])).toBe('Bearer from-refresh');
    expect(svc.calls).toHaveLength(1);
    const req = svc.calls[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('https://auth.example/token');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBeUndefined();
    const form = new URLSearchParams(req.body);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('refresh-xyz');
    expect(form.get('client_id')).toBe('gantry');
    expect(form.get('service')).toBe('registry.example');
    expect(form.get('scope')).toBe('repository:a:pull repository:b:pull');
  });

  it('leaves service and scope out of the refresh form when there are none', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds({ kind: 'identityToken', token: 'r' }), svc.fetch);
    await auth.unauthorized({ scheme: 'bearer', params: { realm: 'https://auth.example/token' } }, []);
    await auth.header([]);
    const form = new URLSearchParams(svc.calls[0]!.body);
    expect(form.has('service')).toBe(false);
    expect(form.has('scope')).toBe(false);
  });

  it('turns a 401 of the token service into a REGISTRY_AUTH user error that does not leak the password', async () => {
    for (const status of [401, 403]) {
      const svc = tokenService(() => ({ status, text: `{"details":"bad credentials"}` }));
      const auth = new HostAuth(HOST, creds(basic), svc.fetch);
      await auth.unauthorized(bearer(), []);
      const err = await auth.header(['s']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'REGISTRY_AUTH', userError: true, temporary: false });
      const e = err as Error;
      expect(e.message).toContain(HOST);
      expect(e.message).not.toContain(PASSWORD);
      expect(e.message).not.toContain(Buffer.from(`alice:${PASSWORD}`).toString('base64'));
      expect(String(e.stack)).not.toContain(PASSWORD);
      expect(JSON.stringify(e)).not.toContain(PASSWORD);
    }
  });

  it('reports an anonymous 401 of the token service as a REGISTRY_AUTH user error too', async () => {
    const svc = tokenService(() => ({ status: 401, text: '' }));
    const auth = new HostAuth(HOST, creds(), svc.fetch);
    await auth.unauthorized(bearer(), []);
    await expect(auth.header(['s'])).rejects.toMatchObject({ code: 'REGISTRY_AUTH', userError: true });
  });

  it('reports other token service failures as REGISTRY_AUTH, temporary for 5xx and 429', async () => {
    for (const [status, temporary] of [
      [500, true],
      [503, true],
      [429, true],
      [400, false],
      [404, false],
    ] as const) {
      const svc = tokenService(() => ({ status, text: 'x' }));
      const auth = new HostAuth(HOST, creds(basic), svc.fetch);
      await auth.unauthorized(bearer(), []);
      await expect(auth.header(['s']), String(status)).rejects.toMatchObject({ code: 'REGISTRY_AUTH', userError: false, temporary });
    }
  });

  it('does not cache a failed fetch: the next call asks again', async () => {
    const svc = tokenService((_, n) => (n === 1 ? { status: 503, text: '' } : { status: 200, text: '{"token":"ok"}' }));
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    await expect(auth.header(['s'])).rejects.toMatchObject({ code: 'REGISTRY_AUTH' });
    expect(await auth.header(['s'])).toBe('Bearer ok');
    expect(svc.calls).toHaveLength(2);
  });

  it('reports a body that is not JSON as REGISTRY_PROTOCOL', async () => {
    const svc = tokenService(() => ({ status: 200, text: '<html>login</html>' }));
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    await expect(auth.header(['s'])).rejects.toMatchObject({ code: 'REGISTRY_PROTOCOL', userError: false });
  });

  it('reports an answer without a token as REGISTRY_PROTOCOL', async () => {
    for (const text of ['{}', '{"token":""}', '{"token":42}', '{"access_token":null}']) {
      const svc = tokenService(() => ({ status: 200, text }));
      const auth = new HostAuth(HOST, creds(basic), svc.fetch);
      await auth.unauthorized(bearer(), []);
      await expect(auth.header(['s']), text).rejects.toMatchObject({ code: 'REGISTRY_PROTOCOL' });
    }
  });

  it('reports a Bearer challenge without a realm as REGISTRY_PROTOCOL', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized({ scheme: 'bearer', params: { service: 's' } }, []);
    await expect(auth.header(['s'])).rejects.toMatchObject({ code: 'REGISTRY_PROTOCOL' });
    expect(svc.calls).toHaveLength(0);
  });

  it('answers a Basic challenge with the basic credential', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    expect(await auth.unauthorized(basicChallenge, ['repository:a:pull'])).toEqual(['repository:a:pull']);
    expect(await auth.header(['repository:a:pull'])).toBe(`Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    expect(svc.calls).toHaveLength(0);
  });

  it('cannot answer a Basic challenge without a basic credential', async () => {
    for (const c of [undefined, { kind: 'registryToken', token: 't' } as const, { kind: 'identityToken', token: 't' } as const]) {
      const auth = new HostAuth(HOST, creds(c), tokenService().fetch);
      expect(await auth.unauthorized(basicChallenge, ['s']), c?.kind ?? 'none').toBeUndefined();
      expect(await auth.header(['s'])).toBeUndefined();
    }
  });

  it('cannot answer an unknown scheme or a missing challenge', async () => {
    const auth = new HostAuth(HOST, creds(basic), tokenService().fetch);
    expect(await auth.unauthorized(undefined, ['s'])).toBeUndefined();
    expect(await auth.header(['s'])).toBeUndefined();
    expect(await auth.unauthorized({ scheme: 'negotiate', params: {} }, ['s'])).toBeUndefined();
    expect(await auth.header(['s'])).toBeUndefined();
  });

  it('unauthorized() merges the challenge scopes into the request scopes, without duplicates', async () => {
    const auth = new HostAuth(HOST, creds(basic), tokenService().fetch);
    const ch = bearer({ scope: 'repository:a:pull repository:b:pull,push  repository:a:pull' });
    expect(await auth.unauthorized(ch, ['repository:a:pull', 'repository:c:push'])).toEqual([
      'repository:a:pull',
      'repository:c:push',
      'repository:b:pull,push',
    ]);
    expect(await auth.unauthorized(bearer(), ['x'])).toEqual(['x']);
  });

  it('unauthorized() drops the cached token for the request scopes', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['b', 'a'])).toBe('Bearer tok1');
    expect(await auth.header(['c'])).toBe('Bearer tok2');
    await auth.unauthorized(bearer(), ['a', 'b']);
    expect(await auth.header(['a', 'b'])).toBe('Bearer tok3');
    // Other scope sets keep theirs.
    expect(await auth.header(['c'])).toBe('Bearer tok2');
    expect(svc.calls).toHaveLength(3);
  });

  it('asks the credential source once per host', async () => {
    let asked = 0;
    const source: CredentialSource = {
      get: async (host) => {
        asked++;
        expect(host).toBe(HOST);
        return undefined;
      },
    };
    const svc = tokenService();
    const auth = new HostAuth(HOST, source, svc.fetch);
    expect(await auth.hasCredential()).toBe(false);
    await auth.unauthorized(bearer(), []);
    await auth.header(['a']);
    await auth.header(['b']);
    expect(asked).toBe(1);
  });

  it('hasCredential() says whether a credential is configured', async () => {
    expect(await new HostAuth(HOST, creds(basic), tokenService().fetch).hasCredential()).toBe(true);
    expect(await new HostAuth('other.example', creds(basic), tokenService().fetch).hasCredential()).toBe(false);
  });
});

describe('HostAuth: one token for several repositories of a host', () => {
  it('scopesCover: every action of every resource, or *', () => {
    expect(scopesCover(['repository:a:pull,push', 'repository:b:pull'], ['repository:a:pull', 'repository:b:pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull,push'])).toBe(false);
    expect(scopesCover(['repository:a:pull'], ['repository:b:pull'])).toBe(false);
    expect(scopesCover(['repository:a:*'], ['repository:a:pull,push,delete'])).toBe(true);
    expect(mergeScopes(['repository:a:pull', 'repository:b:pull', 'repository:a:push'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
  });

  it('a token asked for more scopes serves a request for fewer, of another repository too', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    await auth.unauthorized(bearer(), []);
    expect(await auth.header(['repository:a:pull', 'repository:b:pull,push'])).toBe('Bearer tok1');
    expect(await auth.header(['repository:b:pull'])).toBe('Bearer tok1');
    expect(await auth.header(['repository:a:pull'])).toBe('Bearer tok1');
    expect(svc.calls).toHaveLength(1);
  });

  it('asks for the expected scopes with the first token, and each new one with the next', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    auth.expect(['repository:src:pull']);
    auth.expect(['repository:dst:pull,push']);
    await auth.unauthorized(bearer(), []);
    await auth.header(['repository:src:pull']);
    await auth.header(['repository:dst:pull,push']);
    auth.expect(['repository:later:pull']);
    await auth.header(['repository:later:pull']);
    expect(svc.calls.map((c) => new URL(c.url).searchParams.getAll('scope'))).toEqual([
      ['repository:src:pull', 'repository:dst:pull,push'],
      ['repository:later:pull', 'repository:src:pull', 'repository:dst:pull,push'],
    ]);
  });

  it('after a 401 with a token asked for with others, asks for the failing scopes alone', async () => {
    const svc = tokenService();
    const auth = new HostAuth(HOST, creds(basic), svc.fetch);
    auth.expect(['repository:a:pull', 'repository:b:pull,push']);
    await auth.unauthorized(bearer(), []);
    const used = await auth.header(['repository:b:pull,push']);
    await auth.unauthorized(bearer(), ['repository:b:pull,push'], used);
    expect(await auth.header(['repository:b:pull,push'])).toBe('Bearer tok2');
    expect(new URL(svc.calls[1]!.url).searchParams.getAll('scope')).toEqual(['repository:b:pull,push']);
  });
});
