/**
 * A reverse proxy in front of a real registry that injects faults on demand: error statuses
 * (429/503 with Retry-After), connections reset mid-body, stalled bodies, redirects to another
 * origin, and corrupted bytes. Requests that match no rule are forwarded untouched (streaming,
 * all end-to-end headers, `Location` rewritten to point back at the proxy).
 */
import { Agent, createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeHttpServer, listenLoopback, LOOPBACK } from './net.js';
import { forward, type ResponseHead } from './http-forward.js';

export { startOriginServer, type OriginServer, type OriginRequest, type OriginServerOptions } from './origin-server.js';

/** What to do to a matching request. */
export type Fault =
  /** Answer `status` without forwarding (`retryAfter` in seconds sets `Retry-After`). */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string; headers?: Record<string, string> }
  /** Forward, then cut the client connection after `afterBytes` bytes of the response body. */
  | { kind: 'reset'; afterBytes: number }
  /** Forward, send the response head, then hold the body for `ms` (Infinity: until the client gives up). */
  | { kind: 'stall'; ms: number }
  /** Answer with a redirect (default 307) to `${to}${request url}`. */
  | { kind: 'redirect'; to: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Forward, but flip one body byte (offset `at`, default the middle); same length, wrong digest. */
  | { kind: 'corrupt'; at?: number };

export interface FaultRule {
  /** All given conditions must hold; `path` is tested against the path without the query. */
  match: { method?: string; path?: RegExp };
  /** How many requests it applies to (default 1; `Infinity` for all). */
  times?: number;
  fault: Fault;
}

/** A rule that was injected; `hits` counts the requests it has affected. */
export interface InjectedFault {
  readonly rule: FaultRule;
  hits: number;
  remaining: number;
}

/** A request as it reached the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The fault applied to it, if any. */
  fault?: Fault['kind'];
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** The proxied origin. */
  readonly target: string;
  /** Every request received, oldest first. */
  readonly requests: ProxiedRequest[];
  /** Adds a rule; rules are tried in insertion order and the first live match applies. */
  inject(rule: FaultRule): InjectedFault;
  /** Forgets recorded requests and removes all rules. */
  clear(): void;
  close(): Promise<void>;
}

function matches(rule: InjectedFault, req: IncomingMessage): boolean {
  if (rule.remaining <= 0) return false;
  const { method, path } = rule.rule.match;
  if (method !== undefined && method.toUpperCase() !== req.method) return false;
  if (path !== undefined && !path.test((req.url ?? '/').split('?')[0] ?? '/')) return false;
  return true;
}

function answerStatus(res: ServerResponse, f: Extract<Fault, { kind: 'status' }>): void {
  const code = f.status === 429 ? 'TOOMANYREQUESTS' : f.status === 401 ? 'UNAUTHORIZED' : f.status === 403 ? 'DENIED' : 'UNAVAILABLE';
  const body = f.body ?? JSON.stringify({ errors: [{ code, message: `injected fault: status ${f.status}` }] });
  const headers: Record<string, string | number> = {
    'content-type': f.body === undefined ? 'application/json' : 'text/plain',
    'content-length': Buffer.byteLength(body),
    ...f.headers,
  };
  if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
  res.writeHead(f.status, headers).end(body);
}

/** Sends the head, then `afterBytes` body bytes, then destroys the client socket. */
function respondReset(upRes: IncomingMessage, res: ServerResponse, head: ResponseHead, afterBytes: number): void {
  res.writeHead(head.status, head.headers);
  let sent = 0;
  let done = false;
  const cut = (): void => {
    if (done) return;
    done = true;
    upRes.destroy();
    res.write(Buffer.alloc(0), () => res.socket?.destroy());
  };
  if (afterBytes <= 0) return cut();
  upRes.on('data', (chunk: Buffer) => {
    if (done) return;
    const part = chunk.subarray(0, afterBytes - sent);
    sent += part.length;
    if (sent < afterBytes) res.write(part);
    else {
      done = true;
      upRes.destroy();
      res.write(part, () => res.socket?.destroy());
    }
  });
  upRes.on('end', cut);
}

/** Sends the head at once and the body after `ms` (never, for Infinity). */
function respondStall(upRes: IncomingMessage, res: ServerResponse, head: ResponseHead, ms: number): void {
  res.writeHead(head.status, head.headers);
  res.flushHeaders();
  if (!Number.isFinite(ms)) {
    res.on('close', () => upRes.destroy());
    return;
  }
  const timer = setTimeout(() => upRes.pipe(res), ms);
  res.on('close', () => {
    clearTimeout(timer);
    upRes.destroy();
  });
}

/** Streams the body with the byte at `at` (default: middle, by Content-Length) inverted. */
function respondCorrupt(upRes: IncomingMessage, res: ServerResponse, head: ResponseHead, at: number | undefined): void {
  const length = Number(upRes.headers['content-length'] ?? NaN);
  const target = at ?? (Number.isFinite(length) ? Math.floor(length / 2) : 0);
  let offset = 0;
  res.writeHead(head.status, head.headers);
  upRes.on('data', (chunk: Buffer) => {
    if (target >= offset && target < offset + chunk.length) {
      chunk = Buffer.from(chunk);
      chunk[target - offset] = (chunk[target - offset] ?? 0) ^ 0xff;
    }
    offset += chunk.length;
    if (!res.write(chunk)) {
      upRes.pause();
      res.once('drain', () => upRes.resume());
    }
  });
  upRes.on('end', () => res.end());
}

/** Starts a fault-injecting reverse proxy for `targetUrl` on a free loopback port. */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true });
  const rules: InjectedFault[] = [];
  const requests: ProxiedRequest[] = [];
  let origin = '';

  const server = createServer((req, res) => {
    const rule = rules.find((r) => matches(r, req));
    const fault = rule?.rule.fault;
    if (rule) {
      rule.remaining--;
      rule.hits++;
    }
    requests.push({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, ...(fault && { fault: fault.kind }) });

    if (fault?.kind === 'status' || fault?.kind === 'redirect') {
      req.resume(); // discard any request body
      if (fault.kind === 'status') return answerStatus(res, fault);
      return void res.writeHead(fault.status ?? 307, { location: `${fault.to}${req.url ?? '/'}`, 'content-length': 0 }).end();
    }
    forward(req, res, {
      target,
      agent,
      rewriteLocation: { from: target.origin, to: origin },
      ...(fault && {
        respond: (upRes: IncomingMessage, r: ServerResponse, head: ResponseHead) => {
          if (fault.kind === 'reset') respondReset(upRes, r, head, fault.afterBytes);
          else if (fault.kind === 'stall') respondStall(upRes, r, head, fault.ms);
          else respondCorrupt(upRes, r, head, fault.at);
        },
      }),
    });
  });
  const port = await listenLoopback(server);
  const host = `${LOOPBACK}:${port}`;
  origin = `http://${host}`;

  return {
    url: origin,
    host,
    target: target.origin,
    requests,
    inject(rule) {
      const injected: InjectedFault = { rule, hits: 0, remaining: rule.times ?? 1 };
      rules.push(injected);
      return injected;
    },
    clear() {
      requests.splice(0);
      rules.splice(0);
    },
    async close() {
      await closeHttpServer(server);
      agent.destroy();
    },
  };
}
