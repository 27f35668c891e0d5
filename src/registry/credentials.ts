import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CredentialError, type HelperResult, runCredentialHelper } from './credential-helper.js';

export { CredentialError, type CredentialErrorCode, type HelperResult } from './credential-helper.js';

/**
 * A registry credential. Secret fields (`password`, `token`) are non-enumerable on objects made here
 * ({@link protectCredential}), so they stay out of `JSON.stringify`, `util.inspect` and logs. Read
 * them by name; note that `{...cred}` drops them (fails closed, never leaks).
 */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the token service. */
  | { kind: 'identityToken'; token: string; username?: string }
  /** Sent as `Authorization: Bearer` directly (docker's `registrytoken`). */
  | { kind: 'registryToken'; token: string };

export interface CredentialSource {
  /** The credential for a registry host (`host[:port]`, `docker.io`), or undefined for anonymous access. */
  get(host: string): Promise<Credential | undefined>;
}

export interface DockerConfigOptions {
  /**
   * Values of DOCKER_CONFIG, DOCKER_AUTH_CONFIG, HOME and PATH, passed in, never read from process.env
   * here. Every string entry is also the environment of credential helpers (ecr-login, gcloud read
   * their own variables), so the CLI should pass its whole environment.
   */
  env: {
    DOCKER_CONFIG?: string;
    DOCKER_AUTH_CONFIG?: string;
    HOME?: string;
    PATH?: string;
    readonly [name: string]: string | undefined;
  };
  /** Runs a credential helper; injectable for tests. Defaults to spawning `docker-credential-<name> get`. */
  runHelper?: (name: string, serverUrl: string) => Promise<HelperResult | undefined>;
}

const REDACTED = '[REDACTED]';
/** The key docker stores Docker Hub under (`registry.IndexServer`). */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Returns a copy of `c` whose secret is non-enumerable and whose `toJSON`/`util.inspect` show
 * `[REDACTED]` in its place. Every credential this module returns went through it.
 */
