// docker/metadata-action renders `pattern`, `value`, `prefix`, `suffix` and `enable` with
// Handlebars. gantry needs only its `{{name}}` expressions, so it parses them itself: every
// placeholder is checked when the rules are read, and an unknown one is an error there (in
// Handlebars it silently renders as an empty string).
// https://github.com/docker/metadata-action#global-expressions

/** A `{{name}}` expression; `format` is the quoted argument of `{{commit_date 'FORMAT'}}`. */
export interface Placeholder {
  readonly name: string;
  readonly format?: string;
}

/** A parsed template: literal text and placeholders, in order. */
export type Template = readonly (string | Placeholder)[];

/** The expressions of a `type=semver` pattern (the fields of the parsed version). */
export const SEMVER_PLACEHOLDERS: readonly string[] = ['raw', 'version', 'major', 'minor', 'patch'];

/** The global expressions gantry supports in `value`, `prefix` and `suffix`. */
export const GLOBAL_PLACEHOLDERS: readonly string[] = ['branch', 'tag', 'sha', 'is_default_branch', 'is_not_default_branch', 'commit_date'];

// Expressions metadata-action has that gantry refuses, and why.
const REFUSED: Readonly<Record<string, string>> = {
  date: "{{date}} reads the wall clock, which would make the plan differ on every run; use {{commit_date 'FORMAT'}}",
  base_ref: "{{base_ref}} is not supported: gantry's release context does not carry a pull request's base branch",
};

const EXPR_RE = /^([A-Za-z_]+)(?:\s+(?:'([^']*)'|"([^"]*)"))?((?:\s+[A-Za-z_]+=(?:'[^']*'|"[^"]*"))*)$/;
// A `[literal]`, a run of one letter (moment reads `MMM` as a month name, so runs are tokens),
// other text, or a `[` that is never closed.
const DATE_TOKEN_RE = /\[([^\]]*)\]|([A-Za-z])\2*|[^A-Za-z[]+|\[/g;
const DATE_TOKENS = 'YYYY, YY, MM, M, DD, D, HH, H, mm, m, ss, s, SSS, T and [literal text]';

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
  const name = m ? m[1]! : expr;
  if (Object.hasOwn(REFUSED, name)) fail(`${where}: ${REFUSED[name]}`);
  if (!m || !known.includes(name)) {
    fail(`${where}: unknown placeholder {{${expr}}} (known here: ${known.map((k) => `{{${k}}}`).join(', ')})`);
  }
  const format = m[2] ?? m[3];
  const options = m[4]!.trim();
  if (name !== 'commit_date') {
    if (format !== undefined || options !== '') fail(`${where}: {{${name}}} takes no arguments (got {{${expr}}})`);
    return { name };
  }
  if (format === undefined) fail(`${where}: {{commit_date}} needs a format, e.g. {{commit_date 'YYYYMMDD'}}`);
  // Only UTC: other zones need a time zone database, and UTC is what metadata-action defaults to.
  if (options !== '' && !/^tz=(?:'UTC'|"UTC")$/.test(options)) {
    fail(`${where}: {{commit_date}} supports only tz='UTC' (got {{${expr}}})`);
  }
  const bad = badDateToken(format);
  if (bad !== undefined) fail(`${where}: {{commit_date}} format token "${bad}" is not supported (supported: ${DATE_TOKENS})`);
  return { name, format };
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
  return renderTemplate(t, (p) => (p.format === undefined ? `{{${p.name}}}` : `{{${p.name} '${p.format}'}}`));
}

function badDateToken(format: string): string | undefined {
  for (const [token] of format.matchAll(DATE_TOKEN_RE)) {
    if (formatToken(token, new Date(0)) === undefined) return token;
  }
  return undefined;
}

/**
 * Formats a moment.js-style date format in UTC, for `{{commit_date}}`.
 * https://momentjs.com/docs/#/displaying/format/
 */
export function formatUtcDate(date: Date, format: string): string {
  return [...format.matchAll(DATE_TOKEN_RE)].map(([token, literal]) => literal ?? formatToken(token, date) ?? token).join('');
}

function formatToken(token: string, d: Date): string | undefined {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  // prettier-ignore
  switch (token) {
    case 'YYYY': return String(d.getUTCFullYear());
    case 'YY': return pad(d.getUTCFullYear() % 100);
    case 'MM': return pad(d.getUTCMonth() + 1);
    case 'M': return String(d.getUTCMonth() + 1);
    case 'DD': return pad(d.getUTCDate());
    case 'D': return String(d.getUTCDate());
    case 'HH': return pad(d.getUTCHours());
    case 'H': return String(d.getUTCHours());
    case 'mm': return pad(d.getUTCMinutes());
    case 'm': return String(d.getUTCMinutes());
    case 'ss': return pad(d.getUTCSeconds());
    case 's': return String(d.getUTCSeconds());
    case 'SSS': return pad(d.getUTCMilliseconds(), 3);
    case 'T': return 'T';
    default: return /^[A-Za-z[]/.test(token) ? undefined : token;
  }
}
