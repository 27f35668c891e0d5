// Writes a layer's entries as a byte-for-byte reproducible tar: POSIX ustar, byte for byte what
// tar-stream 3.x writes for the same headers (checked against it in test/builders/layers/format.test.ts;
// the encoding follows node_modules/tar-stream/headers.js and pack.js). The tar is written straight
// into fixed-size pieces (one gzip member each): headers are encoded in place and file contents are
// read from disk directly into the piece, so no buffer is allocated or copied per file.
//
// What is written: a 512-byte ustar header per entry (magic "ustar\0", version "00"); names over
// 100 bytes are split into the 155-byte prefix field, and only names that still do not fit,
// non-ASCII names, link targets over 100 bytes and ids over 0o777777 get a PAX extended header
// (typeflag "x", named "PaxHeader", with path/linkpath/uid/gid records; tar-stream then also names
// the entry's own header "PaxHeader", as here). Every header field is set explicitly so nothing
// comes from the host: mtime is the commit time, uname/gname are empty, devmajor/devminor 0, no
// atime/ctime. File data is padded with zeros to 512 bytes; the tar ends with two zero blocks.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { BuildError } from '../errors.js';
import type { LayerEntry } from './walk.js';

/** Files up to this size are read with synchronous reads (one or two per file); larger ones asynchronously. */
const READ_BYTES = 1024 * 1024;

/** Largest id a ustar octal field holds (6 digits). */
const MAX_USTAR_ID = 0o777777;
/** tar-stream writes mtime as `(ms / 1000) | 0`: a signed 32-bit number. */
const MAX_MTIME_SECONDS = 2 ** 31 - 1;
const BLOCK = 512;
const END_OF_TAR = 2 * BLOCK;

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

const TYPEFLAG: Readonly<Record<LayerEntry['type'] | 'pax-header', number>> = {
  file: 0x30,
  symlink: 0x32,
  directory: 0x35,
  'pax-header': 0x78,
};

interface Header {
  readonly name: string;
  readonly type: LayerEntry['type'] | 'pax-header';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeSeconds: number;
  readonly linkname: string;
}

/** tar-stream's encodeOct: `n` octal digits and a space; all sevens when the value does not fit. */
function octal(value: number, digits: number): string {
  const s = value.toString(8);
  return s.length > digits ? `${'7'.repeat(digits)} ` : `${s.padStart(digits, '0')} `;
}

/** The 512-byte ustar header, or undefined when a value does not fit (then PAX is needed). */
function ustar(h: Header): Buffer | undefined {
  let name = h.name;
  let prefix = '';
  if (Buffer.byteLength(name) !== name.length) return undefined; // not ASCII
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (name.length > 100 || prefix.length > 155) return undefined;
  if (h.linkname && Buffer.byteLength(h.linkname) > 100) return undefined;
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 'latin1');
  b.write(octal(h.mode & 0o7777, 6), 100, 'latin1');
  b.write(octal(h.uid, 6), 108, 'latin1');
  b.write(octal(h.gid, 6), 116, 'latin1');
  if (h.size.toString(8).length > 11) {
    // Base-256 size (files of 8 GiB and more), as tar-stream's encodeSizeBin.
    b[124] = 0x80;
    let n = h.size;
    for (let i = 11; i > 0; i--) {
      b[124 + i] = n & 0xff;
      n = Math.floor(n / 0x100);
    }
  } else {
    b.write(octal(h.size, 11), 124, 'latin1');
  }
  b.write(octal(h.mtimeSeconds, 11), 136, 'latin1');
  b[156] = TYPEFLAG[h.type];
  if (h.linkname) b.write(h.linkname, 157, 'utf8');
  b.write('ustar\u000000', 257, 'latin1');
  b.write(octal(0, 6), 329, 'latin1'); // devmajor
  b.write(octal(0, 6), 337, 'latin1'); // devminor
  if (prefix) b.write(prefix, 345, 'latin1');
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < BLOCK; i++) sum += b[i]!;
  b.write(octal(sum, 6), 148, 'latin1');
  return b;
}

