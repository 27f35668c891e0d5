/**
 * Child processes that cannot outlive the test run.
 *
 * Each child runs in its own process group behind a tiny `sh` watchdog: the watchdog reads a
 * lifeline (fd 3), which only this Node process holds open, and kills the whole group when it
 * closes: when the child exits (so nothing it started outlives it), and when the test process
 * exits for any reason, even SIGKILL (a vitest worker killed on timeout). On top of that, live
 * children are killed in a `process.on('exit')` handler and on SIGINT/SIGTERM, and registered
 * temp dirs are removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Duplex } from 'node:stream';

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
  /** Captured stdout+stderr, the last `OUTPUT_LIMIT` characters. */
  output(): string;
  /** The last `lines` lines of captured output. */
  tail(lines?: number): string;
  /**
   * Sends `signal` (default SIGTERM) to the child's process group and waits for it to exit;
   * escalates to SIGKILL after `graceMs` (default 3 000).
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
}

/** Captured output is trimmed to this many characters. */
export const OUTPUT_LIMIT = 256 * 1024;

/** The last `limit` characters of `text`: a log kept in bounded memory. */
export function keepTail(text: string, limit = OUTPUT_LIMIT): string {
  return text.length > limit ? text.slice(-limit) : text;
}

/** The last `lines` lines of `text`. */
export function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

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

/** Sends `signal` to the process group of a child from {@link spawnGroup}; no-op once it is gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
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

// $0 is the command, "$@" its arguments; fd 3 is the lifeline, for the watchdog only. Shell
// builtins only (`read`, `kill`): the child's PATH may hold nothing else.
const WATCHDOG = ['( while read -r _; do :; done <&3; kill -s KILL 0 ) </dev/null >/dev/null 2>&1 &', 'exec "$0" "$@" 3<&-'].join('\n');

export interface GroupSpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** `pipe` to write the child's stdin; default `ignore` (/dev/null). */
  stdin?: 'pipe' | 'ignore';
}

/**
 * Spawns `command args` in its own process group behind the watchdog (see the module comment),
 * with stdout and stderr piped. Killed at process exit if still running.
 */
export function spawnGroup(
  command: string,
  args: readonly string[],
  opts: GroupSpawnOptions = {},
): ChildProcess & { readonly pid: number } {
  installHandlers();
  const child = spawn('/bin/sh', ['-c', WATCHDOG, command, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  const lifeline = child.stdio[3] as Duplex | null;
  lifeline?.on('error', () => {});
  const gone = (): void => {
    live.delete(child);
    lifeline?.destroy(); // the watchdog sees EOF and kills what is left of the group
  };
  child.once('exit', gone);
  child.once('error', gone);
  if (child.pid === undefined) throw new Error(`spawn /bin/sh for ${command} failed`);
  live.add(child);
  return child as ChildProcess & { readonly pid: number };
}

/** Spawns `command args` as a managed child (see the module comment). */
export function spawnManaged(command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ManagedChild {
  const child = spawnGroup(command, args, opts);

  let captured = '';
  const capture = (chunk: Buffer): void => {
    captured = keepTail(captured + chunk.toString('utf8'));
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  let status: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
    child.once('error', (err) => {
      capture(Buffer.from(`spawn error: ${err.message}\n`));
      status = { code: null, signal: null };
      resolve(status);
    });
  });

  const pid = child.pid;
  return {
    pid,
    exited,
    exitStatus: () => status,
    output: () => captured,
    tail: (lines = 30) => lastLines(captured, lines),
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
