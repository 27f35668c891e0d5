// planTags beyond the scenario and metadata-action tables: latest modes, notes, invalid tags,
// and how the release context is read.
import { describe, expect, it } from 'vitest';
import type { ReleaseContext } from '../../../src/plan/release-context.js';
import { parseFlavor, parseTagRules, planTags, TagError, type LatestMode } from '../../../src/plan/tags/index.js';
import { SHA, SHORT, branchPush, dispatch, local, pullRequest, release, tagPush } from './contexts.js';

function plan(
  rules: string | undefined,
  context: ReleaseContext,
  more: { flavor?: string; existingTags?: string[]; latest?: LatestMode } = {},
) {
  return planTags({
    rules: rules === undefined ? undefined : parseTagRules(rules),
    context,
    ...(more.flavor === undefined ? {} : { flavor: parseFlavor(more.flavor) }),
    ...(more.existingTags === undefined ? {} : { existingTags: more.existingTags }),
    ...(more.latest === undefined ? {} : { latest: more.latest }),
  });
}

function thrown(f: () => unknown): TagError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TagError);
    return e as TagError;
  }
  throw new Error('expected a TagError');
}

describe('latest', () => {
  it('never: no latest on a release, and the decision says so', () => {
    const p = plan(undefined, release('v1.2.3'), { latest: 'never' });
    expect(p.tags).toEqual(['1.2.3', 'v1.2.3', '1.2', '1', SHORT]);
    expect(p.decisions).toContain('latest: not moved (latest=never)');
  });

  it('never: nothing to say on a branch push', () => {
    expect(plan(undefined, branchPush('master'), { latest: 'never' }).decisions).toEqual([]);
  });

  it('--latest wins over the flavor', () => {
    expect(plan('type=semver,pattern={{version}}', tagPush('v1.0.0'), { flavor: 'latest=false', latest: 'auto' }).tags).toEqual([
      '1.0.0',
      'latest',
    ]);
  });

  it('always: forced past a newer version in the registry, and the decision says so', () => {
    const p = plan(undefined, release('v1.4.9'), { latest: 'always', existingTags: ['2.0.0'] });
    expect(p.tags.at(-1)).toBe('latest');
    expect(p.decisions).toContain('latest: kept on 2.0.0, which is newer than 1.4.9; moved anyway because latest=always');
  });

  it('always: on the highest version it is an ordinary move', () => {
    const p = plan(undefined, release('v2.1.0'), { latest: 'always', existingTags: ['2.0.0'] });
    expect(p.decisions).toContain('latest: moves to 2.1.0 (highest in the registry; was 2.0.0)');
  });

  it('always: even a pre-release, with a warning', () => {
    const p = plan(undefined, release('v2.0.0-rc.1'), { latest: 'always' });
    expect(p.tags).toEqual(['2.0.0-rc.1', 'v2.0.0-rc.1', SHORT, 'latest']);
    expect(p.decisions).toContain('latest: moves to pre-release 2.0.0-rc.1 because latest=always; users pulling latest get a pre-release');
  });

  it('always: on a branch push (metadata-action flavor latest=true)', () => {
    const p = plan(undefined, branchPush('dev'), { latest: 'always' });
    expect(p.tags).toEqual(['dev', SHORT, 'latest']);
    expect(p.decisions).toEqual(['latest: moves to this build (latest=always)']);
  });

  it('auto: a git tag that is not semver does not take latest (gantry cannot compare it)', () => {
    const p = plan('type=ref,event=tag', tagPush('nightly'));
    expect(p.tags).toEqual(['nightly']);
    expect(p).not.toHaveProperty('version');
    expect(p.decisions).toEqual([
      'latest: not moved, "nightly" is not a semver version so gantry cannot tell whether it is the newest (latest=always forces it)',
    ]);
  });

  it('auto: type=ref,event=tag judges the explicit version, which wins over the tag', () => {
    const p = plan('type=ref,event=tag', tagPush('release-7', { version: '7.0.0' }), { existingTags: ['6.0.0'] });
    expect(p.tags).toEqual(['release-7', 'latest']);
    expect(p.version).toBe('7.0.0');
  });

  it('auto: type=ref,event=tag on a pre-release tag', () => {
    expect(plan('type=ref,event=tag', tagPush('v3.0.0-alpha.1')).decisions).toEqual(['latest: not moved, 3.0.0-alpha.1 is a pre-release']);
  });

  it('uses the flavor prefix and suffix in the latest decision', () => {
    const p = plan('type=semver,pattern={{version}}', tagPush('v1.0.0'), {
      flavor: 'suffix=-slim,onlatest=true',
      existingTags: ['1.1.0-slim'],
    });
    expect(p.tags).toEqual(['1.0.0-slim']);
    expect(p.decisions).toEqual(['latest-slim: kept on 1.1.0, which is newer than 1.0.0']);
  });
});

