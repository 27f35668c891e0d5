// Deterministic gzip for layers: the tar is cut into fixed-size pieces and each piece becomes one
// gzip member (RFC 1952 §2.2: a gzip file is a series of members; Go's compress/gzip, which
// containerd, buildah, skopeo and umoci read layers with, and zlib's gunzip read them all). The
// pieces are compressed concurrently on libuv's thread pool (`zlib.gzip` is asynchronous there),
// and written in order. The bytes depend only on the input, the level and the member size, never
// on how many are compressed at once: one at a time and eight at a time give the same blob. A
// layer smaller than one member is a single ordinary gzip stream.
//
// Header bytes are pinned: node's zlib writes MTIME 0, no FNAME, XFL from the level (2 for 9,
// 4 for 1, else 0), and OS = the OS_CODE zlib was compiled with (3 on Unix; other values on
// Windows and macOS builds). Byte 9 is overwritten with 3 so every host writes the same header.
// The deflate stream itself comes from the zlib node bundles (Chromium's fork, which hashes with
// CRC32C where the CPU has it): a different zlib gives valid but different bytes.
import { promisify } from 'node:util';
import { gzip as gzipCallback, type ZlibOptions } from 'node:zlib';

const gzip = promisify<Uint8Array, ZlibOptions, Buffer>(gzipCallback);

/** RFC 1952 OS byte for Unix, written by every host. */
const OS_UNIX = 3;
const OS_BYTE_OFFSET = 9;

export interface GzipOptions {
  /** zlib level, 1 (fast) to 9 (small). */
  readonly level: number;
  /** Uncompressed bytes per gzip member. Part of the output format: changing it changes digests. */
  readonly memberSize: number;
  /** Members compressed at once (thread-pool jobs); does not change the bytes. */
  readonly concurrency: number;
}

async function compressMember(input: Uint8Array, level: number): Promise<Buffer> {
  // One output buffer that holds the whole member (deflate never grows data by more than ~0.1%):
  // with zlib's default 16 KiB chunkSize every 16 KiB of output is a round trip between the
  // thread pool and the main thread, which measured as most of the main thread's time.
  const out = await gzip(input, { level, chunkSize: input.byteLength + (input.byteLength >> 6) + 1024 });
  out[OS_BYTE_OFFSET] = OS_UNIX;
  return out;
}

/**
 * Compresses `src` into gzip members of `memberSize` input bytes each, at most `concurrency` in
 * flight. Memory is bounded by about `(concurrency + 1) × memberSize`.
 */
export async function* gzipMembers(src: AsyncIterable<Uint8Array>, o: GzipOptions): AsyncGenerator<Buffer, void, undefined> {
  const pending: Promise<Buffer>[] = [];
  // Input pieces are recycled once compressed, so a long layer allocates only a handful of them.
  const spare: Buffer[] = [];
  const take = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(o.memberSize);
  let piece = take();
  let used = 0;
  let total = 0;
  const flush = (): void => {
    const whole = piece;
    pending.push(
      compressMember(whole.subarray(0, used), o.level).finally(() => {
        if (spare.length < o.concurrency + 1) spare.push(whole);
      }),
    );
    // Mark rejections as handled now; they are re-thrown when the member is awaited in order.
    pending.at(-1)?.catch(() => undefined);
    piece = take();
    used = 0;
  };
  try {
    for await (const chunk of src) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const n = Math.min(chunk.byteLength - offset, o.memberSize - used);
        piece.set(chunk.subarray(offset, offset + n), used);
        used += n;
        offset += n;
        total += n;
        if (used === o.memberSize) {
          flush();
          while (pending.length >= Math.max(1, o.concurrency)) yield await (pending.shift() as Promise<Buffer>);
        }
      }
    }
    // An empty input still becomes one (empty) gzip member, a valid gzip file.
    if (used > 0 || total === 0) flush();
    while (pending.length > 0) yield await (pending.shift() as Promise<Buffer>);
  } finally {
    // On an early exit, let in-flight jobs finish quietly.
    for (const p of pending) p.catch(() => undefined);
  }
}