/** One PAX record: "<length> <key>=<value>\n", the length counting itself (tar-stream's addLength). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let digits = String(len).length;
  if (len + digits >= 10 ** digits) digits++;
  return `${len + digits}${body}`;
}

function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/**
 * Refuses an entry name that could land outside the image's root when the layer is extracted: a
 * leading "/", a ".." component (`to: /../../etc/x` once wrote "../../etc/x"), and anything else
 * the walk never makes (empty or "." components, NUL, which ends a ustar name early). gantry.yml
 * refuses ".." in `to` with its line; this is the last check, for every caller.
 */
export function assertEntryName(name: string): void {
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || s.includes('\0'));
  if (bad === undefined) return;
  const why = name.startsWith('/')
    ? 'it starts with "/"'
    : bad === '..'
      ? 'it has a ".." component'
      : bad === ''
        ? 'it has an empty component'
        : bad === '.'
          ? 'it has a "." component'
          : 'it contains a NUL byte';
  throw new BuildError(
    'BUILD_INPUT_INVALID',
    `layer entry ${JSON.stringify(name)}: ${why}; a name in a layer is relative to the image's root and stays inside it. ` +
      'Check the copy rule\'s "to": an absolute path inside the image without ".." such as "/app"',
    { userError: true },
  );
}

/** The header blocks of one entry: its ustar header, or a PAX header, its records and then the ustar header. */
export function headerBlocks(e: LayerEntry, mtimeSeconds: number): Buffer {
  assertEntryName(e.name);
  const bigIds = e.uid > MAX_USTAR_ID || e.gid > MAX_USTAR_ID;
  const h: Header = {
    name: e.name,
    type: e.type,
    mode: e.mode,
    uid: bigIds ? 0 : e.uid,
    gid: bigIds ? 0 : e.gid,
    size: e.type === 'file' ? e.size : 0,
    mtimeSeconds,
    linkname: e.linkname ?? '',
  };
  const plain = bigIds ? undefined : ustar(h);
  if (plain !== undefined) return plain;
  let records = paxRecord('path', h.name);
  if (h.linkname) records += paxRecord('linkpath', h.linkname);
  // PAX "uid"/"gid" records (POSIX.1-2008 pax); the ustar fields then hold 0.
  if (bigIds) records += paxRecord('uid', String(e.uid)) + paxRecord('gid', String(e.gid));
  const data = Buffer.from(records, 'utf8');
  const named = { ...h, name: 'PaxHeader', linkname: h.linkname ? 'PaxHeader' : '' };
  const paxHeader = ustar({ ...named, type: 'pax-header', size: data.byteLength });
  const own = ustar(named);
  if (paxHeader === undefined || own === undefined) throw new Error('unreachable: PaxHeader fits ustar');
  return Buffer.concat([paxHeader, data, Buffer.alloc(padding(data.byteLength)), own]);
}

/** Fixed-size pieces being filled; full ones wait in `full` until the generator hands them out. */
class Pieces {
  readonly full: Buffer[] = [];
  #piece: Buffer;
  #used = 0;

  constructor(
    readonly size: number,
    readonly take: () => Buffer,
  ) {
    this.#piece = take();
  }

  put(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const n = Math.min(bytes.byteLength - offset, this.size - this.#used);
      this.#piece.set(bytes.subarray(offset, offset + n), this.#used);
      this.advance(n);
      offset += n;
    }
  }

