import { createHash } from 'node:crypto';
import { OciError } from './errors.js';

/** A validated content digest, `algorithm:encoded` (image-spec descriptor.md#digests). */
export type Digest = string & { readonly __brand: 'Digest' };

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Parses a digest; only the registered sha256 and sha512 algorithms, lowercase hex. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) {
    throw new OciError(
      'DIGEST_INVALID',
      `invalid digest ${JSON.stringify(s)}: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`,
      { userError: true },
    );
  }
  return s;
}

export type DigestAlgorithm = 'sha256' | 'sha512';

export function digestAlgorithm(d: Digest): DigestAlgorithm {
  return d.startsWith('sha512:') ? 'sha512' : 'sha256';
}

/** The hex part of a digest. */
export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** Digest of bytes held in memory (manifests, configs, small blobs). */
export function digestOf(bytes: Uint8Array | string, alg: DigestAlgorithm = 'sha256'): Digest {
  return `${alg}:${createHash(alg).update(bytes).digest('hex')}` as Digest;
}
