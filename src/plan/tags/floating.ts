// Registry-aware floating tags, gantry's difference from docker/metadata-action (DESIGN.md,
// "Tags: what gantry decides that others do not"). metadata-action moves `latest`, `X` and `X.Y`
// on every stable release, so a backport v1.4.9 released after v2.0.0 takes `latest` back to
// 1.x (docker/metadata-action#80, #326). gantry reads the versions already in the registry and
// moves a floating tag only when the release is the highest stable version in its range.
import semver, { type SemVer } from 'semver';
import { isPep440Prerelease, parsePep440 } from './pep440.js';
import type { Template } from './template.js';

/**
 * A stable version, semver or PEP 440, as floating tags compare it: by epoch, then by the release
 * numbers (missing ones count as 0, so PEP 440's `1.2` is `1.2.0`). Stable semver versions compare
 * so exactly as semver orders them (build metadata aside, which semver ignores too).
 */
export interface StableVersion {
  readonly epoch: number;
  readonly release: readonly number[];
  /** The version as the plan names it (`1.2.3`, PEP 440's normal form `1.2`). */
  readonly version: string;
}

/** A stable semver version as a `StableVersion`. */
export function stableOfSemver(v: SemVer): StableVersion {
  return { epoch: 0, release: [v.major, v.minor, v.patch], version: v.version };
}

/** Orders two stable versions: negative when `a` is lower. */
export function compareStable(a: StableVersion, b: StableVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

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
 * when it is a version inside one of `affixes`, as the rules that made it wrote it. With `pep440`
 * (the rules have `type=pep440`), stable PEP 440 versions count too (`1.2`, `1!2.0`, `1.2.3.4`):
 * a floating tag such as `1.2` then reads as 1.2.0, which is never above the release it names.
 */
export function readRegistryVersions(tags: readonly string[], affixes: readonly Affix[], pep440 = false): StableVersion[] {
  const out: StableVersion[] = [];
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
      if (v !== null) {
        if (v.prerelease.length === 0) out.push(stableOfSemver(v));
        continue;
      }
      const p = pep440 ? parsePep440(text) : null;
      if (p !== null && !isPep440Prerelease(p)) out.push({ epoch: p.epoch, release: p.release, version: text });
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
export function judgeFloating(
  name: string,
  range: FloatRange,
  version: StableVersion,
  registry: readonly StableVersion[] | undefined,
): FloatJudgement {
  const v = version.version;
  if (registry === undefined) {
    return { moves: true, decision: `${name}: not checked against the registry (--no-registry-check); moves to ${v}` };
  }
  const [major = 0, minor = 0] = version.release;
  const epoch = version.epoch === 0 ? '' : `${version.epoch}!`;
  const where = range === 'all' ? 'the registry' : range === 'major' ? `${epoch}${major}.x` : `${epoch}${major}.${minor}.x`;
  let highest: StableVersion | undefined;
  for (const r of registry) {
    const [rMajor = 0, rMinor = 0] = r.release;
    const inRange = range === 'all' || (r.epoch === version.epoch && rMajor === major && (range === 'major' || rMinor === minor));
    if (inRange && (highest === undefined || compareStable(r, highest) > 0)) highest = r;
  }
  if (highest === undefined) {
    return { moves: true, decision: `${name}: moves to ${v} (no stable version in ${where} yet)` };
  }
  const order = compareStable(version, highest);
  if (order > 0) return { moves: true, decision: `${name}: moves to ${v} (highest in ${where}; was ${highest.version})` };
  if (order === 0) return { moves: true, decision: `${name}: moves to ${v} (already the highest in ${where})` };
  return { moves: false, decision: `${name}: kept on ${highest.version}, which is newer than ${v}` };
}
