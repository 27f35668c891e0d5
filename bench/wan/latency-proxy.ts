/**
 * A TCP proxy on loopback that adds round-trip time: every chunk is held for rtt/2 in each
 * direction before it is passed on (in order: timers of one duration fire in the order they
 * were set). A registry behind it looks like one `rtt` ms away; its bandwidth is loopback's.
 */
import net from 'node:net';

export interface LatencyProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly rttMs: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function startLatencyProxy(target: { host: string; port: number }, rttMs: number): Promise<LatencyProxy> {
  const half = rttMs / 2;
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const pipeDelayed = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (half <= 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), half);
    });
    from.on('end', () => (half <= 0 ? to.end() : setTimeout(() => to.end(), half)));
  };
  const server = net.createServer((client) => {
    accepted++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => setTimeout(() => upstream.destroy(), half));
    upstream.on('close', () => setTimeout(() => client.destroy(), half));
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    rttMs,
    connections: () => accepted,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
