// docker/metadata-action renders `pattern`, `value`, `prefix`, `suffix` and `enable` with
// Handlebars. gantry needs only its `{{name}}` expressions, so it parses them itself: every
// placeholder is checked when the rules are read, and an unknown one is an error there (in
// Handlebars it silently renders as an empty string).
// https://github.com/docker/metadata-action#global-expressions
import { checkTimeZone, formatTokens, isUtcZone } from './moment.js';

/**
 * A `{{name}}` expression; `format` and `tz` are the arguments of `{{date 'FORMAT' tz='ZONE'}}`
 * and `{{commit_date 'FORMAT' tz='ZONE'}}`.
 */
export interface Placeholder {
  readonly name: string;
  readonly format?: string;
  readonly tz?: string;
}

/** A parsed template: literal text and placeholders, in order. */
export type Template = readonly (string | Placeholder)[];

/** The expressions of a `type=semver` or `type=pep440` pattern (the fields of the parsed version). */
export const SEMVER_PLACEHOLDERS: readonly string[] = ['raw', 'version', 'major', 'minor', 'patch'];

/** The global expressions, in `value`, `prefix` and `suffix`, as metadata-action has them. */
export const GLOBAL_PLACEHOLDERS: readonly string[] = [
  'branch',
  'tag',
  'sha',
  'base_ref',
  'is_default_branch',
  'is_not_default_branch',
  'date',
  'commit_date',
];

/** The expressions of a `type=schedule` pattern (metadata-action renders only these two there). */
export const SCHEDULE_PLACEHOLDERS: readonly string[] = ['date', 'commit_date'];

const DATE_HELPERS = new Set(['date', 'commit_date']);
const EXPR_RE = /^([A-Za-z_]+)(?:\s+(?:'([^']*)'|"([^"]*)"))?((?:\s+[A-Za-z_]+=(?:'[^']*'|"[^"]*"))*)$/;
const OPTION_RE = /([A-Za-z_]+)=(?:'([^']*)'|"([^"]*)")/g;

/**
 * Parses `text` (a rule attribute) into a template. `known` lists the placeholders allowed here;
 * `fail` reports a problem (the caller adds the rule's line).
 */
export function parseTemplate(text: string, known: readonly string[], where: string, fail: (problem: string) => never): Template {
  const parts: (string | Placeholder)[] = [];
  let rest = text;
  for (let open = rest.indexOf('{{'); open >= 0; open = rest.indexOf('{{')) {
    if (open > 0) parts.push(rest.slice(0, open));
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) fail(`${where}: "{{" is not closed by "}}" in ${JSON.stringify(text)}`);
    const expr = rest.slice(open + 2, close).trim();
    parts.push(parsePlaceholder(expr, known, where, fail));
    rest = rest.slice(close + 2);
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

function parsePlaceholder(expr: string, known: readonly string[], where: string, fail: (problem: string) => never): Placeholder {
  const m = EXPR_RE.exec(expr);
  const name = m ? m[1]! : (/^[A-Za-z_]+/.exec(expr)?.[0] ?? expr);
  if (!m && DATE_HELPERS.has(name) && known.includes(name)) {
    fail(
      `${where}: {{${expr}}}: quote the format, as in {{${name} 'YYYYMMDD'}} (unquoted, metadata-action reads no format and renders an ISO time)`,
    );
  }
  if (!m || !known.includes(name)) {
    fail(`${where}: unknown placeholder {{${expr}}} (known here: ${known.map((k) => `{{${k}}}`).join(', ')})`);
  }
  const format = m[2] ?? m[3];
  const options = [...m[4]!.matchAll(OPTION_RE)].map((o) => [o[1]!, o[2] ?? o[3]!] as const);
  if (!DATE_HELPERS.has(name)) {
    if (format !== undefined || options.length > 0) fail(`${where}: {{${name}}} takes no arguments (got {{${expr}}})`);
    return { name };
  }
  if (format === undefined) fail(`${where}: {{${name}}} needs a format, e.g. {{${name} 'YYYYMMDD'}}`);
  let tz = 'UTC';
  for (const [key, value] of options) {
    if (key !== 'tz') fail(`${where}: {{${name}}} takes only tz= (got ${key}= in {{${expr}}})`);
    try {
      checkTimeZone(value);
    } catch {
      fail(`${where}: {{${name}}}: unknown time zone "${value}" (use an IANA name such as UTC or Europe/Paris)`);
    }
    tz = value;
  }
  // moment-timezone names zones from its own database (JST, CEST); Intl's names differ, so gantry
  // renders z and zz only where both say UTC.
  if (!isUtcZone(tz) && formatTokens(format).some((t) => t === 'z' || t === 'zz')) {
    fail(`${where}: {{${name}}}: the format token z (zone name) is supported only with tz='UTC'; use Z for the offset (+09:00)`);
  }
  return { name, format, ...(tz === 'UTC' ? {} : { tz }) };
}

/** Renders `t`, asking `lookup` for the value of each placeholder. */
export function renderTemplate(t: Template, lookup: (p: Placeholder) => string): string {
  return t.map((part) => (typeof part === 'string' ? part : lookup(part))).join('');
}

/** The placeholder names used in `t`. */
export function placeholderNames(t: Template): Set<string> {
  return new Set(t.flatMap((part) => (typeof part === 'string' ? [] : [part.name])));
}

/** The template's text, as written in a rule (for messages). */
export function templateText(t: Template): string {
  return renderTemplate(t, (p) =>
    p.format === undefined ? `{{${p.name}}}` : `{{${p.name} '${p.format}'${p.tz === undefined ? '' : ` tz='${p.tz}'`}}}`,
  );
}
