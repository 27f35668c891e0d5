// Tag rules in docker/metadata-action's `tags` syntax, so users migrate by pasting.
// https://github.com/docker/metadata-action#tags-input (parsing: src/tag.ts `Parse`).
// gantry is stricter than metadata-action where a typo would otherwise pass silently: unknown
// keys, repeated keys, unknown placeholders and empty patterns are errors naming the line.
import { TagError } from './errors.js';
import { splitFields, splitLines, type Line } from './fields.js';
import { GLOBAL_PLACEHOLDERS, SCHEDULE_PLACEHOLDERS, SEMVER_PLACEHOLDERS, parseTemplate, type Template } from './template.js';

/** When a rule applies: always, never, or depending on whether this is the default branch. */
export type Enable = boolean | 'is_default_branch' | 'is_not_default_branch';

interface RuleBase {
  /** Line of the rule in the text it was parsed from. */
  readonly line: number;
  /** The rule as written (trimmed), for messages. */
  readonly source: string;
  /** Higher first; defaults per type as in metadata-action (see `DEFAULT_PRIORITIES`). */
  readonly priority: number;
  readonly enable: Enable;
  /** Present when the rule sets `prefix=` (even empty): then the flavor's prefix is not added. */
  readonly prefix?: Template;
  /** Present when the rule sets `suffix=` (even empty): then the flavor's suffix is not added. */
  readonly suffix?: Template;
}

/** `type=semver,pattern=…[,value=…][,match=…]`: tags from a semver version (the git tag by default). */
export interface SemverRule extends RuleBase {
  readonly type: 'semver';
  readonly pattern: Template;
  readonly value?: Template;
  /** Regular expression; its first group (or whole match) is taken from the version text. */
  readonly match?: string;
}
/** `type=pep440,pattern=…[,value=…][,match=…]`: tags from a PEP 440 version (the git tag by default). */
export interface Pep440Rule extends RuleBase {
  readonly type: 'pep440';
  readonly pattern: Template;
  readonly value?: Template;
  readonly match?: string;
}
/** `type=match,pattern=REGEX[,group=N][,value=…]`: a group of a regular expression's match on the git tag (or `value`). */
export interface MatchRule extends RuleBase {
  readonly type: 'match';
  /** The expression, or `/expression/flags`, as JavaScript's `String.prototype.match` takes it. */
  readonly pattern: RegExp;
  readonly group: number;
  readonly value?: Template;
}
/** `type=schedule[,pattern=…]`: a tag on scheduled runs (`nightly` by default). */
export interface ScheduleRule extends RuleBase {
  readonly type: 'schedule';
  readonly pattern: Template;
}
/** `type=ref,event=branch|tag|pr`: the branch name, the git tag, or `pr-<number>`. */
export interface RefRule extends RuleBase {
  readonly type: 'ref';
  readonly event: 'branch' | 'tag' | 'pr';
}
/** `type=sha[,format=short|long]`: `sha-<7 hex>` or the full commit. */
export interface ShaRule extends RuleBase {
  readonly type: 'sha';
  readonly format: 'short' | 'long';
}
/** `type=raw,value=…` (or a bare value): a fixed tag. */
export interface RawRule extends RuleBase {
  readonly type: 'raw';
  readonly value: Template;
}
/** `type=edge[,branch=…]`: `edge` on pushes to that branch (default: the default branch). */
export interface EdgeRule extends RuleBase {
  readonly type: 'edge';
  readonly branch?: string;
}

export type TagRule = SemverRule | Pep440Rule | MatchRule | ScheduleRule | RefRule | ShaRule | RawRule | EdgeRule;
export type TagRuleType = TagRule['type'];

/** metadata-action's default priorities (README "priority attribute"). */
export const DEFAULT_PRIORITIES: Readonly<Record<TagRuleType, number>> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};

/** Where a rules text starts in its file, so messages and `TagError.line` point into it. */
export interface ParseTagOptions {
  /** Line number of the text's first line (default 1). */
  readonly firstLine?: number;
}

const COMMON_KEYS = ['type', 'enable', 'priority', 'prefix', 'suffix'];
const KEYS: Readonly<Record<TagRuleType, readonly string[]>> = {
  semver: ['pattern', 'value', 'match'],
  pep440: ['pattern', 'value', 'match'],
  match: ['pattern', 'group', 'value'],
  schedule: ['pattern'],
  ref: ['event'],
  sha: ['format'],
  raw: ['value'],
  edge: ['branch'],
};
const ENABLE: Readonly<Record<string, Enable>> = {
  true: true,
  false: false,
  '{{is_default_branch}}': 'is_default_branch',
  '{{is_not_default_branch}}': 'is_not_default_branch',
};

/**
 * Parses tag rules, one per line (`#` lines are comments). Throws `TagError('TAG_RULE_INVALID')`
 * naming the line and the problem: unknown type or key, missing or bad value, bad placeholder,
 * bad `enable` expression.
 */
export function parseTagRules(input: string | readonly string[], options: ParseTagOptions = {}): TagRule[] {
  return splitLines(input, options.firstLine).map(parseRule);
}

/** Throws the error for a problem with the rule on `l`. */
export function ruleProblem(l: Line, what: string, problem: string): never {
  throw new TagError('TAG_RULE_INVALID', `${what} at line ${l.line} (${l.text}): ${problem}`, l.line);
}

