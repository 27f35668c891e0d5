import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../../src/plan/config/suggest.js';
import {
  parseBaseImage,
  parseByteSize,
  parseChartRepository,
  parseContextPath,
  parseExposedPort,
  parseFileMode,
  parseHttpUrl,
  parseImagePath,
  parseImageReference,
  parseKeySource,
  parseOwner,
  parsePlatformSpec,
  parseRepositoryName,
  type Parsed,
} from '../../../src/plan/config/values.js';

const value = <T>(p: Parsed<T>): T => {
  if (!p.ok) throw new Error(p.message);
  return p.value;
};
const problem = <T>(p: Parsed<T>): string => (p.ok ? 'ok' : p.message);

describe('parseByteSize', () => {
  it.each([
    ['200MB', 200_000_000],
    ['200 MB', 200_000_000],
    ['1.5GiB', 1_610_612_736],
    ['512KiB', 524_288],
    ['10kB', 10_000],
    ['10KB', 10_000],
    ['3GB', 3_000_000_000],
    ['100MiB', 104_857_600],
    ['42B', 42],
    ['1000', 1000],
    [' 7MB ', 7_000_000],
    [1024, 1024],
  ] as const)('%j → %d bytes', (input, bytes) => {
    expect(value(parseByteSize(input))).toBe(bytes);
  });

  it.each([
    ['200mb', 'unknown unit "mb" (did you mean "MB"?)'],
    ['1TB', 'unknown unit "TB"'],
    ['big', 'invalid size "big": expected a number of bytes or a number with a unit'],
    ['-5MB', 'invalid size "-5MB"'],
    ['0', 'must be a whole number of bytes above 0'],
    [1.5, 'invalid size "1.5": must be a whole number of bytes above 0'],
    [-1, 'above 0'],
  ] as const)('refuses %j', (input, message) => {
    expect(problem(parseByteSize(input))).toContain(message);
  });
});

describe('parsePlatformSpec', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['windows(10.0.17763)/amd64', 'windows(10.0.17763)/amd64'],
  ])('%s → %s', (input, canonical) => {
    expect(value(parsePlatformSpec(input))).toBe(canonical);
  });

  it.each([
    ['linux/arm65', 'unknown architecture "arm65" (did you mean "arm64"?)'],
    ['plan8/amd64', 'unknown os "plan8" (did you mean "plan9"?)'],
    ['unknown/unknown', 'unknown os "unknown"; expected one of linux'],
    ['linux', 'expected os/arch[/variant]'],
  ])('refuses %s', (input, message) => {
    expect(problem(parsePlatformSpec(input))).toContain(message);
  });
});

describe('references', () => {
  it('normalizes repositories and refuses tags and digests', () => {
    expect(value(parseRepositoryName('acme/api'))).toBe('docker.io/acme/api');
    expect(value(parseRepositoryName('index.docker.io/library/alpine'))).toBe('docker.io/library/alpine');
    expect(problem(parseRepositoryName('acme/api:1'))).toContain('must not have a tag ("1")');
    expect(problem(parseRepositoryName('ghcr.io/a/b:'))).toContain('invalid reference');
  });

  it('canonicalizes image references and refuses bad ones', () => {
    expect(value(parseImageReference('node:22-alpine'))).toBe('docker.io/library/node:22-alpine');
    expect(problem(parseImageReference('Node:22'))).toContain('must be lowercase');
  });

  it.each([
    ['scratch', { kind: 'scratch' }],
    ['oci:base', { kind: 'layout', path: 'base' }],
    ['oci:/a/b:v2', { kind: 'layout', path: '/a/b', tag: 'v2' }],
    ['busybox', { kind: 'registry', reference: 'docker.io/library/busybox' }],
  ])('base %s', (input, expected) => {
    expect(value(parseBaseImage(input))).toEqual(expected);
  });

  it.each([
    ['oci:', 'oci: needs a directory'],
    ['oci::v1', 'oci: needs a directory'],
    ['oci:dir:', 'empty tag after ":"'],
    ['BusyBox', 'must be lowercase'],
  ])('refuses base %s', (input, message) => {
    expect(problem(parseBaseImage(input))).toContain(message);
  });

  it.each([
    ['oci://ghcr.io/acme/charts', 'oci://ghcr.io/acme/charts'],
    ['oci://ghcr.io/acme/charts/', 'oci://ghcr.io/acme/charts'],
    ['oci://localhost/charts', 'oci://localhost/charts'],
    ['oci://127.0.0.1:5000/charts', 'oci://127.0.0.1:5000/charts'],
  ])('chart repository %s', (input, expected) => {
    expect(value(parseChartRepository(input))).toBe(expected);
  });

  it.each([
    ['https://ghcr.io/acme/charts', 'expected oci://REGISTRY/PATH'],
    ['oci://ghcr.io', 'name a registry host and a path'],
    ['oci://acme/charts', 'name a registry host and a path'],
    ['oci://ghcr.io/Acme/charts', 'must be lowercase'],
    ['oci://ghcr.io/acme/charts:1.0', 'must not have a tag'],
  ])('refuses chart repository %s', (input, message) => {
    expect(problem(parseChartRepository(input))).toContain(message);
  });
});

