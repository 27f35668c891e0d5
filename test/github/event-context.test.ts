import { describe, expect, it } from 'vitest';
import { contextFromGit, contextFromGitHub, repositoryFromRemote } from '../../src/github/event-context.js';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const T = '2024-05-01T10:00:00Z';
const env = (over: Record<string, string>) => ({
  GITHUB_SHA: SHA,
  GITHUB_REPOSITORY: 'Acme/api',
  GITHUB_SERVER_URL: 'https://github.com',
  ...over,
});
const repo = { default_branch: 'main' };

describe('contextFromGitHub', () => {
  it('a published release, with its prerelease flag', () => {
    const c = contextFromGitHub(
      env({ GITHUB_EVENT_NAME: 'release', GITHUB_REF: 'refs/tags/v1.2.3' }),
      { action: 'published', release: { tag_name: 'v1.2.3', prerelease: false }, repository: repo },
      T,
    );
    expect(c).toEqual({
      event: 'release',
      tag: 'v1.2.3',
      prerelease: false,
      sha: SHA,
      commitTime: T,
      ref: 'refs/tags/v1.2.3',
      defaultBranch: 'main',
      repository: { owner: 'Acme', name: 'api', url: 'https://github.com/Acme/api' },
    });
    expect(
      contextFromGitHub(env({ GITHUB_EVENT_NAME: 'release' }), { release: { tag_name: 'v2.0.0-rc.1', prerelease: true } }, T),
    ).toMatchObject({ event: 'release', tag: 'v2.0.0-rc.1', prerelease: true });
  });
  it('a v* tag push', () => {
    expect(contextFromGitHub(env({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1.4.9' }), { repository: repo }, T)).toMatchObject({
      event: 'tag',
      tag: 'v1.4.9',
    });
  });
  it('a branch push knows the default branch', () => {
    expect(contextFromGitHub(env({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' }), { repository: repo }, T)).toMatchObject({
      event: 'branch',
      branch: 'main',
      defaultBranch: 'main',
    });
  });
  it('a pull request', () => {
    const c = contextFromGitHub(
      env({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge', GITHUB_HEAD_REF: 'feature/x' }),
      { number: 42, pull_request: { number: 42 } },
      T,
    );
    expect(c).toMatchObject({ event: 'pull_request', prNumber: 42, branch: 'feature/x' });
    expect(contextFromGitHub(env({ GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/pull/7/merge' }), {}, T)).toMatchObject({
      prNumber: 7,
    });
    expect(() => contextFromGitHub(env({ GITHUB_EVENT_NAME: 'pull_request' }), {}, T)).toThrow(/pull request number/);
  });
  it('a manual dispatch with a tag input, or without one', () => {
    expect(
      contextFromGitHub(env({ GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/main' }), { inputs: { tag: 'v2.0.0' } }, T),
    ).toMatchObject({ event: 'dispatch', tag: 'v2.0.0' });
    expect(
      contextFromGitHub(env({ GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/tags/v3.0.0' }), { inputs: {} }, T),
    ).toMatchObject({ event: 'tag', tag: 'v3.0.0' });
    expect(contextFromGitHub(env({ GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/dev' }), {}, T)).toMatchObject({
      event: 'branch',
      branch: 'dev',
    });
  });
  it('says what is missing', () => {
    expect(() => contextFromGitHub({ GITHUB_SHA: SHA }, {}, T)).toThrow(/GITHUB_EVENT_NAME/);
    expect(() => contextFromGitHub({ GITHUB_EVENT_NAME: 'push' }, {}, T)).toThrow(/GITHUB_SHA/);
    expect(() => contextFromGitHub(env({ GITHUB_EVENT_NAME: 'release' }), null, T)).toThrow(/tag_name/);
  });
});

describe('contextFromGit', () => {
  const pick = (tags: readonly string[]) => tags.find((t) => t.startsWith('v'));
  it('a tag at HEAD makes a release', () => {
    expect(contextFromGit({ sha: SHA, commitTime: T, tagsAtHead: ['x', 'v1.0.0'], branch: 'main' }, pick)).toMatchObject({
      event: 'local',
      tag: 'v1.0.0',
      ref: 'refs/tags/v1.0.0',
      branch: 'main',
    });
  });
  it('otherwise the branch', () => {
    expect(contextFromGit({ sha: SHA, commitTime: T, tagsAtHead: [], branch: 'dev', defaultBranch: 'main' }, pick)).toEqual({
      event: 'local',
      sha: SHA,
      commitTime: T,
      ref: 'refs/heads/dev',
      branch: 'dev',
      defaultBranch: 'main',
    });
    expect(contextFromGit({ sha: SHA, commitTime: T, tagsAtHead: [] }, pick)).toEqual({ event: 'local', sha: SHA, commitTime: T });
  });
});

describe('repositoryFromRemote', () => {
  it.each([
    ['https://github.com/acme/api.git', { owner: 'acme', name: 'api', url: 'https://github.com/acme/api' }],
    ['https://github.com/acme/api', { owner: 'acme', name: 'api', url: 'https://github.com/acme/api' }],
    ['git@github.com:acme/api.git', { owner: 'acme', name: 'api', url: 'https://github.com/acme/api' }],
    ['ssh://git@gitlab.example.com:2222/team/tool.git', { owner: 'team', name: 'tool', url: 'https://gitlab.example.com/team/tool' }],
    ['https://token@github.com/acme/api.git', { owner: 'acme', name: 'api', url: 'https://github.com/acme/api' }],
    ['/srv/git/repo', undefined],
  ])('%s', (url, want) => expect(repositoryFromRemote(url)).toEqual(want));
});