describe('notes and skipped rules', () => {
  it('says when a semver rule reads something that is not semver', () => {
    const p = plan(undefined, tagPush('nightly-2024'));
    expect(p.tags).toEqual([SHORT]);
    expect(p.decisions).toEqual(['"nightly-2024" is not a semver version, so type=semver rules make no tag']);
  });

  it('says when match= does not match, and reads the whole text', () => {
    const p = plan('type=semver,pattern={{version}},match=^api-(.*)$', tagPush('v1.0.0'), { latest: 'never' });
    expect(p.tags).toEqual(['1.0.0']);
    expect(p.decisions[0]).toBe('match=^api-(.*)$ does not match "v1.0.0", so the whole text is read as the version');
  });

  it('ignores an empty match=', () => {
    expect(plan('type=semver,pattern={{version}},match=', tagPush('v1.0.0'), { latest: 'never' }).tags).toEqual(['1.0.0']);
  });

  it('takes the whole match when match= has no group', () => {
    expect(plan('type=semver,pattern={{version}},match=\\d+\\.\\d+\\.\\d+', tagPush('api/1.2.3'), { latest: 'never' }).tags).toEqual([
      '1.2.3',
    ]);
  });

  it('skips an empty tag, even with a prefix (metadata-action would push the bare prefix)', () => {
    const p = plan('type=raw,value={{tag}},prefix=x-\ntype=sha', branchPush('dev'));
    expect(p.tags).toEqual([SHORT]);
    expect(p.decisions).toEqual(['rule 1 (type=raw,value={{tag}},prefix=x-) makes an empty tag here; skipped']);
  });

  it('says when no rule makes a tag', () => {
    expect(plan('type=semver,pattern={{version}}', pullRequest(7))).toEqual({
      tags: [],
      versionTags: [],
      prerelease: false,
      decisions: ['no rule makes a tag for this pull_request event'],
    });
  });

  it('says when the default branch is not known', () => {
    const p = plan(undefined, { sha: SHA, commitTime: '2020-01-10T00:30:00Z', event: 'branch', branch: 'main' });
    expect(p.tags).toEqual(['main', SHORT]);
    expect(p.decisions).toEqual([
      'type=edge: the default branch is not known, so no edge tag (name it with type=edge,branch=NAME)',
      'the default branch is not known, so {{is_not_default_branch}} takes main as another branch',
    ]);
  });

  it('renders the boolean expressions as text', () => {
    expect(plan('type=raw,value=d-{{is_default_branch}}-{{is_not_default_branch}}', branchPush('master')).tags).toEqual(['d-true-false']);
  });
});

