import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkExcludePattern, compileExclude } from '../../../src/builders/layers/glob.js';

const matches = (pattern: string, path: string): boolean => compileExclude(pattern).matches(path);

describe('exclude globs', () => {
  it.each([
    ['*.map', 'app.js.map', true],
    ['*.map', 'sub/app.js.map', false],
    ['**/*.map', 'app.js.map', true],
    ['**/*.map', 'a/b/c/app.js.map', true],
    ['**/*.map', 'a/b/c/app.js', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/x/y/bb', false],
    ['test', 'test', true],
    ['test', 'test/deep/file.txt', true],
    ['test/', 'test/deep/file.txt', true],
    ['test', 'tests', false],
    ['test', 'src/test', false],
    ['src/**', 'src/a/b', true],
    ['src/**', 'src', false],
    ['**', 'anything/at/all', true],
    ['?.txt', 'a.txt', true],
    ['?.txt', 'ab.txt', false],
    ['?.txt', '/.txt', false],
    ['*.txt', '.hidden.txt', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['./dist', 'dist/a', true],
  ])('%s vs %s → %s', (pattern, path, want) => {
    expect(matches(pattern, path)).toBe(want);
  });

  it.each([
    ['', 'empty'],
    ['/abs', 'absolute'],
    ['a/../b', '".." segments'],
    ['a//b', 'empty path segment'],
    ['a**', 'whole path segment'],
    ['**b/c', 'whole path segment'],
    ['[ab].txt', 'not supported'],
    ['{a,b}', 'not supported'],
    ['!keep', 'not supported'],
    ['a\\b', 'backslashes'],
  ])('refuses %j (%s)', (pattern, why) => {
    expect(checkExcludePattern(pattern)).toContain(why);
    expect(() => compileExclude(pattern)).toThrow(why);
  });

  it('a literal pattern matches exactly that path and what is below it', () => {
    const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(segment, { maxLength: 3 }),
        segment,
        (parts, below, other) => {
          const p = parts.join('/');
          expect(matches(p, p)).toBe(true);
          expect(matches(p, [p, ...below].join('/'))).toBe(true);
          expect(matches(p, `${p}${other}`)).toBe(false);
        },
      ),
    );
  });
});
