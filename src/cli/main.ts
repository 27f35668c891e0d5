#!/usr/bin/env node
// The entry point of the `gantry` command (bin/gantry.js checks the Node version, then imports
// this): runs the program of program.ts on process.argv and sets the exit code.
import * as nodeModule from 'node:module';
import { CommanderError } from 'commander';
import { createProgram, VERSION } from './program.js';
import { EXIT, reportError } from './run.js';

async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`gantry tags REPO | head -3`) closes the pipe: that ends the output,
  // as it ends any Unix tool's, rather than raising an error nobody can act on.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? EXIT.ok);
  });
  // Node caches compiled code between runs (a faster start from the second run on). Absent before
  // Node 22.1, so it is looked up, not imported by name (a missing named import fails to link).
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // `gantry --version` prints gantry's version; `gantry plan --version X` is the plan's option.
  if (argv[2] === '--version' || argv[2] === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  try {
    await (await createProgram(argv.slice(2))).parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = reportError(e, argv.includes('--verbose'));
  }
}

await main(process.argv);
