// git's answers as the release reads them: "no" (a non-zero exit) is a fact; git that cannot run
// is an error that says so, never a silent "no version".
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGitFacts } from '../../src/release/git.js';
import { tempDir } from '../support/images.js';
import { git as gitIn } from '../support/git.js';

describe('readGitFacts', () => {
  it('a checkout without tags or origin: the facts it has, the rest absent', async () => {
    const dir = await tempDir();
    const git = (...args: string[]) => gitIn(dir, ...args);
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