export function protectCredential(c: Credential): Credential {
  const secretKey = c.kind === 'basic' ? 'password' : 'token';
  const secret = c.kind === 'basic' ? c.password : c.token;
  const visible: Record<string, string> = { kind: c.kind };
  if (c.kind !== 'registryToken' && c.username !== undefined) visible.username = c.username;
  const out: Record<string, unknown> = { ...visible };
  Object.defineProperty(out, secretKey, { value: secret, enumerable: false, writable: false, configurable: false });
  const redacted = () => ({ ...visible, [secretKey]: REDACTED });
  Object.defineProperty(out, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(out, 'toString', { value: () => `[${c.kind} credential]`, enumerable: false });
  Object.defineProperty(out, inspect.custom, { value: () => redacted(), enumerable: false });
  return Object.freeze(out) as Credential;
}

/** `Basic base64(username:password)` (RFC 7617). */
export function basicAuthHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/**
 * Reduces a docker config key to `host[:port]`: `https://host:5000/v2/` → `host:5000`
 * (docker/cli:cli/config/credentials/file_store.go `ConvertToHostname`).
 */
function convertToHostname(maybeUrl: string): string {
  let s = maybeUrl;
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  const end = s.search(/[/?#]/);
  return end >= 0 ? s.slice(0, end) : s;
}

/**
 * The config keys a host's credential may be stored under, most specific first. Docker Hub's
 * names all map to docker's `https://index.docker.io/v1/`; other registries use `host[:port]`.
 */
export function credentialKeysFor(host: string): string[] {
  const h = convertToHostname(host);
  if (DOCKER_HUB_HOSTS.has(h)) return [DOCKER_HUB_KEY, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [h];
}

/** The server URL docker hands to a credential helper for `host` (`getAuthConfigKey`). */
function helperServerUrl(host: string): string {
  const h = convertToHostname(host);
  return DOCKER_HUB_HOSTS.has(h) ? DOCKER_HUB_KEY : h;
}

/**
 * Finds `host`'s entry in a map keyed like docker's `auths`/`credHelpers`: an exact key first,
 * then legacy keys (`http(s)://host[:port]/path`) reduced to their host.
 */
function lookup<V>(map: ReadonlyMap<string, V>, host: string): [key: string, value: V] | undefined {
  const keys = credentialKeysFor(host);
  for (const k of keys) if (map.has(k)) return [k, map.get(k) as V];
  const hosts = new Set(keys.map(convertToHostname));
  for (const entry of map) if (hosts.has(convertToHostname(entry[0]))) return entry;
  return undefined;
}

/** Fixed credentials by host (from flags or a library caller); keys match like docker config keys. */
export function staticCredentials(map: Record<string, Credential>): CredentialSource {
  const m = new Map(Object.entries(map).map(([k, c]) => [k, protectCredential(c)] as const));
  return { get: (host) => Promise.resolve(lookup(m, host)?.[1]) };
}

/** Asks each source in turn; the first credential found wins. Errors are not skipped. */
export function chainCredentials(...sources: CredentialSource[]): CredentialSource {
  return {
    async get(host) {
      for (const s of sources) {
        const c = await s.get(host);
        if (c) return c;
      }
      return undefined;
    },
  };
}

/** One parsed docker config: `auths` entries stay raw until used. */
interface DockerConfig {
  /** Where it came from, for messages: a file path or `DOCKER_AUTH_CONFIG`. */
  readonly origin: string;
  readonly auths: ReadonlyMap<string, unknown>;
  readonly credHelpers: ReadonlyMap<string, string>;
  readonly credsStore: string | undefined;
}

/**
 * Credentials the way docker/cli finds them (`GetCredentialsStore`): the file
 * `${DOCKER_CONFIG:-$HOME/.docker}/config.json`, and `DOCKER_AUTH_CONFIG` (same JSON) whose
 * entries take precedence over the file's. Within one config, a credential helper configured for
 * the host (`credHelpers`, else `credsStore`) is the only store asked, exactly as docker does;
 * `auths` is read only when no helper is configured. Results are cached per host.
 */
export function dockerConfigCredentials(o: DockerConfigOptions): CredentialSource {
  let configs: Promise<DockerConfig[]> | undefined;
  const cache = new Map<string, Promise<Credential | undefined>>();

  async function find(host: string): Promise<Credential | undefined> {
    configs ??= loadConfigs(o.env);
    for (const cfg of await configs) {
      const c = await fromConfig(cfg, host, o);
      if (c) return c;
    }
    return undefined;
  }

  return {
    get(host) {
      const key = convertToHostname(host);
      let p = cache.get(key);
      if (!p) {
        p = find(key);
        cache.set(key, p);
        // Failures are not cached: the next call tries again (and reports again).
        p.catch(() => cache.get(key) === p && cache.delete(key));
      }
      return p;
    },
  };
}

async function fromConfig(cfg: DockerConfig, host: string, o: DockerConfigOptions): Promise<Credential | undefined> {
  // An empty credHelpers value selects the plain `auths` store even when credsStore is set (docker does the same).
  const helper = lookup(cfg.credHelpers, host)?.[1] ?? cfg.credsStore;
  if (helper) return fromHelper(helper, host, cfg, o);
  const found = lookup(cfg.auths, host);
  if (!found) return undefined;
  return parseAuthEntry(found[1], `auths[${JSON.stringify(found[0])}] in ${cfg.origin}`);
}

async function fromHelper(name: string, host: string, cfg: DockerConfig, o: DockerConfigOptions): Promise<Credential | undefined> {
  const serverUrl = helperServerUrl(host);
  let r: HelperResult | undefined;
  try {
    r = o.runHelper
      ? await o.runHelper(name, serverUrl)
      : await runCredentialHelper(name, serverUrl, { env: o.env, context: { host, configPath: cfg.origin } });
  } catch (e) {
    if (e instanceof CredentialError) throw e;
    throw new CredentialError('CREDENTIAL_HELPER_FAILED', `docker-credential-${name} get for ${host} failed`, {
      cause: e,
      userError: true,
    });
  }
  if (!r || !r.Secret) return undefined;
  // docker/cli:cli/config/credentials/native_store.go: the username `<token>` marks an identity token.
  if (r.Username === '<token>') return protectCredential({ kind: 'identityToken', token: r.Secret });
  return protectCredential({ kind: 'basic', username: r.Username, password: r.Secret });
}

/**
 * One `auths` entry (docker/cli:cli/config/types/authconfig.go). Precedence follows ggcr's bearer
 * transport: `registrytoken`, then `identitytoken`, then `auth`, then `username`/`password`.
 */
function parseAuthEntry(entry: unknown, where: string): Credential | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw invalid(`${where} is not an object`);
  }
  const e = entry as Record<string, unknown>;
  const str = (field: string): string => {
    const v = Object.hasOwn(e, field) ? e[field] : undefined;
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw invalid(`${where}: "${field}" is not a string`);
    return v;
  };
  const registryToken = str('registrytoken');
  const identityToken = str('identitytoken');
  const auth = str('auth');
  let username = str('username');
  let password = str('password');
  if (auth) [username, password] = decodeAuth(auth, where);
  if (registryToken) return protectCredential({ kind: 'registryToken', token: registryToken });
  if (identityToken) {
    return protectCredential({ kind: 'identityToken', token: identityToken, ...(username ? { username } : {}) });
  }
  if (username || password) return protectCredential({ kind: 'basic', username, password });
  return undefined;
}

/** docker/cli:cli/config/configfile/file.go `decodeAuth`: strict base64, split at the first ':'. */
function decodeAuth(auth: string, where: string): [string, string] {
  const b64 = auth.replace(/[\r\n]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
    throw invalid(`${where}: "auth" is not valid base64 (it must be base64 of "username:password")`);
  }
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw invalid(`${where}: "auth" does not decode to "username:password"`);
  return [decoded.slice(0, colon), decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '')];
}

function invalid(message: string, cause?: unknown): CredentialError {
  return new CredentialError('CREDENTIALS_INVALID', message, { cause, userError: true });
}

/** The configs to search, first match wins: DOCKER_AUTH_CONFIG, then the config file. */
async function loadConfigs(env: DockerConfigOptions['env']): Promise<DockerConfig[]> {
  const out: DockerConfig[] = [];
  if (env.DOCKER_AUTH_CONFIG) out.push(parseConfig(env.DOCKER_AUTH_CONFIG, 'DOCKER_AUTH_CONFIG'));
  const dir = env.DOCKER_CONFIG || (env.HOME ? join(env.HOME, '.docker') : undefined);
  if (dir) {
    const file = join(dir, 'config.json');
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw invalid(`cannot read the docker config ${file}: ${code ?? String(e)}`, e);
    }
    if (text !== undefined) out.push(parseConfig(text, file));
  }
  return out;
}

