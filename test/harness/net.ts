/**
 * Loopback networking helpers for the test harness: free ports, readiness polling,
 * and closing node:http servers without waiting for idle keep-alive sockets.
 */
import { createServer, type Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';

/** The only interface the harness listens on. */
export const LOOPBACK = '127.0.0.1';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bound on :0, then closed).
 * Another process may take it before the caller binds; callers that spawn servers retry.
 */
export async function freePort(): Promise<number> {
  const srv: NetServer = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => resolve());
  });
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('freePort: no TCP address');
  return addr.port;
}

/** Starts `server` on a free loopback port and returns that port. */
export async function listenLoopback(server: HttpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('listenLoopback: no TCP address');
  return addr.port;
}

/** Closes a node:http server, dropping keep-alive and in-flight connections. */
export async function closeHttpServer(server: HttpServer): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

export interface WaitForHttpOptions {
  /**
   * Whether an answer counts as "up"; default any status below 500. A server that spawns on a
   * port picked in advance should also check something only it sends (another process may have
   * bound that port first): see `startRegistry`'s identity header.
   */
  ok?: (status: number, headers: Headers) => boolean;
  /** Give up after this many milliseconds; default 15 000. */
  timeoutMs?: number;
  /** Stop early (with this error) when it returns one, e.g. the server process died. */
  abort?: () => Error | undefined;
}

/** Polls `GET url` every 50 ms until it answers with an acceptable status. */
export async function waitForHttp(url: string, opts: WaitForHttpOptions = {}): Promise<number> {
  const ok = opts.ok ?? ((s: number) => s < 500);
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: string;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw aborted;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (ok(res.status, res.headers)) return res.status;
      last = `an answer that is not the one expected (status ${res.status})`;
    } catch (err) {
      last = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
    }
    if (Date.now() > deadline) throw new Error(`waitForHttp ${url}: gave up (${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
