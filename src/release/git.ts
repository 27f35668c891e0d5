import { execFile } from 'node:child_process';
import { ReleaseError } from './errors.js';
import { repositoryFromRemote, type GitFacts } from '../github/event-context.js';

/** How long one git command may take; generous, for a loaded CI machine, but never a hang. */
const GIT_TIMEOUT_MS = 60_000;

/**
 * Runs git: its output, or undefined when git answers no (a non-zero exit: no tag here, no
 * upstream). git that cannot start or does not answer in time is an error, never a silent "no":
 * the plan would lose its version without a word.
 */
function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS }, (err, stdout) => {
      if (err === null) return resolve(stdout.trim());
      if (err.killed || typeof err.code !== 'number') {
        const why = err.killed ? `did not answer within ${GIT_TIMEOUT_MS / 1000} s` : `could not run (${err.message})`;
        return reject(
          new ReleaseError('CONTEXT_INVALID', `git ${args.join(' ')} in ${cwd} ${why}; gantry reads the version and revision from git`, {
            cause: err,
          }),
        );
      }
      resolve(undefined);
    });
  });
}

/** Converts SOURCE_DATE_EPOCH (seconds) to RFC 3339 UTC, refusing values that are not whole seconds. */
export function epochToRfc3339(epoch: string): string {
  if (!/^\d+$/.test(epoch)) {
    throw new ReleaseError('CONTEXT_INVALID', `SOURCE_DATE_EPOCH must be whole seconds since 1970, not "${epoch}"`, { userError: true });
  }
  return new Date(Number(epoch) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Reads the facts of the git checkout at `cwd` that the plan needs. */
export async function readGitFacts(cwd: string, sha?: string): Promise<GitFacts> {
  const head = sha ?? (await git(cwd, ['rev-parse', 'HEAD']));
  if (!head) {
    throw new ReleaseError(
      'CONTEXT_INVALID',
      `${cwd} is not a git checkout with a commit: gantry takes the version and revision from git; run it in your repository, or pass --sha and --version`,
      { userError: true },
    );
  }
  const [time, tags, branch, remote, originHead] = await Promise.all([
    git(cwd, ['show', '-s', '--format=%ct', head]),
    git(cwd, ['tag', '--points-at', head]),
    git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    git(cwd, ['remote', 'get-url', 'origin']),
    git(cwd, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']),
  ]);
  const repository = remote ? repositoryFromRemote(remote) : undefined;
  return {
    sha: head,
    commitTime: time ? epochToRfc3339(time) : epochToRfc3339('0'),
    tagsAtHead: tags ? tags.split('\n').filter(Boolean) : [],
    branch: branch || undefined,
    defaultBranch: originHead?.replace(/^origin\//, '') || undefined,
    repository,
  };
}

/** The `origin` remote's repository (for default image names), without reading anything else. */
export async function readRemoteRepository(cwd: string): Promise<GitFacts['repository']> {
  const remote = await git(cwd, ['remote', 'get-url', 'origin']);
  return remote ? repositoryFromRemote(remote) : undefined;
}

/** The commit time of `sha`, or undefined when git cannot tell (shallow clones of other commits). */
export async function commitTimeOf(cwd: string, sha: string): Promise<string | undefined> {
  const t = await git(cwd, ['show', '-s', '--format=%ct', sha]);
  return t ? epochToRfc3339(t) : undefined;
}

/** The commit HEAD and tag `tag` point at in the checkout at `cwd` (tag undefined when there is no such tag). */
export async function readTagAndHead(cwd: string, tag: string): Promise<{ tag: string | undefined; head: string | undefined }> {
  const [tagCommit, head] = await Promise.all([
    git(cwd, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]),
    git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD']),
  ]);
  return { tag: tagCommit || undefined, head: head || undefined };
}

/** The commit HEAD points at in the checkout at `cwd`, or undefined when there is none (not a checkout). */
export async function readHead(cwd: string): Promise<string | undefined> {
  return (await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD'])) || undefined;
}
