// Property: publish any sequence of stable and pre-release versions, in any order, each planned
// against the tags the registry holds at that moment (existingTags = every tag pushed so far).
// Then `latest` always names the highest stable version published so far, `X` and `X.Y` the
// highest in their range, and no floating tag ever moves to a lower version than it names.
import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { parseFlavor, parseTagRules, planTags, type Flavor, type TagRule } from '../../../src/plan/tags/index.js';
import { release } from './contexts.js';

interface Setup {
  readonly rules: readonly TagRule[] | undefined;
  readonly flavor?: Flavor;
  /** The floating tag names for version v: latest, its major and its major.minor. */
  readonly floating: (v: semver.SemVer) => { latest: string; major: string; minor: string };
}

const SETUPS: Readonly<Record<string, Setup>> = {
  'gantry defaults': {
    rules: undefined,
    floating: (v) => ({ latest: 'latest', major: `${v.major}`, minor: `${v.major}.${v.minor}` }),
  },
  'user rules with a v prefix and a flavor suffix (variant images)': {
    rules: parseTagRules('type=semver,pattern={{version}}\ntype=semver,pattern=v{{major}}.{{minor}}\ntype=semver,pattern=v{{major}}'),
    flavor: parseFlavor('suffix=-alpine,onlatest=true'),
    floating: (v) => ({ latest: 'latest-alpine', major: `v${v.major}-alpine`, minor: `v${v.major}.${v.minor}-alpine` }),
  },
};

const version = fc
  .record({
    major: fc.integer({ min: 0, max: 3 }),
    minor: fc.integer({ min: 0, max: 3 }),
    patch: fc.integer({ min: 0, max: 3 }),
    pre: fc.option(fc.constantFrom('alpha.1', 'beta.1', 'beta.2', 'rc.1'), { nil: undefined }),
    v: fc.boolean(),
  })
  .map(({ major, minor, patch, pre, v }) => `${v ? 'v' : ''}${major}.${minor}.${patch}${pre === undefined ? '' : `-${pre}`}`);

function highest(versions: readonly semver.SemVer[], inRange: (v: semver.SemVer) => boolean): string | undefined {
  const sorted = versions.filter(inRange).sort(semver.rcompare);
  return sorted[0]?.version;
}

describe('registry-aware floating tags (property)', () => {
  it.each(Object.entries(SETUPS))('%s: floating tags name the highest stable version and never go back', (_name, setup) => {
    fc.assert(
      fc.property(fc.array(version, { minLength: 1, maxLength: 25 }), (tags) => {
        const registry = new Map<string, string>(); // tag → version it names
        const stable: semver.SemVer[] = [];
        for (const tag of tags) {
          const plan = planTags({
            rules: setup.rules,
            ...(setup.flavor ? { flavor: setup.flavor } : {}),
            context: release(tag),
            existingTags: [...registry.keys()],
          });
          const v = semver.parse(tag)!;
          const names = setup.floating(v);
          const floatingNames = new Set(Object.values(names));
          if (v.prerelease.length > 0) {
            for (const t of plan.tags) expect(floatingNames.has(t)).toBe(false);
          }
          for (const t of plan.tags) {
            const before = registry.get(t);
            if (floatingNames.has(t) && before !== undefined) expect(semver.gte(v.version, before)).toBe(true);
            registry.set(t, v.version);
          }
          if (v.prerelease.length === 0) stable.push(v);
          const top = highest(stable, () => true);
          if (top !== undefined) {
            const latest = stable.find((s) => s.version === top)!;
            expect(registry.get(setup.floating(latest).latest)).toBe(top);
          }
          for (const s of stable) {
            const n = setup.floating(s);
            expect(registry.get(n.major)).toBe(highest(stable, (x) => x.major === s.major));
            expect(registry.get(n.minor)).toBe(highest(stable, (x) => x.major === s.major && x.minor === s.minor));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('without a registry check, a backport takes latest (as metadata-action does); with one, it does not', () => {
    const offline = planTags({ rules: undefined, context: release('v1.4.9') });
    const online = planTags({ rules: undefined, context: release('v1.4.9'), existingTags: ['v2.0.0'] });
    expect(offline.tags).toContain('latest');
    expect(online.tags).not.toContain('latest');
  });
});

// The same property for PEP 440 versions (type=pep440): pre-, post- and development releases, in
// PEP 440's many spellings, never take a floating tag or `latest`; stable ones move `latest`, `X` and
// `X.Y` only when they are the highest in the range, so a backport never takes `latest`.
describe('registry-aware floating tags for PEP 440 versions (property)', () => {
  const rules = parseTagRules('type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}.{{minor}}\ntype=pep440,pattern={{major}}');
  const pep = fc
    .record({
      major: fc.integer({ min: 0, max: 3 }),
      minor: fc.integer({ min: 0, max: 3 }),
      patch: fc.integer({ min: 0, max: 3 }),
      extra: fc.option(fc.constantFrom('a1', 'b2', 'rc1', '-rc.1', 'beta2', '.post1', '-1', '.dev3', 'rc1.dev1'), { nil: undefined }),
      v: fc.boolean(),
    })
    .map((r) => ({ ...r, tag: `${r.v ? 'v' : ''}${r.major}.${r.minor}.${r.patch}${r.extra ?? ''}` }));
  type V = { readonly major: number; readonly minor: number; readonly patch: number };
  const cmp = (a: V, b: V): number => a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  const text = (a: V): string => `${a.major}.${a.minor}.${a.patch}`;
  const top = (vs: readonly V[]): string | undefined => [...vs].sort((a, b) => cmp(b, a)).map(text)[0];

  it('latest, X and X.Y name the highest stable release; nothing else takes them', () => {
    fc.assert(
      fc.property(fc.array(pep, { minLength: 1, maxLength: 25 }), (versions) => {
        const registry = new Map<string, string>();
        const stable: V[] = [];
        for (const r of versions) {
          const plan = planTags({ rules, context: release(r.tag), existingTags: [...registry.keys()] });
          const floating = new Set(['latest', `${r.major}`, `${r.major}.${r.minor}`]);
          if (r.extra !== undefined) {
            expect(plan.tags.filter((t) => floating.has(t))).toEqual([]);
            expect(plan.prerelease).toBe(true);
          }
          for (const t of plan.tags) registry.set(t, floating.has(t) ? text(r) : t);
          if (r.extra === undefined) stable.push(r);
          if (stable.length > 0) expect(registry.get('latest')).toBe(top(stable));
          for (const s of stable) {
            expect(registry.get(`${s.major}`)).toBe(top(stable.filter((x) => x.major === s.major)));
            expect(registry.get(`${s.major}.${s.minor}`)).toBe(top(stable.filter((x) => x.major === s.major && x.minor === s.minor)));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a backport never takes latest; offline it does, as with metadata-action', () => {
    const online = planTags({ rules, context: release('1.4.9'), existingTags: ['2.0', '2.0.0', 'latest'] });
    expect(online.tags).toEqual(['1.4.9', '1.4', '1']);
    expect(planTags({ rules, context: release('1.4.9') }).tags).toContain('latest');
  });
});
