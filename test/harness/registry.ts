/**
 * A real CNCF distribution registry (`docker-registry serve`, 2.8) on a loopback port, with
 * no auth, htpasswd (Basic) auth, or token (Bearer) auth backed by `token-server.ts`.
 * Plain HTTP only: clients treat 127.0.0.1 as an insecure registry.
 *
 * The port is picked before the registry binds it, so another process may bind it first (a
 * registry of a parallel worker, a client's ephemeral port). So every launch sends a header
 * with a value of its own, readiness waits for exactly that value, and a launch that cannot
 * bind is retried on another port: a test never talks to somebody else's server.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { forgetTempDir, keepTail, lastLines, removeOnExit, spawnManaged, type ManagedChild } from './children.js';
import { freePort, LOOPBACK, waitForHttp } from './net.js';
import { trackServerLog } from './server-logs.js';
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
  /** The port to try first (default: one that is free now); another is picked when it is taken. */
  port?: number;
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
  /** Captured registry output (stdout+stderr: errors and the access log), across restarts; the last 256 KiB. */
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

/** Response header that carries each launch's own value (distribution's `http.headers`). */
export const IDENTITY_HEADER = 'X-Gantry-Test-Registry';

/** Launch attempts on different ports before giving up. */
const LAUNCH_ATTEMPTS = 5;

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
        users,
        readOnlyUsers,
        ...(opts.anonymousPull !== undefined && { anonymousPull: opts.anonymousPull }),
        ...(opts.tokenExpiresIn !== undefined && { expiresIn: opts.tokenExpiresIn }),
      });
      authConfig = {
        token: {
          realm: tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: tokenServer.certPath,
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
    const identity = randomBytes(8).toString('hex');
    // JSON is YAML: no YAML writer needed. The log tail goes into failure reports: the access log
    // (one line a request) and errors, not the warning that comes with every auth challenge.
    const config = {
      version: '0.1',
      log: { level: 'error', formatter: 'text', accesslog: { disabled: false } },
      storage: {
        // As distribution's own configs ship it (Debian's /etc/docker/registry/config.yml too).
        // Without it, a manifest PUT can fail with DIGEST_INVALID + MANIFEST_BLOB_UNKNOWN while
        // another client commits the same blob to the same repository: that commit truncates and
        // rewrites the repository's link file, and the manifest check reads it in between. Two
        // runners pushing a shared layer do exactly that (registry-shared-blob.itg.test.ts).
        cache: { blobdescriptor: 'inmemory' },
        filesystem: { rootdirectory: rootDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: `${LOOPBACK}:${port}`, secret, headers: { [IDENTITY_HEADER]: [identity] } },
      ...(authConfig && { auth: authConfig }),
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const child = spawnManaged('docker-registry', ['serve', configPath]);
    try {
      await waitForHttp(`http://${LOOPBACK}:${port}/v2/`, {
        ok: (s, headers) => (s === 200 || s === 401) && headers.get(IDENTITY_HEADER) === identity,
        // Generous: a loaded machine slows the start; a registry that died stops the wait at once.
        timeoutMs: 60_000,
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
    port = attempt === 1 && opts.port !== undefined ? opts.port : await freePort();
    try {
      child = await launch(port);
    } catch (err) {
      const inUse = err instanceof Error && /address already in use/.test(err.message);
      if (!inUse || attempt >= LAUNCH_ATTEMPTS) {
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
  const logs = (): string => keepTail(history + (current?.output() ?? ''));
  const tail = (lines = 30): string => lastLines(logs(), lines);
  const untrack = trackServerLog({ name: `registry ${host} (auth ${auth})`, tail });

  return {
    host,
    url: `http://${host}`,
    auth,
    users,
    readOnlyUsers,
    rootDir,
    tokenServer,
    defaultUser: firstWriter === undefined ? undefined : { username: firstWriter, password: users[firstWriter] ?? '' },
    logs,
    tail,
    async stop({ keepFiles = false } = {}) {
      if (stopped) return;
      stopped = true;
      untrack();
      await current?.kill('SIGTERM');
      history = keepTail(history + (current?.output() ?? ''));
      current = undefined;
      await tokenServer?.close();
      if (!keepFiles) await removeBase();
    },
    async restart({ signal = 'SIGKILL' } = {}) {
      if (stopped) throw new Error('restart: registry was stopped');
      await current?.kill(signal);
      history = keepTail(`${history}${current?.output() ?? ''}--- registry restarted (${signal}) ---\n`);
      current = undefined;
      // Same port (clients hold its address); if another process took it meanwhile, this fails.
      current = await launch(port);
    },
  };
}