  zeros(count: number): void {
    let left = count;
    while (left > 0) {
      const n = Math.min(left, this.size - this.#used);
      this.#piece.fill(0, this.#used, this.#used + n);
      this.advance(n);
      left -= n;
    }
  }

  /** Room for up to `max` bytes at the end of the current piece (never empty). */
  window(max: number): Buffer {
    return this.#piece.subarray(this.#used, this.#used + Math.min(max, this.size - this.#used));
  }

  advance(n: number): void {
    this.#used += n;
    if (this.#used === this.size) {
      this.full.push(this.#piece);
      this.#piece = this.take();
      this.#used = 0;
    }
  }

  /** The last, partly filled piece (undefined when the tar ended on a piece boundary). */
  rest(): Buffer | undefined {
    return this.#used > 0 ? this.#piece.subarray(0, this.#used) : undefined;
  }
}

/** Reads a small file into the pieces with synchronous reads; fails when its size is not the listed one. */
function readSmall(out: Pieces, path: string, size: number): void {
  const fd = openSync(path, 'r');
  try {
    const actual = fstatSync(fd).size;
    if (actual !== size) throw new Error(`size changed from ${size} to ${actual} bytes`);
    let done = 0;
    while (done < size) {
      const room = out.window(size - done);
      const n = readSync(fd, room, 0, room.byteLength, done);
      if (n === 0) throw new Error(`size changed from ${size} to ${done} bytes`);
      out.advance(n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a big file into the pieces, a piece at a time, handing out each full piece before the next read. */
async function* readBig(out: Pieces, path: string, size: number): AsyncGenerator<Buffer, void, undefined> {
  const fh = await open(path, 'r');
  try {
    let done = 0;
    while (done < size) {
      const room = out.window(size - done);
      const { bytesRead } = await fh.read(room, 0, room.byteLength, done);
      if (bytesRead === 0) throw new Error(`size changed: ${done} bytes, ${size} listed`);
      out.advance(bytesRead);
      done += bytesRead;
      while (out.full.length > 0) yield out.full.shift() as Buffer;
    }
    // A file that grew would otherwise be cut silently at its listed size.
    if ((await fh.read(Buffer.alloc(1), 0, 1, size)).bytesRead > 0) throw new Error(`size changed: more than the ${size} bytes listed`);
  } finally {
    await fh.close();
  }
}

export interface TarOptions {
  /** Bytes per piece: every piece but the last is exactly this long. */
  readonly pieceSize: number;
  /** Gives an empty buffer of `pieceSize` bytes (default: a new one); pieces are not written after they are handed out. */
  readonly take?: (() => Buffer) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Streams the tar of `entries` (in the given order) with every mtime set to `mtime`, in pieces of
 * exactly `pieceSize` bytes (the last one shorter). A file whose size changed since it was listed
 * fails the layer.
 *
 * Files up to 1 MiB are read with synchronous reads: an asynchronous read is several thread-pool
 * round trips per file (open, fstat, read, close), which on the bench tree (3 391 files, 210 MB)
 * cost more CPU and wall time than blocking the event loop for well under a millisecond per file
 * read from the page cache, while the gzip members keep compressing on the thread pool. Bigger
 * files are read asynchronously, a piece at a time.
 */
export async function* tarPieces(entries: readonly LayerEntry[], mtime: Date, o: TarOptions): AsyncGenerator<Buffer, void, undefined> {
  const size = o.pieceSize;
  const out = new Pieces(size, o.take ?? (() => Buffer.allocUnsafe(size)));
  const mtimeSeconds = (mtime.getTime() / 1000) | 0;
  for (const e of entries) {
    o.signal?.throwIfAborted();
    out.put(headerBlocks(e, mtimeSeconds));
    if (e.type === 'file') {
      if (e.source === undefined) throw new BuildError('BUILD_FAILED', `${e.name}: a file entry without a source`);
      try {
        if (e.size <= READ_BYTES) readSmall(out, e.source, e.size);
        else yield* readBig(out, e.source, e.size);
      } catch (cause) {
        throw new BuildError(
          'BUILD_FAILED',
          `reading ${e.source} for ${e.name}: ${(cause as Error).message} (did the file change during the build?)`,
          { cause },
        );
      }
      out.zeros(padding(e.size));
    }
    while (out.full.length > 0) yield out.full.shift() as Buffer;
  }
  out.zeros(END_OF_TAR);
  while (out.full.length > 0) yield out.full.shift() as Buffer;
  const last = out.rest();
  if (last !== undefined) yield last;
}

/** The tar of `entries` as an async iterable of fresh buffers (tests, tools); see tarPieces. */
export function tarEntries(entries: readonly LayerEntry[], mtime: Date, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  return tarPieces(entries, mtime, { pieceSize: READ_BYTES, signal });
}
