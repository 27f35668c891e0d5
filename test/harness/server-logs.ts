/**
 * The servers the harness is running in this test process, by log: what a failed assertion
 * prints next to the command that failed (see test/support/exit.ts), so nobody has to pass them in.
 */

/** A running server's log. */
export interface ServerLog {
  /** E.g. `registry 127.0.0.1:41234 (auth token)`. */
  readonly name: string;
  /** The last `lines` lines of its log. */
  tail(lines?: number): string;
}

const running = new Set<ServerLog>();

/** Lists `log` until the returned function is called (when the server stops). */
export function trackServerLog(log: ServerLog): () => void {
  running.add(log);
  return () => void running.delete(log);
}

/** The logs of the servers running now, oldest first. */
export function runningServerLogs(): readonly ServerLog[] {
  return [...running];
}
