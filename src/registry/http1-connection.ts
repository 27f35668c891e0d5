import net from 'node:net';
import tls from 'node:tls';
import { errnoCode } from '../oci/errors.js';
import { Body } from './http1-body.js';
import { HttpError } from './http-errors.js';
import { HttpProtocolError, ResponseParser } from './http1-parser.js';
import type { Http1AgentOptions, HttpRequestOptions, HttpResponse } from './http-dispatcher.js';
import { releaseChunk, retireSlab, SLAB_BYTES, takeSlab, type Slab } from './slabs.js';

const SLAB = SLAB_BYTES;
const MIN_READ = 64 * 1024;
/** Where a read lands after its connection was dropped (the bytes are ignored). */
const DISCARD = Buffer.allocUnsafeSlow(MIN_READ);
/** Unsent upload bytes at which the writer waits for the socket to drain. */
const WRITE_HIGH_WATER = SLAB;
/** Failures of a kept-alive connection the server had closed: the request never reached it. */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const timeoutError = (code: 'CONNECT_TIMEOUT' | 'HEADERS_TIMEOUT' | 'BODY_TIMEOUT', what: string): HttpError => new HttpError(code, `${what} timed out`);

/**
 * The body of a request failed (its source broke, or did not verify). Transport hands on the
 * cause: the fault is the source's, not the registry's the request went to.
 */
export class RequestBodyError extends HttpError {
  constructor(readonly source: unknown) {
    super('REQUEST_BODY_FAILED', `the request body failed: ${source instanceof Error ? source.message : String(source)}`, { cause: source });
  }
}

export interface ConnectionHooks {
  release(c: Connection): void;
  gone(c: Connection): void;
}

/** One exchange: a request and its response. */
interface Exchange {
  gotHead: boolean;
  gotBytes: boolean;
  /** The whole request went out. */
  sent: boolean;
  body: Body | undefined;
  readonly parser: ResponseParser;
  fail(e: Error): void;
}

/** One socket: one exchange at a time, then back to the pool when the response was read to its end. */
export class Connection {
  readonly origin: string;
  readonly #o: Required<Http1AgentOptions>;
  readonly #hooks: ConnectionHooks;
  readonly #socket: net.Socket;
  #slab: Slab | undefined;
  #used = 0;
  #dead = false;
  #connected = false;
  /** Reading stopped because the response body's consumer is behind. */
  #readPaused = false;
  /** The request body's source is being waited for (the peer is not the slow one). */
  #awaitingSource = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #onIdleGone: (() => void) | undefined;
  /** The current exchange. */
  #x: Exchange | undefined;
  /** The last exchange failed before any response, on a connection error that says the request was never read. */
  failedUnsent = false;

