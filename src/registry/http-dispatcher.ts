// The seam between Transport (auth, retries, redirects) and the client that moves bytes: what
// Transport asks of an HTTP client, and the options of gantry's own (http1.ts).
import type { ResponseBody } from './http1-body.js';
import type { Headers } from './http1-parser.js';

export type { ResponseBody };

/** What Transport needs of an HTTP client (the shape of undici's Dispatcher.request). */
export interface HttpDispatcher {
  request(o: HttpRequestOptions): Promise<HttpResponse>;
}

export interface HttpRequestOptions {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | AsyncIterable<Uint8Array> | null;
  readonly signal: AbortSignal | null;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly body: ResponseBody;
}

export interface Http1AgentOptions {
  /** No connection this long after it was opened (TLS handshake included). */
  readonly connectTimeoutMs?: number;
  /** No response head this long after the request went out. */
  readonly headersTimeoutMs?: number;
  /** A response body (or an upload) that makes no progress this long. */
  readonly bodyTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept. */
  readonly idleTimeoutMs?: number;
  /** Idle keep-alive connections kept per origin. */
  readonly maxIdlePerOrigin?: number;
}

