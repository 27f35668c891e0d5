// Runs a builder's command line: output streamed line by line to the log, the last lines kept for
// the error message, a missing binary reported as such (not as a failed build).
import { spawn } from 'node:child_process';

export interface ToolRun {
  /** Exit code; null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of stdout and stderr, interleaved as they came. */
  readonly tail: readonly string[];
}

export interface RunToolOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every output line, as it comes. */
  readonly onLine?: ((line: string) => void) | undefined;
  /** Lines kept for {@link ToolRun.tail}; default 200. */
  readonly keepLines?: number;
  readonly signal?: AbortSignal | undefined;
}

/** The binary is not installed (spawn failed with ENOENT). */
export class ToolMissing extends Error {
  constructor(readonly binary: string) {
    super(`${binary}: not found on PATH`);
    this.name = 'ToolMissing';
  }
}

/** Runs `binary args…` and resolves with its exit status and output tail; rejects with {@link ToolMissing} when it is not installed. */
export function runTool(binary: string, args: readonly string[], o: RunToolOptions): Promise<ToolRun> {
  const keep = o.keepLines ?? 200;
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(o.env).filter((e): e is [string, string] => e[1] !== undefined));
    const child = spawn(binary, args, { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], ...(o.signal ? { signal: o.signal } : {}) });
    const tail: string[] = [];
    const partial = { out: '', err: '' };
    const line = (l: string) => {
      tail.push(l);
      if (tail.length > keep) tail.shift();
      o.onLine?.(l);
    };
    const feed = (which: 'out' | 'err') => (chunk: Buffer) => {
      const lines = (partial[which] + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial[which] = lines.pop() ?? '';
      for (const l of lines) line(l);
    };
    child.stdout.on('data', feed('out'));
    child.stderr.on('data', feed('err'));
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new ToolMissing(binary) : e));
    child.on('close', (code, signal) => {
      for (const rest of [partial.out, partial.err]) if (rest !== '') line(rest);
      resolve({ code, signal, tail });
    });
  });
}
