/** A parsed `WWW-Authenticate` challenge (RFC 7235 §4.1, RFC 6750 §3). */
export interface Challenge {
  readonly scheme: 'basic' | 'bearer' | (string & {});
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the first challenge of a WWW-Authenticate header:
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
 * Quoted values may contain commas and escaped quotes.
 */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  const rest = m[2] ?? '';
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest)) !== null && p[0] !== '') {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}

/** Repository scope string for the token service: `repository:NAME:ACTIONS`. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}
