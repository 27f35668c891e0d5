// Turns zod issues into gantry.yml problems: a position from the YAML node at the issue's path, and a
// message that says what is wrong and what was expected (for an unknown key: the allowed keys and
// the closest one).
import type { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { didYouMean } from './suggest.js';
import { unavailableAt } from './unavailable.js';
import type { YamlLocator } from './yaml-locate.js';
import type { IssueParams } from './zod-parse.js';

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;
type Path = readonly (string | number)[];

interface SchemaDef {
  readonly type: string;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly options?: readonly Schema[];
  readonly element?: Schema;
  readonly valueType?: Schema;
  readonly shape?: Readonly<Record<string, Schema>>;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function defOf(s: Schema): SchemaDef {
  let def = s._zod.def as SchemaDef;
  for (;;) {
    const next = WRAPPERS.has(def.type) ? def.innerType : def.type === 'pipe' ? def.in : undefined;
    if (next === undefined) return def;
    def = next._zod.def;
  }
}

/** The keys the object schema at `path` allows, or undefined when there is no object there. */
export function allowedKeys(schema: Schema, path: Path): string[] | undefined {
  const def = defOf(schema);
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const keys = allowedKeys(option, path);
      if (keys !== undefined) return keys;
    }
    return undefined;
  }
  const [head, ...rest] = path;
  if (head === undefined) return def.type === 'object' ? Object.keys(def.shape ?? {}) : undefined;
  let child: Schema | undefined;
  if (def.type === 'object') child = def.shape?.[String(head)];
  else if (def.type === 'array' && typeof head === 'number') child = def.element;
  else if (def.type === 'record') child = def.valueType;
  return child === undefined ? undefined : allowedKeys(child, rest);
}

/** `images[1].build.platform["linux/arm64"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

const quote = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'a boolean (true or false)',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
};

/** What YAML gave: a string, number, boolean, null, list or mapping. */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 'an empty value';
  return Array.isArray(v) ? 'a list' : 'a mapping';
}

/** `a, b or c`, for two or more items. */
function orList(items: readonly string[]): string {
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1) as string}`;
}

interface Flat {
  readonly issue: Issue;
  readonly path: Path;
  /** For unions where no branch came close: every type the union accepts. */
  readonly expected?: readonly string[];
}

/** Unions: follow the branch that matched the value's type; when none did, list what each branch expects. */
function flatten(issue: Issue, prefix: Path): Flat[] {
  const path = [...prefix, ...issue.path] as Path;
  if (issue.code !== 'invalid_union') return [{ issue, path }];
  const typeOnly = (i: Issue): boolean => i.code === 'invalid_type' && i.path.length === 0;
  const closer = issue.errors.find((branch) => branch.some((i) => !typeOnly(i)));
  if (closer !== undefined) return closer.flatMap((i) => flatten(i, path));
  // Every branch failed on the type of the value itself: each issue is an invalid_type.
  const expected = issue.errors.flatMap((b) => b.map((i) => (i as z.core.$ZodIssueInvalidType).expected));
  return [{ issue, path, expected }];
}

function unknownKeyMessage(schema: Schema, path: Path, key: string): string {
  // zod reports unrecognized keys only for objects, so there are allowed keys at this path. Keys this
  // version refuses are not offered.
  const allowed = (allowedKeys(schema, path) as string[]).filter((k) => unavailableAt([...path, k]) === undefined);
  let hint = didYouMean(key, allowed);
  if (hint === '') {
    // A key written one level too high, like `dockerfile` next to `build`.
    const home = allowed.find((k) => (allowedKeys(schema, [...path, k]) ?? allowedKeys(schema, [...path, k, 0]) ?? []).includes(key));
    if (home !== undefined) hint = ` (it belongs under ${JSON.stringify(home)})`;
  }
  return `unknown key ${JSON.stringify(key)}${hint}; allowed keys: ${allowed.join(', ')}`;
}

function problems(flat: Flat, schema: Schema, locator: YamlLocator): ConfigIssue[] {
  const { issue, path } = flat;
  const at = (p: Path, message: string, params: IssueParams = {}): ConfigIssue => ({
    path: formatPath(p),
    ...locator.locate(p, params),
    message,
  });
  if (flat.expected !== undefined) {
    return [at(path, `expected ${orList(flat.expected.map((e) => EXPECTED[e] ?? e))}, got ${describeValue(issue.input)}`)];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => at([...path, k], unknownKeyMessage(schema, path, k), { at: 'key' }));
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const last = path.at(-1);
      if (issue.input === undefined && typeof last === 'string') {
        return [at(path.slice(0, -1), `missing required key ${JSON.stringify(last)} (${expected})`)];
      }
      return [at(path, `expected ${expected}, got ${describeValue(issue.input)}`)];
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : '';
      const expected = values.length === 1 ? (values[0] as string) : `one of ${orList(values)}`;
      return [at(path, `expected ${expected}, got ${describeValue(issue.input)}${hint}`)];
    }
    default:
      return [at(path, issue.message, issue.code === 'custom' ? (issue.params as IssueParams | undefined) : undefined)];
  }
}

/** Every zod issue as a located problem, sorted by position, without duplicates. */
export function toConfigIssues(issues: readonly Issue[], schema: Schema, locator: YamlLocator): ConfigIssue[] {
  const all = issues.flatMap((i) => flatten(i, [])).flatMap((f) => problems(f, schema, locator));
  const seen = new Set<string>();
  return all
    .filter((i) => {
      const id = `${i.line}:${i.column}:${i.path}:${i.message}`;
      return seen.has(id) ? false : (seen.add(id), true);
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
