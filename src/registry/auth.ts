import type { Challenge } from './challenge.js';
import { basicAuthHeader, type Credential, type CredentialSource } from './credentials.js';
import { redactUrl, TransportError } from './errors.js';

/** Fetches a token from a token service; provided by the transport so tokens use the same pool. */
export type TokenFetcher = (req: {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}) => Promise<{ status: number; text: string }>;

interface CachedToken {
  readonly header: string;
  readonly expiresAt: number;
}

/** A token asked for (or issued) for a set of scopes. */
interface TokenEntry {
  /** What was asked for, merged per resource (`repository:a:pull,push`). */
  readonly scopes: readonly string[];
  readonly promise: Promise<CachedToken>;
  token?: CachedToken;
}

/** Most scopes asked for in one token request (each is a query parameter). */
const MAX_SCOPES_PER_TOKEN = 32;

interface ParsedScope {
  readonly resource: string;
  readonly actions: readonly string[];
}

/** `repository:acme/app:pull,push` → resource `repository:acme/app`, actions [pull, push] (scope.md). */
function parseScope(scope: string): ParsedScope {
  const i = scope.lastIndexOf(':');
  return i <= 0
    ? { resource: scope, actions: [] }
    : {
        resource: scope.slice(0, i),
        actions: scope
          .slice(i + 1)
          .split(',')
          .filter(Boolean),
      };
}

/** Scopes with the actions of one resource merged, in first-seen order. */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const p = parseScope(s);
    const a = byResource.get(p.resource) ?? new Set<string>();
    for (const x of p.actions) a.add(x);
    byResource.set(p.resource, a);
  }
  return [...byResource].map(([r, a]) => (a.size ? `${r}:${[...a].join(',')}` : r));
}

/** Whether a token asked for `granted` is good for a request needing `wanted` (every action of every resource). */
export function scopesCover(granted: readonly string[], wanted: readonly string[]): boolean {
  const have = new Map(mergeScopes(granted).map((s) => [parseScope(s).resource, new Set(parseScope(s).actions)]));
  return wanted.every((w) => {
    const p = parseScope(w);
    const a = have.get(p.resource);
    return a !== undefined && (a.has('*') || p.actions.every((x) => a.has(x)));
  });
}

/**
 * Authentication state for one registry host: the scheme it asked for, the user's credential,
 * and bearer tokens (distribution auth spec: token.md, scope.md). A token is reused for any
 * request whose scopes it was asked for, whatever repository (a token for `a:pull` and
 * `b:pull,push` serves both); a new token asks for the scopes the calls on this host are known
 * to need too (`expect`), so that a copy from `a` to `b` or a release to several repositories
 * of one registry asks the token service once.
 */
export class HostAuth {
  readonly #host: string;
  readonly #origin: string;
  readonly #credentials: CredentialSource;
  readonly #fetchToken: TokenFetcher;
  readonly #now: () => number;
  #challenge: Challenge | undefined;
  #credential: Promise<Credential | undefined> | undefined;
  /** Tokens asked for, newest last. */
  #tokens: TokenEntry[] = [];
  /** Scopes the calls on this host are known to need (`expect`). */
  #expected: string[] = [];
  /** Scope sets (sorted, joined) that a token asked for with others did not serve: asked for alone from then on. */
  readonly #alone = new Set<string>();

  /**
   * `origin` is the registry's own (`https://ghcr.io`): a token service on plain HTTP is accepted
   * only when the registry is plain HTTP itself (loopback, --insecure-registry).
   */
  constructor(
    host: string,
    credentials: CredentialSource,
    fetchToken: TokenFetcher,
    now: () => number = Date.now,
    origin = `https://${host}`,
  ) {
    this.#host = host;
    this.#origin = origin;
    this.#credentials = credentials;
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  /** Scopes that calls on this host will need: the next token is asked for with them (at most 32 in all). */
  expect(scopes: readonly string[]): void {
    this.#expected = mergeScopes([...this.#expected, ...scopes]);
  }

  #credentialFor(): Promise<Credential | undefined> {
    this.#credential ??= this.#credentials.get(this.#host);
    return this.#credential;
  }