  constructor(origin: string, o: Required<Http1AgentOptions>, hooks: ConnectionHooks) {
    this.origin = origin;
    this.#o = o;
    this.#hooks = hooks;
    const u = new URL(origin);
    const https = u.protocol === 'https:';
    const port = Number(u.port || (https ? 443 : 80));
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const onread = { buffer: () => this.#nextBuffer(), callback: (n: number, buf: Uint8Array) => this.#onRead(buf.subarray(0, n)) };
    this.#socket = https
      ? // `onread` works for TLS sockets too (tls.connect docs); @types/node lacks it there.
        tls.connect({ host, port, ALPNProtocols: ['http/1.1'], onread, ...(net.isIP(host) ? {} : { servername: host }) } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    this.#socket.setNoDelay(true);
    this.#socket.once(https ? 'secureConnect' : 'connect', () => {
      this.#connected = true;
      this.#arm();
    });
    this.#socket.on('error', (e) => this.#fail(e));
    this.#socket.on('end', () => this.#onEnd());
    this.#socket.on('close', () => this.#onEnd());
    this.#socket.on('timeout', () => {
      const x = this.#x;
      this.#fail(
        !this.#connected
          ? timeoutError('CONNECT_TIMEOUT', `connecting to ${origin}`)
          : x && !x.gotHead
            ? timeoutError('HEADERS_TIMEOUT', 'waiting for the response')
            : timeoutError('BODY_TIMEOUT', 'the transfer'),
      );
    });
    this.#arm();
    // With `onread` the data bypasses the stream; flowing mode is still needed to see the peer's FIN.
    this.#socket.resume();
  }

  get usable(): boolean {
    return !this.#dead && !this.#socket.destroyed;
  }

  /**
   * The inactivity timer for what the connection is waiting for: the connection, the response
   * head, the next body bytes. Off while the wait is ours (a slow consumer, a slow request source)
   * and while idle in the pool.
   */
  #arm(): void {
    if (this.#dead) return;
    const x = this.#x;
    const ms = !this.#connected
      ? this.#o.connectTimeoutMs
      : !x || this.#readPaused || this.#awaitingSource
        ? 0
        : x.gotHead
          ? this.#o.bodyTimeoutMs
          : this.#o.headersTimeoutMs;
    this.#socket.setTimeout(ms);
  }

  #nextBuffer(): Uint8Array {
    if (this.#dead) return DISCARD;
    if (!this.#slab || SLAB - this.#used < MIN_READ) {
      if (this.#slab) retireSlab(this.#slab);
      this.#slab = takeSlab();
      this.#used = 0;
    }
    return this.#slab.buf.subarray(this.#used);
  }

  #retire(): void {
    if (this.#slab) retireSlab(this.#slab);
    this.#slab = undefined;
  }

  #onRead(view: Uint8Array): boolean {
    this.#used += view.byteLength;
    const x = this.#x;
    if (!x) {
      // Bytes on an idle connection: nothing asked for them.
      this.destroy();
      return false;
    }
    x.gotBytes = true;
    try {
      x.parser.feed(view);
    } catch (e) {
      this.#fail(e as Error);
      return false;
    }
    if (x.parser.done) {
      // Decided only now, after the whole read: bytes after the response make the connection unusable.
      this.#finish(x);
      return !this.#dead;
    }
    if (x.body?.pauseIfFull()) {
      this.#readPaused = true;
      this.#arm();
      return false;
    }
    return true;
  }

  /** The response is complete: the connection goes back to the pool when the request went out whole. */
  #finish(x: Exchange): void {
    if (this.#x !== x) return;
    this.#x = undefined;
    if (x.sent && x.parser.reusable && this.usable) {
      // Reading may have stopped for this response's body (TLS still hands on records it had
      // decrypted): a pooled connection reads, or the next request on it would wait for nothing.
      if (this.#readPaused) {
        this.#readPaused = false;
        this.#socket.resume();
      }
      this.#hooks.release(this);
    } else this.destroy();
  }

  #onEnd(): void {
    const x = this.#x;
    this.#dead = true;
    this.#retire();
    this.#onIdleGone?.();
    this.#hooks.gone(this);
    if (!x) return;
    try {
      x.parser.end();
      this.#finish(x);
    } catch (e) {
      this.#fail(e as Error);
    }
  }

  #fail(e: Error): void {
    const x = this.#x;
    this.destroy();
    if (!x) return;
    this.#x = undefined;
    this.failedUnsent = !x.gotBytes && STALE.has(errnoCode(e) ?? '');
    x.fail(e);
  }

  destroy(): void {
    this.#dead = true;
    clearTimeout(this.#idleTimer);
    this.#socket.destroy();
    this.#retire();
    this.#hooks.gone(this);
  }

  enterIdle(gone: () => void): void {
    this.#onIdleGone = gone;
    this.#arm();
    this.#socket.unref();
    this.#idleTimer = setTimeout(() => {
      gone();
      this.destroy();
    }, this.#o.idleTimeoutMs);
    this.#idleTimer.unref();
  }

  leaveIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#onIdleGone = undefined;
    this.#socket.ref();
  }

  /** Sends the request; resolves with the response head, its body streaming behind it. */
  exchange(o: HttpRequestOptions): Promise<HttpResponse> {
    this.failedUnsent = false;
    if (this.#readPaused) {
      this.#readPaused = false;
      this.#socket.resume();
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (this.#x === x) this.#fail(o.signal!.reason as Error);
      };
      const cleanup = (): void => o.signal?.removeEventListener('abort', onAbort);
      const x: Exchange = {
        gotHead: false,
        gotBytes: false,
        sent: false,
        body: undefined,
        parser: new ResponseParser(o.method, {
          head: (status, headers) => {
            x.gotHead = true;
            this.#arm();
            x.body = new Body({
              // Only while this exchange owns the connection: a later one has its own backpressure.
              resume: () => {
                if (this.#x === x && this.#readPaused) {
                  this.#readPaused = false;
                  this.#arm();
                  this.#socket.resume();
                }
              },
              abandon: () => {
                if (this.#x === x) {
                  this.#x = undefined;
                  this.destroy();
                }
              },
            });
            settled = true;
            resolve({ statusCode: status, headers, body: x.body });
          },
          body: (chunk) => x.body!.push(chunk),
          complete: () => {
            cleanup();
            x.body?.end();
          },
        }),
        fail: (e) => {
          cleanup();
          if (!settled) {
            settled = true;
            reject(e);
          }
          x.body?.end(e);
        },
      };
      this.#x = x;
      o.signal?.addEventListener('abort', onAbort, { once: true });
      this.#arm();
      this.#send(o, x).then(
        () => {
          x.sent = true;
        },
        (e: unknown) => {
          // The request failed on our side (its body's source broke, or did not verify): abort it, so nothing is committed.
          if (this.#x === x) this.#fail(e as Error);
          else if (!settled) {
            settled = true;
            reject(e);
          }
          this.destroy();
        },
      );
    });
  }

  async #send(o: HttpRequestOptions, x: Exchange): Promise<void> {
    const u = new URL(o.origin);
    const lines = [`${o.method} ${o.path} HTTP/1.1`, `host: ${u.host}`];
    let length: number | undefined;
    for (const [k, v] of Object.entries(o.headers)) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new HttpProtocolError(`header ${k} contains a line break`);
      const name = k.toLowerCase();
      if (name === 'host' || name === 'transfer-encoding') continue;
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(v)) throw new HttpProtocolError(`invalid content-length: ${v}`);
        length = Number(v);
      }
      lines.push(`${k}: ${v}`);
    }
    const body = o.body;
    const chunked = body !== null && !(body instanceof Uint8Array) && length === undefined;
    if (body instanceof Uint8Array && length === undefined) lines.push(`content-length: ${body.byteLength}`);
    else if (body === null && length === undefined && ['POST', 'PUT', 'PATCH'].includes(o.method)) lines.push('content-length: 0');
    if (chunked) lines.push('transfer-encoding: chunked');
    const head = `${lines.join('\r\n')}\r\n\r\n`;
    const s = this.#socket;
    if (body === null) {
      s.write(head, 'latin1');
      return;
    }
    if (body instanceof Uint8Array) {
      if (length !== undefined && length !== body.byteLength) throw new HttpProtocolError(`content-length ${length} for a body of ${body.byteLength} bytes`);
      s.cork();
      s.write(head, 'latin1');
      s.write(body);
      s.uncork();
      return;
    }
    s.write(head, 'latin1');
    const it = body[Symbol.asyncIterator]();
    let n = 0;
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      this.#awaitingSource = true;
      this.#arm();
      try {
        r = await it.next();
      } catch (e) {
        throw new RequestBodyError(e);
      } finally {
        this.#awaitingSource = false;
        this.#arm();
      }
      if (this.#x !== x) {
        // Answered (or failed) before the body was sent: stop reading the source.
        await it.return?.();
        return;
      }
      if (r.done) break;
      const c = r.value;
      n += c.byteLength;
      if (length !== undefined && n > length) {
        await it.return?.();
        throw new RequestBodyError(new HttpProtocolError(`the request body is longer than its content-length ${length}`));
      }
      if (c.byteLength === 0) continue;
      if (chunked) s.write(`${c.byteLength.toString(16)}\r\n`, 'latin1');
      // Once in the kernel, a chunk of a response body read by this client can carry the next bytes.
      s.write(c, (err) => {
        if (!err) releaseChunk(c);
      });
      if (chunked) s.write('\r\n', 'latin1');
      if (s.writableLength > WRITE_HIGH_WATER) await this.#drained();
    }
    if (length !== undefined && n !== length) {
      throw new RequestBodyError(new HttpProtocolError(`the request body ended at ${n} of its content-length ${length} bytes`));
    }
    if (chunked) s.write('0\r\n\r\n', 'latin1');
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
  }
}
