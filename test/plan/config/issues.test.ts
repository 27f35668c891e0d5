import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, parseConfig, type ParseConfigOptions } from '../../../src/plan/config/index.js';
import { formatPath, toConfigIssues } from '../../../src/plan/config/issues.js';
import { YamlLocator } from '../../../src/plan/config/yaml-locate.js';

function problems(text: string, options?: ParseConfigOptions): string[] {
  try {
    parseConfig(text, 'gantry.yml', options);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.line}:${i.column} ${i.path === '' ? '' : `${i.path}: `}${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const img = (extra: string): string => `images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n${extra}`;

describe('messages', () => {
  it('lists the allowed keys of an unknown key that matches nothing', () => {
    expect(problems(img('    colour: blue\n'))).toEqual([
      '4:5 images[0].colour: unknown key "colour"; allowed keys: name, repositories, platforms, build, tags, flavor, labels, annotations, title, description, vendor, licenses, url, documentation, gates, push',
    ]);
  });

  it('knows the keys of a per-platform override', () => {
    expect(problems(img('    build:\n      platform:\n        linux/arm64: { runs-on: arm }\n'))).toEqual([
      '6:24 images[0].build.platform["linux/arm64"]["runs-on"]: unknown key "runs-on"; allowed keys: dockerfile, runner, args',
    ]);
  });

  it('describes what YAML gave: true, a mapping, a long string', () => {
    expect(problems(img('    platforms: true\n'))).toEqual(['4:16 images[0].platforms: expected a list, got true']);
    expect(problems('images:\n  - name: { a: 1 }\n    repositories: [ghcr.io/acme/api]\n')).toEqual([
      '2:11 images[0].name: expected a string, got a mapping',
    ]);
    expect(problems(img(`    build: "${'x'.repeat(80)}"\n`))).toEqual([
      `4:12 images[0].build: expected a mapping (key: value), got the string "${'x'.repeat(57)}..."`,
    ]);
  });

  it('reports problems of the cache and of duplicate per-platform keys', () => {
    expect(problems(img('    build: { cache: { type: gha, ref: "ghcr.io/a/b:c" } }\n'))).toEqual([
      '4:39 images[0].build.cache.ref: ref is only used by type: registry; a gha cache is scoped per image and platform by gantry',
    ]);
    expect(problems(img('    build: { cache: { type: registry, ref: "ghcr.io/A/b:c" } }\n'))[0]).toMatch(
      /^4:44 images\[0\]\.build\.cache\.ref: invalid reference "ghcr\.io\/A\/b:c"/,
    );
    expect(problems(img('    build:\n      platform:\n        linux/arm64: {}\n        linux/aarch64: {}\n'))).toEqual([
      '7:9 images[0].build.platform["linux/aarch64"]: "linux/aarch64" is the same platform as "linux/arm64" (linux/arm64); merge the two overrides',
    ]);
  });

  it('points at the map when an override is spelt differently from the platform it names', () => {
    expect(problems(img('    platforms: [linux/amd64]\n    build:\n      platform:\n        linux/aarch64: { runner: arm }\n'))).toEqual([
      '7:9 images[0].build.platform["linux/arm64"]: override for platform linux/arm64, which this image does not build (platforms: linux/amd64); add linux/arm64 to platforms or remove the override',
    ]);
  });

  it('refuses a label without a name and a flavor line without "="', () => {
    expect(problems(img('    labels: { "": x }\n'))).toEqual(['4:15 images[0].labels[""]: invalid name "": expected a non-empty name']);
    expect(problems(img('    flavor: latest\n'))).toEqual([
      '4:13 images[0].flavor: flavor line "latest": expected latest=auto, latest=true or latest=false',
    ]);
  });

  it('reports a YAML error without a hint as the parser words it', () => {
    expect(problems('images: "ghcr.io\n')).toEqual(['2:1 invalid YAML: Missing closing "quote']);
  });
});

describe('locations', () => {
  it('reports a missing images key of an empty file at 1:1', () => {
    expect(problems('')).toEqual([
      '1:1 missing required key "images" (a list of images), e.g. images: [{ name: app, repositories: [ghcr.io/OWNER/app] }]',
    ]);
  });

  it('follows merge keys with a list of aliases', () => {
    const text =
      'x-a: &a { name: api }\nx-b: &b { platforms: [linux/arm65] }\nimages:\n  - <<: [*a, *b]\n    repositories: [ghcr.io/acme/api]\n';
    expect(problems(text)[0]).toMatch(/^2:23 images\[0\]\.platforms\[0\]: invalid platform "linux\/arm65"/);
  });

  it('refuses keys that are not plain strings', () => {
    expect(problems(img('    ? [a, b]\n    : c\n'))).toEqual(['4:7 images[0]: a key must be a plain string, not a list or mapping']);
  });

  it('points at an explicit key without a value', () => {
    expect(problems('images:\n  - name: api\n    ? repositories\n')).toEqual([
      '3:7 images[0].repositories: expected a list, got an empty value',
    ]);
  });

  it('points at the last line of a | block for a line past its end', () => {
    const options = { checkTags: () => [{ line: 9, message: 'rule 9' }] };
    expect(problems(img('    tags: |\n      type=sha'), options)).toEqual(['5:7 images[0].tags: rule 9']);
  });

  it('falls back to the start of the file for a path into nothing', () => {
    const lines = new LineCounter();
    const doc = parseDocument('', { lineCounter: lines });
    expect(new YamlLocator(doc, '', lines).locate(['images', 0])).toEqual({ line: 1, column: 1 });
  });
});

describe('toConfigIssues', () => {
  const text = 'a: 1\nb: [x]\n';
  const lines = new LineCounter();
  const locator = new YamlLocator(parseDocument(text, { lineCounter: lines }), text, lines);
  const issue = (i: Record<string, unknown>) => i as unknown as z.core.$ZodIssue;

  it('names types it has no words for as zod does, and drops duplicates', () => {
    const dateIssue = issue({ code: 'invalid_type', expected: 'date', path: ['a'], input: 1, message: '' });
    expect(toConfigIssues([dateIssue, dateIssue], configSchema, locator)).toEqual([
      { path: 'a', line: 1, column: 4, message: 'expected date, got the number 1' },
    ]);
    const union = issue({
      code: 'invalid_union',
      path: ['b', 0],
      input: 'x',
      message: '',
      errors: [
        [{ code: 'invalid_type', expected: 'bigint', path: [], message: '' }],
        [{ code: 'invalid_type', expected: 'array', path: [], message: '' }],
      ],
    });
    expect(toConfigIssues([union], configSchema, locator)).toEqual([
      { path: 'b[0]', line: 2, column: 5, message: 'expected bigint or a list, got the string "x"' },
    ]);
  });

  it('formats paths', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['images', 1, 'build', 'platform', 'linux/arm64', 'args', 'A_1'])).toBe(
      'images[1].build.platform["linux/arm64"].args.A_1',
    );
    expect(formatPath(['labels', 'org.opencontainers.image.title'])).toBe('labels["org.opencontainers.image.title"]');
  });
});

describe('YAML the loader refuses before validating', () => {
  it('a merge key whose source is not a mapping', () => {
    expect(problems('x-c: &c [1]\nimages:\n  - <<: *c\n    name: api\n')).toEqual([
      '1:1 invalid YAML: Merge sources must be maps or map aliases',
    ]);
  });
});
