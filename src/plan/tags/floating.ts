// Registry-aware floating tags, gantry's difference from docker/metadata-action (DESIGN.md,
// "Tags: what gantry decides that others do not"). metadata-action moves `latest`, `X` and `X.Y`
// on every stable release, so a backport v1.4.9 released after v2.0.0 takes `latest` back to
// 1.x (docker/metadata-action#80, #326). gantry reads the versions already in the registry and
// moves a floating tag only when the release is the highest stable version in its range.
import semver, { type SemVer } from 'semver';
import type { Template } from './template.js';

/**
 * What a floating tag follows: every stable version (`latest`, or a pattern that pins nothing),
 * one major (`{{major}}`), or one major.minor (`{{major}}.{{minor}}`).
 */
export type FloatRange = 'all' | 'major' | 'minor';

/** A prefix and suffix that rules put around versions (`v`, `-alpine`), removed before parsing. */
export interface Affix {
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * The stable semver versions among `tags` (`1.2.3` and `v1.2.3` alike; pre-releases and tags
 * that are not versions, such as `latest`, `1.2` or `sha-…`, are ignored). A tag also counts
 * when it is a version inside one of `affixes`, as the rules that made it wrote it.
 */
export function readRegistryVersions(tags: readonly string[], affixes: readonly Affix[]): SemVer[] {
  const out: SemVer[] = [];
  for (const tag of tags) {
    const inner = affixes
      .filter(
        (a) =>
          (a.prefix !== '' || a.suffix !== '') &&
          tag.length > a.prefix.length + a.suffix.length &&
          tag.startsWith(a.prefix) &&
          tag.endsWith(a.suffix),
      )
      .map((a) => tag.slice(a.prefix.length, tag.length - a.suffix.length));
    for (const text of [tag, ...inner]) {
      const v = semver.parse(text);
      if (v !== null && v.prerelease.length === 0) out.push(v);
    }
  }
  return out;
}

/**
 * The range a `type=semver` pattern floats over, or undefined when it names one version
 * (it uses `{{version}}`, `{{raw}}` or `{{patch}}`). A pattern that pins no major (`{{minor}}`,
 * or plain text such as `stable`) moves like `latest`: that keeps it from ever going backwards.
 */
export function floatRange(pattern: Template): FloatRange | undefined {
  const names = new Set(pattern.flatMap((p) => (typeof p === 'string' ? [] : [p.name])));
  if (names.has('version') || names.has('raw') || names.has('patch')) return undefined;
  if (!names.has('major')) return 'all';
  return names.has('minor') ? 'minor' : 'major';
}

/** Whether a floating tag moves to this release, and the sentence that explains it. */
export interface FloatJudgement {
  readonly moves: boolean;
  readonly decision: string;
}

/**
 * Decides whether the floating tag `name` moves to `version`. `registry` is undefined when the
 * registry was not checked (offline): then the tag moves, as with metadata-action, and the
 * decision says it was not checked.
 */
export function judgeFloating(name: string, range: FloatRange, version: SemVer, registry: readonly SemVer[] | undefined): FloatJudgement {
  const v = version.version;
  if (registry === undefined) {
    return { moves: true, decision: `${name}: not checked against the registry (--no-registry-check); moves to ${v}` };
  }
  const where = range === 'all' ? 'the registry' : range === 'major' ? `${version.major}.x` : `${version.major}.${version.minor}.x`;
  let highest: SemVer | undefined;
  for (const r of registry) {
    const inRange = range === 'all' || (r.major === version.major && (range === 'major' || r.minor === version.minor));
    if (inRange && (highest === undefined || semver.gt(r, highest))) highest = r;
  }
  if (highest === undefined) {
    return { moves: true, decision: `${name}: moves to ${v} (no stable version in ${where} yet)` };
  }
  const order = semver.compare(version, highest);
  if (order > 0) return { moves: true, decision: `${name}: moves to ${v} (highest in ${where}; was ${highest.version})` };
  if (order === 0) return { moves: true, decision: `${name}: moves to ${v} (already the highest in ${where})` };
  return { moves: false, decision: `${name}: kept on ${highest.version}, which is newer than ${v}` };
}
