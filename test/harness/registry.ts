/**
 * A real CNCF distribution registry (`docker-registry serve`, 2.8) on a loopback port, with
 * no auth, htpasswd (Basic) auth, or token (Bearer) auth backed by `token-server.ts`.
 * Plain HTTP only: clients treat 127.0.0.1 as an insecure registry.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { forgetTempDir, removeOnExit, spawnManaged, type ManagedChild } from './children.js';
import { freePort, LOOPBACK, waitForHttp } from './net.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export type RegistryAuthMode = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  /** Default `none`. */
  auth?: RegistryAuthMode;
  /** user → password for htpasswd/token modes; default `{ alice: 'wonderland-secret' }`. */
  users?: Record<string, string>;
  /** Token mode only: these users are granted `pull` and nothing else. (htpasswd has no authorization.) */
  readOnlyUsers?: string[];
  /** Token mode only: anonymous callers get `pull` (default false: they get nothing). */
  anonymousPull?: boolean;
  /** Token mode only: token lifetime in seconds (default 300). */
  tokenExpiresIn?: number;
  /** htpasswd bcrypt cost; default 5 (distribution checks the hash on every request). */
  bcryptCost?: number;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as used in image references. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly auth: RegistryAuthMode;
  /** user → password (empty in `none` mode). */
  readonly users: Record<string, string>;
  readonly readOnlyUsers: string[];
  /** The first user that may push, if any. */
  readonly defaultUser: { username: string; password: string } | undefined;
  /** The registry's storage root (`storage.filesystem.rootdirectory`). */
  readonly rootDir: string;
  /** Token mode only. */
  readonly tokenServer: TokenServer | undefined;
  /** Captured registry output (stdout+stderr), across restarts. */
  logs(): string;
  /** The last `lines` lines of the registry output. */
  tail(lines?: number): string;
  /** Kills the registry (and token server) and removes its files (`keepFiles`: at process exit). Idempotent. */
  stop(opts?: { keepFiles?: boolean }): Promise<void>;
  /**
   * Kills the registry process (default SIGKILL, i.e. a crash) and starts it again on the same
   * port with the same storage and upload secret, so upload sessions survive.
   */
  restart(opts?: { signal?: NodeJS.Signals }): Promise<void>;
}

const DEFAULT_USERS: Readonly<Record<string, string>> = { alice: 'wonderland-secret' };

/** Starts a registry; see {@link StartRegistryOptions}. */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = opts.auth ?? 'none';
  const users: Record<string, string> = auth === 'none' ? {} : { ...(opts.users ?? DEFAULT_USERS) };
  const readOnlyUsers = [...(opts.readOnlyUsers ?? [])];
  const base = await mkdtemp(join(tmpdir(), 'gantry-registry-'));
  removeOnExit(base);
  const removeBase = async (): Promise<void> => {
    await rm(base, { recursive: true, force: true });
    forgetTempDir(base);
  };
  const rootDir = join(base, 'storage');
  await mkdir(rootDir);
  const secret = randomBytes(24).toString('hex');

  let tokenServer: TokenServer | undefined;
  let authConfig: Record<string, unknown> | undefined;
  try {
    if (auth === 'htpasswd') {
      const cost = opts.bcryptCost ?? 5;
      const lines = Object.entries(users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, cost)}\n`);
      const path = join(base, 'htpasswd');
      await writeFile(path, lines.join(''), { mode: 0o600 });
      authConfig = { htpasswd: { realm: 'gantry-test', path } };
    } else if (auth === 'token') {
      tokenServer = await startTokenServer({
        users, readOnlyUsers,
        ...(opts.anonymousPull !== undefined && { anonymousPull: opts.anonymousPull }),
        ...(opts.tokenExpiresIn !== undefined && { expiresIn: opts.tokenExpiresIn }),
      });
      authConfig = {
        token: {
          realm: tokenServer.realm, service: tokenServer.service,
          issuer: tokenServer.issuer, rootcertbundle: tokenServer.certPath,
        },
      };
    }
  } catch (err) {
    await tokenServer?.close();
    await removeBase();
    throw err;
  }

  const configPath = join(base, 'config.yml');
  const launch = async (port: number): Promise<ManagedChild> => {
    // JSON is YAML: no YAML writer needed.
    const config = {
      version: '0.1',
      log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: rootDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: `${LOOPBACK}:${port}`, secret },
      ...(authConfig && { auth: authConfig }),
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const child = spawnManaged('docker-registry', ['serve', configPath]);
    try {
      await waitForHttp(`http://${LOOPBACK}:${port}/v2/`, {
        ok: (s) => s === 200 || s === 401,
        abort: () => {
          const st = child.exitStatus();
          return st && new Error(`docker-registry exited (code ${st.code}, signal ${st.signal}):\n${child.tail()}`);
        },
      });
    } catch (err) {
      await child.kill('SIGKILL');
      throw err;
    }
    return child;
  };

  let port = 0;
  let child: ManagedChild | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
    } catch (err) {
      const inUse = err instanceof Error && /address already in use/.test(err.message);
      if (!inUse || attempt >= 5) {
        await tokenServer?.close();
        await removeBase();
        throw err;
      }
    }
  }

  let current: ManagedChild | undefined = child;
  let history = ''; // output of processes before a restart
  let stopped = false;
  const firstWriter = Object.keys(users).find((u) => !readOnlyUsers.includes(u));
  const host = `${LOOPBACK}:${port}`;

  return {
    host, url: `http://${host}`, auth, users, readOnlyUsers, rootDir, tokenServer,
    defaultUser: firstWriter === undefined ? undefined : { username: firstWriter, password: users[firstWriter] ?? '' },
    logs: () => history + (current?.output() ?? ''),
    tail: (lines = 30) => (history + (current?.output() ?? '')).trimEnd().split('\n').slice(-lines).join('\n'),
    async stop({ keepFiles = false } = {}) {
      if (stopped) return;
      stopped = true;
      await current?.kill('SIGTERM');
      history += current?.output() ?? '';
      current = undefined;
      await tokenServer?.close();
      if (!keepFiles) await removeBase();
    },
    async restart({ signal = 'SIGKILL' } = {}) {
      if (stopped) throw new Error('restart: registry was stopped');
      await current?.kill(signal);
      history += `${current?.output() ?? ''}--- registry restarted (${signal}) ---\n`;
      current = undefined;
      current = await launch(port);
    },
  };
}
