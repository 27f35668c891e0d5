// Exclude patterns of copy rules: a small, strict glob dialect matched against paths relative to
// the rule's `from`, with "/" separators. `*` matches within one path segment, `?` one character
// of a segment, and `**` (a whole segment) any number of segments, including none. A pattern that
// matches a directory excludes everything under it. Anything else (character classes, braces,
// negation, absolute or escaping paths) is refused rather than guessed at, so a typo cannot
// silently ship files the user meant to leave out.

/** A compiled exclude pattern. */
export interface ExcludeMatcher {
  readonly pattern: string;
  /** True when `path` (relative, "/"-separated, no leading "./") is excluded by this pattern alone. */
  matches(path: string): boolean;
}

/** Why a pattern was refused; undefined when it is valid. */
export function checkExcludePattern(pattern: string): string | undefined {
  if (pattern === '') return 'it is empty';
  if (pattern.startsWith('/')) return 'it is absolute; patterns are relative to the rule\'s "from"';
  if (pattern.includes('\\')) return 'backslashes are not supported; use "/" between path segments';
  const special = /[[\]{}!]/.exec(pattern);
  if (special !== null) return `${JSON.stringify(special[0])} is not supported (only *, ** and ? are)`;
  const segments = trimSlashes(pattern).split('/');
  for (const s of segments) {
    if (s === '') return 'it has an empty path segment ("//")';
    if (s === '.' || s === '..') return `"${s}" segments are not allowed`;
    if (s.includes('**') && s !== '**') return '"**" must be a whole path segment, e.g. "**/*.map"';
  }
  return undefined;
}

function trimSlashes(p: string): string {
  return p.replace(/^\.\/+/, '').replace(/\/+$/, '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

function segmentSource(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : escapeRegExp(ch);
  return out;
}

/**
 * Compiles a pattern (call `checkExcludePattern` first; an invalid pattern throws a plain Error).
 * The regular expression also matches every path below a matched one.
 */
export function compileExclude(pattern: string): ExcludeMatcher {
  const why = checkExcludePattern(pattern);
  if (why !== undefined) throw new Error(`invalid exclude pattern ${JSON.stringify(pattern)}: ${why}`);
  const segments = trimSlashes(pattern).split('/');
  let src = '';
  segments.forEach((s, i) => {
    const last = i === segments.length - 1;
    if (s === '**') {
      // "a/**/b": zero or more whole segments; a trailing "**" matches everything below.
      src += last ? '.*' : '(?:[^/]+/)*';
    } else {
      src += segmentSource(s) + (last ? '' : '/');
    }
  });
  const re = new RegExp(`^${src}(?:/.*)?$`, 's');
  return { pattern, matches: (path) => re.test(path) };
}

/** True when any matcher excludes `path`. */
export function isExcluded(matchers: readonly ExcludeMatcher[], path: string): boolean {
  return matchers.some((m) => m.matches(path));
}
