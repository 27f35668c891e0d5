import { createHash } from 'node:crypto';
import type { Descriptor } from './descriptor.js';
import { digestAlgorithm, type Digest } from './digest.js';
import { OciError } from './errors.js';

/**
 * Passes `src` through while hashing it; throws before the final chunk is released when the
 * bytes exceed `want.size`, and at the end when size or digest differ. Nothing downstream can
 * commit unverified data as long as it commits only after the iteration completes.
 */
export async function* verified(
  src: AsyncIterable<Uint8Array>,
  want: Pick<Descriptor, 'digest' | 'size'>,
  where = '',
): AsyncGenerator<Uint8Array, void, undefined> {
  const h = createHash(digestAlgorithm(want.digest));
  let n = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of src) {
    n += chunk.byteLength;
    if (n > want.size) {
      throw new OciError(
        'SIZE_EXCEEDED',
        `${where}${want.digest}: more than the ${want.size} bytes the descriptor promises`,
      );
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
