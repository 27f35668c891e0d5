/**
 * What the plan is computed from: the CI event or the local git state, already read by the
 * CLI (plan/ does no I/O). Everything optional is absent when the context does not know it.
 */
export interface ReleaseContext {
  /** What triggered the release. `local` is a plain git checkout outside CI. */
  readonly event: 'release' | 'tag' | 'branch' | 'pull_request' | 'dispatch' | 'local';
  /** Full git ref, e.g. `refs/tags/v1.2.3`, `refs/heads/main`, `refs/pull/12/merge`. */
  readonly ref?: string;
  /** Full commit SHA (40 hex). */
  readonly sha: string;
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
}
