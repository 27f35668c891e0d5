import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCredentialHelper } from '../../src/registry/credential-helper.js';
import {
  basicAuthHeader,
  chainCredentials,
  type Credential,
  credentialKeysFor,
  type DockerConfigOptions,
  dockerConfigCredentials,
  protectCredential,
  staticCredentials,
} from '../../src/registry/credentials.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** The secret fields read by name (they are non-enumerable, so toEqual would not see them). */
function plain(c: Credential | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  switch (c.kind) {
    case 'basic':
      return { kind: c.kind, username: c.username, password: c.password };
    case 'identityToken':
      return { kind: c.kind, token: c.token, ...(c.username !== undefined ? { username: c.username } : {}) };
    case 'registryToken':
      return { kind: c.kind, token: c.token };
  }
}

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-creds-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh DOCKER_CONFIG directory holding `config` (a string is written verbatim). */
async function configDir(config: unknown): Promise<string> {
  const dir = join(root, `cfg-${++n}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

async function source(config: unknown, more: Partial<DockerConfigOptions> = {}) {
  const dir = await configDir(config);
  return dockerConfigCredentials({ env: { DOCKER_CONFIG: dir }, ...more });
}

function recordingHelper(answers: Record<string, { Username: string; Secret: string } | undefined>) {
  const calls: string[] = [];
  const runHelper = (name: string, serverUrl: string) => {
    calls.push(`${name} ${serverUrl}`);
    return Promise.resolve(answers[`${name} ${serverUrl}`]);
  };
  return { calls, runHelper };
}

describe('credentialKeysFor', () => {
  it.each(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'])(
    'maps %s to the Docker Hub keys',
    (h) => {
      expect(credentialKeysFor(h)).toEqual(['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']);
    },
  );
  it('uses host[:port] for other registries', () => {
    expect(credentialKeysFor('ghcr.io')).toEqual(['ghcr.io']);
    expect(credentialKeysFor('localhost:5000')).toEqual(['localhost:5000']);
    expect(credentialKeysFor('http://localhost:5000/v2/')).toEqual(['localhost:5000']);
  });
});

describe('dockerConfigCredentials: auths', () => {
  it('decodes "auth" and splits at the first colon', async () => {
    const s = await source({ auths: { 'reg.example.com': { auth: b64('alice:pa:ss:word') } } });
    expect(plain(await s.get('reg.example.com'))).toEqual({ kind: 'basic', username: 'alice', password: 'pa:ss:word' });
    expect(await s.get('other.example.com')).toBeUndefined();
  });
  it('reads username and password fields', async () => {
    const s = await source({ auths: { 'localhost:5000': { username: 'bob', password: 'pw' } } });
    expect(plain(await s.get('localhost:5000'))).toEqual({ kind: 'basic', username: 'bob', password: 'pw' });
    expect(await s.get('localhost')).toBeUndefined();
  });
  it('prefers "auth" over username/password, as docker does', async () => {
    const s = await source({ auths: { 'r.io': { auth: b64('a:b'), username: 'x', password: 'y' } } });
    expect(plain(await s.get('r.io'))).toEqual({ kind: 'basic', username: 'a', password: 'b' });
  });
  it('returns an identity token, keeping the username', async () => {
    const s = await source({
      auths: {
        'acr.example.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'refresh-tok' },
        'plain.io': { identitytoken: 't2' },
      },
    });
    expect(plain(await s.get('acr.example.io'))).toEqual({
      kind: 'identityToken',
      token: 'refresh-tok',
      username: '00000000-0000-0000-0000-000000000000',
    });
    expect(plain(await s.get('plain.io'))).toEqual({ kind: 'identityToken', token: 't2' });
  });
  it('returns a registry token before anything else', async () => {
    const s = await source({ auths: { 'r.io': { registrytoken: 'bearer-tok', identitytoken: 'x', auth: b64('u:p') } } });
    expect(plain(await s.get('r.io'))).toEqual({ kind: 'registryToken', token: 'bearer-tok' });
  });
  it('treats an entry with nothing usable as no credential', async () => {
    const s = await source({ auths: { 'r.io': {}, 'e.io': { email: 'a@b.c', serveraddress: 'e.io', auth: '' } } });
    expect(await s.get('r.io')).toBeUndefined();
    expect(await s.get('e.io')).toBeUndefined();
  });
  it('finds Docker Hub under https://index.docker.io/v1/ for all its names', async () => {
    const s = await source({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } });
    for (const h of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(plain(await s.get(h))).toEqual({ kind: 'basic', username: 'hubuser', password: 'hubpass' });
    }
  });
  it('finds Docker Hub under its other key forms, the canonical key first', async () => {
    const s = await source({ auths: { 'docker.io': { auth: b64('short:1') } } });
    expect(plain(await s.get('registry-1.docker.io'))).toMatchObject({ username: 'short' });
    const both = await source({
      auths: { 'index.docker.io': { auth: b64('second:2') }, 'https://index.docker.io/v1/': { auth: b64('first:1') } },
    });
    expect(plain(await both.get('docker.io'))).toMatchObject({ username: 'first' });
    const legacy = await source({ auths: { 'https://index.docker.io/v2/': { auth: b64('legacy:1') } } });
    expect(plain(await legacy.get('docker.io'))).toMatchObject({ username: 'legacy' });
  });
  it('matches legacy http(s)://host[:port]/path keys by their host', async () => {
    const s = await source({
      auths: { 'http://legacy.example.com:5000/v2/': { auth: b64('old:timer') }, 'https://other.example.com/v1/': { auth: b64('o:t') } },
    });
    expect(plain(await s.get('legacy.example.com:5000'))).toEqual({ kind: 'basic', username: 'old', password: 'timer' });
    expect(plain(await s.get('other.example.com'))).toMatchObject({ username: 'o' });
    expect(await s.get('legacy.example.com')).toBeUndefined();
  });
  it('prefers the exact key over a legacy one', async () => {
    const s = await source({ auths: { 'https://r.io/v1/': { auth: b64('legacy:1') }, 'r.io': { auth: b64('exact:1') } } });
    expect(plain(await s.get('r.io'))).toMatchObject({ username: 'exact' });
  });
  it('is not fooled by keys that are Object.prototype members', async () => {
    const s = await source({ auths: {} });
    expect(await s.get('constructor')).toBeUndefined();
    expect(await s.get('__proto__')).toBeUndefined();
  });
});

describe('dockerConfigCredentials: config location', () => {
  it('reads $HOME/.docker/config.json when DOCKER_CONFIG is unset', async () => {
    const home = join(root, `home-${++n}`);
    await mkdir(join(home, '.docker'), { recursive: true });
    await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'r.io': { auth: b64('h:p') } } }));
    expect(plain(await dockerConfigCredentials({ env: { HOME: home } }).get('r.io'))).toMatchObject({ username: 'h' });
  });
  it('prefers DOCKER_CONFIG over HOME', async () => {
    const dir = await configDir({ auths: { 'r.io': { auth: b64('dc:p') } } });
    const s = dockerConfigCredentials({ env: { DOCKER_CONFIG: dir, HOME: join(root, 'nowhere') } });
    expect(plain(await s.get('r.io'))).toMatchObject({ username: 'dc' });
  });
  it('treats a missing file, or no HOME at all, as no credentials', async () => {
    expect(await dockerConfigCredentials({ env: { DOCKER_CONFIG: join(root, 'missing') } }).get('r.io')).toBeUndefined();
    expect(await dockerConfigCredentials({ env: { HOME: join(root, 'missing-home') } }).get('r.io')).toBeUndefined();
    expect(await dockerConfigCredentials({ env: {} }).get('r.io')).toBeUndefined();
  });
  it('lets DOCKER_AUTH_CONFIG override the file, falling back to the file for other hosts', async () => {
    const dir = await configDir({ auths: { 'r.io': { auth: b64('file:p') }, 'only-file.io': { auth: b64('f2:p') } } });
    const s = dockerConfigCredentials({
      env: { DOCKER_CONFIG: dir, DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'r.io': { auth: b64('env:p') } } }) },
    });
    expect(plain(await s.get('r.io'))).toMatchObject({ username: 'env' });
    expect(plain(await s.get('only-file.io'))).toMatchObject({ username: 'f2' });
  });
  it('uses DOCKER_AUTH_CONFIG alone when there is no file', async () => {
    const s = dockerConfigCredentials({
      env: { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('envhub:p') } } }) },
    });
    expect(plain(await s.get('docker.io'))).toMatchObject({ username: 'envhub' });
  });
});

describe('dockerConfigCredentials: helpers (injected)', () => {
  it('asks credHelpers[host] before auths', async () => {
    const h = recordingHelper({ 'ecr-login 123.dkr.ecr.us-east-1.amazonaws.com': { Username: 'AWS', Secret: 'ecr-secret' } });
    const s = await source(
      {
        auths: { '123.dkr.ecr.us-east-1.amazonaws.com': { auth: b64('stale:stale') } },
        credHelpers: { '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' },
      },
      { runHelper: h.runHelper },
    );
    expect(plain(await s.get('123.dkr.ecr.us-east-1.amazonaws.com'))).toEqual({ kind: 'basic', username: 'AWS', password: 'ecr-secret' });
    expect(h.calls).toEqual(['ecr-login 123.dkr.ecr.us-east-1.amazonaws.com']);
  });
  it('matches credHelpers keys by hostname and hands Docker Hub the index URL', async () => {
    const h = recordingHelper({
      'gcloud gcr.io': { Username: '_token', Secret: 'g' },
      'hub https://index.docker.io/v1/': { Username: '<token>', Secret: 'hub-refresh' },
    });
    const s = await source({ credHelpers: { 'https://gcr.io': 'gcloud', 'docker.io': 'hub' } }, { runHelper: h.runHelper });
    expect(plain(await s.get('gcr.io'))).toMatchObject({ username: '_token' });
    expect(plain(await s.get('registry-1.docker.io'))).toEqual({ kind: 'identityToken', token: 'hub-refresh' });
    expect(h.calls).toEqual(['gcloud gcr.io', 'hub https://index.docker.io/v1/']);
  });
  it('uses credsStore for hosts without a credHelpers entry', async () => {
    const h = recordingHelper({ 'desktop r.io': { Username: 'd', Secret: 's' }, 'special r2.io': { Username: 'sp', Secret: 's' } });
    const s = await source({ credsStore: 'desktop', credHelpers: { 'r2.io': 'special' } }, { runHelper: h.runHelper });
    expect(plain(await s.get('r.io'))).toMatchObject({ username: 'd' });
    expect(plain(await s.get('r2.io'))).toMatchObject({ username: 'sp' });
    expect(h.calls).toEqual(['desktop r.io', 'special r2.io']);
  });
  it('treats a helper miss as anonymous, without falling back to auths (as docker does)', async () => {
    const h = recordingHelper({});
    const s = await source({ credsStore: 'desktop', auths: { 'r.io': {} } }, { runHelper: h.runHelper });
    expect(await s.get('r.io')).toBeUndefined();
    expect(h.calls).toEqual(['desktop r.io']);
  });
  it('reads auths when credHelpers names no helper ("") even with a credsStore', async () => {
    const h = recordingHelper({});
    const s = await source(
      { credsStore: 'desktop', credHelpers: { 'r.io': '' }, auths: { 'r.io': { auth: b64('u:p') } } },
      { runHelper: h.runHelper },
    );
    expect(plain(await s.get('r.io'))).toMatchObject({ username: 'u' });
    expect(h.calls).toEqual([]);
  });
  it('caches per host and retries after a failure', async () => {
    let calls = 0;
    let fail = true;
    const s = await source(
      { credsStore: 'flaky' },
      {
        runHelper: () => {
          calls++;
          if (fail) return Promise.reject(new Error('boom'));
          return Promise.resolve({ Username: 'u', Secret: 's' });
        },
      },
    );
    await expect(s.get('r.io')).rejects.toMatchObject({ code: 'CREDENTIAL_HELPER_FAILED' });
    fail = false;
    const [a, b] = await Promise.all([s.get('r.io'), s.get('r.io')]);
    expect(a).toBe(b);
    await s.get('r.io');
    expect(calls).toBe(2);
  });
});

describe('dockerConfigCredentials: invalid configs', () => {
  it('names the file and the JSON problem, never the secret', async () => {
    const dir = await configDir('{\n  "auths": {"r.io": {"auth": "c2VjcmV0LXVzZXI6aHVudGVyMg=="}}}\n  x\n}');
    const s = dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } });
    const err = await s.get('r.io').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CREDENTIALS_INVALID', userError: true });
    const msg = (err as Error).message;
    expect(msg).toContain(join(dir, 'config.json'));
    expect(msg).toMatch(/unexpected non-whitespace character after the JSON value at line 3 column 3$/);
    expect(msg).not.toContain('c2VjcmV0');
    expect(inspect(err)).not.toContain('c2VjcmV0');
  });
  it.each([
    ['a token V8 would quote', '{"auths": {"r.io": {"auth": "c2VjcmV0OmZvbw=="}}, "x": tru}'],
    ['a truncated file', '{"auths": {"r.io": {"auth": "c2VjcmV0OmZvbw=="'],
    ['a JSON array', '["c2VjcmV0OmZvbw=="]'],
  ])('reports %s without echoing it', async (_what, text) => {
    const dir = await configDir(text);
    const err = await dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } })
      .get('r.io')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIALS_INVALID' });
    expect((err as Error).message).toContain(join(dir, 'config.json'));
    expect(inspect(err)).not.toContain('c2VjcmV0');
  });
  it('rejects an "auth" that is not base64 of user:password, without echoing it', async () => {
    for (const auth of ['not base64 hunter2!', b64('nocolonhunter2'), b64(':hunter2')]) {
      const s = await source({ auths: { 'r.io': { auth } } });
      const err = await s.get('r.io').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CREDENTIALS_INVALID', userError: true });
      expect((err as Error).message).toContain('auths["r.io"]');
      expect(inspect(err)).not.toContain('hunter2');
      expect(inspect(err)).not.toContain(auth);
    }
  });
  it('rejects wrongly typed fields', async () => {
    for (const cfg of [
      { auths: [] },
      { credHelpers: { 'r.io': 1 } },
      { credsStore: true },
      { auths: { 'r.io': 'x' } },
      { auths: { 'r.io': { password: 5 } } },
    ]) {
      const s = await source(cfg);
      await expect(s.get('r.io')).rejects.toMatchObject({ code: 'CREDENTIALS_INVALID' });
    }
  });
  it('reports an unreadable config file', async () => {
    const dir = join(root, `isdir-${++n}`);
    await mkdir(join(dir, 'config.json'), { recursive: true });
    const err = await dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } })
      .get('r.io')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIALS_INVALID' });
    expect((err as Error).message).toContain(join(dir, 'config.json'));
  });
  it('reports an invalid DOCKER_AUTH_CONFIG by name', async () => {
    const err = await dockerConfigCredentials({ env: { DOCKER_AUTH_CONFIG: '{"auths": {"r.io": {"auth": "c2VjcmV0OmZvbw=="}' } })
      .get('r.io')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIALS_INVALID' });
    expect((err as Error).message).toContain('DOCKER_AUTH_CONFIG');
    expect((err as Error).message).not.toContain('c2VjcmV0');
  });
});

describe('credential helpers (real processes)', () => {
  let bin: string;
  let log: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    bin = join(root, 'bin');
    log = join(root, 'helper.log');
    await mkdir(bin, { recursive: true });
    const script = join(bin, 'docker-credential-gantrytest');
    await writeFile(
      script,
      `#!/bin/sh
url=$(cat)
echo "$1 $url" >> "$GANTRY_HELPER_LOG"
case "$url" in
  hit.example.com|https://index.docker.io/v1/)
    printf '{"ServerURL":"%s","Username":"helperuser","Secret":"helper-s3cret"}\\n' "$url" ;;
  token.example.com)
    printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-s3cret"}' "$url" ;;
  broken.example.com)
    echo "   keychain is locked: unlock it first   " >&2
    echo "second line" >&2
    exit 3 ;;
  garbage.example.com)
    echo 'Username=helperuser Secret=helper-s3cret' ;;
  slow.example.com)
    exec sleep 10 ;;
  *)
    echo "credentials not found in native keychain"
    exit 1 ;;
