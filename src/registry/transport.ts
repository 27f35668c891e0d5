import { errnoCode, GantryError } from '../oci/errors.js';
import { HostAuth } from './auth.js';
import { parseChallenge } from './challenge.js';
import type { CredentialSource } from './credentials.js';
import { parseDiagnostics, RegistryError, redactUrl, remoteText, TransportError } from './errors.js';
import { HttpError } from './http-errors.js';
import { RequestBodyError, type HttpDispatcher, type HttpRequestOptions, type ResponseBody, type ResponseHeaders } from './node-http.js';
import { backoffDelay, isTemporaryError, parseRetryAfter, RetryBudget, sleep, type RetryPolicy } from '../async/retry.js';
import type { RetryAllowance } from '../oci/store.js';

export type { ResponseHeaders };

/** One request to a registry host. */
export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** A streamed body cannot be replayed, so such a request is never retried here. */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Token scopes the request needs, e.g. `repository:app:pull,push`. */
  readonly scopes: readonly string[];
  /** Safe to send again after a failure (GET, HEAD, manifest PUT, upload POST). */
  readonly idempotent: boolean;
  readonly signal?: AbortSignal | undefined;
  /**
   * The retries of the operation this request belongs to; without one the request has a budget of
   * its own (the transport's RetryPolicy).
   */
  readonly retryBudget?: RetryAllowance | undefined;
  /**
   * A blob transfer: held to a minimum rate, not to a deadline (a big blob over a slow link takes
   * as long as it takes). Default: a streamed body, or a GET or HEAD of `/blobs/<digest>`.
   */
  readonly transfer?: boolean;
}

/**
 * Overall limits per kind of request (issue 11, finding 3). The HTTP client's own timeouts
 * measure silence only; these count time however busy a hostile server keeps the connection.
 */
export interface TransportDeadlines {
  /** A request that is not a blob transfer (manifests, tags, tokens, upload sessions): the whole exchange within this. */
  readonly requestMs: number;
  /** Added to `requestMs` per MiB of a whole request body sent (a small blob in one POST or PUT). */
  readonly perMiBSentMs: number;
  /** A blob transfer must move at least this many bytes/s ... */
  readonly transferBytesPerSecond: number;
  /** ... over every window this long. */
  readonly transferWindowMs: number;
}

export const DEFAULT_DEADLINES: TransportDeadlines = {
  requestMs: 60_000,
  perMiBSentMs: 30_000,
  transferBytesPerSecond: 1024,
  transferWindowMs: 60_000,
};

export interface RegistryResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: ResponseBody;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

export interface TransportOptions {
  /** The registry host as the user names it (credentials are looked up under it). */
  readonly host: string;
  /**
   * The registry's own origin (`https://ghcr.io`, `http://localhost:5000`): the only one its
   * credentials go to. A URL the server names (an upload Location, a tag list Link) elsewhere gets
   * none, and never one on plain HTTP when the registry is HTTPS.
   */
  readonly origin: string;
  readonly dispatcher: HttpDispatcher;
  readonly credentials: CredentialSource;
  readonly userAgent: string;
  readonly retry: RetryPolicy;
  /** Overall deadlines and the minimum transfer rate; DEFAULT_DEADLINES when absent. */
  readonly deadlines?: TransportDeadlines | undefined;
  /** Receives warnings (registry `Warning` headers, retries); never credentials. */
  readonly log?: ((message: string) => void) | undefined;
  readonly random?: () => number;
}