describe('invalid tags', () => {
  it('names the rule and its line', () => {
    const e = thrown(() => plan('# tags\ntype=raw,value=-x', local()));
    expect(e).toMatchObject({ code: 'TAG_INVALID', line: 2, userError: true });
    expect(e.message).toBe(
      'rule 2 (type=raw,value=-x) makes "-x", which is not a valid tag: a tag starts with a letter, digit or "_" and holds only letters, digits, "_", "." and "-"',
    );
  });

  it('says when a tag is too long, naming gantry default rule that made it', () => {
    const e = thrown(() => plan(undefined, branchPush(`feature/${'x'.repeat(130)}`)));
    expect(e).toMatchObject({ code: 'TAG_INVALID', line: undefined });
    expect(e.message).toMatch(
      /^gantry's default rule \(type=ref,event=branch,enable=\{\{is_not_default_branch\}\}\) makes "feature-x+", which is not a valid tag: it is 138 characters long, and a tag holds at most 128$/,
    );
  });

  it('checks latest as the flavor makes it', () => {
    const e = thrown(() => plan('type=sha', branchPush('dev'), { flavor: 'latest=true\nprefix=.,onlatest=true' }));
    expect(e.message).toBe(
      'the flavor (prefix/suffix with onlatest=true) makes ".latest", which is not a valid tag: a tag starts with a letter, digit or "_" and holds only letters, digits, "_", "." and "-"',
    );
  });

  it('refuses a commit time that is not a time', () => {
    const e = thrown(() => plan("type=raw,value={{commit_date 'YYYY'}}", branchPush('dev', { commitTime: 'yesterday' })));
    expect(e).toMatchObject({ code: 'TAG_INVALID' });
    expect(e.message).toBe('{{commit_date}}: the commit time "yesterday" is not an RFC 3339 time');
  });
});

describe('reading the release context', () => {
  const ALL = 'type=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr\ntype=raw,value=t-{{tag}}-b-{{branch}}';
  const base = { sha: SHA, commitTime: '2020-01-10T00:30:00Z' };

  it.each<[string, ReleaseContext, string[]]>([
    ['a tag push known only by its ref', { ...base, event: 'tag', ref: 'refs/tags/v1.0.0' }, ['v1.0.0', 't-v1.0.0-b-', 'latest']],
    ['a release without tag or ref', { ...base, event: 'release' }, ['t--b-']],
    ['a branch push known only by its ref', { ...base, event: 'branch', ref: 'refs/heads/dev' }, ['dev', 't--b-dev']],
    ['a branch push without branch or ref', { ...base, event: 'branch' }, ['t--b-']],
    ['a pull request known only by its ref', { ...base, event: 'pull_request', ref: 'refs/pull/9/merge' }, ['pr-9', 't--b-']],
    ['a pull request ref that is not refs/pull', { ...base, event: 'pull_request', ref: 'refs/heads/x' }, ['t--b-']],
    ['a pull request without number or ref', { ...base, event: 'pull_request', branch: 'x' }, ['t--b-']],
    ['a dispatch with a tag', dispatch('dev', { tag: 'v2.0.0' }), ['v2.0.0', 't-v2.0.0-b-', 'latest']],
    ['a dispatch with neither tag nor branch', { ...base, event: 'dispatch' }, ['t--b-']],
    ['a local run on a tag', local({ tag: 'v1.0.0', branch: 'main' }), ['v1.0.0', 't-v1.0.0-b-', 'latest']],
  ])('%s', (_name, context, tags) => {
    expect(plan(ALL, context).tags).toEqual(tags);
  });

  it('reports an explicit version that is not semver as it is, and no floating tags', () => {
    const p = plan(undefined, release('v1.2.3', { version: 'build-42' }));
    expect(p.version).toBe('build-42');
    expect(p.tags).toEqual([SHORT]);
  });

  it('reports no version for a tag that is not semver', () => {
    expect(plan(undefined, tagPush('stable'))).not.toHaveProperty('version');
  });

  it('reads the registry through a rule prefix too', () => {
    const p = plan('type=semver,pattern={{version}},prefix=api-\ntype=semver,pattern={{major}},prefix=api-', tagPush('v1.0.0'), {
      existingTags: ['api-1.1.0', 'api-', 'other'],
    });
    expect(p.tags).toEqual(['api-1.0.0']);
    expect(p.decisions).toContain('api-1: kept on 1.1.0, which is newer than 1.0.0');
  });
});
