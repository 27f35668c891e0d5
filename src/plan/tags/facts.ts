// What tag rules read from the release context, in metadata-action's terms: is this run on a
// tag, a branch or a pull request, and what do `{{branch}}`, `{{tag}}`, `{{sha}}`… say.
import semver, { type SemVer } from 'semver';
import type { ReleaseContext } from '../release-context.js';
import { TagError } from './errors.js';
import { formatMoment } from './moment.js';
import type { Placeholder } from './template.js';

/** The facts tag rules are evaluated against. */
export interface RefFacts {
  /**
   * `tag`: a release, a tag push, a dispatch or local run with a tag (gantry treats those as
   * releases of that tag), or any run with an explicit version; `branch`: a branch push, or a dispatch or local run on a branch;
   * `pr`: a pull request; `none`: a local run on a detached HEAD without a tag.
   */
  readonly kind: 'tag' | 'branch' | 'pr' | 'none';
  /** The git tag (`v1.2.3`), when `kind` is `tag` (absent for an explicit version on a commit without one). */
  readonly tag?: string;
  /** The branch, unsanitized (`feature/x`), when `kind` is `branch`. */
  readonly branch?: string;
  /** The pull request number, when `kind` is `pr`. */
  readonly pr?: number;
  readonly defaultBranch?: string;
  readonly isDefaultBranch: boolean;
  readonly sha: string;
  readonly shortSha: string;
  /** What `type=semver` reads when it has no `value=`: the explicit version, else the git tag. */
  readonly versionText?: string;
  /** GitHub's `release.prerelease` flag. */
  readonly flaggedPrerelease: boolean;
  readonly commitTime: string;
  /** metadata-action's `{{base_ref}}` (see `ReleaseContext.baseRef`). */
  readonly baseRef?: string;
  /** A scheduled run: `type=schedule` rules apply. */
  readonly scheduled: boolean;
  /** When the plan was made, for `{{date}}`; absent when the caller did not say. */
  readonly planTime?: string;
}

// metadata-action's short SHA length (DOCKER_METADATA_SHORT_SHA_LENGTH default).
const SHORT_SHA = 7;

/** Reads the facts of a release context. */
export function readFacts(c: ReleaseContext): RefFacts {
  const tag = c.tag ?? strip(c.ref, 'refs/tags/');
  const branch = c.branch ?? strip(c.ref, 'refs/heads/');
  // An explicit version is a release, whatever the event: it gets release tags only, never the
  // branch's (`edge`, `main`) beside `latest` (issue 12).
  const kind = c.version !== undefined ? 'tag' : kindOf(c.event, tag, branch);
  const pr = c.prNumber ?? Number(/^refs\/pull\/(\d+)\//.exec(c.ref ?? '')?.[1] ?? Number.NaN);
  const onBranch = kind === 'branch' ? branch : undefined;
  const onTag = kind === 'tag' ? tag : undefined;
  const versionText = c.version ?? onTag;
  return {
    kind,
    ...(onTag === undefined ? {} : { tag: onTag }),
    ...(onBranch === undefined ? {} : { branch: onBranch }),
    ...(kind === 'pr' && !Number.isNaN(pr) ? { pr } : {}),
    ...(c.defaultBranch === undefined ? {} : { defaultBranch: c.defaultBranch }),
    isDefaultBranch: onBranch !== undefined && onBranch === c.defaultBranch,
    sha: c.tagSha ?? c.sha,
    shortSha: (c.tagSha ?? c.sha).slice(0, c.shortShaLength ?? SHORT_SHA),
    ...(versionText === undefined ? {} : { versionText }),
    flaggedPrerelease: c.prerelease === true,
    commitTime: c.commitTime,
    ...(c.baseRef === undefined ? {} : { baseRef: c.baseRef }),
    scheduled: c.scheduled === true,
    ...(c.planTime === undefined ? {} : { planTime: c.planTime }),
  };
}

function kindOf(event: ReleaseContext['event'], tag: string | undefined, branch: string | undefined): RefFacts['kind'] {
  switch (event) {
    case 'release':
    case 'tag':
      return 'tag';
    case 'pull_request':
      return 'pr';
    case 'branch':
      return 'branch';
    case 'dispatch':
    case 'local':
      return tag !== undefined ? 'tag' : branch !== undefined ? 'branch' : 'none';
  }
}

function strip(ref: string | undefined, prefix: string): string | undefined {
  return ref?.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
}

/** The value of a global expression (`{{branch}}`, `{{sha}}`, `{{commit_date 'YYYYMMDD'}}`…). */
export function globalValue(f: RefFacts, p: Placeholder): string {
  switch (p.name) {
    case 'branch':
      return f.branch ?? '';
    case 'tag':
      return f.tag ?? '';
    case 'sha':
      return f.shortSha;
    case 'is_default_branch':
      return String(f.isDefaultBranch);
    case 'is_not_default_branch':
      return String(!f.isDefaultBranch);
    case 'base_ref':
      return f.baseRef ?? '';
    case 'date': {
      if (f.planTime === undefined) {
        throw new TagError('TAG_INVALID', '{{date}}: the plan time is not known (the caller passes the time the plan was made)');
      }
      return formatMoment(readTime(f.planTime, 'plan time', p.name), p.format!, p.tz);
    }
    default:
      // commit_date: the parser lets no other name through.
      return formatMoment(readTime(f.commitTime, 'commit time', p.name), p.format!, p.tz);
  }
}

function readTime(text: string, what: string, name: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new TagError('TAG_INVALID', `{{${name}}}: the ${what} ${JSON.stringify(text)} is not an RFC 3339 time`);
  }
  return date;
}

/** The release's version and whether it is a pre-release (semver pre-release or GitHub's flag). */
export interface ReleaseVersion {
  /** Without `v`; the explicit version as given when it is not semver. */
  readonly version?: string;
  readonly parsed?: SemVer;
  readonly prerelease: boolean;
}

/** The version the plan reports: the explicit `--version`, else the git tag's semver version. */
export function readReleaseVersion(c: ReleaseContext, f: RefFacts): ReleaseVersion {
  const parsed = f.versionText === undefined ? null : semver.parse(f.versionText);
  const prerelease = f.flaggedPrerelease || (parsed !== null && parsed.prerelease.length > 0);
  if (parsed !== null) return { version: parsed.version, parsed, prerelease };
  // A non-semver git tag is no version; an explicit non-semver version is still the version.
  return { ...(c.version === undefined ? {} : { version: c.version }), prerelease };
}
