// Golden tests: gantry's default tags for every scenario in the seeds (docs/seeds: release
// v1.2.3, pre-release v1.0.0-beta.1, backport, branch pushes, pull request, manual dispatch).
import { describe, expect, it } from 'vitest';
import type { ReleaseContext } from '../../../src/plan/release-context.js';
import { planTags, type TagPlan } from '../../../src/plan/tags/index.js';
import { SHORT, branchPush, dispatch, local, pullRequest, release, tagPush } from './contexts.js';

interface Scenario {
  readonly name: string;
  readonly context: ReleaseContext;
  readonly existingTags?: readonly string[];
  /** The plan without versionTags, which version-tags.test.ts covers. */
  readonly want: Omit<TagPlan, 'versionTags'>;
}

const offline = (v: string, ...names: string[]): string[] =>
  names.map((n) => `${n}: not checked against the registry (--no-registry-check); moves to ${v}`);

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'release v1.2.3, registry not checked',
    context: release('v1.2.3'),
    want: {
      tags: ['1.2.3', 'v1.2.3', '1.2', '1', SHORT, 'latest'],
      version: '1.2.3',
      prerelease: false,
      decisions: offline('1.2.3', '1.2', '1', 'latest'),
    },
  },
  {
    name: 'release v1.2.3 after v1.2.2',
    context: release('v1.2.3'),
    existingTags: ['1.2.2', 'v1.2.2', '1.2', '1', 'latest', 'sha-0123456'],
    want: {
      tags: ['1.2.3', 'v1.2.3', '1.2', '1', SHORT, 'latest'],
      version: '1.2.3',
      prerelease: false,
      decisions: [
        '1.2: moves to 1.2.3 (highest in 1.2.x; was 1.2.2)',
        '1: moves to 1.2.3 (highest in 1.x; was 1.2.2)',
        'latest: moves to 1.2.3 (highest in the registry; was 1.2.2)',
      ],
    },
  },
  {
    name: 'first release into an empty repository',
    context: tagPush('v0.1.0'),
    existingTags: [],
    want: {
      tags: ['0.1.0', 'v0.1.0', '0.1', '0', SHORT, 'latest'],
      version: '0.1.0',
      prerelease: false,
      decisions: [
        '0.1: moves to 0.1.0 (no stable version in 0.1.x yet)',
        '0: moves to 0.1.0 (no stable version in 0.x yet)',
        'latest: moves to 0.1.0 (no stable version in the registry yet)',
      ],
    },
  },
  {
    name: 'pre-release v1.0.0-beta.1 (semver pre-release)',
    context: release('v1.0.0-beta.1'),
    existingTags: ['0.9.0', 'latest'],
    want: {
      tags: ['1.0.0-beta.1', 'v1.0.0-beta.1', SHORT],
      version: '1.0.0-beta.1',
      prerelease: true,
      decisions: [
        '{{major}}.{{minor}}: no floating tag for pre-release 1.0.0-beta.1',
        '{{major}}: no floating tag for pre-release 1.0.0-beta.1',
        'latest: not moved, 1.0.0-beta.1 is a pre-release',
      ],
    },
  },
  {
    name: 'release v1.3.0 that GitHub marks as a pre-release',
    context: release('v1.3.0', { prerelease: true }),
    want: {
      tags: ['1.3.0', 'v1.3.0', SHORT],
      version: '1.3.0',
      prerelease: true,
      decisions: [
        '{{major}}.{{minor}}: no floating tag for pre-release 1.3.0 (GitHub marks the release as a pre-release)',
        '{{major}}: no floating tag for pre-release 1.3.0 (GitHub marks the release as a pre-release)',
        'latest: not moved, 1.3.0 is a pre-release',
      ],
    },
  },
  {
    name: 'backport v1.4.9 when 2.0.0 exists and 1.4.9 is the highest 1.x',
    context: release('v1.4.9'),
    existingTags: ['1.4.8', 'v1.4.8', '1.4', '1', '2.0.0', 'v2.0.0', '2.0', '2', 'latest', '2.1.0-rc.1'],
    want: {
      tags: ['1.4.9', 'v1.4.9', '1.4', '1', SHORT],
      version: '1.4.9',
      prerelease: false,
      decisions: [
        '1.4: moves to 1.4.9 (highest in 1.4.x; was 1.4.8)',
        '1: moves to 1.4.9 (highest in 1.x; was 1.4.8)',
        'latest: kept on 2.0.0, which is newer than 1.4.9',
      ],
    },
  },
  {
    name: 'backport v1.4.9 when 1.5.0 and 2.0.0 exist',
    context: release('v1.4.9'),
    existingTags: ['v1.4.8', 'v1.5.0', 'v2.0.0'],
    want: {
      tags: ['1.4.9', 'v1.4.9', '1.4', SHORT],
      version: '1.4.9',
      prerelease: false,
      decisions: [
        '1.4: moves to 1.4.9 (highest in 1.4.x; was 1.4.8)',
        '1: kept on 1.5.0, which is newer than 1.4.9',
        'latest: kept on 2.0.0, which is newer than 1.4.9',
      ],
    },
  },
  {
    name: 're-running the release of the highest version',
    context: release('v2.0.0'),
    existingTags: ['2.0.0', 'v2.0.0', '1.9.9'],
    want: {
      tags: ['2.0.0', 'v2.0.0', '2.0', '2', SHORT, 'latest'],
      version: '2.0.0',
      prerelease: false,
      decisions: [
        '2.0: moves to 2.0.0 (already the highest in 2.0.x)',
        '2: moves to 2.0.0 (already the highest in 2.x)',
        'latest: moves to 2.0.0 (already the highest in the registry)',
      ],
    },
  },
  {
    name: 'push to the default branch',
    context: branchPush('master'),
    want: { tags: ['edge', SHORT], prerelease: false, decisions: [] },
  },
  {
    name: 'push to another branch feature/x',
    context: branchPush('feature/x'),
    want: { tags: ['feature-x', SHORT], prerelease: false, decisions: [] },
  },
  {
    name: 'pull request 42',
    context: pullRequest(42),
    want: { tags: ['pr-42', SHORT], prerelease: false, decisions: [] },
  },
  {
    name: 'manual dispatch with the tag v2.0.0 (a release of that tag)',
    context: dispatch('master', { tag: 'v2.0.0' }),
    existingTags: ['1.9.0'],
    want: {
      tags: ['2.0.0', 'v2.0.0', '2.0', '2', SHORT, 'latest'],
      version: '2.0.0',
      prerelease: false,
      decisions: [
        '2.0: moves to 2.0.0 (no stable version in 2.0.x yet)',
        '2: moves to 2.0.0 (no stable version in 2.x yet)',
        'latest: moves to 2.0.0 (highest in the registry; was 1.9.0)',
      ],
    },
  },
  {
    name: 'manual dispatch without a tag (the branch it runs on)',
    context: dispatch('master'),
    want: { tags: ['edge', SHORT], prerelease: false, decisions: [] },
  },
  {
    name: 'local run with a tag on HEAD',
    context: local({ tag: 'v1.2.3', branch: 'master' }),
    want: {
      tags: ['1.2.3', 'v1.2.3', '1.2', '1', SHORT, 'latest'],
      version: '1.2.3',
      prerelease: false,
      decisions: offline('1.2.3', '1.2', '1', 'latest'),
    },
  },
  {
    name: 'local run on a branch',
    context: local({ branch: 'fix/login', defaultBranch: 'main' }),
    want: { tags: ['fix-login', SHORT], prerelease: false, decisions: [] },
  },
  {
    name: 'local run on a detached HEAD without a tag',
    context: local(),
    want: { tags: [SHORT], prerelease: false, decisions: [] },
  },
  {
    // Issue 12: an explicit version is a release and gets release tags only, no `edge` beside `latest`.
    name: 'explicit --version on a default-branch push',
    context: branchPush('master', { version: 'v3.1.0' }),
    want: {
      tags: ['3.1.0', 'v3.1.0', '3.1', '3', SHORT, 'latest'],
      version: '3.1.0',
      prerelease: false,
      decisions: offline('3.1.0', '3.1', '3', 'latest'),
    },
  },
  {
    name: 'explicit --version on another branch: no branch tag either',
    context: branchPush('feature/x', { version: '1.0.0' }),
    want: {
      tags: ['1.0.0', '1.0', '1', SHORT, 'latest'],
      version: '1.0.0',
      prerelease: false,
      decisions: offline('1.0.0', '1.0', '1', 'latest'),
    },
  },
];

describe('planTags with gantry defaults (seed scenarios)', () => {
  it.each(SCENARIOS)('$name', ({ context, existingTags, want }) => {
    // versionTags (which tags name the version whole) has its own tests: version-tags.test.ts.
    const { versionTags: _, ...got } = planTags({ rules: undefined, context, ...(existingTags ? { existingTags } : {}) });
    expect(got).toEqual(want);
  });

  it('treats an empty rule list like no rules, as metadata-action treats an empty tags input', () => {
    expect(planTags({ rules: [], context: release('v1.2.3') })).toEqual(planTags({ rules: undefined, context: release('v1.2.3') }));
  });
});
