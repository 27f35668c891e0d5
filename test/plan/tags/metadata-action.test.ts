// gantry reads docker/metadata-action's `tags` and `flavor` syntax. Each row is an example from
// metadata-action's README (https://github.com/docker/metadata-action, sections "Usage",
// "tags input", "Global expressions", "Major version zero") or from its tests
// (__tests__/meta.test.ts, e.g. tag21/tag22 for flavor suffixes), with the tags it documents.
// Contexts use metadata-action's fixtures: commit 860c190…, default branch master.
//
// Without existingTags (offline), gantry makes the same tags as metadata-action, except in the
// rows marked `differs`, each with the reason. Registry-aware floating tags, gantry's intended
// difference, only apply when existingTags are given (see scenarios.test.ts, floating.property.test.ts).
import { describe, expect, it } from 'vitest';
import type { ReleaseContext } from '../../../src/plan/release-context.js';
import { parseFlavor, parseTagRules, planTags } from '../../../src/plan/tags/index.js';
import { SHA, SHORT, branchPush, dispatch, pullRequest, tagPush } from './contexts.js';

interface Row {
  readonly rules: string;
  readonly flavor?: string;
  readonly on: ReleaseContext;
  /** What gantry makes. */
  readonly tags: readonly string[];
  /** What metadata-action makes, when it differs, and why gantry departs. */
  readonly differs?: { readonly metadataAction: readonly string[]; readonly why: string };
}

const BASIC = 'type=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr';
const SEMVER_EXAMPLE = 'type=ref,event=branch\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}';
const NO_LATEST = 'latest=false';
const PRERELEASE_LATEST = 'a pre-release never takes latest in gantry (seeds: "it should NOT be tagged as latest")';

