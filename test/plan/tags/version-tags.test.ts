// Which planned tags name the version whole (a published version is immutable: publish refuses
// to move them) and which float (they move as planned).
import { describe, expect, it } from 'vitest';
import type { ReleaseContext } from '../../../src/plan/release-context.js';
import { parseFlavor, parseTagRules, planTags } from '../../../src/plan/tags/index.js';
import { branchPush, release, tagPush } from './contexts.js';

function plan(rules: string | undefined, context: ReleaseContext, flavor?: string) {
  return planTags({
    rules: rules === undefined ? undefined : parseTagRules(rules),
    context,
    existingTags: [],
    ...(flavor === undefined ? {} : { flavor: parseFlavor(flavor) }),
  });
}

describe('version tags', () => {
  it("gantry's defaults: 1.2.3 and v1.2.3 name the version; 1.2, 1, sha-…, latest float", () => {
    const t = plan(undefined, release('v1.2.3'));
    expect(t.tags).toEqual(['1.2.3', 'v1.2.3', '1.2', '1', 'sha-860c190', 'latest']);
    expect(t.versionTags).toEqual(['1.2.3', 'v1.2.3']);
  });

  it('a pre-release: every tag rendered from the version is a version tag', () => {
    const t = plan(undefined, release('v1.0.0-rc.1'));
    expect(t.versionTags).toEqual(['1.0.0-rc.1', 'v1.0.0-rc.1']);
  });

  it('patterns that pin the patch, the git tag itself, with affixes', () => {
    const t = plan(
      [
        'type=semver,pattern={{major}}.{{minor}}.{{patch}}',
        'type=semver,pattern={{major}}.{{minor}}',
        'type=ref,event=tag',
        'type=raw,value=stable',
        'type=sha',
      ].join('\n'),
      tagPush('v2.3.4'),
      'suffix=-alpine',
    );
    expect(t.tags).toEqual(['2.3.4-alpine', '2.3-alpine', 'v2.3.4-alpine', 'stable-alpine', 'sha-860c190-alpine', 'latest']);
    expect(t.versionTags).toEqual(['2.3.4-alpine', 'v2.3.4-alpine']);
  });

  it('a git tag that is not a version, and branch pushes, have no version tags', () => {
    expect(plan('type=ref,event=tag', tagPush('nightly')).versionTags).toEqual([]);
    expect(plan(undefined, branchPush('master')).versionTags).toEqual([]);
  });

  it('an explicit version names the version tags', () => {
    const t = plan(undefined, branchPush('master', { version: '3.0.0' }));
    expect(t.versionTags).toContain('3.0.0');
    expect(t.versionTags).not.toContain('edge');
  });
});
