/**
 * Streaming HTTP forwarding for the harness proxies (node:http only): one request in, the same
 * request to an upstream origin, the answer streamed back.
 */
import { request, type Agent, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) that a proxy must not forward. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: NodeJS.Dict<string[]>, drop: readonly string[] = []): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(headers)) {
    if (values === undefined || HOP_BY_HOP.has(name) || drop.includes(name)) continue;
    out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

export interface ForwardOptions {
  /** Upstream origin, e.g. `http://127.0.0.1:5000`. */
  target: URL;
  agent: Agent;
  /** Request headers (lower case) not to forward, e.g. `authorization`. */
  dropRequestHeaders?: readonly string[];
  /** `Location` values starting with `from` are rewritten to start with `to`. */
  rewriteLocation?: { from: string; to: string };
  /**
   * Sends the upstream answer to the client; `head` holds the status and end-to-end headers
   * (Location rewritten). Default: write the head and pipe the body.
   */
  respond?: (upstream: IncomingMessage, res: ServerResponse, head: ResponseHead) => void;
}

export interface ResponseHead {
  status: number;
  headers: OutgoingHttpHeaders;
}

/** Forwards `req` to the target and streams the answer back on `res`. */
export function forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): void {
  const headers = endToEnd(req.headersDistinct, opts.dropRequestHeaders);
  headers.host = opts.target.host;
  const up = request({
    protocol: opts.target.protocol,
    hostname: opts.target.hostname,
    port: opts.target.port,
    method: req.method,
    path: req.url,
    headers,
    agent: opts.agent,
  });
  up.on('response', (upRes) => {
    const head: ResponseHead = { status: upRes.statusCode ?? 502, headers: endToEnd(upRes.headersDistinct) };
    const loc = head.headers.location;
    const rw = opts.rewriteLocation;
    if (rw && typeof loc === 'string' && loc.startsWith(rw.from)) head.headers.location = rw.to + loc.slice(rw.from.length);
    upRes.on('error', () => res.destroy());
    if (opts.respond) opts.respond(upRes, res, head);
    else {
      res.writeHead(head.status, head.headers);
      upRes.pipe(res);
    }
  });
  up.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${err.message}`);
    else res.destroy();
  });
  // The client went away before the answer was complete: drop the upstream exchange too.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
}
