import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDigest, type Digest } from '../../src/oci/digest.js';
import { OciError } from '../../src/oci/errors.js';
import {
  familiarReference,
  formatReference,
  formatRepository,
  isValidRepository,
  isValidTag,
  parseReference,
  referenceString,
  registryApiHost,
  withDigest,
  withTag,
  type Reference,
} from '../../src/oci/reference.js';

const D = `sha256:${'a'.repeat(64)}`;
const D2 = `sha512:${'b'.repeat(128)}`;

function refError(s: string): OciError {
  try {
    parseReference(s);
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    return e as OciError;
  }
  throw new Error(`expected ${JSON.stringify(s)} to be refused`);
}

// ---- generators --------------------------------------------------------------------------

const domainComponent = fc.stringMatching(/^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,12}[a-zA-Z0-9])$/);
const port = fc.integer({ min: 1, max: 65535 }).map(String);
const withPort = (host: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(host, fc.option(port, { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`));
const dottedHost = fc
  .array(domainComponent, { minLength: 2, maxLength: 4 })
  .map((cs) => cs.join('.'))
  .filter((h) => !['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(h));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((n) => n.join('.'));
const ipv6 = fc.constantFrom('[::1]', '[fc00::1]', '[fe80::1:2:3]', '[2001:db8:0:0:0:0:0:1]', '[FC00::A]');
/** A registry that parses back as itself (not Docker Hub). */
const registry = fc.oneof(
  withPort(dottedHost),
  withPort(fc.constant('localhost')),
  withPort(ipv4),
  ipv6.chain((h) => withPort(fc.constant(h))),
  fc.tuple(domainComponent, port).map(([h, p]) => `${h}:${p}`),
  fc.constant('[::1]:5000'),
);
const pathComponent = fc.stringMatching(/^[a-z0-9]{1,6}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,6}){0,2}$/);
const repository = (min: number): fc.Arbitrary<string> =>
  fc.array(pathComponent, { minLength: min, maxLength: 4 }).map((cs) => cs.join('/'));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
const hex = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[a-f0-9]{${n}}$`));
const digest: fc.Arbitrary<Digest> = fc.oneof(
  hex(64).map((h) => parseDigest(`sha256:${h}`)),
  hex(128).map((h) => parseDigest(`sha512:${h}`)),
);

/** Canonical references: what parseReference can return. */
const reference: fc.Arbitrary<Reference> = fc
  .record(
    {
      name: fc.oneof(fc.tuple(registry, repository(1)), fc.tuple(fc.constant('docker.io'), repository(2))),
      tag,
      digest,
    },
    { requiredKeys: ['name'] },
  )
  .map(({ name: [registry, repository], tag, digest }) => ({
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  }))
  .filter((r) => r.registry.length + 1 + r.repository.length <= 255);

/** Strings in every accepted spelling: familiar names, Docker Hub aliases, tags and digests. */
const referenceInput: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.oneof(registry, fc.constantFrom('docker.io', 'index.docker.io', 'registry-1.docker.io')), { nil: undefined }),
    repository(1),
    fc.option(tag, { nil: undefined }),
    fc.option(digest, { nil: undefined }),
  )
  // Without a registry, a first component with "." would be read as a host (and may not be a valid one).
  .filter(([reg, repo]) => reg !== undefined || !repo.includes('/') || !repo.split('/')[0]!.includes('.'))
  .map(
    ([reg, repo, t, d]) => `${reg === undefined ? '' : `${reg}/`}${repo}${t === undefined ? '' : `:${t}`}${d === undefined ? '' : `@${d}`}`,
  )
  .filter((s) => s.split('@')[0]!.length <= 200);

