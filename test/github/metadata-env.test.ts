import { describe, expect, it } from 'vitest';
import { contextFromGitHub } from '../../src/github/event-context.js';
import { readMetadataSettings } from '../../src/github/metadata-env.js';
import { PlanError } from '../../src/plan/errors.js';
import { makePlan } from '../../src/plan/release.js';
import { parseConfig } from '../../src/plan/config/index.js';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const HEAD = 'abcdef0123456789abcdef0123456789abcdef01';
const T = '2024-05-01T10:00:00Z';
const env = (over: Record<string, string>) => ({ GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'acme/api', ...over });

/** The error readMetadataSettings throws for `vars`: a user error (exit 2) naming the variable. */
function refusal(vars: Record<string, string>): PlanError {
  try {
    readMetadataSettings(vars);
  } catch (e) {
    if (e instanceof PlanError) return e;
    throw e;
  }
  throw new Error(`${JSON.stringify(vars)} was accepted`);
}

describe("readMetadataSettings: metadata-action's DOCKER_METADATA_* variables", () => {
  it('honours PR_HEAD_SHA and SHORT_SHA_LENGTH; empty counts as unset, as in metadata-action', () => {
    expect(readMetadataSettings({})).toEqual({ prHeadSha: false });
    expect(readMetadataSettings({ DOCKER_METADATA_PR_HEAD_SHA: 'True', DOCKER_METADATA_SHORT_SHA_LENGTH: '12' })).toEqual({
      prHeadSha: true,
      shortShaLength: 12,
    });
    expect(readMetadataSettings({ DOCKER_METADATA_PR_HEAD_SHA: 'false', DOCKER_METADATA_SHORT_SHA_LENGTH: '' })).toEqual({
      prHeadSha: false,
    });
  });
  it('accepts what gantry does anyway: annotations on manifests and index, no output variables', () => {
    expect(
      readMetadataSettings({ DOCKER_METADATA_ANNOTATIONS_LEVELS: 'index, manifest', DOCKER_METADATA_SET_OUTPUT_ENV: 'false' }),
    ).toEqual({ prHeadSha: false });
  });
  it("ignores metadata-action's outputs (DOCKER_METADATA_OUTPUT_*), which an earlier step may have set", () => {
    expect(readMetadataSettings({ DOCKER_METADATA_OUTPUT_TAGS: 'ghcr.io/acme/api:1', DOCKER_METADATA_OUTPUT_JSON: '{}' })).toEqual({
      prHeadSha: false,
    });
  });
  it.each([
    [{ DOCKER_METADATA_PR_HEAD_SHA: '1' }, /DOCKER_METADATA_PR_HEAD_SHA="1": expected true or false/],
    [{ DOCKER_METADATA_SHORT_SHA_LENGTH: 'twelve' }, /DOCKER_METADATA_SHORT_SHA_LENGTH="twelve": expected a whole number/],
    [{ DOCKER_METADATA_SHORT_SHA_LENGTH: '0' }, /at least 1/],
    [{ DOCKER_METADATA_SHORT_SHA_LENGTH: '7.5' }, /whole number/],
    [
      { DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest' },
      /on every platform manifest and on the index, always.*set it to manifest,index or unset it/,
    ],
    [{ DOCKER_METADATA_ANNOTATIONS_LEVELS: 'index-descriptor' }, /DOCKER_METADATA_ANNOTATIONS_LEVELS/],
    [{ DOCKER_METADATA_SET_OUTPUT_ENV: 'true' }, /sets no DOCKER_METADATA_OUTPUT_\* variables; read its step outputs/],
    [{ DOCKER_METADATA_SET_OUTPUT_ENV: 'yes' }, /expected true or false/],
    [{ DOCKER_METADATA_PR_HEAD_SHAA: 'true' }, /DOCKER_METADATA_PR_HEAD_SHAA="true": metadata-action reads no such variable.*unset it/],
  ])('refuses %j (exit 2)', (vars, message) => {
    const e = refusal(vars);
    expect(e.code).toBe('CONTEXT_INVALID');
    expect(e.userError).toBe(true);
    expect(e.message).toMatch(message);
  });
});

describe('contextFromGitHub: DOCKER_METADATA_PR_HEAD_SHA', () => {
  const pr = { number: 42, pull_request: { number: 42, head: { ref: 'feature/x', sha: HEAD } } };
  const prEnv = (over: Record<string, string> = {}) =>
    env({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge', ...over });

  it("names the sha tag after the pull request's head; the revision stays GITHUB_SHA", () => {
    const c = contextFromGitHub(prEnv({ DOCKER_METADATA_PR_HEAD_SHA: 'true' }), pr, T);
    expect(c).toMatchObject({ event: 'pull_request', sha: SHA, tagSha: HEAD });
    const plan = makePlan(parseConfig('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n', 'gantry.yml'), c);
    expect(plan.images[0]!.tagNames).toEqual(['pr-42', 'sha-abcdef0']);
    expect(plan.revision).toBe(SHA);
  });
  it('without it (or with false) the sha tag is the merge commit, as metadata-action', () => {
    expect(contextFromGitHub(prEnv(), pr, T)).not.toHaveProperty('tagSha');
    expect(contextFromGitHub(prEnv({ DOCKER_METADATA_PR_HEAD_SHA: 'false' }), pr, T)).not.toHaveProperty('tagSha');
  });
  it('does nothing on other events, as metadata-action', () => {
    const push = contextFromGitHub(
      env({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', DOCKER_METADATA_PR_HEAD_SHA: 'true' }),
      { repository: { default_branch: 'main' } },
      T,
    );
    expect(push).not.toHaveProperty('tagSha');
  });
  it('refuses a pull request payload without a head SHA (exit 2), instead of a merge-commit tag', () => {
    expect(() => contextFromGitHub(prEnv({ DOCKER_METADATA_PR_HEAD_SHA: 'true' }), { number: 42 }, T)).toThrow(
      /DOCKER_METADATA_PR_HEAD_SHA=true, but the pull_request event payload has no pull_request.head.sha/,
    );
  });
});

describe('contextFromGitHub: the default branch of events whose payload does not name it', () => {
  const edgeConfig = parseConfig(
    'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: |\n      type=edge\n      type=raw,value=nightly,enable={{is_default_branch}}\n',
    'gantry.yml',
  );
  it('a schedule run (its payload is {schedule}) is on the default branch: edge and is_default_branch', () => {
    const c = contextFromGitHub(env({ GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/trunk' }), { schedule: '0 3 * * *' }, T);
    expect(c).toMatchObject({ event: 'branch', branch: 'trunk', defaultBranch: 'trunk' });
    expect(makePlan(edgeConfig, c).images[0]!.tagNames).toEqual(['edge', 'nightly']);
  });
  it.each(['issues', 'issue_comment', 'discussion', 'discussion_comment', 'repository_dispatch', 'workflow_run'])(
    '%s, without repository in its payload, runs on the default branch',
    (event) => {
      expect(contextFromGitHub(env({ GITHUB_EVENT_NAME: event, GITHUB_REF: 'refs/heads/main' }), {}, T)).toMatchObject({
        defaultBranch: 'main',
      });
    },
  );
  it("create: the ref is the branch created, the default branch is the payload's master_branch", () => {
    const c = contextFromGitHub(env({ GITHUB_EVENT_NAME: 'create', GITHUB_REF: 'refs/heads/feature/x' }), { master_branch: 'main' }, T);
    expect(c).toMatchObject({ event: 'branch', branch: 'feature/x', defaultBranch: 'main' });
    const withBranch = parseConfig(
      'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: |\n      type=edge\n      type=ref,event=branch\n',
      'gantry.yml',
    );
    expect(makePlan(withBranch, c).images[0]!.tagNames).toEqual(['feature-x']);
  });
  it("the payload's repository.default_branch wins; a push without it leaves the default branch unknown", () => {
    const c = contextFromGitHub(
      env({ GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main' }),
      { repository: { default_branch: 'main' } },
      T,
    );
    expect(c.defaultBranch).toBe('main');
    expect(contextFromGitHub(env({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/dev' }), {}, T)).not.toHaveProperty('defaultBranch');
  });
});
