/**
 * Read buffers of the HTTP client, reused instead of allocated afresh for every MiB received.
 *
 * A socket reads into a 1 MiB slab; the response body hands out views of it ("lent" chunks).
 * A slab goes back to the free list once the socket has moved on to another slab ("retired")
 * and every view lent out of it has come back through `releaseChunk`. The one caller of
 * `releaseChunk` is the HTTP client itself, when a chunk it sent as a request body has reached
 * the kernel: so in a registry-to-registry copy the same few slabs carry every blob. A view that
 * is never released (written to a file, collected, split) only keeps its slab from being reused;
 * the garbage collector then frees it as before. Measured with bench/copy's data: fresh slabs for
 * every read cost ~0.25 CPU s (page faults and garbage collection) and ~70 MB of RSS per 250 MB.
 *
 * The rule that keeps this safe: only the sole holder of a chunk may release it, after its last
 * use. Code that gives one chunk to several consumers (async/fan-out.ts) gives each its own view
 * object, which nobody can release.
 */

export const SLAB_BYTES = 1024 * 1024;
const MAX_FREE = 48;

interface Slab {
  readonly buf: Buffer;
  /** Views lent out and not yet released. */
  readonly lent: Set<Uint8Array>;
  retired: boolean;
  free: boolean;
}

const slabOf = new WeakMap<ArrayBufferLike, Slab>();
const freeList: Slab[] = [];
let allocated = 0;

/** Slabs allocated so far in this process (the rest of the reads went into reused ones). */
export function slabsAllocated(): number {
  return allocated;
}

export type { Slab };

export function takeSlab(): Slab {
  const s = freeList.pop();
  if (s) {
    s.retired = false;
    s.free = false;
    return s;
  }
  const buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
  allocated++;
  const slab: Slab = { buf, lent: new Set(), retired: false, free: false };
  slabOf.set(buf.buffer, slab);
  return slab;
}

/** The socket reads no more into `s`. */
export function retireSlab(s: Slab): void {
  s.retired = true;
  recycle(s);
}

/** `view` (of a slab) is handed to a consumer; `replaces` is a view it supersedes (merged into it). */
export function lendChunk(view: Uint8Array, replaces?: Uint8Array): void {
  const s = slabOf.get(view.buffer);
  if (!s) return;
  if (replaces) s.lent.delete(replaces);
  s.lent.add(view);
}

/** The sole holder of `chunk` is done with it: its bytes may be overwritten. A no-op for other buffers. */
export function releaseChunk(chunk: Uint8Array): void {
  const s = slabOf.get(chunk.buffer);
  if (s?.lent.delete(chunk)) recycle(s);
}

function recycle(s: Slab): void {
  if (!s.retired || s.free || s.lent.size > 0 || freeList.length >= MAX_FREE) return;
  s.free = true;
  freeList.push(s);
}
