import type { Http1AgentOptions, HttpDispatcher, HttpRequestOptions, HttpResponse } from './http-dispatcher.js';
import { HttpError } from './http-errors.js';
import { Connection } from './http1-connection.js';

/**
 * gantry's HTTP/1.1 client: keep-alive sockets per origin, one exchange at a time on each.
 * Sockets read into 1 MiB slabs (the `onread` option of net/tls) and body chunks are views of
 * those slabs, so moving a blob costs a few hundred large reads and writes instead of thousands
 * of small ones with a stream object each; backpressure pauses the socket. It replaced undici:
 * bench/copy measured the copier's CPU time for 250 MB falling from ~1.7 s to ~0.65 s, and a
 * start without undici's modules and WebAssembly parser saves ~0.1 s of every command.
 * Authorization, retries and redirects are Transport's; this moves bytes. This file is the pool;
 * http1-connection.ts one socket's exchanges, http1-parser.ts responses, http1-body.ts bodies.
 */

export type { Http1AgentOptions, HttpDispatcher, HttpRequestOptions, HttpResponse, ResponseBody } from './http-dispatcher.js';
export { RequestBodyError } from './http1-connection.js';

/** Methods a connection that failed before any response may send again (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export class Http1Agent implements HttpDispatcher {
  readonly #o: Required<Http1AgentOptions>;
  readonly #idle = new Map<string, Connection[]>();
  readonly #all = new Set<Connection>();
  #closed = false;

  constructor(o: Http1AgentOptions = {}) {
    this.#o = { connectTimeoutMs: 10_000, headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000, idleTimeoutMs: 4_000, maxIdlePerOrigin: 16, ...o };
  }

  async request(o: HttpRequestOptions): Promise<HttpResponse> {
    if (this.#closed) throw new HttpError('ERR_CLIENT_CLOSED', 'the HTTP client is closed');
    o.signal?.throwIfAborted();
    const resendable = IDEMPOTENT.has(o.method) && (o.body === null || o.body instanceof Uint8Array);
    for (;;) {
      const reused = this.#takeIdle(o.origin);
      const conn = reused ?? this.#open(o.origin);
      try {
        return await conn.exchange(o);
      } catch (e) {
        // A kept-alive connection the server had closed: the request never reached it; send it again on a new one.
        if (reused && resendable && conn.failedUnsent && !o.signal?.aborted) continue;
        throw e;
      }
    }
  }

  #open(origin: string): Connection {
    const c = new Connection(origin, this.#o, {
      release: (conn) => this.#release(conn),
      gone: (conn) => this.#all.delete(conn),
    });
    this.#all.add(c);
    return c;
  }

  #takeIdle(origin: string): Connection | undefined {
    const list = this.#idle.get(origin);
    while (list?.length) {
      const c = list.pop()!;
      if (c.usable) {
        c.leaveIdle();
        return c;
      }
    }
    return undefined;
  }

  #release(c: Connection): void {
    let list = this.#idle.get(c.origin);
    if (!list) this.#idle.set(c.origin, (list = []));
    if (this.#closed || list.length >= this.#o.maxIdlePerOrigin) return c.destroy();
    list.push(c);
    c.enterIdle(() => {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
    });
  }

  /** Closes every connection, busy ones too: nothing the client started keeps the process alive. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.clear();
    for (const c of [...this.#all]) c.destroy();
  }
}