const MAX_ERROR_BODY = 64 * 1024;
/** A token response is a few KiB of JSON. */
const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
const MAX_REDIRECTS = 5;
export function header(h: ResponseHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Network-level failures that a retry may fix (never a response the registry gave). */
export function isTemporaryNetworkError(e: unknown): boolean {
  // The HTTP client's own failures (timeouts, deadlines) are network errors too; other gantry errors are answers.
  return (!(e instanceof GantryError) || e instanceof HttpError) && isTemporaryError(e);
}

/**
 * The HTTP transport of one registry host: authorization (challenge → Basic or Bearer token,
 * cached per scope), retries with backoff for requests that are safe to repeat, and redirects
 * that never carry the Authorization header to another origin.
 */
export class Transport {
  readonly host: string;
  readonly #o: TransportOptions;
  readonly #auth: HostAuth;

  constructor(o: TransportOptions) {
    this.host = o.host;
    this.#o = o;
    this.#auth = new HostAuth(o.host, o.credentials, (r) => this.#tokenRequest(r), Date.now, o.origin);
  }

  /** The token scopes the calls on this host are known to need (HostAuth.expect): one token for all of them. */
  expectScopes(scopes: readonly string[]): void {
    this.#auth.expect(scopes);
  }

  get #deadlines(): TransportDeadlines {
    return this.#o.deadlines ?? DEFAULT_DEADLINES;
  }

  /** The overall limit of one request: a deadline, or a minimum rate for blob transfers. */
  #limitsOf(req: RegistryRequest): Pick<HttpRequestOptions, 'deadlineMs' | 'minRate'> {
    const d = this.#deadlines;
    const transfer =
      req.transfer ??
      ((req.body !== undefined && !(req.body instanceof Uint8Array)) ||
        ((req.method === 'GET' || req.method === 'HEAD') && /\/blobs\/[a-z0-9]+:/.test(new URL(req.url).pathname)));
    if (transfer) return { minRate: { bytesPerSecond: d.transferBytesPerSecond, windowMs: d.transferWindowMs } };
    const sent = req.body instanceof Uint8Array ? req.body.byteLength : 0;
    return { deadlineMs: d.requestMs + Math.ceil((sent / (1024 * 1024)) * d.perMiBSentMs) };
  }

  /** Sends a request; returns any response that is not a retryable failure or an auth challenge. */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const budget = req.retryBudget ?? new RetryBudget(this.#o.retry, this.#o.random ? { random: this.#o.random } : {});
    const replayable = req.body === undefined || req.body instanceof Uint8Array;
    const canRetry = req.idempotent && replayable;
    let scopes = req.scopes;
    let authRetries = 0;
    const url = new URL(req.url);
    const own = url.origin === this.#o.origin;
    if (!own && this.#o.origin.startsWith('https:') && url.protocol !== 'https:') {
      throw new TransportError(
        'REGISTRY_PROTOCOL',
        `${this.host} named ${redactUrl(req.url)} for ${req.method}, on plain HTTP: gantry does not leave HTTPS for a registry that speaks it`,
      );
    }
    for (;;) {
      // Credentials are bound to the registry's own origin, whatever URL the server hands out.
      const auth = own ? await this.#auth.header(scopes) : undefined;
      let res: RegistryResponse;
      try {
        res = await this.#dispatchFollowingRedirects(req, auth);
      } catch (e) {
        if (canRetry && isTemporaryNetworkError(e) && budget.take()) {
          await this.#wait(req, budget, undefined, `network error (${(e as { code?: string }).code ?? 'unknown'})`);
          continue;
        }
        throw this.#networkError(req, e);
      }
      this.#warn(res.headers);
      // Only a challenge from the registry's own origin is answered with its credentials: a 401
      // from where a redirect led (object storage, a CDN, a hostile server) names no realm of ours.
      if (res.status === 401 && own && new URL(res.url).origin === this.#o.origin && authRetries < 2 && replayable) {
        await res.body.dump().catch(() => undefined);
        const retryScopes = await this.#auth.unauthorized(parseChallenge(header(res.headers, 'www-authenticate')), scopes, auth);
        if (retryScopes) {
          scopes = retryScopes;
          authRetries++;
          continue;
        }
        return res;
      }
      const temporary = res.status === 429 || res.status === 408 || (res.status >= 500 && res.status !== 501 && res.status !== 505);
      if (temporary && canRetry && budget.take()) {
        await res.body.dump().catch(() => undefined);
        await this.#wait(req, budget, parseRetryAfter(header(res.headers, 'retry-after'), Date.now()), `HTTP ${res.status}`);
        continue;
      }
      return res;
    }
  }

  /** Throws a RegistryError for a response whose status is not among `ok`. */
  async expect(req: RegistryRequest, res: RegistryResponse, ok: readonly number[]): Promise<void> {
    if (ok.includes(res.status)) return;
    throw await this.error(req, res);
  }

  /** Builds the RegistryError for a failed response, reading at most 64 KiB of its body. */
  async error(req: RegistryRequest, res: RegistryResponse): Promise<RegistryError> {
    let text = '';
    if (req.method !== 'HEAD') {
      const chunks: Buffer[] = [];
      let n = 0;
      try {
        for await (const c of res.body as AsyncIterable<Buffer>) {
          chunks.push(c);
          n += c.length;
          if (n >= MAX_ERROR_BODY) break;
        }
      } catch {
        // the body is only used for the message
      }
      text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
    }
    discard(res);
    const diags = parseDiagnostics(text);
    let hint: string | undefined;
    let userError = false;
    if (res.status === 401) {
      userError = true;
      hint = (await this.#auth.hasCredential())
        ? `${this.host} refused the credentials: check them with \`docker login ${this.host}\`, or pass --username and --password-stdin`
        : `${this.host} requires authentication: log in with \`docker login ${this.host}\`, or pass --username and --password-stdin`;
    } else if (res.status === 403) {
      userError = true;
      hint = `the credentials for ${this.host} are not allowed to do this (${req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push'}); check the account's permissions on the repository`;
    }
    return new RegistryError(req.method, res.url, res.status, diags, hint, userError);
  }

  async #wait(req: RegistryRequest, budget: RetryAllowance, retryAfterMs: number | undefined, why: string): Promise<void> {
    const ms = budget.delayMs(retryAfterMs);
    this.#o.log?.(
      `${req.method} ${redactUrl(req.url)}: ${why}; retrying in ${ms} ms (attempt ${budget.retries + 1}/${budget.policy.attempts})`,
    );
    await sleep(ms, req.signal);
  }

  #warn(h: ResponseHeaders): void {
    const w = h.warning;
    for (const v of Array.isArray(w) ? w : w ? [w] : []) {
      const m = /^\s*299\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(v);
      if (m) this.#o.log?.(`warning from ${this.host}: ${remoteText(m[1]!)}`);
    }
  }

  #networkError(req: RegistryRequest, e: unknown): Error {
    // The request's body broke (a source stream, a verification): that error, not this registry's.
    if (e instanceof RequestBodyError) return e.source instanceof Error ? e.source : e;
    if (e instanceof HttpError && (e.code === 'DEADLINE_EXCEEDED' || e.code === 'TRANSFER_TOO_SLOW')) {
      // Busy but not answering (a drip, endless 1xx): the registry's fault, not a reachability problem.
      return new TransportError('REGISTRY_TIMEOUT', `${this.host}: ${e.message}, for ${req.method} ${redactUrl(req.url)}`, {
        cause: e,
        temporary: true,
      });
    }
    if (e instanceof GantryError) return e;
    const inner = (e as { cause?: unknown } | null)?.cause;
    if (inner instanceof GantryError) return inner;
    if ((e as { name?: string } | null)?.name === 'AbortError') return e as Error;
    const code = errnoCode(e) ?? errnoCode((e as { cause?: unknown } | null)?.cause);
    const tls = tlsFailure(code, this.host);
    if (tls !== undefined) {
      // The registry answered, but not with a certificate gantry can trust: not a reachability problem.
      return new TransportError('REGISTRY_TLS', `${tls} (${code}: ${(e as Error).message}) for ${req.method} ${redactUrl(req.url)}`, {
        cause: e,
        userError: true,
      });
    }
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host not found'
          : code?.endsWith('_TIMEOUT')
            ? 'timed out'
            : (code ?? (e as Error).message);
    return new TransportError(
      code?.includes('TIMEOUT') ? 'REGISTRY_TIMEOUT' : 'REGISTRY_UNREACHABLE',
      `cannot reach registry ${this.host} (${what}) for ${req.method} ${redactUrl(req.url)}: check the registry address and that it is running${/^(localhost|127\.|\[::1\])/.test(this.host) ? '' : ', or your network'}`,
      { cause: e, temporary: isTemporaryNetworkError(e), userError: code === 'ECONNREFUSED' || code === 'ENOTFOUND' },
    );
  }

  async #dispatchFollowingRedirects(req: RegistryRequest, auth: string | undefined): Promise<RegistryResponse> {
    let url = new URL(req.url);
    const origin = url.origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.#o.userAgent, ...req.headers };
      // Credentials go only to the registry's own origin (never to object storage after a redirect).
      if (auth && url.origin === origin) headers.authorization = auth;
      const r = await this.#o.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers,
        body: req.body ?? null,
        signal: req.signal ?? null,
        ...this.#limitsOf(req),
      });
      const location = header(r.headers, 'location');
      const redirect = [301, 302, 303, 307, 308].includes(r.statusCode) && location && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect || hop >= MAX_REDIRECTS) {
        return { status: r.statusCode, headers: r.headers, body: r.body, url: url.toString() };
      }
      await r.body.dump().catch(() => undefined);
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol !== 'https:') {
        throw new TransportError(
          'REGISTRY_PROTOCOL',
          `${this.host} redirected ${req.method} ${redactUrl(url.toString())} to plain HTTP; gantry does not leave HTTPS`,
        );
      }
      url = next;
    }
  }

  async #tokenRequest(r: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: string }): Promise<{
    status: number;
    text: string;
  }> {
    const u = new URL(r.url);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.#o.dispatcher.request({
          origin: u.origin,
          path: u.pathname + u.search,
          method: r.method,
          headers: { 'user-agent': this.#o.userAgent, ...r.headers },
          body: r.body === undefined ? null : Buffer.from(r.body, 'utf8'),
          signal: null,
          // The token service is held to the deadline of a small request, body included.
          deadlineMs: this.#deadlines.requestMs,
        });
        const text = await res.body.text(TOKEN_RESPONSE_LIMIT).catch((e: unknown) => {
          if (e instanceof HttpError && e.code === 'BODY_TOO_LARGE') {
            throw new TransportError('REGISTRY_PROTOCOL', `the token service of ${this.host} at ${u.origin}: ${e.message}`, { cause: e });
          }
          throw e;
        });
        if ((res.statusCode === 429 || res.statusCode >= 500) && attempt + 1 < this.#o.retry.attempts) {
          await sleep(
            backoffDelay(this.#o.retry, attempt, parseRetryAfter(header(res.headers, 'retry-after'), Date.now()), this.#o.random),
          );
          continue;
        }
        return { status: res.statusCode, text };
      } catch (e) {
        if (e instanceof TransportError) throw e;
        if (isTemporaryNetworkError(e) && attempt + 1 < this.#o.retry.attempts) {
          await sleep(backoffDelay(this.#o.retry, attempt, undefined, this.#o.random));
          continue;
        }
        const code = errnoCode(e);
        throw new TransportError(
          code === 'DEADLINE_EXCEEDED' || code?.endsWith('_TIMEOUT') ? 'REGISTRY_TIMEOUT' : 'REGISTRY_UNREACHABLE',
          `cannot reach the token service of ${this.host} at ${u.origin}: ${(e as Error).message}`,
          {
            cause: e,
            temporary: isTemporaryNetworkError(e),
          },
        );
      }
    }
  }
}