describe('layers values', () => {
  it.each([
    ['0755', 0o755],
    ['644', 0o644],
    ['0o600', 0o600],
    ['4755', 0o4755],
  ])('mode %s', (input, mode) => {
    expect(value(parseFileMode(input))).toBe(mode);
  });

  it.each(['9', '0888', 'rwx', '77777'])('refuses mode %s', (input) => {
    expect(problem(parseFileMode(input))).toContain('expected an octal mode');
  });

  it('owners', () => {
    expect(value(parseOwner('1000:2000'))).toEqual({ uid: 1000, gid: 2000 });
    expect(value(parseOwner(0))).toEqual({ uid: 0, gid: 0 });
    expect(problem(parseOwner('app'))).toContain('expected a numeric uid or uid:gid');
    expect(problem(parseOwner('4294967296'))).toContain('at most 4294967295');
  });

  it('ports', () => {
    expect(value(parseExposedPort(80))).toBe('80/tcp');
    expect(value(parseExposedPort('53/udp'))).toBe('53/udp');
    expect(value(parseExposedPort('9/sctp'))).toBe('9/sctp');
    for (const bad of [0, 65536, '80/http', 'http']) expect(problem(parseExposedPort(bad))).toContain('expected a port from 1 to 65535');
  });

  it('image paths are absolute, without ".." (issue 11, finding 8: "/../../etc/x" wrote tar entries "../../etc/x")', () => {
    expect(value(parseImagePath('/app'))).toBe('/app');
    expect(value(parseImagePath('/usr/local/bin/'))).toBe('/usr/local/bin/');
    expect(value(parseImagePath('/'))).toBe('/');
    expect(problem(parseImagePath('app'))).toContain('expected an absolute path inside the image');
    expect(problem(parseImagePath('/../../etc/x'))).toBe(
      'invalid path "/../../etc/x": ".." is not allowed in a path inside the image; write the path it should be, e.g. "/etc/x"',
    );
    for (const bad of ['/..', '/app/..', '/a/../b', '/a/b/../../..', '/app/../'])
      expect(problem(parseImagePath(bad))).toContain('".." is not allowed');
    // ".." inside a name is a name.
    expect(value(parseImagePath('/app/..data/x..y'))).toBe('/app/..data/x..y');
  });

  it('context paths stay inside the context', () => {
    expect(value(parseContextPath('dist/'))).toBe('dist/');
    expect(value(parseContextPath('a/../b'))).toBe('a/../b');
    for (const bad of ['', '/etc', '..', '../x', 'a/../../x']) expect(problem(parseContextPath(bad))).toContain('stays inside it');
  });
});

describe('sign and URLs', () => {
  it('key sources', () => {
    expect(value(parseKeySource('env:COSIGN_PRIVATE_KEY'))).toEqual({ source: 'env', name: 'COSIGN_PRIVATE_KEY' });
    expect(value(parseKeySource('keys/cosign.key'))).toEqual({ source: 'file', path: 'keys/cosign.key' });
    expect(problem(parseKeySource('env:'))).toContain('environment variable name');
    expect(problem(parseKeySource('awskms://alias/cosign'))).toContain('KMS and other URL keys are not supported');
    expect(problem(parseKeySource('  '))).toContain('expected env:NAME or a file path');
  });

  it('http(s) URLs', () => {
    expect(value(parseHttpUrl('http://example.com/x'))).toBe('http://example.com/x');
    expect(problem(parseHttpUrl('example.com'))).toContain('expected an http(s) URL');
    expect(problem(parseHttpUrl('mailto:a@b.c'))).toContain('expected an http(s) URL');
  });
});

describe('suggestions', () => {
  it('measures edit distance, a swap of neighbours costing 1', () => {
    expect(editDistance('platfroms', 'platforms')).toBe(1);
    expect(editDistance('buildha', 'buildah')).toBe(1);
    expect(editDistance('buildha', 'buildx')).toBe(2);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('abc', 'ca')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('prefers a case-insensitive match, then the nearest within 2 edits', () => {
    expect(closest('mb', ['B', 'kB', 'MB'])).toBe('MB');
    expect(closest('platfrms', ['name', 'platforms'])).toBe('platforms');
    expect(closest('xyz', ['name', 'platforms'])).toBeUndefined();
    // issue 12: buildx came first in the list and was as near as buildah under plain Levenshtein.
    expect(closest('buildha', ['buildx', 'buildah', 'layers'])).toBe('buildah');
  });
});
