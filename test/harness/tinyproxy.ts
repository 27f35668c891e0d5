/**
 * A real HTTP proxy, tinyproxy (Debian's package), on a loopback port, run in the foreground with
 * its log (one line per request: `Request (file descriptor N): CONNECT host:port HTTP/1.1`, or
 * `GET http://host:port/path`) captured, so a test can prove what went through it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetTempDir, lastLines, removeOnExit, spawnManaged } from './children.js';
import { freePort, LOOPBACK } from './net.js';
import { trackServerLog } from './server-logs.js';

export interface TinyproxyOptions {
  /** Require these credentials (tinyproxy's BasicAuth): 407 without them. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** Ports CONNECT may reach (tinyproxy's ConnectPort); default any. A tunnel to another port is refused with 403. */
  readonly connectPorts?: readonly number[];
}

export interface Tinyproxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The request lines the proxy logged so far (`CONNECT host:port HTTP/1.1`, `GET http://… HTTP/1.1`). */
  requests(): string[];
  logs(): string;
  stop(): Promise<void>;
}

export async function startTinyproxy(o: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-tinyproxy-'));
  removeOnExit(dir);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const lines = [
      `Port ${port}`,
      `Listen ${LOOPBACK}`,
      'Timeout 60',
      'LogLevel Info',
      'MaxClients 100',
      `Allow ${LOOPBACK}`,
      'DisableViaHeader Yes',
      ...(o.basicAuth ? [`BasicAuth ${o.basicAuth.user} ${o.basicAuth.password}`] : []),
      ...(o.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    ];
    const config = join(dir, 'tinyproxy.conf');
    await writeFile(config, `${lines.join('\n')}\n`);
    const child = spawnManaged('tinyproxy', ['-d', '-c', config]);
    const up = await waitListening(port, () => child.exitStatus() !== undefined);
    if (!up) {
      await child.kill('SIGKILL');
      if (attempt < 5 && /Address already in use|Could not create listening/i.test(child.output())) continue;
      throw new Error(`tinyproxy did not start on port ${port}:\n${child.tail()}`);
    }
    const untrack = trackServerLog({ name: `tinyproxy :${port}`, tail: (n = 30) => lastLines(child.output(), n) });
    return {
      url: `http://${LOOPBACK}:${port}`,
      port,
      requests: () => [...child.output().matchAll(/Request \(file descriptor \d+\): (.*)$/gm)].map((m) => m[1]!),
      logs: () => child.output(),
      async stop() {
        untrack();
        await child.kill('SIGTERM');
        await rm(dir, { recursive: true, force: true });
        forgetTempDir(dir);
      },
    };
  }
}

async function waitListening(port: number, died: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !died()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, LOOPBACK, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
