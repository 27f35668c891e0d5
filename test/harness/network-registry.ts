/**
 * A real registry (`docker-registry serve`, distribution 2.8) on this machine's network address
 * instead of loopback, plain or TLS (`http.tls.certificate/key`, and `http.tls.clientcas` to require
 * client certificates). Two things need a registry off loopback: TLS, because gantry speaks plain
 * HTTP to loopback registries; and proxies, because loopback hosts never go through one (Go's
 * httpproxy rule, which gantry follows).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetTempDir, lastLines, removeOnExit, spawnManaged } from './children.js';
import { freePort } from './net.js';
import { IDENTITY_HEADER } from './registry.js';
import { trackServerLog } from './server-logs.js';

/** This machine's first non-internal IPv4 address (what a registry off loopback listens on). */
export function networkAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address: the proxy and TLS tests need one (a registry gantry reaches by address)');
}

export interface NetworkRegistryOptions {
  /** PEM paths: the server's certificate and key, and CAs whose client certificates it requires. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly clientCa?: string };
  /** What the readiness probe trusts and shows (the test's CA, and a client certificate when one is required). */
  readonly probe?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly servername?: string };
}

export interface NetworkRegistry {
  /** `ADDRESS:PORT`, as in image references. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  logs(): string;
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startNetworkRegistry(o: NetworkRegistryOptions = {}): Promise<NetworkRegistry> {
  const address = networkAddress();
  const base = await mkdtemp(join(tmpdir(), 'gantry-netreg-'));
  removeOnExit(base);
  await mkdir(join(base, 'storage'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const identity = randomBytes(8).toString('hex');
    const tls = o.tls && {
      certificate: o.tls.cert,
      key: o.tls.key,
      ...(o.tls.clientCa !== undefined && { clientcas: [o.tls.clientCa] }),
    };
    const config = {
      version: '0.1',
      log: { level: 'error', formatter: 'text', accesslog: { disabled: false } },
      storage: { cache: { blobdescriptor: 'inmemory' }, filesystem: { rootdirectory: join(base, 'storage') }, delete: { enabled: true } },
      http: {
        addr: `${address}:${port}`,
        secret: randomBytes(16).toString('hex'),
        headers: { [IDENTITY_HEADER]: [identity] },
        ...(tls && { tls }),
      },
    };
    const configPath = join(base, 'config.yml');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const child = spawnManaged('docker-registry', ['serve', configPath]);
    const up = await waitUp(o, address, port, identity, () => child.exitStatus() !== undefined);
    if (up !== true) {
      await child.kill('SIGKILL');
      if (/address already in use/.test(child.output()) && attempt < 5) continue;
      await rm(base, { recursive: true, force: true });
      throw new Error(`docker-registry on ${address}:${port} did not come up (${up}):\n${child.tail()}`);
    }
    const host = `${address}:${port}`;
    const untrack = trackServerLog({
      name: `registry ${host} (tls ${o.tls ? 'yes' : 'no'})`,
      tail: (n = 30) => lastLines(child.output(), n),
    });
    return {
      host,
      address,
      port,
      logs: () => child.output(),
      tail: (n = 30) => lastLines(child.output(), n),
      async stop() {
        untrack();
        await child.kill('SIGTERM');
        await rm(base, { recursive: true, force: true });
        forgetTempDir(base);
      },
    };
  }
}

/** Polls `GET /v2/` until the answer carries this launch's identity; true, or why not. */
async function waitUp(
  o: NetworkRegistryOptions,
  address: string,
  port: number,
  identity: string,
  died: () => boolean,
): Promise<true | string> {
  const deadline = Date.now() + 60_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (died()) return 'it exited';
    const got = await new Promise<string | undefined>((resolve) => {
      const options = { host: address, port, path: '/v2/', timeout: 1_000, ...(o.probe ?? {}) };
      const req = (o.tls ? https : http).get(options, (res) => {
        res.resume();
        resolve(res.headers[IDENTITY_HEADER.toLowerCase()] as string | undefined);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        last = e.message;
        resolve(undefined);
      });
    });
    if (got === identity) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}
