import type { IncomingMessage } from 'node:http';
import { TEXT_LIMIT, type ResponseBody } from './http-dispatcher.js';
import { HttpError } from './http-errors.js';

/** What a response body tells the exchange it belongs to (node-exchange.ts). */
export interface BodyHooks {
  /**
   * The reader fell behind (reading from the socket stopped) or caught up. While it is behind,
   * the wait is ours, not the server's: the inactivity timeout does not count it.
   */
  readerBehind(behind: boolean): void;
  /** The body was read to its end, failed or was dropped: the exchange is over. */
  over(): void;
  /** Bytes of body arrived (a transfer's progress, as opposed to 1xx heads or trailers). */
  received(bytes: number): void;
}

/**
 * Bytes queued for the reader at which reading from the socket stops, and at which it goes on.
 * With Node's own buffer in front (the socket's readable high-water mark), a slow reader holds
 * a few MiB per connection, whatever the size of the body.
 */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** What dump() reads to keep a connection; a longer body closes it instead. */
const DUMP_LIMIT = 256 * 1024;

/**
 * A response body over Node's IncomingMessage. Chunks are the Buffers Node's parser made, handed
 * on as they are ('data' events in flowing mode: Readable's own iterator would concatenate what
 * is queued); the queue pauses the message when the reader is behind, and the paused message
 * stops the socket.
 */
export class NodeResponseBody implements ResponseBody {
  readonly #res: IncomingMessage;
  readonly #hooks: BodyHooks;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #paused = false;
  #ended = false;
  #dropped = false;
  #error: Error | undefined;
  #over = false;
  #waiters: (() => void)[] = [];

  constructor(res: IncomingMessage, hooks: BodyHooks) {
    this.#res = res;
    this.#hooks = hooks;
    res.on('data', (c: Buffer) => this.#push(c));
    res.on('end', () => {
      this.#ended = true;
      this.#finish();
    });
    res.on('error', (e) => this.fail(e));
    res.on('close', () => {
      // Node reports a connection closed mid-body as an 'aborted' error first; this is the backstop.
      if (!this.#ended)
        this.fail(Object.assign(new Error('the connection closed before the response was complete'), { code: 'ECONNRESET' }));
    });
  }

  /** Ends the body with an error (the exchange's: a timeout, an abort, a protocol error). The first error wins. */
  fail(e: Error): void {
    if (this.#ended || this.#dropped || this.#error) return;
    this.#error = e;
    this.#finish();
  }

  #push(c: Buffer): void {
    if (this.#dropped || this.#error) return;
    this.#chunks.push(c);
    this.#bytes += c.byteLength;
    this.#hooks.received(c.byteLength);
    if (!this.#paused && this.#bytes >= HIGH_WATER) {
      this.#paused = true;
      this.#res.pause();
      this.#hooks.readerBehind(true);
    }
    this.#wake();
  }

  #finish(): void {
    this.#wake();
    if (this.#over) return;
    this.#over = true;
    this.#hooks.over();
  }

  #wake(): void {
    if (this.#waiters.length > 0) for (const w of this.#waiters.splice(0)) w();
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      const c = this.#chunks.shift();
      if (c) {
        this.#bytes -= c.byteLength;
        if (this.#paused && this.#bytes <= LOW_WATER) {
          this.#paused = false;
          this.#hooks.readerBehind(false);
          this.#res.resume();
        }
        return { done: false, value: c };
      }
      if (this.#error) throw this.#error;
      if (this.#ended || this.#dropped) return { done: true, value: undefined };
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#next(),
      return: () => {
        this.destroy();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  destroy(): void {
    this.#chunks = [];
    this.#bytes = 0;
    if (this.#ended || this.#dropped || this.#error) return;
    this.#dropped = true;
    if (this.#res.complete) {
      // Every byte arrived: let the rest flow out unread, so that the connection goes back to the pool.
      this.#res.resume();
    } else {
      // Node closes the connection of a message destroyed before its end.
      this.#res.destroy();
    }
    this.#finish();
  }

  async dump(): Promise<void> {
    let n = 0;
    try {
      for (;;) {
        const r = await this.#next();
        if (r.done) return;
        n += r.value.byteLength;
        if (n > DUMP_LIMIT) return this.destroy();
      }
    } catch {
      // a body being dropped may fail; nothing depends on it
    }
  }

  async text(maxBytes = TEXT_LIMIT): Promise<string> {
    const parts: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const r = await this.#next();
      if (r.done) break;
      n += r.value.byteLength;
      if (n > maxBytes) {
        this.destroy();
        throw new HttpError(
          'BODY_TOO_LARGE',
          `the response body is larger than ${formatLimit(maxBytes)}, more than a registry sends for this request; it was not read`,
        );
      }
      parts.push(r.value);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  async json(maxBytes?: number): Promise<unknown> {
    return JSON.parse(await this.text(maxBytes)) as unknown;
  }
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
