// A command run by a test, as its own process group: with a timeout, and killed with everything
// it started when it outlives the timeout or the test (test/support/setup.ts).
import type { ChildProcess } from 'node:child_process';
import { killGroup, spawnGroup } from '../harness/children.js';

export interface RunOptions {
  cwd: string;
  /** The whole environment of the process. */
  env: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
}

export interface RunResult {
  /** The command and its arguments. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The exit code; -1 when a signal ended the process. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  /** It ran past its timeout and was killed with its process group; `stderr` ends saying so. */
  readonly timedOut: boolean;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

/** Kills every run of this test process that is still going, with what it started. */
export function killRunning(): void {
  for (const child of running) killGroup(child, 'SIGKILL');
  running.clear();
}

/** Runs `argv` in a process group of its own and collects its output. */
export function runInGroup(argv: readonly [string, ...string[]], opts: RunOptions): Promise<RunResult> {
  const [command, ...args] = argv;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawnGroup(command, args, { cwd: opts.cwd, env: opts.env, stdin: 'pipe' });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      running.delete(child);
    };
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code, signal) => {
      done();
      if (timedOut) stderr += `\n[test harness] timed out after ${opts.timeoutMs} ms; killed it and its process group\n`;
      resolve({ argv, cwd: opts.cwd, code: code ?? -1, signal, timedOut, ms: Date.now() - started, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // a process that exits without reading its stdin
    child.stdin?.end(opts.stdin ?? '');
  });
}
