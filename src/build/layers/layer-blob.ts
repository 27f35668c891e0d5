// One layer from its entries: tar → sha256 (the diffID) → gzip members → sha256 + size (the blob
// digest) → a temp file, in one streaming pass. Nothing is held in memory beyond a few gzip
// members; the temp file is what gets pushed (a registry upload needs the digest up front).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Descriptor } from '../../oci/descriptor.js';
import type { Digest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import { gzipMembers, type GzipOptions } from './gzip.js';
import { tarEntries } from './tar.js';
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

async function* hashed(src: AsyncIterable<Uint8Array>, into: { hash: ReturnType<typeof createHash>; size: number }): AsyncGenerator<Uint8Array> {
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
  try {
    const compressed = hashed(gzipMembers(hashed(tarEntries(entries, o.mtime, o.signal), tarSide), o.gzip), blobSide);
    // The generator is the source itself (no Readable.from, whose object mode would buffer 16 members).
    await pipeline(compressed, createWriteStream(path, { flags: 'wx' }), o.signal ? { signal: o.signal } : {});
  } catch (err) {
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
