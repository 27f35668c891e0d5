// PEP 440 parsing and normal form, against the examples of PEP 440 ("Normalization") and the
// outputs metadata-action's tests expect from @renovate/pep440 (1.1beta2 → 1.1b2, 1.0dev4 → 1.0.dev4).
import { describe, expect, it } from 'vitest';
import { isPep440Prerelease, normalizePep440, parsePep440, pep440Part } from '../../../src/plan/tags/pep440.js';
import { parseTagRules, planTags } from '../../../src/plan/tags/index.js';
import { tagPush } from './contexts.js';

describe('PEP 440', () => {
  it.each([
    ['1.2', '1.2', false],
    ['v1.2.3', '1.2.3', false],
    ['1.1beta2', '1.1b2', true],
    ['1.1alpha1', '1.1a1', true],
    ['1.0c1', '1.0rc1', true],
    ['1.0preview2', '1.0rc2', true],
    ['1.2.3rc2', '1.2.3rc2', true],
    ['1.0-rc.1', '1.0rc1', true],
    ['1.0a', '1.0a0', true],
    ['1.0dev4', '1.0.dev4', true],
    ['1.0-dev', '1.0.dev0', true],
    ['1.2post1', '1.2.post1', true],
    ['1.0-1', '1.0.post1', true],
    ['1.0.rev2', '1.0.post2', true],
    ['1.0r', '1.0.post0', true],
    ['1!2.0', '1!2.0', false],
    ['1.0+Ubuntu-1', '1.0+ubuntu.1', false],
    ['1.0RC1', '1.0rc1', true],
    ['1.0a1.post2.dev3', '1.0a1.post2.dev3', true],
    ['01.002', '1.2', false],
  ])('%s is %s', (text, normal, pre) => {
    const v = parsePep440(text);
    expect(v, `${text} parses`).not.toBeNull();
    expect(normalizePep440(v!)).toBe(normal);
    expect(isPep440Prerelease(v!)).toBe(pre);
  });

  it.each(['', 'sometag', '1.2.3-beta.67.x', 'v', '1..2', '1.0+', 'release1', '20200110-RC2x'])('refuses %j', (text) => {
    expect(parsePep440(text)).toBeNull();
  });

  it('reads major, minor and patch as 0 when the release segment is short', () => {
    const v = parsePep440('2')!;
    expect([pep440Part(v, 0), pep440Part(v, 1), pep440Part(v, 2)]).toEqual([2, 0, 0]);
  });

  it('renders patterns as metadata-action does on stable and pre-releases', () => {
    const rules = parseTagRules('type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}.{{minor}}\ntype=pep440,pattern={{raw}}');
    expect(planTags({ rules, context: tagPush('v1.2') }).tags).toEqual(['1.2', 'v1.2', 'latest']);
    const pre = planTags({ rules, context: tagPush('1.1beta2') });
    expect(pre.tags).toEqual(['1.1b2', '1.1beta2']);
    expect(pre.prerelease).toBe(true);
  });
});
