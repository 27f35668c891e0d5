import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../src/oci/descriptor.js';
import { OciError } from '../../src/oci/errors.js';
import { comparePlatforms, formatPlatform, normalizePlatform, parsePlatform, platformMatches } from '../../src/oci/platform.js';

describe('parsePlatform', () => {
  const cases: [input: string, formatted: string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8.2', 'linux/arm64/v8.2'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/v7', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/arm/5', 'linux/arm/v5'],
    ['linux/arm/8', 'linux/arm/v8'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['linux/i686', 'linux/386'],
    ['linux/386', 'linux/386'],
    ['Linux/AMD64', 'linux/amd64'],
    ['macos/arm64', 'darwin/arm64'],
    ['linux/ppc64le', 'linux/ppc64le'],
    ['linux/riscv64/rva22u64', 'linux/riscv64/rva22u64'],
    ['unknown/unknown', 'unknown/unknown'],
  ];
  it.each(cases)('%s → %s', (input, formatted) => {
    const p = parsePlatform(input);
    expect(formatPlatform(p)).toBe(formatted);
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('drops the arm64 v8 variant entirely', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });

  it('reads an os version and os features, decoding %-escapes', () => {
    expect(parsePlatform('windows(10.0.17763)/amd64')).toEqual({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763' });
    expect(parsePlatform('windows(10.0.17763+win32k+a%2Bb+win32k)/amd64')).toEqual({
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.17763',
      'os.features': ['a+b', 'win32k'],
    });
    expect(parsePlatform('windows()/amd64')).toEqual({ os: 'windows', architecture: 'amd64' });
  });

  const bad: [input: string, says: string][] = [
    ['', 'expected os/arch[/variant]'],
    ['linux', 'expected os/arch[/variant]'],
    ['arm64', 'expected os/arch[/variant]'],
    ['linux/arm64/v8/x', 'expected os/arch[/variant]'],
    ['/amd64', 'os "" is invalid'],
    ['li nux/amd64', 'os "li nux" is invalid'],
    ['linux/', 'architecture "" is invalid'],
    ['linux/*', 'architecture "*" is invalid'],
    ['linux/arm64/', 'variant "" is invalid'],
    ['linux/arm/v7!', 'variant "v7!" is invalid'],
    ['windows(10%zz)/amd64', 'bad %-escape'],
  ];
  it.each(bad)('refuses %j', (input, says) => {
    let err: unknown;
    try {
      parsePlatform(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OciError);
    const e = err as OciError;
    expect(e.code).toBe('PLATFORM_INVALID');
    expect(e.userError).toBe(true);
    expect(e.message).toContain(`invalid platform ${JSON.stringify(input)}`);
    expect(e.message).toContain(says);
    expect(e.message).toContain('os/arch[/variant]');
  });

  it('keeps the cause of a bad escape', () => {
    try {
      parsePlatform('windows(%E0%A4%A)/amd64');
      expect.unreachable();
    } catch (e) {
      expect((e as OciError).cause).toBeInstanceOf(URIError);
    }
  });

  it('parses what it formats, unchanged (property)', () => {
    const word = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,8}$/);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), word, fc.option(word, { nil: undefined }), (os, arch, variant) => {
        const p = parsePlatform(variant === undefined ? `${os}/${arch}` : `${os}/${arch}/${variant}`);
        expect(parsePlatform(formatPlatform(p))).toEqual(p);
        expect(normalizePlatform(p)).toEqual(p);
      }),
    );
  });
});

describe('normalizePlatform', () => {
  it('normalizes a manifest platform and keeps its other fields', () => {
    const p: Platform = { os: 'Windows', architecture: 'x86_64', variant: 'v1', 'os.version': '10.0.1', features: ['sse4'] };
    expect(normalizePlatform(p)).toEqual({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.1', features: ['sse4'] });
  });
  it('treats an empty variant as none and sorts os.features', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'arm64', variant: '' })).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(normalizePlatform({ os: 'linux', architecture: 'mips', variant: 'X' })).toEqual({
      os: 'linux',
      architecture: 'mips',
      variant: 'x',
    });
    expect(normalizePlatform({ os: 'w', architecture: 'a', 'os.features': [] })).toEqual({ os: 'w', architecture: 'a' });
    expect(normalizePlatform({ os: 'w', architecture: 'a', 'os.features': ['b', 'a', 'b'] })['os.features']).toEqual(['a', 'b']);
  });
});

describe('formatPlatform', () => {
  it('writes os/arch[/variant] as given', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(formatPlatform({ os: 'linux', architecture: 'amd64', variant: '' })).toBe('linux/amd64');
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
  });
});

describe('platformMatches', () => {
  const p = (s: string, extra: Partial<Platform> = {}): Platform => ({ ...parsePlatform(s), ...extra });
  it('matches after normalization on both sides', () => {
    expect(platformMatches(p('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(platformMatches(p('linux/arm'), { os: 'linux', architecture: 'arm' })).toBe(true);
    expect(platformMatches(p('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(true);
    expect(platformMatches({ os: 'linux', architecture: 'aarch64' }, p('linux/arm64'))).toBe(true);
    expect(platformMatches(p('linux/amd64'), p('linux/amd64', { 'os.version': 'x' }))).toBe(true);
  });
  it('does not match other variants, architectures or systems', () => {
    expect(platformMatches(p('linux/arm'), p('linux/arm/v6'))).toBe(false);
    expect(platformMatches(p('linux/amd64'), p('linux/amd64/v3'))).toBe(false);
    expect(platformMatches(p('linux/amd64'), p('linux/arm64'))).toBe(false);
    expect(platformMatches(p('linux/amd64'), p('windows/amd64'))).toBe(false);
  });
});

describe('comparePlatforms', () => {
  it('orders lexically on the normalized form, then by os.version', () => {
    const list = ['linux/s390x', 'linux/arm64/v8', 'linux/amd64', 'linux/arm/v6', 'linux/arm', 'linux/386', 'darwin/arm64'].map(
      parsePlatform,
    );
    expect([...list].sort(comparePlatforms).map(formatPlatform)).toEqual([
      'darwin/arm64',
      'linux/386',
      'linux/amd64',
      'linux/arm/v6',
      'linux/arm/v7',
      'linux/arm64',
      'linux/s390x',
    ]);
    const w1 = parsePlatform('windows(10.0.1)/amd64');
    const w2 = parsePlatform('windows(10.0.2)/amd64');
    expect(comparePlatforms(w1, w2)).toBe(-1);
    expect(comparePlatforms(w2, w1)).toBe(1);
    expect(comparePlatforms(w1, w1)).toBe(0);
    expect(comparePlatforms(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'aarch64' })).toBe(0);
    expect(comparePlatforms(parsePlatform('windows/amd64'), w1)).toBe(-1);
  });
});
