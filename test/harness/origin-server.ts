/**
 * A second HTTP origin for redirect tests (a registry that sends blob downloads to a CDN or
 * object store). It records what arrives, in particular whether an `Authorization` header
 * leaked across origins, and serves bytes from a callback or from an upstream registry.
 */
import { Agent, createServer, type IncomingHttpHeaders } from 'node:http';
import { closeHttpServer, listenLoopback, LOOPBACK } from './net.js';
import { forward } from './http-forward.js';

/** A request as it reached the origin server. */
export interface OriginRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Whether an `Authorization` header arrived (its value is not kept). */
  authorization: boolean;
  headers: IncomingHttpHeaders;
}

export interface OriginServerOptions {
  /** Bytes for a path (without the query); undefined answers 404. Takes precedence over `upstream`. */
  serve?: (path: string) => Buffer | undefined | Promise<Buffer | undefined>;
  /**
   * Otherwise forward every request to this origin (e.g. an anonymous registry's url) with the
   * `Authorization` header removed. With neither option every request gets 404.
   */
  upstream?: string;
}

export interface OriginServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly host: string;
  readonly requests: OriginRequest[];
  close(): Promise<void>;
}

/** Starts the origin server on a free loopback port. */
export async function startOriginServer(opts: OriginServerOptions = {}): Promise<OriginServer> {
  const requests: OriginRequest[] = [];
  const upstream = opts.upstream === undefined ? undefined : new URL(opts.upstream);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const { authorization, ...headers } = req.headers;
    requests.push({ method: req.method ?? '', url: req.url ?? '/', authorization: authorization !== undefined, headers });
    if (opts.serve) {
      req.resume();
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      Promise.resolve(opts.serve(path)).then(
        (body) => {
          if (body === undefined) return void res.writeHead(404, { 'content-length': 0 }).end();
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => void res.writeHead(500).end(String(err)),
      );
    } else if (upstream) {
      forward(req, res, { target: upstream, agent, dropRequestHeaders: ['authorization'] });
    } else {
      req.resume();
      res.writeHead(404, { 'content-length': 0 }).end();
    }
  });
  const port = await listenLoopback(server);
  const host = `${LOOPBACK}:${port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    async close() {
      await closeHttpServer(server);
      agent.destroy();
    },
  };
}