/** Reads a line's fields into a key → value map; a bare value is `value`. */
export function readAttributes(l: Line, fail: (problem: string) => never): Map<string, string> {
  const fields = splitFields(l.text);
  if (typeof fields === 'string') fail(fields);
  const attrs = new Map<string, string>();
  for (const f of fields) {
    const key = f.key ?? 'value';
    if (attrs.has(key)) fail(f.key === undefined ? `a bare value and value= both set the value` : `"${key}" is given twice`);
    attrs.set(key, f.value);
  }
  return attrs;
}

function parseRule(l: Line): TagRule {
  const fail: (problem: string) => never = (problem) => ruleProblem(l, 'tag rule', problem);
  const attrs = readAttributes(l, fail);
  const type = attrs.get('type') ?? 'raw';
  if (!Object.hasOwn(KEYS, type)) {
    fail(`unknown type "${type}" (known: ${Object.keys(KEYS).join(', ')})`);
  }
  const t = type as TagRuleType;
  const known = [...COMMON_KEYS, ...KEYS[t]];
  for (const key of attrs.keys()) {
    if (!known.includes(key)) {
      const bare = key === 'value' ? ' (a field without "=" is a value)' : '';
      fail(`unknown key "${key}"${bare} for type=${t} (known: ${known.join(', ')})`);
    }
  }
  const template = (key: string): Template | undefined => {
    const v = attrs.get(key);
    return v === undefined ? undefined : parseTemplate(v, GLOBAL_PLACEHOLDERS, key, fail);
  };
  const base = {
    line: l.line,
    source: l.text,
    priority: parsePriority(attrs.get('priority'), t, fail),
    enable: parseEnable(attrs.get('enable'), fail),
    ...optional('prefix', template('prefix')),
    ...optional('suffix', template('suffix')),
  };
  switch (t) {
    case 'semver':
    case 'pep440': {
      const pattern = attrs.get('pattern');
      if (pattern === undefined || pattern === '') fail(`type=${t} needs pattern=, e.g. pattern={{version}}`);
      const match = attrs.get('match') || undefined; // metadata-action: an empty match= is none
      if (match !== undefined) checkRegExp(match, '', fail);
      return {
        ...base,
        type: t,
        pattern: parseTemplate(pattern, SEMVER_PLACEHOLDERS, 'pattern', fail),
        ...optional('value', template('value')),
        ...optional('match', match),
      };
    }
    case 'match': {
      const pattern = attrs.get('pattern');
      if (pattern === undefined || pattern === '')
        fail('type=match needs pattern=, a regular expression, e.g. pattern=v(\\d+\\.\\d+),group=1');
      // metadata-action: `/expression/flags`, else the whole text is the expression.
      const slashed = /^\/(.+)\/(.*)$/.exec(pattern);
      const group = attrs.get('group') ?? '0';
      if (!/^\d+$/.test(group)) fail(`group must be a whole number, the index of a group in pattern (got "${group}")`);
      return {
        ...base,
        type: t,
        pattern: slashed ? checkRegExp(slashed[1]!, slashed[2]!, fail) : checkRegExp(pattern, '', fail),
        group: Number(group),
        ...optional('value', template('value')),
      };
    }
    case 'schedule':
      return { ...base, type: t, pattern: parseTemplate(attrs.get('pattern') ?? 'nightly', SCHEDULE_PLACEHOLDERS, 'pattern', fail) };
    case 'ref': {
      const event = attrs.get('event');
      if (event !== 'branch' && event !== 'tag' && event !== 'pr') {
        fail(
          event === undefined ? 'type=ref needs event=branch, event=tag or event=pr' : `event must be branch, tag or pr (got "${event}")`,
        );
      }
      return { ...base, type: t, event, ...(event === 'pr' && base.prefix === undefined ? { prefix: ['pr-'] } : {}) };
    }
    case 'sha': {
      const format = attrs.get('format') ?? 'short';
      if (format !== 'short' && format !== 'long') fail(`format must be short or long (got "${format}")`);
      return { ...base, type: t, format, prefix: base.prefix ?? ['sha-'] };
    }
    case 'raw': {
      const value = template('value');
      if (value === undefined) fail('type=raw needs value=, e.g. type=raw,value=stable');
      return { ...base, type: t, value };
    }
    case 'edge':
      return { ...base, type: t, ...optional('branch', attrs.get('branch') || undefined) };
  }
}

function parsePriority(text: string | undefined, type: TagRuleType, fail: (p: string) => never): number {
  if (text === undefined) return DEFAULT_PRIORITIES[type];
  if (!/^-?\d+$/.test(text)) fail(`priority must be a whole number (got "${text}")`);
  return Number(text);
}

function parseEnable(text: string | undefined, fail: (p: string) => never): Enable {
  if (text === undefined) return true;
  const key = text.replace(/^\{\{\s*(\w+)\s*\}\}$/, '{{$1}}');
  if (!Object.hasOwn(ENABLE, key)) {
    fail(`enable must be true, false, {{is_default_branch}} or {{is_not_default_branch}} (got "${text}")`);
  }
  return ENABLE[key]!;
}

function checkRegExp(source: string, flags: string, fail: (p: string) => never): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (e) {
    fail(`not a valid regular expression: ${(e as Error).message}`);
  }
}

/** `{key: value}` when value is defined, else `{}` (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