esac
`,
    );
    await chmod(script, 0o755);
    env = { PATH: `${bin}:/usr/bin:/bin`, GANTRY_HELPER_LOG: log };
  });

  async function helperSource(config: unknown = { credsStore: 'gantrytest' }) {
    return dockerConfigCredentials({ env: { ...env, DOCKER_CONFIG: await configDir(config) } });
  }

  it('returns what the helper prints, passing the host (or the Docker Hub URL) on stdin', async () => {
    await writeFile(log, '');
    const s = await helperSource();
    expect(plain(await s.get('hit.example.com'))).toEqual({ kind: 'basic', username: 'helperuser', password: 'helper-s3cret' });
    expect(plain(await s.get('docker.io'))).toMatchObject({ username: 'helperuser' });
    expect(plain(await s.get('token.example.com'))).toEqual({ kind: 'identityToken', token: 'refresh-s3cret' });
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([
      'get hit.example.com',
      'get https://index.docker.io/v1/',
      'get token.example.com',
    ]);
  });
  it('runs the helper once per host', async () => {
    await writeFile(log, '');
    const s = await helperSource({ credHelpers: { 'hit.example.com': 'gantrytest' } });
    await Promise.all([s.get('hit.example.com'), s.get('hit.example.com')]);
    await s.get('hit.example.com');
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['get hit.example.com']);
  });
  it('treats "credentials not found in native keychain" as anonymous', async () => {
    const s = await helperSource();
    expect(await s.get('unknown.example.com')).toBeUndefined();
  });
  it('reports a failing helper with the first line of its stderr', async () => {
    const s = await helperSource();
    const err = await s.get('broken.example.com').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIAL_HELPER_FAILED' });
    expect((err as Error).message).toBe(
      'docker-credential-gantrytest get for broken.example.com failed (exit 3): keychain is locked: unlock it first',
    );
  });
  it('does not echo unparseable helper output (it may hold the secret)', async () => {
    const s = await helperSource();
    const err = await s.get('garbage.example.com').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIAL_HELPER_FAILED' });
    expect(inspect(err)).not.toContain('helper-s3cret');
  });
  it('says how to fix a helper that is not installed', async () => {
    const dir = await configDir({ credHelpers: { 'r.example.com': 'gantry-missing' } });
    const s = dockerConfigCredentials({ env: { PATH: `${join(root, 'empty-bin')}:/usr/bin:/bin`, DOCKER_CONFIG: dir } });
    const err = await s.get('r.example.com').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIAL_HELPER_FAILED', userError: true });
    expect((err as Error).message).toBe(
      `docker-credential-gantry-missing is configured for r.example.com in ${join(dir, 'config.json')} but was not found on PATH; install it or remove "credsStore"/"credHelpers" from the config`,
    );
  });
  it('kills a helper that does not answer in time', async () => {
    const started = Date.now();
    const err = await runCredentialHelper('gantrytest', 'slow.example.com', { env, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CREDENTIAL_HELPER_FAILED' });
    expect((err as Error).message).toMatch(/did not answer within/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('static and chained sources', () => {
  it('looks static credentials up like docker config keys', async () => {
    const s = staticCredentials({
      'docker.io': { kind: 'basic', username: 'u', password: 'p' },
      'r.io:5000': { kind: 'registryToken', token: 't' },
    });
    expect(plain(await s.get('registry-1.docker.io'))).toEqual({ kind: 'basic', username: 'u', password: 'p' });
    expect(plain(await s.get('r.io:5000'))).toEqual({ kind: 'registryToken', token: 't' });
    expect(await s.get('r.io')).toBeUndefined();
  });
  it('returns the first hit of a chain', async () => {
    const a = staticCredentials({ 'a.io': { kind: 'basic', username: 'first', password: 'p' } });
    const b = staticCredentials({
      'a.io': { kind: 'basic', username: 'second', password: 'p' },
      'b.io': { kind: 'registryToken', token: 't' },
    });
    const c = chainCredentials(a, b);
    expect(plain(await c.get('a.io'))).toMatchObject({ username: 'first' });
    expect(plain(await c.get('b.io'))).toMatchObject({ kind: 'registryToken' });
    expect(await c.get('c.io')).toBeUndefined();
    expect(await chainCredentials().get('a.io')).toBeUndefined();
  });
  it('does not swallow errors of a source', async () => {
    const bad = { get: () => Promise.reject(new Error('broken')) };
    await expect(chainCredentials(staticCredentials({}), bad).get('a.io')).rejects.toThrow('broken');
  });
});

describe('secrets stay secret', () => {
  const creds: Array<[Credential, string]> = [
    [protectCredential({ kind: 'basic', username: 'user', password: 'pw-SECRET-1' }), 'pw-SECRET-1'],
    [protectCredential({ kind: 'identityToken', token: 'id-SECRET-2', username: 'user' }), 'id-SECRET-2'],
    [protectCredential({ kind: 'registryToken', token: 'rt-SECRET-3' }), 'rt-SECRET-3'],
  ];
  it.each(creds)('hides the secret of %o from JSON, inspect and strings', (c, secret) => {
    expect(JSON.stringify(c)).not.toContain(secret);
    expect(JSON.stringify({ nested: [c] })).not.toContain(secret);
    expect(inspect(c)).not.toContain(secret);
    expect(inspect(c, { showHidden: true, depth: 5 })).not.toContain(secret);
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the point: a credential made a string (as a template does) shows no secret
    expect(String(c)).not.toContain(secret);
    expect(JSON.stringify({ ...c })).not.toContain(secret);
    expect(JSON.stringify(c)).toContain('[REDACTED]');
    expect(inspect(c)).toContain('[REDACTED]');
  });
  it('keeps the secret readable by name', () => {
    const [[basic]] = creds as [[Credential, string]];
    expect(basic.kind === 'basic' && basic.password).toBe('pw-SECRET-1');
    expect(Object.isFrozen(basic)).toBe(true);
  });
  it('hides secrets of credentials read from a config file', async () => {
    const s = await source({ auths: { 'r.io': { auth: b64('u:file-SECRET') }, 't.io': { identitytoken: 'tok-SECRET' } } });
    for (const h of ['r.io', 't.io']) {
      const c = await s.get(h);
      expect(JSON.stringify(c)).not.toContain('SECRET');
      expect(inspect(c)).not.toContain('SECRET');
    }
  });
  it('builds a Basic header', () => {
    expect(basicAuthHeader({ username: 'alice', password: 'p:w' })).toBe(`Basic ${b64('alice:p:w')}`);
  });
});
