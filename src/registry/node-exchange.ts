import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { errnoCode } from '../oci/errors.js';
import type { HttpRequestOptions, HttpResponse, ResponseHeaders } from './http-dispatcher.js';
import { HttpError, RequestBodyError } from './http-errors.js';
import { NodeResponseBody } from './node-body.js';

export interface ExchangeLimits {
  /** No connection this long after it was opened (TLS handshake included). */
  readonly connectTimeoutMs: number;
  /** No response head this long while the server is the one to act (sending our body, or answering). */
  readonly headersTimeoutMs: number;
  /** A response body that makes no progress this long while its reader waits for it. */
  readonly bodyTimeoutMs: number;
  /** Request bytes Node may queue before a write waits for the socket to drain (also the socket's read buffer). */
  readonly highWaterMark: number;
}

/** Failures of a kept-alive connection that the server had closed: the request never reached it. */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Node's default is 16 KiB; registries' heads are small, but gantry has accepted 64 KiB. */
const MAX_HEADER_BYTES = 64 * 1024;
const SENDS_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * One request and its response on Node's http client: the request's body written with
 * backpressure and checked against its Content-Length, phase timeouts that count only the
 * server's waits, abort through the signal, and Node's errors made typed where they are ours
 * (timeouts, protocol) or handed on as Node raised them (ECONNRESET, ECONNREFUSED…).
 */
export class Exchange {
  readonly response: Promise<HttpResponse>;
  /**
   * The exchange failed before any byte of a response, on a pooled connection that the server had
   * closed: the request may be sent again on a new one (`request.reusedSocket` in Node's docs).
   */
  failedOnStaleSocket = false;
  readonly #o: HttpRequestOptions;
  readonly #limits: ExchangeLimits;
  #req: http.ClientRequest | undefined;
  #socket: net.Socket | undefined;
  #bytesReadBefore = 0;
  #connected = false;
  #gotHead = false;
  #awaitingSource = false;
  #readerBehind = false;
  /** The whole request was handed to Node (end() called). */
  #sent = false;
  #over = false;
  /** The socket's writes are held until the event loop is idle (#corkUntilIdle). */
  #corked = false;
  #body: NodeResponseBody | undefined;
  /** Body bytes moved either way (request body written, response body received). */
  #progress = 0;
  #deadline: NodeJS.Timeout | undefined;
  #rateCheck: NodeJS.Timeout | undefined;
  #res: http.IncomingMessage | undefined;
  #resolve!: (r: HttpResponse) => void;
  #reject!: (e: unknown) => void;

  constructor(agent: http.Agent, o: HttpRequestOptions, limits: ExchangeLimits) {
    this.#o = o;
    this.#limits = limits;
    this.response = new Promise<HttpResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    try {
      this.#req = this.#start(agent);
    } catch (e) {
      this.#fail(errorOf(e, o.origin));
      return;
    }
    void this.#send(this.#req);
  }

