// git's answers as the release reads them: "no" (a non-zero exit) is a fact; git that cannot run
// is an error that says so, never a silent "no version".
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGitFacts } from '../../src/release/git.js';
import { tempDir } from '../support/images.js';

const GIT_ENV = {
  GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z',
  GIT_COMMITTER_DATE: '2024-05-01T10:00:00Z',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

describe('readGitFacts', () => {
  it('a checkout without tags or origin: the facts it has, the rest absent', async () => {
    const dir = await tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV } })
        .toString()
        .trim();
    git('init', '-q', '-b', 'main');
    await writeFile(join(dir, 'f'), 'x');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    const facts = await readGitFacts(dir);
    expect(facts).toEqual({
      sha: git('rev-parse', 'HEAD'),
      commitTime: '2024-05-01T10:00:00Z',
      tagsAtHead: [],
      branch: 'main',
      defaultBranch: undefined,
      repository: undefined,
    });
  });

  it('a directory that is not a checkout: a user error that says what to do', async () => {
    await expect(readGitFacts(await tempDir())).rejects.toMatchObject({
      code: 'CONTEXT_INVALID',
      userError: true,
      message: expect.stringContaining('is not a git checkout'),
    });
  });

  it('git that cannot run at all is an error naming the command, not a missing version', async () => {
    const err = await readGitFacts(join(await tempDir(), 'gone')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONTEXT_INVALID', message: expect.stringMatching(/^git rev-parse HEAD in .*gone could not run/) });
  });
});
