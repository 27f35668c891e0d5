// Deterministic gzip for layers: the tar is cut into fixed-size pieces and each piece becomes one
// gzip member (RFC 1952 §2.2: a gzip file is a series of members; Go's compress/gzip, which
// containerd, buildah, skopeo and umoci read layers with, and zlib's gunzip read them all). The
// pieces are compressed concurrently on libuv's thread pool (zlib's asynchronous API runs there),
// and written in order. The bytes depend only on the input, the level and the member size, never
// on how many are compressed at once: one at a time and eight at a time give the same blob. A
// layer smaller than one member is a single ordinary gzip stream.
//
// How a member is coded depends only on its own bytes (see chooseCoding): LZ77 + Huffman at the
// level (zlib's default strategy), Huffman alone (Z_HUFFMAN_ONLY) when LZ77 finds next to nothing
// to match, or stored blocks (level 0) when nothing compresses. On data without repeats (already
// compressed files, random-looking binaries) level 1 spends twice to three times the CPU of
// Huffman coding for the same size, searching for matches that are not there.
//
// Header bytes are pinned: node's zlib writes MTIME 0, no FNAME, XFL from the level and strategy
// (2 for level 9, 4 for level 0, 1 or Huffman only, else 0), and OS = the OS_CODE zlib was
// compiled with (3 on Unix; other values on Windows and macOS builds). Byte 9 is overwritten with
// 3 so every host writes the same header. The deflate stream itself comes from the zlib node
// bundles (Chromium's fork, which hashes with CRC32C where the CPU has it): a different zlib gives
// valid but different bytes.
import { promisify } from 'node:util';
import { constants, createGzip, deflateRaw as deflateRawCallback, type ZlibOptions } from 'node:zlib';

const deflateRaw = promisify<Uint8Array, ZlibOptions, Buffer>(deflateRawCallback);

/** RFC 1952 OS byte for Unix, written by every host. */
const OS_UNIX = 3;
const OS_BYTE_OFFSET = 9;

/**
 * zlib's memLevel of LZ77 and stored members: 8, zlib's default, given explicitly because it is
 * part of the output format like the level (so LZ77 members are what plain zlib.gzip writes at the
 * level). 9 measured no faster for LZ77 on 4 MiB members of the bench tree.
 */
export const GZIP_MEM_LEVEL = 8;
/**
 * memLevel of Huffman-only members: 9, twice the symbols per deflate block (2^15), so half the
 * block headers: on the bench tree's binary half 0.1% smaller and about 8% less CPU than 8.
 */
export const HUFFMAN_MEM_LEVEL = 9;

/**
 * Members shorter than this are always coded with LZ77 (no probe): small layers, and the tail of a
 * big one, where a probe would cost about as much as it could save.
 */
export const PROBE_MIN_BYTES = 256 * 1024;
/** The probe: this many slices of PROBE_SLICE_BYTES, spread evenly over the member (first at its start, last at its end). */
const PROBE_SLICES = 4;
const PROBE_SLICE_BYTES = 8 * 1024;

/** zlib's output buffer size per member: output is handed over in pieces of at most this size. */
const OUT_CHUNK_BYTES = 1024 * 1024;

export interface GzipOptions {
  /** zlib level, 1 (fast) to 9 (small). */
  readonly level: number;
  /** Uncompressed bytes per gzip member. Part of the output format: changing it changes digests. */
  readonly memberSize: number;
  /** Members compressed at once (thread-pool jobs); does not change the bytes. */
  readonly concurrency: number;
}

/** How one member is deflated. */
export type MemberCoding = 'lz77' | 'huffman' | 'stored';

/** The probe of a member: PROBE_SLICES slices spread evenly over it (the whole member when it is that short). */
function probeSample(input: Uint8Array): Uint8Array {
  const total = PROBE_SLICES * PROBE_SLICE_BYTES;
  if (input.byteLength <= total) return input;
  const sample = Buffer.allocUnsafe(total);
  const span = input.byteLength - PROBE_SLICE_BYTES;
  for (let i = 0; i < PROBE_SLICES; i++) {
    const at = Math.floor((i * span) / (PROBE_SLICES - 1));
    sample.set(input.subarray(at, at + PROBE_SLICE_BYTES), i * PROBE_SLICE_BYTES);
  }
  return sample;
}

/**
 * Picks a member's coding from its own bytes (so the choice, like the bytes, never depends on the
 * machine or the concurrency): the probe (32 KiB) is deflated twice, at the level and with Huffman
 * coding only.
 *  - neither gets it below 98% of its size → stored: nothing compresses (already-compressed data);
 *  - LZ77 saves less than 4% over Huffman alone → Huffman only: the data has skewed byte
 *    frequencies but no repeats (binaries of random-looking data), where LZ77 is all cost;
 *  - else LZ77 at the level (text, code, most executables).
 * Sizes are compared in integers, so no floating point is involved.
 */
export async function chooseCoding(input: Uint8Array, level: number): Promise<MemberCoding> {
  if (input.byteLength < PROBE_MIN_BYTES) return 'lz77';
  const sample = probeSample(input);
  const chunkSize = sample.byteLength + (sample.byteLength >> 6) + 1024;
  const [lz, huffman] = await Promise.all([
    deflateRaw(sample, { level, memLevel: GZIP_MEM_LEVEL, chunkSize }),
    deflateRaw(sample, { level, memLevel: HUFFMAN_MEM_LEVEL, strategy: constants.Z_HUFFMAN_ONLY, chunkSize }),
  ]);
  if (Math.min(lz.byteLength, huffman.byteLength) * 50 >= sample.byteLength * 49) return 'stored';
  if (lz.byteLength * 100 >= huffman.byteLength * 96) return 'huffman';
  return 'lz77';
}