function parseConfig(text: string, origin: string): DockerConfig {
  const what = origin === 'DOCKER_AUTH_CONFIG' ? 'DOCKER_AUTH_CONFIG' : `the docker config ${origin}`;
  let j: unknown;
  try {
    j = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    // Not passing `e` as cause: V8's message quotes the JSON around the error, which may be a secret.
    throw invalid(`${what} is not valid JSON: ${describeJsonError(e, text)}`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw invalid(`${what} is not a JSON object`);
  const c = j as Record<string, unknown>;
  const objectField = (name: string): Map<string, unknown> => {
    const v = Object.hasOwn(c, name) ? c[name] : undefined;
    if (v === undefined || v === null) return new Map();
    if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${what}: "${name}" is not an object`);
    return new Map(Object.entries(v as Record<string, unknown>));
  };
  const credHelpers = new Map<string, string>();
  for (const [k, v] of objectField('credHelpers')) {
    if (typeof v !== 'string') throw invalid(`${what}: credHelpers[${JSON.stringify(k)}] is not a string`);
    credHelpers.set(k, v);
  }
  const store = Object.hasOwn(c, 'credsStore') ? c.credsStore : undefined;
  if (store !== undefined && store !== null && typeof store !== 'string') throw invalid(`${what}: "credsStore" is not a string`);
  return { origin, auths: objectField('auths'), credHelpers, credsStore: store || undefined };
}

/**
 * Says what is wrong with the JSON and where, without quoting it. V8 messages either have the form
 * `<problem> in JSON at position N (line L column C)` (fixed text) or quote the source.
 */
function describeJsonError(e: unknown, text: string): string {
  const msg = e instanceof Error ? e.message : '';
  const m = /^(.*?) (in|after) JSON at position (\d+)/.exec(msg);
  if (m?.[1] && m[3]) {
    const before = text.slice(0, Number(m[3])).split('\n');
    const problem = `${m[1].toLowerCase()}${m[2] === 'after' ? ' after the JSON value' : ''}`;
    return `${problem} at line ${before.length} column ${(before.at(-1)?.length ?? 0) + 1}`;
  }
  if (msg.startsWith('Unexpected end of JSON input')) return 'unexpected end of input';
  if (msg.startsWith('Unexpected token')) return 'unexpected character';
  return 'syntax error';
}
