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
}

interface Payload {
  action?: unknown;
  number?: unknown;
  inputs?: Record<string, unknown>;
  release?: { tag_name?: unknown; prerelease?: unknown; draft?: unknown };
  pull_request?: { number?: unknown; head?: { ref?: unknown }; base?: { ref?: unknown } };
  repository?: { default_branch?: unknown };
  base_ref?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

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
    ...(str(p.repository?.default_branch) ? { defaultBranch: str(p.repository?.default_branch)! } : {}),
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
      return { ...base, event: 'pull_request', prNumber: n, ...(branch ? { branch } : {}) };
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
