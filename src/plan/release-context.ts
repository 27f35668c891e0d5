/**
 * What the plan is computed from: the CI event or the local git state, already read by the
 * CLI (plan/ does no I/O). Everything optional is absent when the context does not know it.
 */
export interface ReleaseContext {
  /** What triggered the release. `local` is a plain git checkout outside CI. */
  readonly event: 'release' | 'tag' | 'branch' | 'pull_request' | 'dispatch' | 'local';
  /** Full git ref, e.g. `refs/tags/v1.2.3`, `refs/heads/main`, `refs/pull/12/merge`. */
  readonly ref?: string;
  /** Full commit SHA (40 hex) of the commit built: the image's revision. */
  readonly sha: string;
  /**
   * The commit `type=sha` and `{{sha}}` name when it is not `sha`: a pull request's head commit under
   * `DOCKER_METADATA_PR_HEAD_SHA=true` (as metadata-action), while the build is of the merge commit.
   */
  readonly tagSha?: string;
  /** Length of the short SHA of `type=sha` and `{{sha}}` (`DOCKER_METADATA_SHORT_SHA_LENGTH`; default 7). */
  readonly shortShaLength?: number;
  /** Commit time (or SOURCE_DATE_EPOCH) as RFC 3339 UTC; never the wall clock. */
  readonly commitTime: string;
  /** The git tag of the release (`v1.2.3`), for release/tag events and a dispatch with a tag input. */
  readonly tag?: string;
  /** The branch, for branch pushes and local runs on a branch (for PRs: the head branch). */
  readonly branch?: string;
  /** The repository's default branch, when known. */
  readonly defaultBranch?: string;
  /** Pull request number. */
  readonly prNumber?: number;
  /** GitHub's `release.prerelease` flag, when the event is a release. */
  readonly prerelease?: boolean;
  /** Source repository: `owner/name` and its web URL (`https://github.com/owner/name`). */
  readonly repository?: { readonly owner: string; readonly name: string; readonly url: string };
  /**
   * An explicit version (`--version`), which wins over the tag. It makes the run a release: release
   * tags only, never the branch's or the pull request's.
   */
  readonly version?: string;
  /**
   * metadata-action's `{{base_ref}}`: the branch a pull request targets, or the `base_ref` of a tag
   * push's payload (the branch GitHub says the tag was pushed from).
   */
  readonly baseRef?: string;
  /** A scheduled run (GitHub's `schedule` event): `type=schedule` rules make their tag. */
  readonly scheduled?: boolean;
  /**
   * When the plan was made (RFC 3339 UTC), for `{{date 'FORMAT'}}`: read once by the plan job and
   * passed to the jobs that re-plan (GANTRY_PLAN_TIME), so every job of a release renders the same date.
   */
  readonly planTime?: string;
}