function zlibOptions(coding: MemberCoding, level: number, inputBytes: number): ZlibOptions {
  const base = { memLevel: GZIP_MEM_LEVEL, chunkSize: OUT_CHUNK_BYTES };
  // zlib sizes stored blocks by the output room it is given (up to 65 535 bytes each): with an
  // output buffer that holds the whole member, every block is full-size whatever OUT_CHUNK_BYTES
  // is. (LZ77 and Huffman output does not depend on the buffer size.)
  if (coding === 'stored') return { ...base, level: 0, chunkSize: inputBytes + (inputBytes >> 6) + 1024 };
  if (coding === 'huffman') return { ...base, level, memLevel: HUFFMAN_MEM_LEVEL, strategy: constants.Z_HUFFMAN_ONLY };
  return { ...base, level };
}

/**
 * One gzip member of `input`, as the pieces zlib wrote it in (no concatenation: each piece is a
 * view of zlib's output buffer, so nothing is copied).
 */
export async function compressMember(input: Uint8Array, level: number): Promise<Buffer[]> {
  const coding = await chooseCoding(input, level);
  const out = await new Promise<Buffer[]>((resolve, reject) => {
    const pieces: Buffer[] = [];
    const z = createGzip(zlibOptions(coding, level, input.byteLength));
    z.on('data', (b: Buffer) => pieces.push(b));
    z.once('end', () => resolve(pieces));
    z.once('error', reject);
    z.end(input);
  });
  const first = out[0];
  if (first === undefined || first.byteLength <= OS_BYTE_OFFSET) throw new Error('zlib wrote no gzip header');
  first[OS_BYTE_OFFSET] = OS_UNIX;
  return out;
}

/** Reusable input buffers of one member size. */
class PiecePool {
  readonly #spare: Buffer[] = [];
  constructor(
    readonly size: number,
    readonly keep: number,
  ) {}
  take(): Buffer {
    return this.#spare.pop() ?? Buffer.allocUnsafe(this.size);
  }
  give(b: Buffer): void {
    if (this.#spare.length < this.keep) this.#spare.push(b);
  }
}

/** At most `limit` jobs running; the others wait, first come first served. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#free = limit;
  }
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    }
  }
}

/** What gzipMembers needs besides the format options. */
export interface GzipRunOptions extends GzipOptions {
  /**
   * Called with a chunk of `src` that was exactly one member long (and compressed where it was,
   * without a copy) once the compressor is done with it, so its buffer can be reused.
   */
  readonly recycle?: ((chunk: Uint8Array) => void) | undefined;
}

/** Members read ahead of the oldest one not yet handed out, beyond the ones compressing. */
const READ_AHEAD = 2;

/**
 * Compresses `src` into gzip members of `memberSize` input bytes each and yields each member (as
 * zlib's output pieces) in order. At most `concurrency` members compress at once; a new one starts
 * as soon as any of them is done (members take different times: LZ77 on text, Huffman on binary),
 * while up to READ_AHEAD more are read and waiting, so the thread pool does not wait for the disk
 * or for the oldest member. Chunks of `src` that are exactly one member long and start on a member
 * boundary are compressed in place; other input is gathered into member-sized buffers first.
 * Memory is bounded by about `(concurrency + READ_AHEAD + 1) × memberSize` of input plus the
 * compressed members not yet handed out.
 */
export async function* gzipMembers(src: AsyncIterable<Uint8Array>, o: GzipRunOptions): AsyncGenerator<Buffer[], void, undefined> {
  const concurrency = Math.max(1, o.concurrency);
  const window = concurrency + READ_AHEAD;
  const slots = new Slots(concurrency);
  const pool = new PiecePool(o.memberSize, window + 1);
  const pending: Promise<Buffer[]>[] = [];
  let piece: Buffer | undefined;
  let used = 0;
  let total = 0;
  const start = (input: Uint8Array, done: () => void): void => {
    const p = slots.run(() => compressMember(input, o.level)).finally(done);
    // Mark rejections as handled now; they are re-thrown when the member is awaited in order.
    p.catch(() => undefined);
    pending.push(p);
  };
  try {
    for await (const chunk of src) {
      total += chunk.byteLength;
      if (used === 0 && chunk.byteLength === o.memberSize) {
        start(chunk, () => o.recycle?.(chunk));
        while (pending.length >= window) yield await (pending.shift() as Promise<Buffer[]>);
        continue;
      }
      let offset = 0;
      while (offset < chunk.byteLength) {
        piece ??= pool.take();
        const n = Math.min(chunk.byteLength - offset, o.memberSize - used);
        piece.set(chunk.subarray(offset, offset + n), used);
        used += n;
        offset += n;
        if (used === o.memberSize) {
          const whole = piece;
          start(whole, () => pool.give(whole));
          piece = undefined;
          used = 0;
          while (pending.length >= window) yield await (pending.shift() as Promise<Buffer[]>);
        }
      }
    }
    // An empty input still becomes one (empty) gzip member, a valid gzip file.
    if (used > 0 || total === 0) {
      const whole = piece ?? pool.take();
      start(whole.subarray(0, used), () => pool.give(whole));
    }
    while (pending.length > 0) yield await (pending.shift() as Promise<Buffer[]>);
  } finally {
    // On an early exit, let in-flight jobs finish quietly.
    for (const p of pending) p.catch(() => undefined);
  }
}
