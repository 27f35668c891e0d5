import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/plan/config/index.js';
import type { ReleaseContext } from '../../src/plan/release-context.js';
import { planMatrix, makePlan, type PlanOptions } from '../../src/plan/release.js';

// The seeds' scenarios, as golden files: `UPDATE_GOLDEN=1 npx vitest run test/plan/release.test.ts` rewrites them.
const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const base: ReleaseContext = {
  event: 'release',
  sha: SHA,
  commitTime: '2024-05-01T10:00:00Z',
  defaultBranch: 'main',
  repository: { owner: 'acme', name: 'api', url: 'https://github.com/acme/api' },
};

const ONE_IMAGE = `
images:
  - name: api
    repositories: [ghcr.io/acme/api, {name: docker.io/acme/api, optional: true}]
    description: The Acme API
    licenses: Apache-2.0
`;

const TWO_IMAGES = `
images:
  - name: api
    repositories: [ghcr.io/acme/api]
    platforms: [linux/amd64, linux/arm64]
  - name: worker
    repositories: [ghcr.io/acme/worker]
    platforms: [linux/amd64, linux/arm64, linux/arm/v7]
    build:
      dockerfile: Dockerfile.worker
      platform:
        linux/arm64: { dockerfile: Dockerfile.worker.arm64 }
        linux/arm/v7: { runner: self-hosted-arm32 }
`;

const scenarios: [string, string, ReleaseContext, PlanOptions][] = [
  [
    'release-v1.2.3',
    ONE_IMAGE,
    { ...base, event: 'release', tag: 'v1.2.3', ref: 'refs/tags/v1.2.3', prerelease: false },
    { existingTags: { api: ['1.2.2', '1.2', '1', 'latest'] } },
  ],
  [
    'prerelease-v1.0.0-beta.1',
    ONE_IMAGE,
    { ...base, event: 'release', tag: 'v1.0.0-beta.1', ref: 'refs/tags/v1.0.0-beta.1', prerelease: true },
    { existingTags: { api: [] } },
  ],
  [
    'backport-v1.4.9',
    ONE_IMAGE,
    { ...base, event: 'tag', tag: 'v1.4.9', ref: 'refs/tags/v1.4.9' },
    { existingTags: { api: ['2.0.0', '2.0', '2', '1.4.8', '1.4', '1', 'latest'] } },
  ],
  ['default-branch-push', ONE_IMAGE, { ...base, event: 'branch', branch: 'main', ref: 'refs/heads/main' }, {}],
  [
    'manual-dispatch-v2.0.0',
    ONE_IMAGE,
    { ...base, event: 'dispatch', tag: 'v2.0.0', ref: 'refs/heads/main' },
    { existingTags: { api: ['1.9.0'] } },
  ],
  ['pull-request-42', ONE_IMAGE, { ...base, event: 'pull_request', prNumber: 42, branch: 'feature/x', ref: 'refs/pull/42/merge' }, {}],
  [
    'two-images-per-platform-dockerfile',
    TWO_IMAGES,
    { ...base, event: 'release', tag: 'v3.1.0', ref: 'refs/tags/v3.1.0' },
    { existingTags: { api: [], worker: [] } },
  ],
];

describe('plan golden scenarios', () => {
  it.each(scenarios)('%s', async (name, yml, ctx, o) => {
    const plan = makePlan(parseConfig(yml, 'gantry.yml'), ctx, o);
    const doc = `${JSON.stringify({ plan, matrix: planMatrix(plan) }, null, 2)}\n`;
    const file = new URL(`./golden/${name}.json`, import.meta.url);
    if (process.env.UPDATE_GOLDEN) await writeFile(file, doc);
    expect(doc).toBe(await readFile(file, 'utf8'));
  });
});