/** Drops a response body without reading it. */
export function discard(res: RegistryResponse): void {
  res.body.destroy();
}

/** Node's TLS failure codes (OpenSSL's verify errors, its handshake errors, Node's host check), named for people. */
export function tlsFailure(code: string | undefined, host: string): string | undefined {
  if (code === undefined) return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the certificate of ${host} is for another host name: use the name the certificate was made for`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `the certificate of ${host} is not valid now (check its dates and this machine's clock)`;
  // The server's alert to a missing or refused client certificate (TLS 1.2: bad certificate, TLS 1.3: certificate required).
  if (/ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code)) {
    return `${host} requires a client certificate it accepts: put it and its key in /etc/docker/certs.d/${host}/client.cert and client.key (or under $GANTRY_CERTS_D)`;
  }
  if (/^(ERR_SSL_|EPROTO$)/.test(code)) {
    return `${host} did not speak TLS as expected (a plain-HTTP registry? name it with --insecure-registry ${host})`;
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|LEAF_SIGNATURE|ISSUER/.test(code)) {
    return `the certificate of ${host} is not trusted: put the CA that issued it in /etc/docker/certs.d/${host}/ca.crt (or under $GANTRY_CERTS_D), or pass --ca-file /path/to/ca.pem`;
  }
  return undefined;
}