  /**
   * The overall limits, which count time whatever traffic there is (the socket's timeouts count
   * only silence): a deadline for the whole exchange, or a minimum rate of body bytes per window.
   */
  #startClocks(): void {
    const { deadlineMs, minRate } = this.#o;
    if (deadlineMs !== undefined) {
      this.#deadline = setTimeout(
        () =>
          this.#fail(
            new HttpError(
              'DEADLINE_EXCEEDED',
              `${this.#o.method} ${this.#o.origin} did not complete within ${formatMs(deadlineMs)} (the server ${this.#gotHead ? 'sent its body too slowly' : 'did not send a complete answer'})`,
            ),
          ),
        deadlineMs,
      );
    }
    if (minRate !== undefined) {
      const least = (minRate.bytesPerSecond * minRate.windowMs) / 1000;
      let mark = 0;
      this.#rateCheck = setInterval(() => {
        const moved = this.#progress - mark;
        mark = this.#progress;
        // A wait that is ours (the reader is behind, the source is slow) is not the server's slowness.
        if (this.#readerBehind || this.#awaitingSource || moved >= least) return;
        this.#fail(
          new HttpError(
            'TRANSFER_TOO_SLOW',
            `${this.#o.method} ${this.#o.origin}: ${moved} bytes in ${formatMs(minRate.windowMs)}, less than the ${minRate.bytesPerSecond} bytes/s a transfer must keep up (${this.#gotHead ? 'the body came too slowly' : 'no answer'})`,
          ),
        );
      }, minRate.windowMs);
    }
  }

  #stopClocks(): void {
    clearTimeout(this.#deadline);
    clearInterval(this.#rateCheck);
  }

  #start(agent: http.Agent): http.ClientRequest {
    const o = this.#o;
    const u = new URL(o.origin);
    const headers: Record<string, string> = {};
    let length: number | undefined;
    for (const [k, v] of Object.entries(o.headers)) {
      const name = k.toLowerCase();
      if (name === 'host' || name === 'transfer-encoding') continue;
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(v)) throw new HttpError('HTTP_PROTOCOL', `invalid content-length: ${v}`);
        length = Number(v);
      }
      headers[k] = v;
    }
    if (o.body instanceof Uint8Array) {
      if (length === undefined) headers['content-length'] = String(o.body.byteLength);
      else if (length !== o.body.byteLength)
        throw new HttpError('HTTP_PROTOCOL', `content-length ${length} for a body of ${o.body.byteLength} bytes`);
    } else if (o.body === null && length === undefined && SENDS_BODY.has(o.method)) {
      headers['content-length'] = '0';
    }
    // A streamed body without a length goes chunked (Node's default for a request that is written to).
    const options: http.RequestOptions & { highWaterMark: number } = {
      agent,
      protocol: u.protocol,
      hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port === '' ? undefined : Number(u.port),
      method: o.method,
      path: o.path,
      headers,
      maxHeaderSize: MAX_HEADER_BYTES,
      highWaterMark: this.#limits.highWaterMark,
    };
    // Node refuses header names and values that would break the request (line breaks: no smuggling).
    const req = (u.protocol === 'https:' ? https : http).request(options);
    req.on('socket', (s) => this.#onSocket(s));
    req.on('response', (res) => this.#onResponse(res));
    req.on('error', (e) => this.#fail(errorOf(e, o.origin)));
    if (o.signal) {
      if (o.signal.aborted) queueMicrotask(this.#onAbort);
      else o.signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    return req;
  }

  #onAbort = (): void =>
    this.#fail(
      this.#o.signal?.reason instanceof Error ? this.#o.signal.reason : new DOMException('This operation was aborted', 'AbortError'),
    );

  #onSocket(s: net.Socket): void {
    if (this.#over) return;
    // The clocks start with the connection, not with the request: a request waits for one of the
    // Agent's sockets (maxSockets per origin) while others transfer, and that wait is ours.
    if (this.#socket === undefined) this.#startClocks();
    this.#socket = s;
    this.#bytesReadBefore = s.bytesRead;
    if (this.#req?.reusedSocket) this.#connected = true;
    else {
      s.once('encrypted' in s ? 'secureConnect' : 'connect', () => {
        this.#connected = true;
        this.#arm();
      });
    }
    s.on('timeout', this.#onTimeout);
    this.#arm();
  }

  /** Arms the socket's inactivity timer for the phase the exchange is in. */
  #arm(): void {
    if (this.#over || !this.#socket) return;
    const l = this.#limits;
    this.#socket.setTimeout(!this.#connected ? l.connectTimeoutMs : this.#gotHead ? l.bodyTimeoutMs : l.headersTimeoutMs);
  }

  /**
   * The socket saw no traffic for the phase's time. When the wait was ours (our reader is behind,
   * or our body's source is slow) it starts over; checking here, not on every chunk, keeps the
   * timers off the data path.
   */
  #onTimeout = (): void => {
    if (this.#over) return;
    if (this.#connected && (this.#gotHead ? this.#readerBehind : this.#awaitingSource)) return this.#arm();
    this.#fail(
      !this.#connected
        ? new HttpError('CONNECT_TIMEOUT', `connecting to ${this.#o.origin} timed out`)
        : this.#gotHead
          ? new HttpError('BODY_TIMEOUT', `the response from ${this.#o.origin} stalled (no data for ${this.#limits.bodyTimeoutMs} ms)`)
          : new HttpError('HEADERS_TIMEOUT', `waiting for the response from ${this.#o.origin} timed out`),
    );
  };

  #onResponse(res: http.IncomingMessage): void {
    if (this.#over) return void res.destroy();
    this.#gotHead = true;
    this.#res = res;
    this.#arm();
    this.#body = new NodeResponseBody(res, {
      readerBehind: (behind) => {
        this.#readerBehind = behind;
        // Reading stopped, so the socket was quiet: the server gets a whole period from now.
        if (!behind) this.#arm();
      },
      over: () => this.#finish(),
      received: (n) => {
        this.#progress += n;
      },
    });
    // Node's headers object is a plain object whose keys the server chose; a null prototype means
    // that a lookup of any name (`constructor`, `__proto__`) finds only what was sent.
    const headers = Object.assign(Object.create(null) as Record<string, string | string[] | undefined>, res.headers) as ResponseHeaders;
    this.#resolve({ statusCode: res.statusCode ?? 0, headers, body: this.#body });
  }

  /** The response body ended, failed or was dropped. */
  #finish(): void {
    if (this.#over) return;
    this.#over = true;
    this.#detach();
    // A request that went out only in part (answered early, or failed) leaves its connection unusable.
    if (!this.#sent) this.#req?.destroy();
  }

  #fail(e: Error): void {
    if (this.#over) return;
    if (this.#body) {
      // After the head: a body that arrived whole stays good (a late EPIPE of an early answer).
      if (this.#res?.complete) return;
      this.#stopClocks();
      this.#body.fail(e);
      this.#req?.destroy();
      return;
    }
    this.#over = true;
    const s = this.#socket;
    this.failedOnStaleSocket =
      this.#req?.reusedSocket === true && s !== undefined && s.bytesRead === this.#bytesReadBefore && STALE.has(errnoCode(e) ?? '');
    this.#detach();
    this.#req?.destroy();
    this.#reject(e);
  }

  #detach(): void {
    this.#stopClocks();
    this.#socket?.off('timeout', this.#onTimeout);
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
  }

  /**
   * Holds the socket's writes until the event loop has handled the I/O that is ready: a download
   * forwarded as this upload arrives in 64 KiB reads, several per turn of the loop, and they go
   * out in one writev instead of one write each (Node's own cork lasts one callback). The socket's
   * cork, not the request's: Node's request-level cork regroups a chunked body and, flushed by
   * end(), would put the last chunk after the terminating one.
   */
  #corkUntilIdle(req: http.ClientRequest): void {
    const s = req.socket;
    if (this.#corked || !s) return;
    this.#corked = true;
    s.cork();
    setImmediate(() => {
      this.#corked = false;
      // end() uncorks fully; by now the socket may serve another request (uncork has no count to lower then).
      if (s.writableCorked > 0) s.uncork();
    });
  }

  /** Writes the request's body: whole, or streamed from its source as fast as the socket takes it. */
  async #send(req: http.ClientRequest): Promise<void> {
    const body = this.#o.body;
    if (body === null || body instanceof Uint8Array) {
      this.#sent = true;
      req.end(body ?? undefined);
      return;
    }
    const declared = Object.entries(this.#o.headers).find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    const length = declared === undefined ? undefined : Number(declared);
    const it = body[Symbol.asyncIterator]();
    let n = 0;
    try {
      for (;;) {
        let r: IteratorResult<Uint8Array>;
        this.#awaitingSource = true;
        try {
          r = await it.next();
        } catch (e) {
          throw new RequestBodyError(e);
        } finally {
          this.#awaitingSource = false;
        }
        if (this.#over) {
          // Answered (or failed) before the body was sent: stop reading the source.
          await it.return?.();
          return;
        }
        if (r.done) break;
        const c = r.value;
        n += c.byteLength;
        if (length !== undefined && n > length) {
          await it.return?.();
          throw new RequestBodyError(new HttpError('HTTP_PROTOCOL', `the request body is longer than its content-length ${length}`));
        }
        if (c.byteLength === 0) continue;
        this.#progress += c.byteLength;
        this.#corkUntilIdle(req);
        if (!req.write(c)) await drained(req);
        if (this.#over) return void (await it.return?.());
      }
      if (length !== undefined && n !== length) {
        throw new RequestBodyError(new HttpError('HTTP_PROTOCOL', `the request body ended at ${n} of its content-length ${length} bytes`));
      }
      this.#sent = true;
      req.end();
    } catch (e) {
      // Abort the request, so that the server never takes a partial body for a whole one.
      this.#fail(e instanceof HttpError ? e : new RequestBodyError(e));
    }
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Resolves when a request that stopped taking writes can take more, or is gone. */
function drained(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

/** Node's errors as gantry's where they are about HTTP itself; network errors as Node raised them. */
function errorOf(e: unknown, origin: string): Error {
  const code = errnoCode(e) ?? '';
  if (code.startsWith('HPE_')) {
    // Node attaches the input it failed on, a view of the read buffer the next read overwrites (node-agents.ts).
    const raw = (e as { rawPacket?: unknown }).rawPacket;
    if (raw instanceof Uint8Array) (e as { rawPacket?: unknown }).rawPacket = Buffer.from(raw);
    const reason = (e as { reason?: unknown }).reason;
    return new HttpError('HTTP_PROTOCOL', `${origin} sent a malformed HTTP response (${typeof reason === 'string' ? reason : code})`, {
      cause: e,
    });
  }
  if (
    code === 'ERR_INVALID_CHAR' ||
    code === 'ERR_INVALID_HTTP_TOKEN' ||
    code === 'ERR_HTTP_INVALID_HEADER_VALUE' ||
    code === 'ERR_UNESCAPED_CHARACTERS'
  ) {
    return new HttpError('HTTP_PROTOCOL', `invalid request: ${(e as Error).message}`, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}
