import { PlanError } from '../plan/errors.js';
import type { ReleaseContext } from '../plan/release-context.js';

/** The GitHub Actions variables the plan reads (passed in: plan/ never reads the environment). */
export interface GitHubEnv {
  readonly GITHUB_EVENT_NAME?: string | undefined;
  readonly GITHUB_REF?: string | undefined;
  readonly GITHUB_SHA?: string | undefined;
  readonly GITHUB_REPOSITORY?: string | undefined;
  readonly GITHUB_SERVER_URL?: string | undefined;
  readonly GITHUB_HEAD_REF?: string | undefined;
  /** metadata-action's setting: `type=sha` and `{{sha}}` name a pull request's head commit (metadata-env.ts). */
  readonly DOCKER_METADATA_PR_HEAD_SHA?: string | undefined;
}

interface Payload {
  action?: unknown;
  number?: unknown;
  inputs?: Record<string, unknown>;
  release?: { tag_name?: unknown; prerelease?: unknown; draft?: unknown };
  pull_request?: { number?: unknown; head?: { ref?: unknown; sha?: unknown }; base?: { ref?: unknown } };
  repository?: { default_branch?: unknown };
  /** The `create` event's name for the default branch. */
  master_branch?: unknown;
  base_ref?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Events whose run is always on the last commit of the default branch (GITHUB_REF is that branch:
 * https://docs.github.com/actions/reference/workflows-and-actions/events-that-trigger-workflows).
 * A `schedule` payload has no `repository` at all; for these events the ref names the default branch
 * when the payload does not. metadata-action's `{{is_default_branch}}` says true for `schedule`,
 * `issues`, `discussion` and `create` on the same grounds; `create` is not in this list because its
 * ref is the branch or tag created (its payload names the default branch: `master_branch`).
 */
const ON_DEFAULT_BRANCH = new Set([
  'schedule',
  'issues',
  'issue_comment',
  'discussion',
  'discussion_comment',
  'branch_protection_rule',
  'check_run',
  'check_suite',
  'delete',
  'fork',
  'gollum',
  'label',
  'milestone',
  'page_build',
  'public',
  'repository_dispatch',
  'status',
  'watch',
  'workflow_run',
]);

/** The default branch: the payload's, else what the event says (see ON_DEFAULT_BRANCH). */
function defaultBranchOf(event: string, p: Payload, branchOfRef: string | undefined): { defaultBranch?: string } {
  const b = str(p.repository?.default_branch) ?? (event === 'create' ? str(p.master_branch) : undefined);
  const known = b ?? (ON_DEFAULT_BRANCH.has(event) ? branchOfRef : undefined);
  return known ? { defaultBranch: known } : {};
}

/** The pull request's head commit, for `type=sha` under DOCKER_METADATA_PR_HEAD_SHA=true (as metadata-action). */
function tagShaOf(env: GitHubEnv, event: string, p: Payload): { tagSha?: string } {
  if (!/^true$/i.test(env.DOCKER_METADATA_PR_HEAD_SHA ?? '')) return {};
  const head = str(p.pull_request?.head?.sha);
  if (head === undefined || !/^[0-9a-f]{40}$/.test(head)) {
    fail(
      `DOCKER_METADATA_PR_HEAD_SHA=true, but the ${event} event payload has no pull_request.head.sha (40 hex) to name the sha tag after; unset it, or run on a pull_request event`,
    );
  }
  return { tagSha: head };
}

function fail(message: string): never {
  throw new PlanError('CONTEXT_INVALID', message, { userError: true });
}

/**
 * Reads the release context of a GitHub Actions run from its variables and event payload
 * (https://docs.github.com/actions/reference/events-that-trigger-workflows).
 * `commitTime` comes from git or SOURCE_DATE_EPOCH, read by the caller.
 */
export function contextFromGitHub(env: GitHubEnv, payload: unknown, commitTime: string): ReleaseContext {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Payload;
  const event = env.GITHUB_EVENT_NAME ?? fail('GITHUB_EVENT_NAME is not set: not a GitHub Actions run?');
  const sha = str(env.GITHUB_SHA) ?? fail('GITHUB_SHA is not set');
  const ref = str(env.GITHUB_REF);
  const [owner, name] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const base = {
    sha,
    commitTime,
    ...(ref ? { ref } : {}),
    ...(owner && name ? { repository: { owner, name, url: `${server}/${owner}/${name}` } } : {}),
    ...defaultBranchOf(event, p, ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined),
    ...baseRefOf(ref, p),
  };
  const tagOfRef = ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  const branchOfRef = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;

  switch (event) {
    case 'release': {
      const tag = str(p.release?.tag_name) ?? tagOfRef ?? fail('a release event without release.tag_name in its payload');
      return { ...base, event: 'release', tag, prerelease: p.release?.prerelease === true };
    }
    case 'pull_request':
    case 'pull_request_target': {
      const n = Number(p.pull_request?.number ?? p.number ?? /^refs\/pull\/(\d+)\//.exec(ref ?? '')?.[1]);
      if (!Number.isInteger(n) || n <= 0) fail(`a ${event} event without a pull request number`);
      const branch = str(env.GITHUB_HEAD_REF) ?? str(p.pull_request?.head?.ref);
      return { ...base, ...tagShaOf(env, event, p), event: 'pull_request', prNumber: n, ...(branch ? { branch } : {}) };
    }
    case 'workflow_dispatch': {
      const input = str(p.inputs?.tag) ?? str(p.inputs?.version);
      if (input) return { ...base, event: 'dispatch', tag: input };
      if (tagOfRef) return { ...base, event: 'tag', tag: tagOfRef };
      return { ...base, event: 'branch', ...(branchOfRef ? { branch: branchOfRef } : {}) };
    }
    default: {
      // push, schedule, workflow_run, …: the ref says what was pushed.
      const scheduled = event === 'schedule' ? { scheduled: true } : {};
      if (tagOfRef) return { ...base, ...scheduled, event: 'tag', tag: tagOfRef };
      return { ...base, ...scheduled, event: 'branch', ...(branchOfRef ? { branch: branchOfRef } : {}) };
    }
  }
}

/** metadata-action's `{{base_ref}}`: a tag push's `base_ref`, or the branch a pull request targets. */
function baseRefOf(ref: string | undefined, p: Payload): { baseRef?: string } {
  const b = ref?.startsWith('refs/tags/') ? str(p.base_ref)?.replace(/^refs\/heads\//, '') : str(p.pull_request?.base?.ref);
  return b ? { baseRef: b } : {};
}

/** Facts about a plain git checkout, read by the caller. */
export interface GitFacts {
  readonly sha: string;
  readonly commitTime: string;
  /** Tags that point at HEAD (the highest semver one is the release). */
  readonly tagsAtHead: readonly string[];
  readonly branch?: string | undefined;
  readonly defaultBranch?: string | undefined;
  /** `owner/name` of a GitHub-like remote, with its web URL. */
  readonly repository?: { readonly owner: string; readonly name: string; readonly url: string } | undefined;
}

/** The release context of a local run: a tag on HEAD makes a release, else the branch. */
export function contextFromGit(g: GitFacts, pickTag: (tags: readonly string[]) => string | undefined): ReleaseContext {
  const tag = pickTag(g.tagsAtHead);
  return {
    event: 'local',
    sha: g.sha,
    commitTime: g.commitTime,
    ...(tag ? { tag, ref: `refs/tags/${tag}` } : g.branch ? { ref: `refs/heads/${g.branch}` } : {}),
    ...(g.branch ? { branch: g.branch } : {}),
    ...(g.defaultBranch ? { defaultBranch: g.defaultBranch } : {}),
    ...(g.repository ? { repository: g.repository } : {}),
  };
}

/** Parses `https://github.com/o/n(.git)`, `git@github.com:o/n.git`, `ssh://git@host/o/n` remotes. */
export function repositoryFromRemote(url: string): { owner: string; name: string; url: string } | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|git:\/\/)([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url) ??
    /^(?:[^@/]+@)?([^/:]+):([^/]+)\/([^/]+?)(?:\.git)?$/.exec(url);
  if (!m) return undefined;
  const [, host, owner, name] = m as unknown as [string, string, string, string];
  return { owner, name, url: `https://${host}/${owner}/${name}` };
}
