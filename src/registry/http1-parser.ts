/**
 * An incremental HTTP/1.1 response parser (RFC 9112) for the blob data path (http1.ts): status
 * line and headers, then the body framed by Content-Length, chunked transfer coding or the
 * connection's close. Body bytes are handed on as views of the input, never copied.
 */

import { HttpError } from './http-errors.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface ParserEvents {
  /** The final (non-1xx) response head. */
  head(status: number, headers: Headers): void;
  body(chunk: Uint8Array): void;
  complete(): void;
}

/** The peer broke HTTP/1.1: the connection cannot be trusted any further. */
export class HttpProtocolError extends HttpError {
  constructor(message: string) {
    super('HTTP_PROTOCOL', message);
  }
}

const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

export class ResponseParser {
  readonly #method: string;
  readonly #ev: ParserEvents;
  #state: State = 'head';
  #head: Buffer = Buffer.alloc(0);
  #line = '';
  #remaining = 0;
  #keepAlive = true;
  #extra = false;

  constructor(method: string, ev: ParserEvents) {
    this.#method = method;
    this.#ev = ev;
  }

  /** The response is complete. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** The connection may carry another request: the response said so and nothing followed it. */
  get reusable(): boolean {
    return this.#state === 'done' && this.#keepAlive && !this.#extra;
  }

  feed(input: Uint8Array): void {
    let buf = input;
    while (buf.byteLength > 0) {
      switch (this.#state) {
        case 'head':
          buf = this.#feedHead(buf);
          break;
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.#remaining, buf.byteLength);
          this.#remaining -= n;
          this.#ev.body(buf.subarray(0, n));
          buf = buf.subarray(n);
          if (this.#remaining > 0) break;
          if (this.#state === 'length') this.#finish();
          else this.#state = 'chunk-end';
          break;
        }
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers':
          buf = this.#feedLine(buf);
          break;
        case 'close':
          this.#ev.body(buf);
          buf = buf.subarray(buf.byteLength);
          break;
        case 'done':
          // Bytes after a complete response: nothing was asked for them; do not reuse the connection.
          this.#extra = true;
          return;
      }
    }
  }

  /** The peer closed the connection: completes a close-delimited body, else the response is cut short. */
  end(): void {
    if (this.#state === 'close') return this.#finish();
    if (this.#state !== 'done') {
      throw new HttpError('ECONNRESET', `the connection closed before the response was complete (${this.#state === 'head' ? 'no response' : 'body cut short'})`);
    }
  }

  #finish(): void {
    this.#state = 'done';
    this.#ev.complete();
  }

  #feedHead(buf: Uint8Array): Uint8Array {
    const from = Math.max(0, this.#head.byteLength - 3);
    this.#head = this.#head.byteLength === 0 ? Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) : Buffer.concat([this.#head, buf]);
    const at = this.#head.indexOf(CRLFCRLF, from);
    if (at < 0) {
      if (this.#head.byteLength > MAX_HEAD) throw new HttpProtocolError(`response head larger than ${MAX_HEAD} bytes`);
      // Keep a copy: the input is a view of a buffer its owner may reuse.
      this.#head = Buffer.from(this.#head);
      return buf.subarray(buf.byteLength);
    }
    const text = this.#head.subarray(0, at).toString('latin1');
    const rest = this.#head.subarray(at + 4);
    this.#head = Buffer.alloc(0);
    this.#onHead(text);
    return rest;
  }

  #onHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) throw new HttpProtocolError(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const status = Number(m[2]);
    const headers: Headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) throw new HttpProtocolError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      const have = headers[name];
      headers[name] = have === undefined ? value : Array.isArray(have) ? [...have, value] : [have, value];
    }
    if (status >= 100 && status < 200) return; // 100 Continue and friends: the real head follows
    const connection = String(headers.connection ?? '').toLowerCase();
    this.#keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    const cl = headers['content-length'];
    // The framing is checked before the response is handed on: a bad one is a failed request, not a bad body.
    let length: number | undefined;
    const noBody = this.#method === 'HEAD' || status === 204 || status === 304;
    if (noBody) {
      // no body follows, whatever the framing headers say
    } else if (te !== '') {
      if (!/(?:^|,)\s*chunked\s*$/.test(te)) throw new HttpProtocolError(`unsupported transfer-encoding: ${te}`);
      // Both framings at once: chunked wins, and the connection is not trusted after it (RFC 9112 §6.3).
      if (cl !== undefined) this.#keepAlive = false;
    } else if (cl !== undefined) {
      const values = new Set((Array.isArray(cl) ? cl : [cl]).flatMap((v) => v.split(',')).map((v) => v.trim()));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) throw new HttpProtocolError(`invalid content-length: ${String(cl)}`);
      length = Number(only);
    }
    this.#ev.head(status, headers);
    if (noBody) return this.#finish();
    if (te !== '') {
      this.#state = 'chunk-size';
      return;
    }
    if (length !== undefined) {
      this.#remaining = length;
      if (length === 0) return this.#finish();
      this.#state = 'length';
      return;
    }
    this.#keepAlive = false;
    this.#state = 'close';
  }

  /** Chunk-size lines, the CRLF after chunk data, and trailer lines. */
  #feedLine(buf: Uint8Array): Uint8Array {
    const nl = buf.indexOf(0x0a);
    const take = nl < 0 ? buf.byteLength : nl + 1;
    this.#line += Buffer.from(buf.buffer, buf.byteOffset, take).toString('latin1');
    if (this.#line.length > MAX_LINE) throw new HttpProtocolError('chunk line too long');
    if (nl < 0) return buf.subarray(take);
    const line = this.#line.replace(/\r?\n$/, '');
    this.#line = '';
    if (this.#state === 'chunk-end') {
      if (line !== '') throw new HttpProtocolError('chunk data not followed by CRLF');
      this.#state = 'chunk-size';
    } else if (this.#state === 'chunk-size') {
      const size = /^([0-9a-fA-F]{1,12})\s*(?:;.*)?$/.exec(line);
      if (!size) throw new HttpProtocolError(`invalid chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
      this.#remaining = parseInt(size[1]!, 16);
      this.#state = this.#remaining === 0 ? 'trailers' : 'chunk-data';
    } else if (line === '') {
      this.#finish();
    }
    return buf.subarray(take);
  }
}
