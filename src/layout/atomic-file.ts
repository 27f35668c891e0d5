import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm } from 'node:fs/promises';

/** Name of a temporary sibling of `final`: same directory, so `rename` is atomic. */
export function tempPathFor(final: string): string {
  return `${final}.${randomBytes(8).toString('hex')}.tmp`;
}

/** Writes all of `chunk`, looping over short writes. */
export async function writeFully(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off);
    off += bytesWritten;
  }
}

/**
 * Writes `final` atomically: the chunks go to a new temporary file (opened with 'wx', so two
 * writers never share one), which is fsynced when asked and then renamed over `final`. Readers
 * see the old file or the complete new one, never a partial one. The temporary file is removed
 * on any failure, including a throwing `chunks` iterator or an aborted signal.
 */
export async function writeFileAtomic(
  final: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  o: { readonly fsync: boolean; readonly signal?: AbortSignal | undefined; readonly onChunk?: ((n: number) => void) | undefined },
): Promise<void> {
  const tmp = tempPathFor(final);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o644);
    for await (const chunk of chunks) {
      o.signal?.throwIfAborted();
      await writeFully(fh, chunk);
      o.onChunk?.(chunk.byteLength);
    }
    if (o.fsync) await fh.sync();
    const closing = fh;
    fh = undefined;
    await closing.close();
    await rename(tmp, final);
  } catch (err: unknown) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}
