/**
 * Child processes that cannot outlive the test run.
 *
 * Each child runs in its own process group behind a tiny `sh` watchdog: the watchdog reads
 * the child's stdin pipe, which only this Node process holds open, and kills the whole group
 * when the pipe closes. So a child dies when the test process exits for any reason, even
 * SIGKILL (a vitest worker killed on timeout). On top of that, live children are killed in a
 * `process.on('exit')` handler and on SIGINT/SIGTERM, and registered temp dirs are removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned child process whose output is captured. */
export interface ManagedChild {
  readonly pid: number;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** How it ended, once it has. */
  exitStatus(): ChildExit | undefined;
  /** Captured stdout+stderr, the last `OUTPUT_LIMIT` bytes. */
  output(): string;
  /** The last `lines` lines of captured output. */
  tail(lines?: number): string;
  /**
   * Sends `signal` (default SIGTERM) to the child's process group and waits for it to exit;
   * escalates to SIGKILL after `graceMs` (default 3 000).
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
}

/** Captured output is trimmed to this many bytes. */
export const OUTPUT_LIMIT = 256 * 1024;

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

/** Removes `dir` when the process exits, unless {@link forgetTempDir} is called first. */
export function removeOnExit(dir: string): void {
  installHandlers();
  tempDirs.add(dir);
}

/** Undoes {@link removeOnExit} (the caller removed the directory itself). */
export function forgetTempDir(dir: string): void {
  tempDirs.delete(dir);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function killAllLive(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  tempDirs.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllLive);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      killAllLive();
      process.off(sig, onSignal);
      // Nobody else handles it: restore the default behaviour (terminate).
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// $0 is the command, "$@" its arguments. fd 3 keeps the stdin pipe for the watchdog only.
const WATCHDOG = [
  'exec 3<&0',
  '( cat <&3 >/dev/null 2>&1; kill -s KILL 0 ) >/dev/null 2>&1 &',
  'exec "$0" "$@" </dev/null 3<&-',
].join('\n');

/** Spawns `command args` as a managed child (see the module comment). */
export function spawnManaged(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ManagedChild {
  installHandlers();
  const child = spawn('sh', ['-c', WATCHDOG, command, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`spawn ${command} failed`);
  live.add(child);

  let captured = '';
  const capture = (chunk: Buffer): void => {
    captured += chunk.toString('utf8');
    if (captured.length > OUTPUT_LIMIT) captured = captured.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  child.stdin?.on('error', () => {});

  let status: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      live.delete(child);
      child.stdin?.destroy(); // the watchdog sees EOF and exits
      resolve(status);
    });
    child.once('error', (err) => {
      capture(Buffer.from(`spawn error: ${err.message}\n`));
      status = { code: null, signal: null };
      live.delete(child);
      resolve(status);
    });
  });

  const pid = child.pid;
  return {
    pid,
    exited,
    exitStatus: () => status,
    output: () => captured,
    tail: (lines = 30) => captured.trimEnd().split('\n').slice(-lines).join('\n'),
    async kill(signal = 'SIGTERM', graceMs = 3_000) {
      if (status) return status;
      killGroup(child, signal);
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
