import type http from 'node:http';
import type https from 'node:https';
import type { HttpDispatcher, HttpRequestOptions, HttpResponse } from './http-dispatcher.js';
import { HttpError } from './http-errors.js';
import { errnoCode } from '../oci/errors.js';
import { createAgents, proxyOf, proxyRefused, proxyUnreachable, type Routes } from './node-agents.js';
import { Exchange, type ExchangeLimits } from './node-exchange.js';
import type { ProxyConfig } from './proxy.js';
import type { TlsTrust } from './tls-trust.js';

export type { HttpDispatcher, HttpRequestOptions, HttpResponse, ResponseBody, ResponseHeaders } from './http-dispatcher.js';
export { HttpError, RequestBodyError } from './http-errors.js';

export interface NodeHttpClientOptions {
  /** No connection this long after it was opened (TLS handshake included). */
  readonly connectTimeoutMs?: number;
  /** No response head this long while the server is the one to act. */
  readonly headersTimeoutMs?: number;
  /** A response body that makes no progress this long while its reader waits (stalled transfers). */
  readonly bodyTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept (less when the server's Keep-Alive header says so). */
  readonly idleTimeoutMs?: number;
  /** Idle keep-alive connections kept per origin. */
  readonly maxIdlePerOrigin?: number;
  /** Connections open at once per origin (default 64); more requests wait for one. */
  readonly maxConnectionsPerOrigin?: number;
  /** The proxies to go through (proxy.ts: from HTTPS_PROXY, HTTP_PROXY, NO_PROXY); none: direct. */
  readonly proxy?: ProxyConfig | undefined;
  /** CAs and client certificates per host (tls-trust.ts); none: Node's defaults. */
  readonly trust?: TlsTrust | undefined;
}

/** Methods a request that failed on a stale pooled connection may be sent again with (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/**
 * Bytes Node may queue for a socket before a write waits for it to drain, and what a response
 * queues in Node before reading stops. Node's default (64 KiB) makes an upload wait for 'drain'
 * after nearly every chunk of a download it forwards.
 */
const HIGH_WATER_MARK = 1024 * 1024;

/** Node's errors of a connection that was never made (to the proxy, when there is one). */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * gantry's HTTP client: Node's own http/https stack (llhttp's parser, Node's TLS with its CA
 * store and NODE_EXTRA_CA_CERTS, plus the CAs and client certificates of TlsTrust) with one
 * keep-alive Agent per scheme, shared by all origins, through a proxy where ProxyConfig says.
 * Authorization, retries and redirects are Transport's; this moves bytes (node-agents.ts makes
 * the Agents, node-exchange.ts does one request, node-body.ts reads its response body).
 */
export class NodeHttpClient implements HttpDispatcher {
  readonly #limits: ExchangeLimits;
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  readonly #routes: Routes;
  #closed = false;

  constructor(o: NodeHttpClientOptions = {}) {
    this.#limits = {
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      headersTimeoutMs: o.headersTimeoutMs ?? 60_000,
      bodyTimeoutMs: o.bodyTimeoutMs ?? 60_000,
      highWaterMark: HIGH_WATER_MARK,
    };
    // LIFO hands out the connection used last: the one least likely to have been closed by the server.
    const agent = {
      keepAlive: true,
      maxFreeSockets: o.maxIdlePerOrigin ?? 16,
      // Per origin; more requests wait for one (issue 11, finding 5: 20,000 at once ran out of file descriptors).
      maxSockets: o.maxConnectionsPerOrigin ?? 64,
      timeout: o.idleTimeoutMs ?? 4_000,
      scheduling: 'lifo',
    } as const;
    this.#routes = { proxy: o.proxy, trust: o.trust, connectTimeoutMs: this.#limits.connectTimeoutMs };
    ({ http: this.#http, https: this.#https } = createAgents(agent, this.#routes));
  }

  async request(o: HttpRequestOptions): Promise<HttpResponse> {
    if (this.#closed) throw new HttpError('ERR_CLIENT_CLOSED', 'the HTTP client is closed');
    o.signal?.throwIfAborted();
    const agent = o.origin.startsWith('https:') ? this.#https : this.#http;
    const resendable = IDEMPOTENT.has(o.method) && (o.body === null || o.body instanceof Uint8Array);
    // Plain HTTP through a proxy: the proxy answers in the registry's place when it refuses (https
    // is tunnelled, and node-agents.ts reports the tunnel's failures itself).
    const u = new URL(o.origin);
    const proxy =
      u.protocol === 'http:' ? proxyOf(this.#routes, 'http', u.hostname.replace(/^\[(.*)\]$/, '$1'), Number(u.port || 80)) : undefined;
    for (;;) {
      const x = new Exchange(agent, o, this.#limits);
      try {
        const r = await x.response;
        if (proxy && r.statusCode === 407) {
          r.body.destroy();
          throw proxyRefused(proxy, u.host, 407, 'Proxy Authentication Required');
        }
        return r;
      } catch (e) {
        if (proxy && NOT_CONNECTED.has(errnoCode(e) ?? '')) throw proxyUnreachable(proxy, e);
        // A pooled connection the server had closed as the request went out: it never reached
        // the server, so send it again (Node's Agent gives each stale connection up once).
        if (resendable && x.failedOnStaleSocket && !o.signal?.aborted && !this.#closed) continue;
        throw e;
      }
    }
  }

  /** Closes every connection, busy ones too: nothing the client started keeps the process alive. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#http.destroy();
    this.#https.destroy();
  }
}
