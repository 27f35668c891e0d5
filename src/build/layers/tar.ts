// Writes a layer's entries as a byte-for-byte reproducible tar (POSIX ustar through tar-stream).
// What tar-stream writes, checked in node_modules/tar-stream/headers.js (3.x): a 512-byte ustar
// header per entry (magic "ustar\0", version "00"); names over 100 bytes are split into the
// 155-byte prefix field, and only names that still do not fit, non-ASCII names, and link targets
// over 100 bytes get a PAX extended header (named "PaxHeader", with path/linkpath records). We
// pass every header field explicitly so nothing comes from the host: mtime is the commit time,
// uname/gname are empty, devmajor/devminor 0, no atime/ctime (ustar has none; we add no PAX
// times). Two traps of tar-stream are avoided here: a mode of 0 or a uid/gid of 0 would be
// replaced by its defaults (harmless for ids, wrong for mode 0), and octal fields that overflow
// (uid/gid above 0o777777) would silently be written as 777777, so those ids go into PAX records.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BuildError } from '../errors.js';
import type { LayerEntry } from './walk.js';

/** Largest id a ustar octal field holds (6 digits). */
const MAX_USTAR_ID = 0o777777;
/** tar-stream writes mtime as `(ms / 1000) | 0`: a signed 32-bit number. */
const MAX_MTIME_SECONDS = 2 ** 31 - 1;

// File-type bits OR-ed into the mode so a mode of 0 is not taken for "unset"; the header keeps
// only `mode & 0o7777`.
const TYPE_BITS: Readonly<Record<LayerEntry['type'], number>> = { file: 0o100000, directory: 0o040000, symlink: 0o120000 };

/** Checks a commit time (seconds since the epoch) fits the tar header; returns it as a Date. */
export function tarMtime(seconds: number): Date {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_MTIME_SECONDS) {
    throw new BuildError(
      'BUILD_INPUT_INVALID',
      `commit time ${seconds} s is outside what layer timestamps can hold (1970-01-01 to 2038-01-19); set SOURCE_DATE_EPOCH`,
      { userError: true },
    );
  }
  return new Date(seconds * 1000);
}

function headerOf(e: LayerEntry, mtime: Date): Parameters<tar.Pack["entry"]>[0] {
  const bigIds = e.uid > MAX_USTAR_ID || e.gid > MAX_USTAR_ID;
  return {
    name: e.name,
    type: e.type,
    mode: TYPE_BITS[e.type] | e.mode,
    uid: bigIds ? 0 : e.uid,
    gid: bigIds ? 0 : e.gid,
    size: e.type === 'file' ? e.size : 0,
    mtime,
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    // PAX "uid"/"gid" records (POSIX.1-2008 pax); ustar fields then hold 0.
    ...(bigIds ? { pax: { uid: String(e.uid), gid: String(e.gid) } } : {}),
  };
}

/**
 * Streams the tar of `entries` (in the given order) with every mtime set to `mtime`. File
 * contents are streamed from their sources one at a time; a file whose size changed since it was
 * listed fails the layer (tar-stream checks the byte count).
 */
export function tarEntries(entries: readonly LayerEntry[], mtime: Date, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const pack = tar.pack();
  const write = async (): Promise<void> => {
    for (const e of entries) {
      signal?.throwIfAborted();
      const header = headerOf(e, mtime);
      if (e.type === 'file' && e.source !== undefined) {
        const sink = pack.entry(header);
        try {
          await pipeline(createReadStream(e.source), sink);
        } catch (cause) {
          throw new BuildError('BUILD_FAILED', `reading ${e.source} for ${e.name}: ${(cause as Error).message} (did the file change during the build?)`, { cause });
        }
      } else {
        await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
      }
    }
    pack.finalize();
  };
  write().catch((err: unknown) => pack.destroy(err as Error));
  return pack as unknown as AsyncIterable<Uint8Array>;
}
