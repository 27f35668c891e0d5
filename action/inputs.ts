// The Action's inputs (action.yml), read through a getter so the parsing is testable without a
// runner: `core.getInput` in the Action, a map in tests.

/** The gantry commands the Action runs. */
export const COMMANDS = ['plan', 'build', 'publish', 'verify'] as const;
export type GantryCommand = (typeof COMMANDS)[number];

export interface ActionInputs {
  readonly command: GantryCommand;
  /** gantry.yml; '' for gantry's default (./gantry.yml, else defaults). */
  readonly config: string;
  readonly images: readonly string[];
  readonly platforms: readonly string[];
  /** build: where to write the digest records; publish: where the downloaded records are. */
  readonly records: string;
  readonly dryRun: boolean;
  /** publish: move the version tags of a published release (--overwrite-release). */
  readonly overwriteRelease: boolean;
  /** verify: the image to check. */
  readonly ref: string;
  readonly githubToken: string;
  readonly dockerhubUsername: string;
  readonly dockerhubToken: string;
  /** Extra command-line arguments, split like a shell would (quotes, no expansion). */
  readonly args: readonly string[];
}

/** Names of the inputs in action.yml, and which commands use each (undefined: all). */
export const INPUTS: Readonly<Record<string, readonly GantryCommand[] | undefined>> = {
  command: undefined,
  config: ['plan', 'build', 'publish'],
  image: ['build'],
  platform: ['build', 'verify'],
  records: ['build', 'publish'],
  'dry-run': ['publish'],
  'overwrite-release': ['publish'],
  ref: ['verify'],
  'github-token': undefined,
  'dockerhub-username': undefined,
  'dockerhub-token': undefined,
  args: undefined,
};

/** An input problem: the Action fails with this message before running gantry. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Reads and checks the inputs; `warnings` name inputs the command does not use. */
export function readInputs(get: (name: string) => string): { inputs: ActionInputs; warnings: string[] } {
  const value = (name: string): string => get(name).trim();
  const command = value('command');
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new InputError(
      `input command must be one of ${COMMANDS.join(', ')}${command === '' ? ' (it is required)' : `, not "${command}"`}`,
    );
  }
  const c = command as GantryCommand;
  const warnings: string[] = [];
  for (const [name, commands] of Object.entries(INPUTS)) {
    if (commands === undefined || commands.includes(c)) continue;
    const v = value(name);
    if (v !== '' && !((name === 'dry-run' || name === 'overwrite-release') && v === 'false'))
      warnings.push(`input ${name} is not used by the ${c} command; ignored`);
  }
  const dryRun = parseBoolean('dry-run', value('dry-run'));
  const overwriteRelease = parseBoolean('overwrite-release', value('overwrite-release'));
  const ref = value('ref');
  if (c === 'verify' && ref === '')
    throw new InputError('the verify command needs input ref: the image to check, e.g. ghcr.io/acme/api:1.2.3');
  return {
    inputs: {
      command: c,
      config: value('config'),
      images: list(value('image')),
      platforms: list(value('platform')),
      records: value('records'),
      dryRun,
      overwriteRelease,
      ref,
      githubToken: value('github-token'),
      dockerhubUsername: value('dockerhub-username'),
      dockerhubToken: value('dockerhub-token'),
      args: splitArgs(get('args')),
    },
    warnings,
  };
}

/** `a, b` or one a line. */
function list(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** YAML 1.2 core schema booleans, as @actions/core's getBooleanInput, with '' as false. */
function parseBoolean(name: string, s: string): boolean {
  if (['true', 'True', 'TRUE'].includes(s)) return true;
  if (['', 'false', 'False', 'FALSE'].includes(s)) return false;
  throw new InputError(`input ${name} must be true or false, not "${s}"`);
}

/**
 * Splits extra arguments the way a POSIX shell splits words, without any expansion: whitespace
 * (newlines too) separates, '…' keeps everything, "…" keeps everything but \" and \\, a backslash
 * outside quotes escapes the next character.
 */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (ch: string): void => {
    word = (word ?? '') + ch;
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
      i++;
    } else if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new InputError(`input args: unterminated ' in ${JSON.stringify(s)}`);
      add(s.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let text = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\')) j++;
        text += s[j];
        j++;
      }
      if (j >= s.length) throw new InputError(`input args: unterminated " in ${JSON.stringify(s)}`);
      add(text);
      i = j + 1;
    } else if (ch === '\\' && i + 1 < s.length) {
      add(s[i + 1]!);
      i += 2;
    } else {
      add(ch);
      i++;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}