describe('plan essentials (independent of the golden files)', () => {
  const cfg = parseConfig(ONE_IMAGE, 'gantry.yml');
  it('a release gets semver, v, floating and sha tags in every repository; created is the commit time', () => {
    const p = makePlan(cfg, { ...base, tag: 'v1.2.3' }, { existingTags: { api: [] } });
    expect(p.images[0]!.tagNames).toEqual(expect.arrayContaining(['1.2.3', 'v1.2.3', '1.2', '1', 'latest', 'sha-860c190']));
    expect(p.images[0]!.tags).toContain('docker.io/acme/api:1.2.3');
    expect(p.images[0]!.annotations['org.opencontainers.image.created']).toBe('2024-05-01T10:00:00Z');
    expect(p.images[0]!.labels).toMatchObject({
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/api',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
  });
  it('a pre-release never gets latest or a floating tag', () => {
    const p = makePlan(cfg, { ...base, tag: 'v1.0.0-beta.1' }, { existingTags: { api: [] } });
    expect(p.prerelease).toBe(true);
    expect(p.images[0]!.tagNames).not.toContain('latest');
    expect(p.images[0]!.tagNames).not.toContain('1');
  });
  it('a backport never takes latest from a higher release', () => {
    const p = makePlan(cfg, { ...base, event: 'tag', tag: 'v1.4.9' }, { existingTags: { api: ['2.0.0', '1.4.8'] } });
    expect(p.images[0]!.tagNames).toEqual(expect.arrayContaining(['1.4.9', '1.4', '1']));
    expect(p.images[0]!.tagNames).not.toContain('latest');
    expect(p.images[0]!.decisions.join('\n')).toMatch(/latest.*2\.0\.0/);
  });
  it('a pull request is planned but not pushed', () => {
    const p = makePlan(cfg, { ...base, event: 'pull_request', prNumber: 42 });
    expect(p.images[0]!.push).toBe(false);
    expect(p.images[0]!.tagNames).toContain('pr-42');
  });
  it('the matrix has native runners and per-platform Dockerfiles', () => {
    const p = makePlan(parseConfig(TWO_IMAGES, 'gantry.yml'), { ...base, tag: 'v1.0.0' });
    expect(planMatrix(p)).toContainEqual({
      image: 'worker',
      platform: 'linux/arm64',
      runner: 'ubuntu-24.04-arm',
      dockerfile: 'Dockerfile.worker.arm64',
    });
    expect(planMatrix(p)).toContainEqual({
      image: 'worker',
      platform: 'linux/arm/v7',
      runner: 'self-hosted-arm32',
      dockerfile: 'Dockerfile.worker',
    });
    expect(planMatrix(p)).toContainEqual({ image: 'api', platform: 'linux/amd64', runner: 'ubuntu-latest', dockerfile: 'Dockerfile' });
  });
  it('an event no rule covers is refused with a clear message', () => {
    const custom = parseConfig(
      `images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: type=semver,pattern={{version}}\n`,
      'gantry.yml',
    );
    expect(() => makePlan(custom, { ...base, event: 'branch', branch: 'main' })).toThrow(/no tag rule applies/);
  });
  it('a pull request no rule makes a tag for is built, not pushed; the same rules on a release are refused', () => {
    const semverOnly = parseConfig(
      `images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: type=semver,pattern={{version}}\n    push: { pullRequests: true }\n`,
      'gantry.yml',
    );
    const p = makePlan(semverOnly, { ...base, event: 'pull_request', prNumber: 7, ref: 'refs/pull/7/merge' });
    expect(p.images[0]).toMatchObject({ push: false, tags: [], tagNames: [], platforms: ['linux/amd64', 'linux/arm64'] });
    expect(p.images[0]!.builds).toHaveLength(2);
    expect(p.images[0]!.decisions).toContain('pull request: no rule makes a tag, so it is built, not pushed');
    expect(p.images[0]!.annotations['org.opencontainers.image.version']).toBeUndefined();
    expect(() => makePlan(semverOnly, { ...base, event: 'release', tag: 'nightly', ref: 'refs/tags/nightly' })).toThrow(
      /nothing to publish/,
    );
  });
  it('a repository written with capitals is lowercased, and the plan says so', () => {
    const p = makePlan(parseConfig('images:\n  - name: app\n    repositories: [ghcr.io/MyOrg/MyApp]\n', 'gantry.yml'), {
      ...base,
      tag: 'v1.0.0',
    });
    expect(p.images[0]!.tags).toContain('ghcr.io/myorg/myapp:1.0.0');
    expect(p.images[0]!.decisions[0]).toBe(
      'repository ghcr.io/MyOrg/MyApp written with capitals: lowercased to ghcr.io/myorg/myapp, as registries require (and metadata-action does)',
    );
  });
  it("DOCKER_METADATA_PR_HEAD_SHA's head commit names the sha tag, the revision stays the commit built; the short SHA's length is the context's", () => {
    const head = 'abcdef0123456789abcdef0123456789abcdef01';
    const p = makePlan(cfg, { ...base, event: 'pull_request', prNumber: 42, tagSha: head, shortShaLength: 12 });
    expect(p.images[0]!.tagNames).toEqual(['pr-42', 'sha-abcdef012345']);
    expect(p.revision).toBe(SHA);
    expect(p.images[0]!.annotations['org.opencontainers.image.revision']).toBe(SHA);
    expect(
      makePlan(cfg, { ...base, event: 'branch', branch: 'dev', ref: 'refs/heads/dev', shortShaLength: 40 }).images[0]!.tagNames,
    ).toContain(`sha-${SHA}`);
  });
});
