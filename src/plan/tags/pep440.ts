// PEP 440 versions (https://peps.python.org/pep-0440/), for `type=pep440`. metadata-action reads
// them with the npm package @renovate/pep440 (`valid`, `explain`, `clean`, `major`, `minor`,
// `patch`); this is the same grammar (the regular expression of PEP 440's appendix B, as pypa's
// `packaging` has it) and the same normal form, in the few functions gantry needs.

/** A parsed PEP 440 version. */
export interface Pep440 {
  /** The text as given (`v1.2.3rc2`). */
  readonly raw: string;
  readonly epoch: number;
  /** The release segment: `1.2.3` is [1, 2, 3]. */
  readonly release: readonly number[];
  /** Pre-release: `a`, `b` or `rc` and its number (`1.1beta2`: ['b', 2]). */
  readonly pre?: readonly ['a' | 'b' | 'rc', number];
  readonly post?: number;
  readonly dev?: number;
  /** The local label, normalized (`+ubuntu-1` is `ubuntu.1`). */
  readonly local?: string;
}

const PEP440_RE = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?' +
    '(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

const PRE_LABELS: Readonly<Record<string, 'a' | 'b' | 'rc'>> = {
  alpha: 'a',
  a: 'a',
  beta: 'b',
  b: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/** Parses a PEP 440 version (a leading `v` is allowed, as the PEP says), or null. */
export function parsePep440(text: string): Pep440 | null {
  const g = PEP440_RE.exec(text)?.groups;
  if (g === undefined) return null;
  const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  return {
    raw: text,
    epoch: num(g.epoch),
    release: g.release!.split('.').map(Number),
    ...(g.pre === undefined ? {} : { pre: [PRE_LABELS[g.preL!.toLowerCase()]!, num(g.preN)] as const }),
    ...(g.post === undefined ? {} : { post: num(g.postN1 ?? g.postN2) }),
    ...(g.dev === undefined ? {} : { dev: num(g.devN) }),
    ...(g.local === undefined ? {} : { local: g.local.toLowerCase().replace(/[-_]/g, '.') }),
  };
}

/** The normal form (`v1.0-dev4` is `1.0.dev4`, `1.1beta2` is `1.1b2`): @renovate/pep440's `clean`. */
export function normalizePep440(v: Pep440): string {
  return [
    v.epoch === 0 ? '' : `${v.epoch}!`,
    v.release.join('.'),
    v.pre === undefined ? '' : `${v.pre[0]}${v.pre[1]}`,
    v.post === undefined ? '' : `.post${v.post}`,
    v.dev === undefined ? '' : `.dev${v.dev}`,
    v.local === undefined ? '' : `+${v.local}`,
  ].join('');
}

/** A pre-, post- or development release: metadata-action gives those neither `latest` nor a partial version. */
export function isPep440Prerelease(v: Pep440): boolean {
  return v.pre !== undefined || v.post !== undefined || v.dev !== undefined;
}

/** `{{major}}`, `{{minor}}`, `{{patch}}`: the release segment's first three numbers, 0 when absent. */
export function pep440Part(v: Pep440, i: 0 | 1 | 2): number {
  return v.release[i] ?? 0;
}
