// One layer from its entries: tar → sha256 (the diffID) → gzip members → sha256 + size (the blob
// digest) → a temp file, in one streaming pass. The tar is written straight into member-sized
// buffers (tar.ts), each compressed where it is (gzip.ts) and reused once compressed; compressed
// members are written at their offsets without waiting for the disk. Nothing is held in memory
// beyond a few gzip members; the temp file is what gets pushed (a registry upload needs the digest
// up front).
import { createHash, randomUUID } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../../oci/descriptor.js';
import type { Digest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import { gzipMembers, type GzipOptions } from './gzip.js';
import { tarPieces } from './tar.js';
import type { LayerEntry } from './walk.js';

/** A compressed layer in a temp file. */
export interface LayerBlob {
  readonly descriptor: Descriptor;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids entry). */
  readonly diffId: Digest;
  readonly tarSize: number;
  /** The temp file holding the blob; the caller removes it. */
  readonly path: string;
}

/** File writes in flight at most; beyond that the next member waits for the oldest write. */
const MAX_WRITES = 8;

/** Writes all of `b` at `position` (a write may take fewer bytes than asked). */
async function writeAt(file: FileHandle, b: Buffer, position: number): Promise<void> {
  for (let done = 0; done < b.byteLength;) {
    const { bytesWritten } = await file.write(b, done, b.byteLength - done, position + done);
    if (bytesWritten <= 0) throw new Error(`writing the layer blob: no progress at byte ${position + done}`);
    done += bytesWritten;
  }
}

async function* hashed(src: AsyncIterable<Buffer>, into: { hash: ReturnType<typeof createHash>; size: number }): AsyncGenerator<Buffer> {
  for await (const chunk of src) {
    into.hash.update(chunk);
    into.size += chunk.byteLength;
    yield chunk;
  }
}

/** Writes the gzip-compressed tar of `entries` to a new file in `tmpDir`. */
export async function writeLayerBlob(
  entries: readonly LayerEntry[],
  o: { readonly mtime: Date; readonly gzip: GzipOptions; readonly tmpDir: string; readonly signal?: AbortSignal | undefined },
): Promise<LayerBlob> {
  const path = join(o.tmpDir, `layer-${randomUUID()}.tar.gz`);
  const tarSide = { hash: createHash('sha256'), size: 0 };
  const blobSide = { hash: createHash('sha256'), size: 0 };
  // Member-sized tar buffers, handed back by gzip once compressed (gzipMembers bounds how many
  // are out at once, so this never holds more than a few).
  const spare: Buffer[] = [];
  const take = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(o.gzip.memberSize);
  const recycle = (b: Uint8Array): void => {
    if (Buffer.isBuffer(b) && b.byteLength === o.gzip.memberSize) spare.push(b);
  };
  const file = await open(path, 'wx');
  const writes: Promise<unknown>[] = [];
  try {
    const tar = hashed(tarPieces(entries, o.mtime, { pieceSize: o.gzip.memberSize, take, signal: o.signal }), tarSide);
    for await (const member of gzipMembers(tar, { ...o.gzip, recycle })) {
      o.signal?.throwIfAborted();
      for (const piece of member) {
        blobSide.hash.update(piece);
        const write = writeAt(file, piece, blobSide.size);
        write.catch(() => undefined); // awaited below, in order
        writes.push(write);
        blobSide.size += piece.byteLength;
      }
      while (writes.length > MAX_WRITES) await writes.shift();
    }
    await Promise.all(writes);
    writes.length = 0;
    await file.close();
  } catch (err) {
    await Promise.allSettled(writes);
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
  return {
    descriptor: { mediaType: MediaType.OciLayerGzip, digest: `sha256:${blobSide.hash.digest('hex')}` as Digest, size: blobSide.size },
    diffId: `sha256:${tarSide.hash.digest('hex')}` as Digest,
    tarSize: tarSide.size,
    path,
  };
}
