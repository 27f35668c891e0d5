import { lendChunk, releaseChunk, SLAB_BYTES } from './slabs.js';

/** A response body: async-iterable chunks, or read whole, or dropped. */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  dump(): Promise<void>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  destroy(error?: Error): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
}

/** What a body needs of its connection. */
export interface BodySource {
  /** Reading may go on (the queue fell below the low-water mark). */
  resume(): void;
  /** The body was dropped before its end: the connection cannot be reused. */
  abandon(): void;
}

/** Queued bytes at which the socket stops reading, and at which it reads again. */
const HIGH_WATER = 2 * SLAB_BYTES;
const LOW_WATER = SLAB_BYTES;
/** What dump() reads to keep a connection; a longer body closes it instead. */
const DUMP_LIMIT = 256 * 1024;

/**
 * A response body fed by its connection. Chunks that lie next to each other in one slab are
 * handed out as one view; the connection stops reading while more than HIGH_WATER bytes wait.
 */
export class Body implements ResponseBody {
  readonly #source: BodySource;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #ended = false;
  #error: Error | undefined;
  #paused = false;
  #waiters: (() => void)[] = [];
  #dropped = false;

  constructor(source: BodySource) {
    this.#source = source;
  }

  /** Whether the connection should stop reading now; if so, BodySource.resume is called once the queue drains. */
  pauseIfFull(): boolean {
    if (this.#bytes >= HIGH_WATER) this.#paused = true;
    return this.#paused;
  }

  get ended(): boolean {
    return this.#ended;
  }

  push(c: Uint8Array): void {
    if (this.#dropped) return;
    const last = this.#chunks[this.#chunks.length - 1];
    if (last && last.buffer === c.buffer && last.byteOffset + last.byteLength === c.byteOffset) {
      const merged = new Uint8Array(c.buffer, last.byteOffset, last.byteLength + c.byteLength);
      lendChunk(merged, last);
      this.#chunks[this.#chunks.length - 1] = merged;
    } else {
      lendChunk(c);
      this.#chunks.push(c);
    }
    this.#bytes += c.byteLength;
    this.#wake();
  }

  end(e?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = e;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended || this.#dropped) return { done: true, value: undefined };
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    const c = this.#chunks.shift()!;
    this.#bytes -= c.byteLength;
    if (this.#paused && this.#bytes < LOW_WATER) {
      this.#paused = false;
      this.#source.resume();
    }
    return { done: false, value: c };
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.destroy();
        return { done: true, value: undefined };
      },
    };
  }

  /** Drops what is left; before the end this also drops the connection. */
  destroy(): this {
    this.#chunks.forEach(releaseChunk);
    this.#chunks = [];
    this.#bytes = 0;
    if (!this.#ended) {
      this.#dropped = true;
      this.#source.abandon();
      this.end();
    }
    return this;
  }

  on(): this {
    return this;
  }

  async dump(): Promise<void> {
    let n = 0;
    try {
      for (;;) {
        const r = await this.#next();
        if (r.done) return;
        n += r.value.byteLength;
        releaseChunk(r.value);
        if (n > DUMP_LIMIT) return void this.destroy();
      }
    } catch {
      // a body being dropped may fail; nothing depends on it
    }
  }

  async text(): Promise<string> {
    const parts: Uint8Array[] = [];
    for (;;) {
      const r = await this.#next();
      if (r.done) break;
      parts.push(r.value);
    }
    const text = Buffer.concat(parts).toString('utf8');
    parts.forEach(releaseChunk);
    return text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
}
