import { inspect } from 'node:util';
import type { Command, OptionValues } from 'commander';
import { errorKind, GantryError, type ErrorKind } from '../release/index.js';

/** Exit codes (DESIGN.md): 0 ok, 1 failure, 2 usage or input error, 3 a gate or verification refused. */
export const EXIT = { ok: 0, failure: 1, usage: 2, refused: 3 } as const;

const EXIT_OF: Readonly<Record<ErrorKind, number>> = { refused: EXIT.refused, input: EXIT.usage, failure: EXIT.failure, bug: EXIT.failure };

/** Runs a command's action with the merged global and local options, mapping errors to exit codes. */
export async function run<T extends OptionValues>(cmd: Command, action: (flags: T) => Promise<void>): Promise<void> {
  try {
    await action(cmd.optsWithGlobals<T>());
  } catch (e) {
    process.exitCode = reportError(e, cmd.optsWithGlobals<{ verbose?: boolean }>().verbose ?? false);
  }
}

/** Prints an error for people (no stack trace unless --verbose or it is a bug) and returns the exit code. */
export function reportError(e: unknown, verbose: boolean): number {
  if (e instanceof GantryError) {
    process.stderr.write(`gantry: error: ${e.message}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    if (verbose && e.cause) process.stderr.write(`caused by: ${e.cause instanceof Error ? e.cause.message : inspect(e.cause)}\n`);
    return EXIT_OF[errorKind(e)];
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(
    `gantry: internal error: ${err.message}\n${verbose ? (err.stack ?? '') : 'run again with --verbose for details, and please report it'}\n`,
  );
  return EXIT.failure;
}
