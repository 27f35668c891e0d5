import type { Challenge } from './challenge.js';
import { basicAuthHeader, type Credential, type CredentialSource } from './credentials.js';
import { TransportError } from './errors.js';

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

/**
 * Authentication state for one registry host: the scheme it asked for, the user's credential,
 * and bearer tokens cached per scope set (distribution auth spec: token.md, scope.md).
 */
export class HostAuth {
  readonly #host: string;
  readonly #credentials: CredentialSource;
  readonly #fetchToken: TokenFetcher;
  readonly #now: () => number;
  #challenge: Challenge | undefined;
  #credential: Promise<Credential | undefined> | undefined;
  readonly #tokens = new Map<string, Promise<CachedToken>>();

  constructor(host: string, credentials: CredentialSource, fetchToken: TokenFetcher, now: () => number = Date.now) {
    this.#host = host;
    this.#credentials = credentials;
    this.#fetchToken = fetchToken;
    this.#now = now;
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
    const key = [...scopes].sort().join(' ');
    const cached = this.#tokens.get(key);
    if (cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > this.#now()) return t.header;
      if (this.#tokens.get(key) === cached) this.#tokens.delete(key);
    }
    const p = this.#token(ch, scopes);
    this.#tokens.set(key, p);
    p.catch(() => this.#tokens.get(key) === p && this.#tokens.delete(key));
    return (await p).header;
  }

  /**
   * Called on a 401: learns the challenge and drops the cached token for these scopes. Returns
   * the scopes to retry with (the request's plus any the challenge names), or undefined when
   * no retry can help (a Basic challenge with no credential, an unknown scheme).
   */
  async unauthorized(challenge: Challenge | undefined, scopes: readonly string[]): Promise<string[] | undefined> {
    if (!challenge) return undefined;
    this.#challenge = challenge;
    this.#tokens.delete([...scopes].sort().join(' '));
    const wanted = [...scopes];
    for (const s of (challenge.params.scope ?? '').split(' ')) if (s && !wanted.includes(s)) wanted.push(s);
    if (challenge.scheme === 'basic') return (await this.#credentialFor())?.kind === 'basic' ? wanted : undefined;
    return challenge.scheme === 'bearer' ? wanted : undefined;
  }

  /** Whether any credential is configured for this host (for error messages). */
  async hasCredential(): Promise<boolean> {
    return (await this.#credentialFor()) !== undefined;
  }

  async #token(ch: Challenge, scopes: readonly string[]): Promise<CachedToken> {
    const c = await this.#credentialFor();
    if (c?.kind === 'registryToken') return { header: `Bearer ${c.token}`, expiresAt: Number.POSITIVE_INFINITY };
    const realm = ch.params.realm;
    if (!realm) throw new TransportError('REGISTRY_PROTOCOL', `${this.#host} asked for a bearer token but named no realm`);
    const url = new URL(realm);
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