describe('parseReference / formatReference (properties)', () => {
  it('round-trips every canonical reference', () => {
    fc.assert(
      fc.property(reference, (r) => {
        expect(parseReference(formatReference(r))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('formats idempotently: format(parse(format(parse(s)))) = format(parse(s))', () => {
    fc.assert(
      fc.property(referenceInput, (s) => {
        const once = formatReference(parseReference(s));
        expect(formatReference(parseReference(once))).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('reads its familiar form back as the same reference', () => {
    fc.assert(
      fc.property(referenceInput, (s) => {
        const r = parseReference(s);
        expect(parseReference(familiarReference(r))).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts exactly the tags isValidTag accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (t) => {
        let ok = true;
        try {
          parseReference(`example.com/app:${t}`);
        } catch {
          ok = false;
        }
        // A tag containing "/" or "@" changes how the string splits; compare only clean inputs.
        fc.pre(!/[/@:]/.test(t));
        expect(ok).toBe(isValidTag(t));
      }),
    );
  });
});

describe('parseReference: docker normalization', () => {
  const cases: [input: string, full: string, familiar: string][] = [
    ['ubuntu', 'docker.io/library/ubuntu', 'ubuntu'],
    ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04', 'ubuntu:22.04'],
    ['docker.io/ubuntu', 'docker.io/library/ubuntu', 'ubuntu'],
    ['index.docker.io/library/ubuntu', 'docker.io/library/ubuntu', 'ubuntu'],
    ['index.docker.io/ubuntu', 'docker.io/library/ubuntu', 'ubuntu'],
    ['registry-1.docker.io/ubuntu', 'docker.io/library/ubuntu', 'ubuntu'],
    ['user/app', 'docker.io/user/app', 'user/app'],
    ['library/foo/bar', 'docker.io/library/foo/bar', 'library/foo/bar'],
    ['localhost/foo', 'localhost/foo', 'localhost/foo'],
    ['localhost:5000/foo:bar', 'localhost:5000/foo:bar', 'localhost:5000/foo:bar'],
    ['localhost', 'docker.io/library/localhost', 'localhost'],
    ['localhost:5000', 'docker.io/library/localhost:5000', 'localhost:5000'],
    ['example.com', 'docker.io/library/example.com', 'example.com'],
    ['docker.io/a.b/c', 'docker.io/a.b/c', 'docker.io/a.b/c'],
    ['docker.io/localhost/c', 'docker.io/localhost/c', 'docker.io/localhost/c'],
    ['docker.io/a:b', 'docker.io/library/a:b', 'a:b'],
    [`foo.com/bar@${D}`, `foo.com/bar@${D}`, `foo.com/bar@${D}`],
    [`a/b:c@${D}`, `docker.io/a/b:c@${D}`, `a/b:c@${D}`],
    [`busybox:latest@${D2}`, `docker.io/library/busybox:latest@${D2}`, `busybox:latest@${D2}`],
    ['foo__bar', 'docker.io/library/foo__bar', 'foo__bar'],
    ['docker---rules/docker', 'docker.io/docker---rules/docker', 'docker---rules/docker'],
    ['Example.com/foo', 'Example.com/foo', 'Example.com/foo'],
    ['test_com/foo', 'docker.io/test_com/foo', 'test_com/foo'],
    ['test-com:8080/foo', 'test-com:8080/foo', 'test-com:8080/foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo'],
    ['127.0.0.1:5000/debian', '127.0.0.1:5000/debian', '127.0.0.1:5000/debian'],
    ['[::1]:5000/app:v1', '[::1]:5000/app:v1', '[::1]:5000/app:v1'],
    ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000/library/debian'],
    [`docker.io/${'1a3f5e7d'.repeat(8)}`, `docker.io/library/${'1a3f5e7d'.repeat(8)}`, '1a3f5e7d'.repeat(8)],
    [`foo:${'t'.repeat(128)}`, `docker.io/library/foo:${'t'.repeat(128)}`, `foo:${'t'.repeat(128)}`],
  ];
  it.each(cases)('%s → %s', (input, full, familiar) => {
    const r = parseReference(input);
    expect(formatReference(r)).toBe(full);
    expect(familiarReference(r)).toBe(familiar);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('splits the parts', () => {
    expect(parseReference(`localhost:5000/a/b:c@${D}`)).toEqual({
      registry: 'localhost:5000',
      repository: 'a/b',
      tag: 'c',
      digest: D,
    });
    expect(parseReference('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
  });
});

describe('parseReference: errors', () => {
  const cases: [input: string, says: string][] = [
    ['', 'the reference is empty'],
    ['Foo/bar', 'invalid reference "Foo/bar": repository name must be lowercase'],
    ['docker/Docker', 'repository name must be lowercase'],
    ['example.com/Foo', 'repository name must be lowercase'],
    ['foo:', 'the tag after ":" is empty'],
    [`foo:${'t'.repeat(129)}`, `tag "${'t'.repeat(129)}" is longer than 128 characters`],
    ['foo:-bar', 'tag "-bar" is invalid'],
    ['foo:bar:baz', 'tag "bar:baz" is invalid'],
    ['-foo', 'repository path component "-foo" is invalid'],
    ['foo//bar', 'has an empty path component'],
    ['docker///docker', 'has an empty path component'],
    ['/foo', 'has an empty path component'],
    ['docker/', 'has an empty path component'],
    ['foo___bar', 'repository path component "foo___bar" is invalid'],
    ['dock..er/docker', 'registry "dock..er" is not a valid host'],
    ['dock..er', 'repository path component "dock..er" is invalid'],
    ['dock_.er/docker', 'registry "dock_.er" is not a valid host'],
    ['example.com/', 'missing repository'],
    ['localhost:5000/:tag', 'missing repository'],
    [`@${D}`, 'missing repository'],
    ['foo@sha256:abc', 'digest "sha256:abc" is invalid'],
    [`foo@sha256:${'A'.repeat(64)}`, 'is invalid: expected sha256'],
    [`foo@sha384:${'a'.repeat(96)}`, 'is invalid'],
    ['foo@', 'digest "" is invalid'],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'image ID'],
    ['https://github.com/docker/docker', 'is not a valid host'],
    ['-docker.io/docker/docker', 'registry "-docker.io" is not a valid host'],
    ['foo_bar.com/x', 'registry "foo_bar.com" is not a valid host'],
    ['[fc00::1]:5000', 'is invalid'],
    ['[fe80::1%eth0]:5000/debian', 'is not a valid host'],
    ['fc00::1:5000/debian', 'is not a valid host'],
    ['foo:x/bar', 'registry "foo:x" is not a valid host'],
    [`example.com/${'a'.repeat(244)}`, 'is 256 characters long; at most 255'],
    [`${'a'.repeat(238)}`, 'is 256 characters long'],
  ];
  it.each(cases)('%j: %s', (input, says) => {
    const e = refError(input);
    expect(e.code).toBe('REFERENCE_INVALID');
    expect(e.userError).toBe(true);
    expect(e.message).toContain(says);
    expect(e.message.startsWith(`invalid reference ${JSON.stringify(input)}: `)).toBe(true);
  });

  it('tells a Docker Hub user how registries are recognized, and only them', () => {
    expect(refError('Foo/bar').message).toContain('"localhost"');
    expect(refError('example.com/Foo').message).not.toContain('"localhost"');
  });

  it('accepts a name of exactly 255 characters', () => {
    const r = parseReference(`example.com/${'a'.repeat(243)}`);
    expect(formatRepository(r)).toHaveLength(255);
  });
});

describe('reference helpers', () => {
  const alpine = parseReference('alpine:3.20');

  it('withTag replaces the tag and keeps a digest, like docker', () => {
    expect(formatReference(withTag(alpine, 'edge'))).toBe('docker.io/library/alpine:edge');
    const pinned = withDigest(alpine, parseDigest(D));
    expect(withTag(pinned, 'x')).toEqual({ registry: 'docker.io', repository: 'library/alpine', tag: 'x', digest: D });
    expect(Object.isFrozen(withTag(alpine, 'edge'))).toBe(true);
  });

  it('withTag refuses an invalid tag, naming it', () => {
    expect(() => withTag(alpine, 'bad tag')).toThrow(expect.objectContaining({ code: 'REFERENCE_INVALID', userError: true }));
    expect(() => withTag(alpine, 'bad tag')).toThrow(/docker\.io\/library\/alpine.*tag "bad tag" is invalid/);
    expect(() => withTag(alpine, '')).toThrow(/empty/);
  });

  it('withDigest keeps the tag', () => {
    expect(formatReference(withDigest(alpine, parseDigest(D)))).toBe(`docker.io/library/alpine:3.20@${D}`);
    expect(familiarReference(withDigest(alpine, parseDigest(D)))).toBe(`alpine:3.20@${D}`);
  });

  it('referenceString prefers the digest, then the tag, then latest', () => {
    expect(referenceString(parseReference(`a:b@${D}`))).toBe(D);
    expect(referenceString(parseReference('a:b'))).toBe('b');
    expect(referenceString(parseReference('a'))).toBe('latest');
  });

  it('registryApiHost maps Docker Hub to its API host only', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('index.docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
    expect(registryApiHost('localhost:5000')).toBe('localhost:5000');
  });

  it('isValidTag and isValidRepository', () => {
    expect(isValidTag('v1.2.3-rc.1_x')).toBe(true);
    expect(isValidTag('t'.repeat(128))).toBe(true);
    expect(isValidTag('t'.repeat(129))).toBe(false);
    expect(isValidTag('.x')).toBe(false);
    expect(isValidTag('1.0+build')).toBe(false);
    expect(isValidRepository('library/alpine')).toBe(true);
    expect(isValidRepository('a__b/c---d/e.f')).toBe(true);
    expect(isValidRepository('')).toBe(false);
    expect(isValidRepository('a//b')).toBe(false);
    expect(isValidRepository('Upper/case')).toBe(false);
    expect(isValidRepository('a'.repeat(256))).toBe(false);
  });
});