const ROWS: Readonly<Record<string, Row>> = {
  // README "Usage / Basic" (metadata-action's default rules without type=schedule).
  'basic: pull_request refs/pull/2/merge': { rules: BASIC, on: pullRequest(2), tags: ['pr-2'] },
  'basic: push refs/heads/master': { rules: BASIC, on: branchPush('master'), tags: ['master'] },
  'basic: push refs/heads/releases/v1': { rules: BASIC, on: branchPush('releases/v1'), tags: ['releases-v1'] },
  'basic: push tag v1.2.3': { rules: BASIC, on: tagPush('v1.2.3'), tags: ['v1.2.3', 'latest'] },
  'basic: push tag v2.0.8-beta.67': {
    rules: BASIC,
    on: tagPush('v2.0.8-beta.67'),
    tags: ['v2.0.8-beta.67'],
    differs: { metadataAction: ['v2.0.8-beta.67', 'latest'], why: PRERELEASE_LATEST },
  },
  'basic: workflow_dispatch refs/heads/master': { rules: BASIC, on: dispatch('master'), tags: ['master'] },
  // README "Usage / Semver".
  'semver example: pull_request': { rules: SEMVER_EXAMPLE, on: pullRequest(2), tags: ['pr-2'] },
  'semver example: push master': { rules: SEMVER_EXAMPLE, on: branchPush('master'), tags: ['master'] },
  'semver example: push releases/v1': { rules: SEMVER_EXAMPLE, on: branchPush('releases/v1'), tags: ['releases-v1'] },
  'semver example: tag v1.2.3': { rules: SEMVER_EXAMPLE, on: tagPush('v1.2.3'), tags: ['1.2.3', '1.2', 'latest'] },
  'semver example: tag v2.0.8-beta.67': { rules: SEMVER_EXAMPLE, on: tagPush('v2.0.8-beta.67'), tags: ['2.0.8-beta.67'] },
  // README "type=semver" pattern table (latest=false isolates the pattern's own output).
  'semver {{raw}} on v1.2.3': { rules: 'type=semver,pattern={{raw}}', flavor: NO_LATEST, on: tagPush('v1.2.3'), tags: ['v1.2.3'] },
  'semver {{version}} on v1.2.3': { rules: 'type=semver,pattern={{version}}', flavor: NO_LATEST, on: tagPush('v1.2.3'), tags: ['1.2.3'] },
  'semver {{major}}.{{minor}} on v1.2.3': {
    rules: 'type=semver,pattern={{major}}.{{minor}}',
    flavor: NO_LATEST,
    on: tagPush('v1.2.3'),
    tags: ['1.2'],
  },
  'semver v{{major}} on v1.2.3': { rules: 'type=semver,pattern=v{{major}}', flavor: NO_LATEST, on: tagPush('v1.2.3'), tags: ['v1'] },
  'semver {{minor}} on v1.2.3': { rules: 'type=semver,pattern={{minor}}', flavor: NO_LATEST, on: tagPush('v1.2.3'), tags: ['2'] },
  'semver {{patch}} on v1.2.3': { rules: 'type=semver,pattern={{patch}}', flavor: NO_LATEST, on: tagPush('v1.2.3'), tags: ['3'] },
  'semver {{version}} match=v(\\d.\\d.\\d)$ on p1/v1.2.3': {
    rules: 'type=semver,pattern={{version}},match=v(\\d.\\d.\\d)$',
    flavor: NO_LATEST,
    on: tagPush('p1/v1.2.3'),
    tags: ['1.2.3'],
  },
  'semver {{raw}} on v2.0.8-beta.67': { rules: 'type=semver,pattern={{raw}}', on: tagPush('v2.0.8-beta.67'), tags: ['v2.0.8-beta.67'] },
  'semver {{version}} on v2.0.8-beta.67': {
    rules: 'type=semver,pattern={{version}}',
    on: tagPush('v2.0.8-beta.67'),
    tags: ['2.0.8-beta.67'],
  },
  'semver {{major}} on v2.0.8-beta.67': { rules: 'type=semver,pattern={{major}}', on: tagPush('v2.0.8-beta.67'), tags: ['2.0.8-beta.67'] },
  'semver {{major}}.{{minor}} on v2.0.8-beta.67': {
    rules: 'type=semver,pattern={{major}}.{{minor}}',
    on: tagPush('v2.0.8-beta.67'),
    tags: ['2.0.8-beta.67'],
  },
  'semver {{version}} + {{major}}.{{minor}} on v2.0.8-beta.67 (the second adds nothing)': {
    rules: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}',
    on: tagPush('v2.0.8-beta.67'),
    tags: ['2.0.8-beta.67'],
  },
  'semver v{{version}} on v2.0.8-beta.67': {
    rules: 'type=semver,pattern=v{{version}}',
    on: tagPush('v2.0.8-beta.67'),
    tags: ['v2.0.8-beta.67'],
    differs: {
      metadataAction: ['2.0.8-beta.67'],
      why: 'a pattern that names the whole version ({{version}} or {{raw}}) is not floating, so gantry renders it as written for a pre-release',
    },
  },
  'semver value=v1.0.0 on a branch push': {
    rules: 'type=semver,pattern={{version}},value=v1.0.0',
    on: branchPush('dev'),
    tags: ['1.0.0', 'latest'],
  },
  // README "Major version zero".
  'major zero: v0.1.2': {
    rules: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=semver,pattern={{major}}',
    on: tagPush('v0.1.2'),
    tags: ['0.1.2', '0.1', '0', 'latest'],
  },
  // README "type=ref".
  'ref branch on refs/heads/my/branch': { rules: 'type=ref,event=branch', on: branchPush('my/branch'), tags: ['my-branch'] },
  'ref tag on v1.2.3': { rules: 'type=ref,event=tag', flavor: NO_LATEST, on: tagPush('v1.2.3'), tags: ['v1.2.3'] },
  'ref pr on PR 2': { rules: 'type=ref,event=pr', on: pullRequest(2), tags: ['pr-2'] },
  // README "type=sha".
  'sha (short)': { rules: 'type=sha', on: branchPush('master'), tags: [SHORT] },
  'sha format=long': { rules: 'type=sha,format=long', on: branchPush('master'), tags: [`sha-${SHA}`] },
  'sha without prefix': { rules: 'type=sha,prefix=', on: branchPush('master'), tags: ['860c190'] },
  // README "type=raw": three spellings.
  'raw value=foo, value=bar': { rules: 'type=raw,value=foo\ntype=raw,value=bar', on: branchPush('master'), tags: ['foo', 'bar'] },
  'raw bare values': { rules: 'type=raw,foo\nbar', on: branchPush('master'), tags: ['foo', 'bar'] },
  // README "type=edge".
  'edge on the default branch': { rules: 'type=edge', on: branchPush('master'), tags: ['edge'] },
  'edge on another branch': { rules: 'type=edge\ntype=sha', on: branchPush('dev'), tags: [SHORT] },
  'edge,branch=dev on dev': { rules: 'type=edge,branch=dev', on: branchPush('dev'), tags: ['edge'] },
  // README "Latest tag" and "Global expressions".
  'raw latest enable={{is_default_branch}} on master': {
    rules: 'type=raw,value=latest,enable={{is_default_branch}}',
    on: branchPush('master'),
    tags: ['latest'],
  },
  'raw latest enable={{is_default_branch}} on dev': {
    rules: 'type=raw,value=latest,enable={{is_default_branch}}\ntype=sha',
    on: branchPush('dev'),
    tags: [SHORT],
  },
  'raw enable={{is_not_default_branch}} on dev': {
    rules: 'type=raw,value=preview,enable={{is_not_default_branch}}',
    on: branchPush('dev'),
    tags: ['preview'],
  },
  'sha prefix={{branch}}-': { rules: 'type=sha,prefix={{branch}}-', on: branchPush('master'), tags: ['master-860c190'] },
  'raw value=mytag-{{branch}}-{{sha}}': {
    rules: 'type=raw,value=mytag-{{branch}}-{{sha}}',
    on: branchPush('master'),
    tags: ['mytag-master-860c190'],
  },
  '{{branch}} on my/branch': { rules: 'type=raw,value={{branch}}', on: branchPush('my/branch'), tags: ['my-branch'] },
  '{{tag}} on v1.2.3': { rules: 'type=raw,value={{tag}}', on: tagPush('v1.2.3'), tags: ['v1.2.3'] },
  "{{commit_date 'YYYYMMDD'}}": {
    rules: "type=raw,value=nightly-{{commit_date 'YYYYMMDD'}}",
    on: branchPush('master'),
    tags: ['nightly-20200110'],
  },
  // README "priority attribute": the highest first, and it decides latest.
  'priority: sha before semver, so no latest': {
    rules: 'type=semver,pattern={{version}}\ntype=sha,priority=1001',
    on: tagPush('v1.2.3'),
    tags: [SHORT, '1.2.3'],
  },
  // README "flavor input"; metadata-action tests tag21 and tag22.
  'flavor suffix=-dev,onlatest=true': {
    rules: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}.{{patch}}',
    flavor: 'suffix=-dev,onlatest=true',
    on: tagPush('v1.1.1'),
    tags: ['1.1.1-dev', 'latest-dev'],
  },
  'flavor prefix=foo- and suffix=-dev, both onlatest': {
    rules: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}.{{patch}}',
    flavor: 'prefix=foo-,onlatest=true\nsuffix=-dev,onlatest=true',
    on: tagPush('v1.1.1'),
    tags: ['foo-1.1.1-dev', 'foo-latest-dev'],
  },
  'flavor prefix=foo- without onlatest': {
    rules: 'type=semver,pattern={{version}}',
    flavor: 'prefix=foo-',
    on: tagPush('v1.1.1'),
    tags: ['foo-1.1.1', 'latest'],
  },
  'flavor prefix does not replace a rule prefix': {
    rules: 'type=sha\ntype=ref,event=branch',
    flavor: 'prefix=app-',
    on: branchPush('dev'),
    tags: ['app-dev', SHORT],
  },
  'flavor latest=true on a branch': {
    rules: 'type=ref,event=branch',
    flavor: 'latest=true',
    on: branchPush('master'),
    tags: ['master', 'latest'],
  },
  'flavor latest=false on a release': {
    rules: 'type=semver,pattern={{version}}',
    flavor: 'latest=false',
    on: tagPush('v1.2.3'),
    tags: ['1.2.3'],
  },
};

describe('metadata-action rule syntax, against the outputs metadata-action documents', () => {
  it.each(Object.entries(ROWS))('%s', (_name, row) => {
    const got = planTags({
      rules: parseTagRules(row.rules),
      ...(row.flavor === undefined ? {} : { flavor: parseFlavor(row.flavor) }),
      context: row.on,
    });
    expect(got.tags).toEqual(row.tags);
    if (row.differs) expect(row.differs.metadataAction).not.toEqual(row.tags);
  });

  it('has at least 20 rows, and a reason for every difference', () => {
    const rows = Object.values(ROWS);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const r of rows) if (r.differs) expect(r.differs.why).not.toBe('');
  });
});
