import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { errnoCode } from '../oci/errors.js';
import { remoteText } from './errors.js';
import { proxyFor, ProxyError, type ProxyConfig, type ProxyServer } from './proxy.js';
import type { TlsTrust } from './tls-trust.js';

/** The keep-alive Agents of one client, plain and TLS, whose direct sockets share one read buffer. */
export interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/** How the Agents reach hosts: through which proxy (none: directly), trusting which CAs. */
export interface Routes {
  readonly proxy?: ProxyConfig | undefined;
  readonly trust?: TlsTrust | undefined;
  /** A proxy that does not answer a tunnel request (CONNECT) within this long is given up. */
  readonly connectTimeoutMs: number;
}

export function createAgents(o: http.AgentOptions, routes: Routes): Agents {
  const onread = new SharedReads();
  return { http: new HttpAgent(o, onread, routes), https: new HttpsAgent(o, onread, routes) };
}

/** `host:port` as in a URL or a CONNECT request (IPv6 in brackets). */
function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The proxy a connection to `host:port` over `scheme` goes through, if any. */
export function proxyOf(routes: Routes, scheme: 'http' | 'https', host: string, port: number): ProxyServer | undefined {
  return proxyFor(routes.proxy, `${scheme}://${authority(host, port)}`);
}

/** A failure to connect to the proxy, as an error naming it (never its credentials). */
export function proxyUnreachable(proxy: ProxyServer, e: unknown): ProxyError {
  const code = errnoCode(e) ?? (e as Error).message;
  return new ProxyError(
    'PROXY_UNREACHABLE',
    `cannot reach the proxy ${proxy.display} (${code}): check the proxy variable, or name the registry in NO_PROXY to connect directly`,
    { cause: e, userError: code === 'ECONNREFUSED' || code === 'ENOTFOUND' },
  );
}

/** A proxy's refusal (a status other than 200 to CONNECT, or 407 to a forwarded request) as an error naming it. */
export function proxyRefused(proxy: ProxyServer, target: string, status: number, statusText: string): ProxyError {
  // tinyproxy answers wrong credentials with 401, others with 407 (RFC 9110 §15.5.8).
  const why =
    status === 407 || (status === 401 && proxy.authorization)
      ? proxy.authorization
        ? ': it did not accept the user and password in the proxy URL'
        : ': it wants credentials, put them in the proxy URL (http://user:password@host:port)'
      : status === 403
        ? ': the proxy does not allow it (ask its administrator, or name the registry in NO_PROXY)'
        : '';
  return new ProxyError(
    'PROXY_REFUSED',
    `the proxy ${proxy.display} refused the connection to ${target}: ${status} ${remoteText(statusText, 80)}${why}`,
    {
      userError: status === 407 || status === 401 || status === 403,
    },
  );
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

/**
 * Plain HTTP. Through a proxy a request goes to the proxy in absolute form (`GET http://host/path`,
 * RFC 9112 §3.2.2) with the proxy's credentials in Proxy-Authorization, as Go's Transport sends it;
 * the Agent pools those connections per registry origin as it does direct ones.
 */
class HttpAgent extends http.Agent {
  readonly #onread: SharedReads;
  readonly #routes: Routes;

  constructor(o: http.AgentOptions, onread: SharedReads, routes: Routes) {
    super(o);
    this.#onread = onread;
    this.#routes = routes;
  }

  // Node's Agent calls this from the request's constructor, before the request's head is written.
  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs): void {
    const port = Number(options.port ?? 80);
    const proxy = proxyOf(this.#routes, 'http', options.hostname ?? options.host ?? '', port);
    if (proxy) {
      req.path = `http://${authority(options.hostname ?? options.host ?? '', port)}${req.path}`;
      if (proxy.authorization) req.setHeader('proxy-authorization', proxy.authorization);
    }
    (http.Agent.prototype as unknown as { addRequest: (r: unknown, o: unknown) => void }).addRequest.call(this, req, options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: OnCreate): Duplex | null | undefined {
    const proxy = proxyOf(this.#routes, 'http', options.host ?? '', Number(options.port ?? 80));
    const to = proxy ? { ...options, host: proxy.host, port: proxy.port } : options;
    return super.createConnection({ ...to, onread: this.#onread } as http.ClientRequestArgs, callback);
  }
}

/**
 * TLS, with the CAs and client certificate of each host (TlsTrust). Through a proxy, a tunnel:
 * CONNECT host:port to the proxy (Node's client parses its answer), then TLS inside it to the
 * registry, so the proxy sees neither the requests nor the registry's credentials, and the
 * proxy's credentials go to the proxy only.
 */
class HttpsAgent extends https.Agent {
  readonly #onread: SharedReads;
  readonly #routes: Routes;

  constructor(o: https.AgentOptions, onread: SharedReads, routes: Routes) {
    super(o);
    this.#onread = onread;
    this.#routes = routes;
  }

  // tls.connect takes `onread` as net.connect does (Node's tls docs); https.Agent keeps its TLS session cache.
  override createConnection(options: http.ClientRequestArgs, callback?: OnCreate): Duplex | null | undefined {
    const host = options.host ?? '';
    const port = Number(options.port ?? 443);
    let hostTls;
    try {
      hostTls = this.#routes.trust?.forHost(host, port) ?? {};
    } catch (e) {
      process.nextTick(() => callback?.(e as Error, undefined as unknown as Duplex));
      return undefined;
    }
    const proxy = proxyOf(this.#routes, 'https', host, port);
    if (!proxy) return super.createConnection({ ...options, ...hostTls, onread: this.#onread } as http.ClientRequestArgs, callback);
    this.#tunnel(proxy, authority(host, port), (e, socket) => {
      // Inside a tunnel the TLS socket reads from the tunnel's socket, not from the network: no onread.
      if (e) callback?.(e, undefined as unknown as Duplex);
      else callback?.(null, super.createConnection({ ...options, ...hostTls, socket } as http.ClientRequestArgs) as Duplex);
    });
    return undefined;
  }

  #tunnel(proxy: ProxyServer, target: string, done: (e: Error | null, socket?: net.Socket) => void): void {
    const headers: Record<string, string> = { host: target };
    if (proxy.authorization) headers['proxy-authorization'] = proxy.authorization;
    const req = http.request({ host: proxy.host, port: proxy.port, method: 'CONNECT', path: target, headers, agent: false });
    let over = false;
    const finish = (e: Error | null, socket?: net.Socket): void => {
      if (over) return void socket?.destroy();
      over = true;
      clearTimeout(timer);
      if (e) req.destroy();
      done(e, socket);
    };
    const timer = setTimeout(
      () =>
        finish(
          new ProxyError(
            'PROXY_UNREACHABLE',
            `the proxy ${proxy.display} did not open a tunnel to ${target} within ${this.#routes.connectTimeoutMs} ms`,
          ),
        ),
      this.#routes.connectTimeoutMs,
    );
    req.once('connect', (res: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return finish(proxyRefused(proxy, target, res.statusCode ?? 0, res.statusMessage ?? ''));
      }
      // Bytes after the proxy's answer are the registry's (none are expected before TLS starts).
      if (head.length > 0) socket.unshift(head);
      finish(null, socket);
    });
    req.once('error', (e) => finish(e instanceof ProxyError ? e : proxyUnreachable(proxy, e)));
    req.end();
  }
}
