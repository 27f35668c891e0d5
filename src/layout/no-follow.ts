// Files of a layout are opened without following symlinks. A layout is often someone else's
// directory (a CI artifact, a download): a blob, index.json or oci-layout that is a symlink would
// make gantry read whatever it points at (`/etc/shadow`), and even a digest mismatch afterwards
// tells its size and timing. So a symlink, a directory, a FIFO or a device where a file belongs is
// refused with an error naming it, and nothing behind it is opened.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { errnoCode, OciError } from '../oci/errors.js';

// O_NOFOLLOW: open fails (ELOOP) when the last component is a symlink, so a symlink swapped in
// after the lstat check is not followed either. O_NONBLOCK: a FIFO swapped in does not block the
// open; regular files ignore it. Both are 0 where the platform lacks them (Windows).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** lstat of `path`, or undefined when nothing is there. */
export async function lstatOptional(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err: unknown) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The refusal of `path`, which should be a regular file of the layout but is `st`. */
export async function notRegularFile(path: string, st: Stats, where = ''): Promise<OciError> {
  const target = st.isSymbolicLink() ? await readlink(path).catch(() => undefined) : undefined;
  return new OciError(
    'LAYOUT_INVALID',
    `${where}${path} is ${kindOf(st)}${target === undefined ? '' : ` (to ${target})`}, not a regular file; ` +
      'gantry does not follow symlinks or read special files inside an OCI layout: replace it with the file itself',
    { userError: true },
  );
}

/** The refusal of a directory of the layout (`blobs/`, `blobs/sha256/`) that is a symlink or not a directory. */
export async function notRealDirectory(path: string, st: Stats, where = ''): Promise<OciError> {
  const target = st.isSymbolicLink() ? await readlink(path).catch(() => undefined) : undefined;
  return new OciError(
    'LAYOUT_INVALID',
    `${where}${path} is ${kindOf(st)}${target === undefined ? '' : ` (to ${target})`}, not a directory; ` +
      'gantry does not follow symlinks inside an OCI layout: make it a real directory',
    { userError: true },
  );
}

/**
 * Opens a regular file of the layout for reading, never through a symlink, and checks on the open
 * file itself that it is a regular file. Returns undefined when nothing is at `path`.
 */
export async function openRegularFile(path: string, where = ''): Promise<{ fh: FileHandle; st: Stats } | undefined> {
  const before = await lstatOptional(path);
  if (before === undefined) return undefined;
  // Checked before opening: opening a device or a FIFO can itself have effects.
  if (!before.isFile()) throw await notRegularFile(path, before, where);
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (err: unknown) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // Replaced by a symlink between the lstat and the open.
    if (code === 'ELOOP' || code === 'EMLINK') throw await notRegularFile(path, await lstat(path), where);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw await notRegularFile(path, st, where);
    return { fh, st };
  } catch (err: unknown) {
    await fh.close();
    throw err;
  }
}

/**
 * The most gantry reads of index.json (or oci-layout): a layout may come from anywhere, and an
 * index.json of a few GB would be read whole. 64 MiB is some 200,000 entries.
 */
export const MAX_LAYOUT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a small regular file of the layout (index.json, oci-layout) as UTF-8, at most `maxBytes`
 * (LAYOUT_INVALID beyond); undefined when it is missing.
 */
export async function readRegularFile(path: string, where = '', maxBytes = MAX_LAYOUT_FILE_BYTES): Promise<string | undefined> {
  const opened = await openRegularFile(path, where);
  if (opened === undefined) return undefined;
  try {
    const tooLarge = (): OciError =>
      new OciError(
        'LAYOUT_INVALID',
        `${where}${path} is larger than ${maxBytes / (1024 * 1024)} MiB, more than gantry reads of a layout's ${basename(path)}; check that the layout is what you meant to use`,
        { userError: true },
      );
    if (opened.st.size > maxBytes) throw tooLarge();
    // Read at most one byte past the limit: the file may have grown since its stat.
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(opened.st.size, 0) + 64 * 1024));
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const { bytesRead } = await opened.fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw tooLarge();
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await opened.fh.close();
  }
}
