import { describe, expect, it } from 'vitest';
import { GantryError } from '../../../src/oci/errors.js';
import { ConfigError, parseConfig } from '../../../src/plan/config/index.js';
import { BAD_CASES } from './bad-cases.js';

function configError(text: string, path = 'gantry.yml', options?: Parameters<typeof parseConfig>[2]): ConfigError {
  try {
    parseConfig(text, path, options);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const problemsOf = (e: ConfigError): string[] =>
  e.issues.map((i) => `${i.line}:${i.column} ${i.path === '' ? '' : `${i.path}: `}${i.message}`);

describe('parseConfig: invalid configurations', () => {
  it.each(BAD_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const e = configError(c.yaml);
    expect(e).toBeInstanceOf(GantryError);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.userError).toBe(true);
    expect(e.file).toBe('gantry.yml');
    expect(problemsOf(e)).toEqual(c.problems);
    // The message lists each problem as FILE:LINE:COLUMN: PATH: MESSAGE.
    expect(e.message.split('\n').filter((l) => /^gantry\.yml:\d+:\d+: /.test(l))).toHaveLength(c.problems.length);
  });

  it('has at least 12 bad configurations', () => {
    expect(BAD_CASES.length).toBeGreaterThanOrEqual(12);
  });

  it('names the file as given and lists every problem, sorted by position, in one error', () => {
    const e = configError(
      `images:
  - name: api
    repositories: [ghcr.io/acme/api]
    platforms: [linux/amd64, linux/arm65]
  - name: Worker
    repositories: [ghcr.io/acme/worker]
    platfroms: [linux/arm64]
`,
      'deploy/gantry.yml',
    );
    expect(e.message).toBe(
      [
        'deploy/gantry.yml:4:30: images[0].platforms[1]: invalid platform "linux/arm65": unknown architecture "arm65" (did you mean "arm64"?); expected one of amd64, arm64, arm, 386, ppc64le, s390x, riscv64, loong64, mips64le, mips64, mipsle, mips, ppc64, sparc64, wasm',
        'deploy/gantry.yml:5:11: images[1].name: invalid image name: expected lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "api"',
        'deploy/gantry.yml:7:5: images[1].platfroms: unknown key "platfroms" (did you mean "platforms"?); allowed keys: name, repositories, platforms, build, tags, flavor, labels, annotations, title, description, vendor, licenses, url, documentation, gates, push',
      ].join('\n'),
    );
    expect(e.issues).toEqual([
      { path: 'images[0].platforms[1]', line: 4, column: 30, message: expect.stringContaining('invalid platform "linux/arm65"') },
      { path: 'images[1].name', line: 5, column: 11, message: expect.stringContaining('invalid image name') },
      { path: 'images[1].platfroms', line: 7, column: 5, message: expect.stringContaining('unknown key "platfroms"') },
    ]);
    expect(e.cause).toBeDefined();
  });

  it('reports duplicate image names even when other fields are wrong', () => {
    const e = configError(
      'images:\n  - { name: api, repositories: [ghcr.io/acme/api] }\n  - { name: api, repositories: [ghcr.io/acme/api], platforms: [linux] }\n',
    );
    expect(problemsOf(e)).toEqual([
      '3:13 images[1].name: image name "api" is used twice (also by images[0]); names must be unique',
      '3:64 images[1].platforms[0]: invalid platform "linux": expected os/arch[/variant], e.g. "linux/amd64", "linux/arm64" or "linux/arm/v7"',
    ]);
  });

  it('points at the key of an empty value', () => {
    const e = configError('images:\n  - name: api\n    repositories:\n');
    expect(problemsOf(e)).toEqual(['3:5 images[0].repositories: expected a list, got an empty value']);
  });

  it('points at keys inherited through a merge key', () => {
    const e = configError(
      'x-base: &base\n  platforms: [linux/arm65]\nimages:\n  - <<: *base\n    name: api\n    repositories: [ghcr.io/acme/api]\n',
    );
    expect(problemsOf(e)[0]).toMatch(/^2:15 images\[0\]\.platforms\[0\]: invalid platform "linux\/arm65"/);
  });

  it('reports the values of aliases where their anchors are', () => {
    const e = configError('x-p: &p [linux/arm65]\nimages:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    platforms: *p\n');
    expect(problemsOf(e)[0]).toMatch(/^1:10 images\[0\]\.platforms\[0\]: invalid platform/);
  });

  it('refuses a second YAML document', () => {
    const e = configError('images: []\n---\nimages: []\n');
    expect(problemsOf(e)).toEqual([
      '2:1 invalid YAML: Source contains multiple documents (gantry.yml holds one document: remove the "---" line)',
    ]);
  });

  it('refuses too many aliases (a YAML bomb)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10)
          .fill(`*${'abcdefgh'[i - 1]}`)
          .join(', ')}]`,
      );
    const e = configError(lines.join('\n') + '\n');
    expect(e.issues).toEqual([{ path: '', line: 1, column: 1, message: expect.stringMatching(/^invalid YAML: .*alias/i) }]);
  });
});

describe('parseConfig: tag rules checked by the caller', () => {
  const checkTags = (rules: string) =>
    rules
      .split('\n')
      .flatMap((line, i) =>
        line.includes('type=bogus') ? [{ line: i + 1, message: `unknown rule type in ${JSON.stringify(line.trim())}` }] : [],
      );

  it('places a problem in a | block at its line', () => {
    const e = configError(
      'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: |\n      type=semver,pattern={{version}}\n      type=bogus\n',
      'gantry.yml',
      { checkTags },
    );
    expect(problemsOf(e)).toEqual(['6:7 images[0].tags: unknown rule type in "type=bogus"']);
  });

  it('places a problem in a list of rules at its item', () => {
    const e = configError(
      'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags:\n      - type=sha\n      - type=bogus\n',
      'gantry.yml',
      { checkTags },
    );
    expect(problemsOf(e)).toEqual(['6:9 images[0].tags: unknown rule type in "type=bogus"']);
  });

  it('places a problem in a one-line string at the string', () => {
    const e = configError('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: "type=bogus"\n', 'gantry.yml', {
      checkTags,
    });
    expect(problemsOf(e)).toEqual(['4:11 images[0].tags: unknown rule type in "type=bogus"']);
  });

  it('accepts rules the checker accepts, and images without rules', () => {
    const config = parseConfig(
      'images:\n  - { name: api, repositories: [ghcr.io/acme/api], tags: "type=sha" }\n  - { name: web, repositories: [ghcr.io/acme/web] }\n',
      'gantry.yml',
      { checkTags },
    );
    expect(config.images.map((i) => i.tags)).toEqual(['type=sha', undefined]);
  });
});
