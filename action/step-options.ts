// The library options of one Action step. The inputs are first spelled as the equivalent gantry
// command line (shown in the log, so a step can be reproduced locally), and that command line is
// read back with Node's own argument parser, strictly: an `args` flag the step cannot honour fails
// the step instead of being ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, type GantryCommand } from './inputs.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const CONNECTION: Options = {
  'insecure-registry': { type: 'string', multiple: true },
  'ca-file': { type: 'string', multiple: true },
  verbose: { type: 'boolean' },
};
const RELEASE: Options = {
  ...CONNECTION,
  config: { type: 'string' },
  version: { type: 'string' },
  ref: { type: 'string' },
  sha: { type: 'string' },
  latest: { type: 'string' },
  'no-registry-check': { type: 'boolean' },
};

/** The flags each command's step accepts (those of `gantry <command>` that make sense in a step). */
const OPTIONS: Readonly<Record<GantryCommand, Options>> = {
  plan: RELEASE,
  build: {
    ...RELEASE,
    image: { type: 'string', multiple: true },
    platform: { type: 'string', multiple: true },
    to: { type: 'string' },
    'record-dir': { type: 'string' },
  },
  publish: { ...RELEASE, records: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'overwrite-release': { type: 'boolean' } },
  verify: { ...CONNECTION, platforms: { type: 'string' }, label: { type: 'string', multiple: true }, anonymous: { type: 'boolean' } },
};

export type StepFlags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** Parses a step's command line (`[command, ...flags, ...positionals]`), refusing what it cannot honour. */
export function parseStepArgv(argv: readonly string[]): { command: GantryCommand; flags: StepFlags; positionals: string[] } {
  const command = argv[0] as GantryCommand;
  const options = OPTIONS[command];
  try {
    const { values, positionals } = parseArgs({ args: argv.slice(1), options, allowPositionals: command === 'verify', strict: true });
    if (command === 'verify' && positionals.length !== 1) throw new Error(`verify takes one image reference, got ${positionals.length}`);
    return { command, flags: values as StepFlags, positionals };
  } catch (e) {
    const accepted = Object.keys(options)
      .map((k) => `--${k}`)
      .join(', ');
    throw new InputError(
      `input args: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}; the ${command} step accepts ${accepted}`,
    );
  }
}

/** A string flag. */
export function text(flags: StepFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string flag. */
export function list(flags: StepFlags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? [...(v as readonly string[])] : [];
}

/** A boolean flag. */
export function flag(flags: StepFlags, name: string): boolean {
  return flags[name] === true;
}
