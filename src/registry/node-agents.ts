import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';

/** The keep-alive Agents of one client, plain and TLS, whose sockets share one read buffer. */
export interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

export function createAgents(o: http.AgentOptions): Agents {
  const onread = new SharedReads();
  return { http: new HttpAgent(o, onread), https: new HttpsAgent(o, onread) };
}

/** Node's own read size (libuv's suggestion), below glibc's mmap threshold. */
const READ_BYTES = 64 * 1024;

/**
 * One read buffer for all sockets of a client (net's documented `onread` option), as Node's HTTP
 * server shares one among its connections; reads run one at a time on the event loop. Node's
 * HTTP client copies every body chunk out of the read it came in (node_http_parser's on_body),
 * so by default each body byte costs two fresh Buffers, the read and the copy; with the read
 * buffer shared it costs one. That halves the garbage a blob transfer makes, which is what a
 * transfer's CPU time goes to besides the digest: V8 collects it with full-heap GCs, and its
 * pages fault in fresh (bench/copy, 250 MB: 1.7 instead of 1.9 CPU-s, 147 instead of 171 MB RSS).
 *
 * A read is pushed into the socket's stream only when the stream hands it on at once, to the
 * 'data' listener that runs Node's HTTP parser, which keeps nothing of its input; a stream that
 * would queue it (paused, or behind) gets a copy.
 */
class SharedReads {
  readonly #buffer: Uint8Array = Buffer.allocUnsafeSlow(READ_BYTES);
  readonly buffer = (): Uint8Array => this.#buffer;
  readonly callback = function (this: net.Socket, bytes: number, buffer: Uint8Array): boolean {
    const handedOn = this.readableFlowing === true && this.readableLength === 0 && this.listenerCount('data') > 0;
    const more = this.push(handedOn ? buffer.subarray(0, bytes) : Buffer.copyBytesFrom(buffer, 0, bytes));
    // Not expected: the stream queued the shared buffer after all, and the next read would change
    // the bytes under it. The connection fails instead (a retry, at worst).
    if (handedOn && this.readableLength > 0) this.destroy(new Error('internal error: a socket queued the shared read buffer'));
    // false: the stream is full; reading stops until it is resumed.
    return more;
  };
}

type OnCreate = (err: Error | null, stream: Duplex) => void;

class HttpAgent extends http.Agent {
  readonly #onread: SharedReads;

  constructor(o: http.AgentOptions, onread: SharedReads) {
    super(o);
    this.#onread = onread;
  }

  override createConnection(options: http.ClientRequestArgs, callback?: OnCreate): Duplex | null | undefined {
    return super.createConnection({ ...options, onread: this.#onread } as http.ClientRequestArgs, callback);
  }
}

class HttpsAgent extends https.Agent {
  readonly #onread: SharedReads;

  constructor(o: https.AgentOptions, onread: SharedReads) {
    super(o);
    this.#onread = onread;
  }

  // tls.connect takes `onread` as net.connect does (Node's tls docs); https.Agent keeps its TLS session cache.
  override createConnection(options: http.ClientRequestArgs, callback?: OnCreate): Duplex | null | undefined {
    return super.createConnection({ ...options, onread: this.#onread } as http.ClientRequestArgs, callback);
  }
}