  /** The Authorization header for a request needing `scopes`, or undefined before any challenge. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    const ch = this.#challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const c = await this.#credentialFor();
      return c?.kind === 'basic' ? basicAuthHeader(c) : undefined;
    }
    if (ch.scheme !== 'bearer') return undefined;
    for (;;) {
      const now = this.#now();
      // The newest token asked for these scopes (or more), issued and fresh or still on its way.
      const entry = this.#tokens.findLast((e) => (e.token === undefined || e.token.expiresAt > now) && scopesCover(e.scopes, scopes));
      if (!entry) break;
      const t = await entry.promise.catch(() => undefined);
      if (t && t.expiresAt > this.#now()) return t.header;
      this.#drop(entry);
    }
    const alone = this.#alone.has(scopeKey(scopes));
    const asked = mergeScopes(alone ? scopes : [...scopes, ...this.#expected]).slice(0, Math.max(MAX_SCOPES_PER_TOKEN, scopes.length));
    const entry: TokenEntry = {
      scopes: asked,
      promise: this.#token(ch, asked).then((t) => {
        entry.token = t;
        return t;
      }),
    };
    this.#tokens = [...this.#tokens.filter((e) => e.token === undefined || e.token.expiresAt > this.#now()), entry];
    entry.promise.catch(() => this.#drop(entry));
    return (await entry.promise).header;
  }

  #drop(entry: TokenEntry): void {
    this.#tokens = this.#tokens.filter((e) => e !== entry);
  }

  /**
   * Called on a 401 (of the registry's own origin): learns the challenge and drops the token the
   * request carried (`used`, its Authorization header) and any other for these scopes. Returns
   * the scopes to retry with (the request's plus any the challenge names), or undefined when no
   * retry can help (a Basic challenge with no credential, an unknown scheme).
   */
  async unauthorized(challenge: Challenge | undefined, scopes: readonly string[], used?: string): Promise<string[] | undefined> {
    if (!challenge) return undefined;
    this.#challenge = challenge;
    const wanted = [...scopes];
    for (const s of (challenge.params.scope ?? '').split(' ')) if (s && !wanted.includes(s)) wanted.push(s);
    for (const e of this.#tokens) {
      if ((used !== undefined && e.token?.header === used) || scopesCover(e.scopes, scopes)) {
        // A token asked for with other scopes did not serve these (the service granted less): ask for them alone.
        if (e.token?.header === used && e.scopes.length > scopes.length) {
          this.#alone.add(scopeKey(scopes));
          this.#alone.add(scopeKey(wanted));
        }
        this.#drop(e);
      }
    }
    if (challenge.scheme === 'basic') return (await this.#credentialFor())?.kind === 'basic' ? wanted : undefined;
    return challenge.scheme === 'bearer' ? wanted : undefined;
  }

  /** Whether any credential is configured for this host (for error messages). */
  async hasCredential(): Promise<boolean> {
    return (await this.#credentialFor()) !== undefined;
  }

  /**
   * The token service a challenge names, checked before any credential goes there (issue 11,
   * finding 4): an http(s) URL, and plain HTTP only for a registry that is plain HTTP itself.
   */
  #realmUrl(realm: string): URL {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new TransportError('REGISTRY_PROTOCOL', `${this.#host} named a token service that is not a URL (${remoteRealm(realm)})`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TransportError('REGISTRY_PROTOCOL', `${this.#host} named a token service that is not HTTP(S) (${redactUrl(realm)})`);
    }
    if (url.protocol === 'http:' && !this.#origin.startsWith('http:')) {
      throw new TransportError(
        'REGISTRY_AUTH',
        `${this.#host} named a token service on plain HTTP (${redactUrl(url.toString())}); gantry sends credentials to a token service over HTTPS only, unless the registry itself is plain HTTP (a loopback registry, or one named with --insecure-registry)`,
      );
    }
    return url;
  }

  async #token(ch: Challenge, scopes: readonly string[]): Promise<CachedToken> {
    const c = await this.#credentialFor();
    if (c?.kind === 'registryToken') return { header: `Bearer ${c.token}`, expiresAt: Number.POSITIVE_INFINITY };
    const realm = ch.params.realm;
    if (!realm) throw new TransportError('REGISTRY_PROTOCOL', `${this.#host} asked for a bearer token but named no realm`);
    const url = this.#realmUrl(realm);
    const service = ch.params.service;
    let res: { status: number; text: string };
    if (c?.kind === 'identityToken') {
      // OAuth2 refresh-token grant (distribution auth spec oauth.md), as docker does with identity tokens.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.token, client_id: 'gantry' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.#fetchToken({
        method: 'POST',
        url: url.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (c?.kind === 'basic') headers.authorization = basicAuthHeader(c);
      res = await this.#fetchToken({ method: 'GET', url: url.toString(), headers });
    }
    if (res.status === 401 || res.status === 403) {
      throw new TransportError(
        'REGISTRY_AUTH',
        c
          ? `the token service of ${this.#host} refused the credentials for it (HTTP ${res.status}): check them with \`docker login ${this.#host}\`, or pass --username and --password-stdin`
          : `${this.#host} requires authentication (the token service answered HTTP ${res.status}): log in with \`docker login ${this.#host}\`, or pass --username and --password-stdin`,
        { userError: true },
      );
    }
    if (res.status !== 200) {
      throw new TransportError('REGISTRY_AUTH', `the token service of ${this.#host} answered HTTP ${res.status}`, {
        temporary: res.status >= 500 || res.status === 429,
      });
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch (e) {
      throw new TransportError('REGISTRY_PROTOCOL', `the token service of ${this.#host} answered with something that is not JSON`, {
        cause: e,
      });
    }
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || !token) {
      throw new TransportError('REGISTRY_PROTOCOL', `the token service of ${this.#host} answered without a token`);
    }
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    // Refresh a little early so a token never expires between header and request.
    return { header: `Bearer ${token}`, expiresAt: this.#now() + Math.max(1, ttl - 10) * 1000 };
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

function remoteRealm(realm: string): string {
  return JSON.stringify(realm.slice(0, 100));
}
