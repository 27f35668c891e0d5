#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerCopy } from './commands/copy.js';
import { registerInspect } from './commands/inspect.js';
import { registerPlan } from './commands/plan.js';
import { registerPublish } from './commands/publish.js';
import { registerSchema } from './commands/schema.js';
import { registerTags } from './commands/tags.js';
import { registerVerify } from './commands/verify.js';
import { EXIT, reportError } from './run.js';

/** Builds the `gantry` command line. */
export function createProgram(): Command {
  const program = new Command('gantry')
    .description('release multi-architecture container images: plan, build, publish by digest, verify')
    .option('--json', 'print one JSON document on stdout (logs go to stderr)')
    .option('--username <user>', 'registry user name (with --password-stdin); otherwise docker credentials are used')
    .option('--password-stdin', 'read the registry password or token from standard input')
    .option('--insecure-registry <host>', 'talk plain HTTP to this registry (loopback registries always are)', (v: string, p: string[]) => [...p, v], [])
    .option('--verbose', 'show retries and stack traces')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`gantry: ${s.replace(/^error: /, 'error: ')}`) });
  registerPlan(program);
  registerBuild(program);
  registerPublish(program);
  registerCopy(program);
  registerInspect(program);
  registerTags(program);
  registerVerify(program);
  registerSchema(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export const VERSION = '0.1.0';

async function main(argv: string[]): Promise<void> {
  // `gantry --version` prints gantry's version; `gantry plan --version X` is the plan's option.
  if (argv[2] === '--version' || argv[2] === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  try {
    await createProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = reportError(e, argv.includes('--verbose'));
  }
}

await main(process.argv);
