// The `gantry` command line as a commander program, built without running it: the entry point
// (main.ts) parses argv with it, and scripts/gen-docs.ts reads it to write docs/cli.md.
import { Command } from 'commander';

export const VERSION = '0.1.0';

type Register = (program: Command) => void;

// Each command's module is loaded only when that command runs: `gantry copy` then never loads the
// planning, config and builder code (a third of a second at every start).
export const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  plan: async () => (await import('./commands/plan.js')).registerPlan,
  build: async () => (await import('./commands/build.js')).registerBuild,
  publish: async () => (await import('./commands/publish.js')).registerPublish,
  copy: async () => (await import('./commands/copy.js')).registerCopy,
  inspect: async () => (await import('./commands/inspect.js')).registerInspect,
  tags: async () => (await import('./commands/tags.js')).registerTags,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  schema: async () => (await import('./commands/schema.js')).registerSchema,
  init: async () => (await import('./commands/init.js')).registerInit,
};

/** Global options that take a value (their value is not the command name). */
const VALUED_GLOBALS = new Set(['--username', '--insecure-registry', '--ca-file']);

/** The command named in argv (the first positional argument), if it is one of gantry's. */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUED_GLOBALS.has(a)) i++;
    else if (!a.startsWith('-')) return Object.hasOwn(COMMANDS, a) ? a : undefined;
  }
  return undefined;
}

/** Builds the `gantry` command line: the named command only, or all of them (for help and errors). */
export async function createProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('gantry')
    .description('release multi-architecture container images: plan, build, publish by digest, verify')
    .option('--json', 'print one JSON document on stdout (logs go to stderr)')
    .option('--username <user>', 'registry user name (with --password-stdin); otherwise docker credentials are used')
    .option('--password-stdin', 'read the registry password or token from standard input')
    .option(
      '--insecure-registry <host>',
      'talk plain HTTP to this registry (loopback registries always are)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option(
      '--ca-file <path>',
      "trust this CA (PEM) for every registry, besides the default roots and docker's certs.d (repeatable)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--verbose', 'show retries and stack traces')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`gantry: ${s.replace(/^error: /, 'error: ')}`) });
  const name = commandOf(args);
  for (const n of name ? [name] : Object.keys(COMMANDS)) (await COMMANDS[n]!())(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}
