import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestAlgorithm, digestHex, digestOf, isDigest, parseDigest } from '../../src/oci/digest.js';
import { OciError } from '../../src/oci/errors.js';

const S256 = `sha256:${'a'.repeat(64)}`;
const S512 = `sha512:${'b'.repeat(128)}`;

describe('parseDigest / isDigest', () => {
  it('accepts sha256 and sha512 in lowercase hex', () => {
    expect(parseDigest(S256)).toBe(S256);
    expect(parseDigest(S512)).toBe(S512);
    expect(isDigest(S256)).toBe(true);
  });

  it.each([
    '',
    'sha256:',
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha384:${'a'.repeat(96)}`,
    `sha512:${'b'.repeat(64)}`,
    `SHA256:${'a'.repeat(64)}`,
    `${S256}\n`,
    'a'.repeat(64),
  ])('refuses %j as a user error that names it', (s) => {
    expect(isDigest(s)).toBe(false);
    let err: unknown;
    try {
      parseDigest(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OciError);
    expect(err).toMatchObject({ code: 'DIGEST_INVALID', userError: true });
    expect((err as Error).message).toContain(JSON.stringify(s));
    expect((err as Error).message).toContain('sha256:<64 lowercase hex>');
  });
});

describe('digestAlgorithm / digestHex', () => {
  it('splits a digest', () => {
    expect(digestAlgorithm(parseDigest(S256))).toBe('sha256');
    expect(digestAlgorithm(parseDigest(S512))).toBe('sha512');
    expect(digestHex(parseDigest(S256))).toBe('a'.repeat(64));
    expect(digestHex(parseDigest(S512))).toBe('b'.repeat(128));
  });
});

describe('digestOf', () => {
  it('hashes strings and bytes with sha256 by default, or sha512', () => {
    expect(digestOf('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(digestOf(new TextEncoder().encode('{}'))).toBe(digestOf('{}'));
    expect(digestOf('', 'sha512')).toBe(`sha512:${createHash('sha512').digest('hex')}`);
  });

  it('always yields a digest that parses (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.constantFrom('sha256' as const, 'sha512' as const), (b, alg) => {
        const d = digestOf(b, alg);
        expect(parseDigest(d)).toBe(d);
        expect(digestAlgorithm(d)).toBe(alg);
      }),
    );
  });
});
