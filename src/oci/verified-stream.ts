import { createHash } from 'node:crypto';
import type { Descriptor } from './descriptor.js';
import { digestAlgorithm, type Digest } from './digest.js';
import { OciError } from './errors.js';

/** Marks a stream that `verified()` (or a stream split from one) checks against this digest. */
export const VERIFIED_DIGEST = Symbol('gantry.verifiedDigest');

/** True when `src` already verifies itself against `digest`, so a consumer need not hash it again. */
export function isVerifiedFor(src: unknown, digest: string): boolean {
  return typeof src === 'object' && src !== null && (src as { [VERIFIED_DIGEST]?: string })[VERIFIED_DIGEST] === digest;
}

/**
 * A verifying stream: see verifiedStream. Marked with VERIFIED_DIGEST, so the store it is pushed
 * into does not hash the same bytes a second time.
 */
export function verified(
  src: AsyncIterable<Uint8Array>,
  want: Pick<Descriptor, 'digest' | 'size'>,
  where = '',
): AsyncGenerator<Uint8Array, void, undefined> {
  if (isVerifiedFor(src, want.digest)) return passThrough(src, want.digest);
  return Object.assign(verifiedStream(src, want, where), { [VERIFIED_DIGEST]: want.digest });
}

async function* passThroughGen(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  yield* src;
}

function passThrough(src: AsyncIterable<Uint8Array>, digest: string): AsyncGenerator<Uint8Array, void, undefined> {
  return Object.assign(passThroughGen(src), { [VERIFIED_DIGEST]: digest });
}

/**
 * Passes `src` through while hashing it; throws before the final chunk is released when the
 * bytes exceed `want.size`, and at the end when size or digest differ. Nothing downstream can
 * commit unverified data as long as it commits only after the iteration completes.
 */
async function* verifiedStream(
  src: AsyncIterable<Uint8Array>,
  want: Pick<Descriptor, 'digest' | 'size'>,
  where: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  const h = createHash(digestAlgorithm(want.digest));
  let n = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of src) {
    n += chunk.byteLength;
    if (n > want.size) {
      throw new OciError('SIZE_EXCEEDED', `${where}${want.digest}: more than the ${want.size} bytes the descriptor promises`);
    }
    h.update(chunk);
    // Hold one chunk back so the consumer never sees the last bytes before they are verified.
    if (held !== undefined) yield held;
    held = chunk;
  }
  const got = `${digestAlgorithm(want.digest)}:${h.digest('hex')}` as Digest;
  if (n !== want.size) {
    throw new OciError('SIZE_MISMATCH', `${where}${want.digest}: got ${n} bytes, expected ${want.size}`);
  }
  if (got !== want.digest) {
    throw new OciError('DIGEST_MISMATCH', `${where}content does not match its digest: expected ${want.digest}, got ${got}`);
  }
  if (held !== undefined) yield held;
}

/** Reads a small verified stream fully into memory, refusing more than `limit` bytes. */
export async function readAll(src: AsyncIterable<Uint8Array>, limit = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of src) {
    n += c.byteLength;
    if (n > limit) throw new OciError('SIZE_EXCEEDED', `content exceeds ${limit} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts, n);
}
