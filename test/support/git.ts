import { execFileSync } from 'node:child_process';

/** A fixed author and time, so the commits tests make have known times (and the plans made from them). */
export const GIT_ENV = {
  GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z',
  GIT_COMMITTER_DATE: '2024-05-01T10:00:00Z',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

/** Runs git in `cwd` with {@link GIT_ENV}; its output, trimmed. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV } })
    .toString()
    .trim();
}
