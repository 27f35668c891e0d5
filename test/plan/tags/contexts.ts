// Release contexts for tag tests, spelled as the GitHub events that make them.
import type { ReleaseContext } from '../../../src/plan/release-context.js';

/** metadata-action's test fixtures use this commit (`sha-860c190`) and `master` as the default branch. */
export const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
export const SHORT = 'sha-860c190';
const BASE = { sha: SHA, commitTime: '2020-01-10T00:30:00Z', defaultBranch: 'master' } as const;

type Extra = Partial<Omit<ReleaseContext, 'event'>>;

/** A GitHub release of `tag` (published). */
export function release(tag: string, extra: Extra = {}): ReleaseContext {
  return { ...BASE, event: 'release', ref: `refs/tags/${tag}`, tag, ...extra };
}

/** A push of the git tag `tag`. */
export function tagPush(tag: string, extra: Extra = {}): ReleaseContext {
  return { ...BASE, event: 'tag', ref: `refs/tags/${tag}`, tag, ...extra };
}

/** A push to `branch`. */
export function branchPush(branch: string, extra: Extra = {}): ReleaseContext {
  return { ...BASE, event: 'branch', ref: `refs/heads/${branch}`, branch, ...extra };
}

/** A pull request `n` from `head`. */
export function pullRequest(n: number, extra: Extra = {}): ReleaseContext {
  return { ...BASE, event: 'pull_request', ref: `refs/pull/${n}/merge`, prNumber: n, branch: 'feature/x', ...extra };
}

/** A workflow_dispatch run on `branch`, optionally with a tag input. */
export function dispatch(branch: string, extra: Extra = {}): ReleaseContext {
  return { ...BASE, event: 'dispatch', ref: `refs/heads/${branch}`, branch, ...extra };
}

/** A local run (plain git checkout). */
export function local(extra: Extra = {}): ReleaseContext {
  return { ...BASE, event: 'local', ...extra };
}
