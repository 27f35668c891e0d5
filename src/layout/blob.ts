import type { Stats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { digestAlgorithm, digestHex, parseDigest, type Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import type { CallOptions } from '../oci/store.js';
import { readAll, verified } from '../oci/verified-stream.js';
import { writeFileAtomic } from './atomic-file.js';
import { lstatOptional, notRegularFile, openRegularFile } from './no-follow.js';

/** Manifests larger than this are refused, as registries do (distribution-spec spec.md#pushing-manifests: 4 MiB). */
export const MANIFEST_SIZE_LIMIT = 4 * 1024 * 1024;

/**
 * A blob body. A function is called only when the blob is actually missing, so a caller can
 * avoid even opening the source (for example a registry GET) when the layout already has it.
 */
export type BlobBody = AsyncIterable<Uint8Array> | Uint8Array | (() => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>);

export interface WriteBlobOptions extends CallOptions {
  /** fsync the file before it is renamed into place. */
  readonly fsync: boolean;
  /** Prefix for error messages, such as `oci:/dir: `. */
  readonly where?: string;
}

/** `blobs/<alg>/<encoded>` (image-spec image-layout.md#blobs). The digest is re-validated so it can never escape `root`. */
export function blobPath(root: string, digest: Digest): string {
  const d = parseDigest(digest);
  return join(root, 'blobs', digestAlgorithm(d), digestHex(d));
}

/**
 * True when the blob is a regular file with the size the descriptor promises (a short file is a
 * torn write, not the blob). A symlink is never the blob, whatever it points at: a push then
 * replaces the link itself (rename does not follow it).
 */
export async function hasBlob(root: string, desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
  const st = await lstatOptional(blobPath(root, desc.digest));
  return st !== undefined && st.isFile() && st.size === desc.size;
}

/** Size of the blob file, or undefined when there is none; LAYOUT_INVALID when it is a symlink or a special file. */
export async function blobFileSize(root: string, digest: Digest, where = ''): Promise<number | undefined> {
  return (await regularFileStats(blobPath(root, digest), where))?.size;
}

/**
 * Stores a blob: streams `body` through `verified()` into `<final>.<random>.tmp`, then renames it.
 * Memory stays bounded by one chunk. Returns false, without reading `body`, when the blob is
 * already present (same digest ⇒ same bytes); an iterable body is then closed so its source
 * (a socket, a file) is released.
 * R5 (STYLE.md); regclient ocidir.BlobPut, ggcr layout.writeBlob.
 */
export async function writeBlob(root: string, desc: Descriptor, body: BlobBody, o: WriteBlobOptions): Promise<boolean> {
  const final = blobPath(root, desc.digest);
  if (await hasBlob(root, desc)) {
    await releaseBody(body);
    return false;
  }
  let opened = false;
  try {
    o.signal?.throwIfAborted();
    await mkdir(dirname(final), { recursive: true });
    const src = typeof body === 'function' ? await body() : isBytes(body) ? [body] : body;
    opened = true;
    // A source that already verifies itself against this digest is not hashed a second time.
    await writeFileAtomic(final, verified(Symbol.asyncIterator in src ? src : toAsync(src), desc, o.where ?? ''), {
      fsync: o.fsync,
      signal: o.signal,
      onChunk: o.onProgress,
    });
  } catch (err: unknown) {
    if (!opened) await releaseBody(body);
    throw err;
  }
  return true;
}

/**
 * Opens a blob for reading. Files on disk are not trusted either (R4): the stream is verified
 * against the descriptor and throws SIZE_MISMATCH/DIGEST_MISMATCH before its last chunk.
 */
export async function openBlob(
  root: string,
  desc: Descriptor,
  o: CallOptions & { readonly where?: string; readonly what?: string } = {},
): Promise<AsyncIterable<Uint8Array>> {
  const path = blobPath(root, desc.digest);
  const where = o.where ?? '';
  const notFound = (cause?: unknown) =>
    new OciError('NOT_FOUND', `${where}${o.what ?? 'blob'} ${desc.digest} not found (no file ${path})`, { cause });
  const st = await regularFileStats(path, where);
  if (st === undefined) throw notFound();
  if (st.size !== desc.size) {
    // Fail before reading what could be gigabytes of a file that cannot match.
    return failing(new OciError('SIZE_MISMATCH', `${where}${desc.digest}: file ${path} has ${st.size} bytes, expected ${desc.size}`));
  }
  return verified(readFileChunks(path, o, where, notFound), desc, where);
}

/** Reads a small blob (a manifest) into memory, verified, refusing more than `limit` bytes. */
export async function readBlobBytes(
  root: string,
  desc: Descriptor,
  limit: number,
  o: CallOptions & { readonly where?: string; readonly what?: string } = {},
): Promise<Uint8Array> {
  if (desc.size > limit) {
    throw new OciError('MANIFEST_TOO_LARGE', `${o.where ?? ''}${desc.digest} is ${desc.size} bytes, over the ${limit}-byte limit`);
  }
  return readAll(await openBlob(root, desc, o), limit);
}

async function* readFileChunks(
  path: string,
  o: CallOptions,
  where: string,
  notFound: (cause?: unknown) => OciError,
): AsyncGenerator<Uint8Array, void, undefined> {
  // Opened without following a symlink, even one swapped in after the lstat of openBlob.
  const opened = await openRegularFile(path, where);
  // Deleted between lstat and open (a concurrent gc): report it like any other missing blob.
  if (opened === undefined) throw notFound();
  const stream = opened.fh.createReadStream(o.signal === undefined ? {} : { signal: o.signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    o.onProgress?.(chunk.byteLength);
    yield chunk;
  }
}

// eslint-disable-next-line require-yield -- a body that fails on its first read, as a stream that errors does
async function* failing(err: Error): AsyncGenerator<Uint8Array, void, undefined> {
  throw err;
}

async function* toAsync(src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  yield* src;
}

function isBytes(b: BlobBody): b is Uint8Array {
  return b instanceof Uint8Array;
}

/** Closes an iterable body we will not read, so a stream or generator behind it releases its resources. */
async function releaseBody(body: BlobBody): Promise<void> {
  if (typeof body === 'function' || isBytes(body)) return;
  try {
    await body[Symbol.asyncIterator]().return?.();
  } catch {
    // Releasing is best effort; the push itself succeeded or already failed.
  }
}

/** lstat of a blob file: undefined when absent, LAYOUT_INVALID when it is a symlink or a special file. */
async function regularFileStats(path: string, where: string): Promise<Stats | undefined> {
  const st = await lstatOptional(path);
  if (st !== undefined && !st.isFile()) throw await notRegularFile(path, st, where);
  return st;
}
