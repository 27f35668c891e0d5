// The byte format of layers: tar headers (what tar-stream writes for our entries) and the gzip
// member stream, independent of host and of concurrency.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import {
  chooseCoding,
  GZIP_MEM_LEVEL,
  gzipMembers,
  HUFFMAN_MEM_LEVEL,
  PROBE_MIN_BYTES,
  type MemberCoding,
} from '../../../src/builders/layers/gzip.js';
import { writeLayerBlob } from '../../../src/builders/layers/layer-blob.js';
import { tarEntries, tarMtime, tarPieces } from '../../../src/builders/layers/tar.js';
import { walkCopyRule, type LayerEntry } from '../../../src/builders/layers/walk.js';
import { readAll } from '../../../src/oci/verified-stream.js';
import { tempDir } from '../../support/images.js';
import { listLayer } from './helpers.js';

const MTIME = new Date(1_714_979_289_000);

async function tarOf(entries: LayerEntry[]): Promise<Buffer> {
  return Buffer.from(await readAll(tarEntries(entries, MTIME)));
}

const dir = (name: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({
  name,
  type: 'directory',
  mode: 0o755,
  uid: 0,
  gid: 0,
  size: 0,
  fingerprint: '',
  ...extra,
});

describe('tar entries', () => {
  it('writes ustar headers with only the fields we set: no user names, fixed mtime, zero devices', async () => {
    const ctx = await tempDir('gantry-layers-fmt-');
    await writeFile(join(ctx, 'a.txt'), 'hello\n', { mode: 0o600 });
    const walked = await walkCopyRule(0, { from: 'a.txt', to: '/srv/data/', exclude: [] }, ctx);
    const t = await tarOf([...walked.entries]);
    // 3 entries: srv/, srv/data/, srv/data/a.txt (header + 1 data block), then 2 zero blocks.
    expect(t.length).toBe(512 * 3 + 512 + 1024);
    const header = t.subarray(1024, 1536);
    expect(header.subarray(0, 14).toString()).toBe('srv/data/a.txt');
    expect(header.subarray(100, 108).toString()).toBe('000644 \0'); // 0600 on disk, normalized
    expect(header.subarray(257, 265).toString('latin1')).toBe('ustar\x0000');
    expect(header.subarray(265, 329).every((b) => b === 0)).toBe(true); // uname, gname empty
    expect(header.subarray(136, 148).toString()).toBe(`${Math.floor(MTIME.getTime() / 1000).toString(8)} `);
    const entries = await listLayer(gzipSync(t));
    expect(entries.map((e) => [e.name, e.type, e.mode.toString(8), e.uid, e.gid, e.mtime])).toEqual([
      ['srv/', 'directory', '755', 0, 0, MTIME.getTime() / 1000],
      ['srv/data/', 'directory', '755', 0, 0, MTIME.getTime() / 1000],
      ['srv/data/a.txt', 'file', '644', 0, 0, MTIME.getTime() / 1000],
    ]);
  });

  it('uses PAX only where ustar cannot hold the value: long or non-ASCII names, long link targets, big ids', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const entries: LayerEntry[] = [
      dir('short/'),
      dir(`${'p'.repeat(90)}/${'q'.repeat(90)}/`), // fits with the 155-byte prefix field: no PAX
      dir(`${long}/`),
      dir('caf\u00e9/'),
      { name: 'link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: `/${'t'.repeat(150)}`, fingerprint: '' },
      dir('owned/', { uid: 4_000_000, gid: 1 }),
      dir('mode0/', { mode: 0 }),
    ];
    const out = await listLayer(gzipSync(await tarOf(entries)));
    const pax = Object.fromEntries(out.map((e) => [e.name, e.pax]));
    expect(pax['short/']).toBeNull();
    expect(pax[`${'p'.repeat(90)}/${'q'.repeat(90)}/`]).toBeNull();
    expect(pax[`${long}/`]).toMatchObject({ path: `${long}/` });
    expect(pax['caf\u00e9/']).toMatchObject({ path: 'caf\u00e9/' });
    expect(pax['link']).toMatchObject({ linkpath: `/${'t'.repeat(150)}` });
    expect(pax['owned/']).toMatchObject({ uid: '4000000', gid: '1' });
    expect(out.find((e) => e.name === 'mode0/')?.mode).toBe(0);
  });

  it('fails the layer, naming the file, when a file changed size after it was listed', async () => {
    const ctx = await tempDir('gantry-layers-fmt-');
    await writeFile(join(ctx, 'small.txt'), 'hello\n');
    await writeFile(join(ctx, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
    const walked = await walkCopyRule(0, { from: '.', to: '/x', exclude: [] }, ctx);
    await writeFile(join(ctx, 'small.txt'), 'hello, world\n');
    await expect(tarOf([...walked.entries])).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringMatching(/small\.txt.*size changed from 6 to 13 bytes/),
    });
    const grown = await walkCopyRule(0, { from: 'big.bin', to: '/big.bin', exclude: [] }, ctx);
    await writeFile(join(ctx, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 1, 1));
    await expect(tarOf([...grown.entries])).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringMatching(/big\.bin.*more than the 3145728 bytes/),
    });
    await writeFile(join(ctx, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
    await expect(tarOf([...grown.entries])).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringMatching(/big\.bin.*2097152 bytes, 3145728 listed/),
    });
  });

  it('refuses commit times a tar header cannot hold', () => {
    expect(() => tarMtime(-1)).toThrow(/1970-01-01 to 2038-01-19/);
    expect(() => tarMtime(2 ** 31)).toThrow(/SOURCE_DATE_EPOCH/);
    expect(tarMtime(0).getTime()).toBe(0);
  });

  it('keeps symlinks as symlinks and sorts entries by name, parents first', async () => {
    const ctx = await tempDir('gantry-layers-fmt-');
    await mkdir(join(ctx, 'src', 'b'), { recursive: true });
    for (const f of ['b.txt', 'a', 'b/z', 'B', 'a-b']) await writeFile(join(ctx, 'src', f), f);
    await symlink('../a', join(ctx, 'src', 'b', 'up'));
    const walked = await walkCopyRule(0, { from: 'src', to: '/x', exclude: [] }, ctx);
    expect(walked.entries.map((e) => e.name)).toEqual(['x/', 'x/B', 'x/a', 'x/a-b', 'x/b/', 'x/b/up', 'x/b/z', 'x/b.txt']);
    expect(walked.entries.find((e) => e.name === 'x/b/up')).toMatchObject({ type: 'symlink', linkname: '../a', mode: 0o777 });
  });
});

/**
 * The reference: the same entries written by tar-stream 3.x (what the layers builder used before it
 * wrote tar itself), with every header field given explicitly as it did.
 */
async function tarStreamReference(entries: readonly LayerEntry[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const typeBits = { file: 0o100000, directory: 0o040000, symlink: 0o120000 } as const;
  for (const e of entries) {
    const bigIds = e.uid > 0o777777 || e.gid > 0o777777;
    const header = {
      name: e.name,
      type: e.type,
      mode: typeBits[e.type] | e.mode,
      uid: bigIds ? 0 : e.uid,
      gid: bigIds ? 0 : e.gid,
      size: e.type === 'file' ? e.size : 0,
      mtime,
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(bigIds ? { pax: { uid: String(e.uid), gid: String(e.gid) } } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (e.type === 'file' && e.source !== undefined) pack.entry(header, readFileSync(e.source), done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

describe('tar bytes', () => {
  it('are byte for byte what tar-stream 3.x writes, at any piece size', async () => {
    const ctx = await tempDir('gantry-layers-fmt-');
    const file = async (name: string, size: number): Promise<string> => {
      const path = join(ctx, name);
      await writeFile(path, randomBytes(size));
      return path;
    };
    const f = async (name: string, size: number, extra: Partial<LayerEntry> = {}): Promise<LayerEntry> => ({
      name,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size,
      source: await file(`f${size}-${name.length}`, size),
      fingerprint: '',
      ...extra,
    });
    const entries: LayerEntry[] = [
      dir('a/'),
      await f('a/empty', 0),
      await f('a/one', 1),
      await f('a/block-1', 511),
      await f('a/block', 512),
      await f('a/block+1', 513, { mode: 0o755 }),
      await f('a/big', 1024 * 1024 + 1, { uid: 1000, gid: 1001 }),
      await f('a/bigger', 3 * 1024 * 1024 + 700),
      dir(`${'n'.repeat(100)}/`), // 101 bytes: name and prefix
      dir(`${'p'.repeat(155)}/${'q'.repeat(99)}/`), // fills both fields exactly
      dir(`${'p'.repeat(156)}/q/`), // prefix too long: PAX
      dir(`${'x'.repeat(101)}/`), // one segment over 100: PAX
      await f(`${'d'.repeat(120)}/${'e'.repeat(120)}`, 700), // PAX for a file with data
      dir('caf\u00e9/'),
      dir('\u{1f600}/'),
      { name: 'a/link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: '../b', fingerprint: '' },
      { name: 'a/link-utf8', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: 'caf\u00e9', fingerprint: '' },
      { name: 'a/link-long', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: `/${'t'.repeat(150)}`, fingerprint: '' },
      {
        name: `${'l'.repeat(120)}/${'m'.repeat(120)}`,
        type: 'symlink',
        mode: 0o777,
        uid: 0,
        gid: 0,
        size: 0,
        linkname: `/${'t'.repeat(150)}`,
        fingerprint: '',
      },
      dir('owned/', { uid: 4_000_000, gid: 1 }),
      dir('owned-gid/', { uid: 1, gid: 262_144 }),
      dir('edge-id/', { uid: 262_143, gid: 262_143 }),
      dir('mode0/', { mode: 0 }),
      dir('sticky/', { mode: 0o1777 }),
    ];
    const reference = await tarStreamReference(entries, MTIME);
    expect((await tarOf(entries)).equals(reference)).toBe(true);
    for (const pieceSize of [512, 1000, 4096, 1024 * 1024 + 3]) {
      const pieces: Buffer[] = [];
      for await (const p of tarPieces(entries, MTIME, { pieceSize })) pieces.push(Buffer.from(p));
      expect(pieces.slice(0, -1).every((p) => p.byteLength === pieceSize)).toBe(true);
      expect(Buffer.concat(pieces).equals(reference)).toBe(true);
    }
    // The bench tree's shape (many small files, a few big ones) through the walk, too.
    await mkdir(join(ctx, 'tree', 'sub'), { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(ctx, 'tree', i % 2 ? 'sub' : '', `file-${i}`), randomBytes(i * 997));
    await writeFile(join(ctx, 'tree', 'sub', 'large'), randomBytes(5 * 1024 * 1024 + 17));
    const walked = await walkCopyRule(0, { from: 'tree', to: '/app', exclude: [] }, ctx);
    expect((await tarOf([...walked.entries])).equals(await tarStreamReference(walked.entries, MTIME))).toBe(true);
  });
});

describe('tar entry names stay inside the image (issue 11, finding 8)', () => {
  // A copy rule with `to: /../../etc/x` wrote the entries "../", "../../" and "../../etc/x": a
  // runtime that extracts them unchecked writes outside the container's root.
  it.each([['../'], ['../../etc/x'], ['a/../../b'], ['app/..'], ['/etc/x'], ['/'], [''], ['a//b'], ['./a'], ['a\u0000b']])(
    'refuses %j',
    async (name) => {
      const err = await tarOf([dir('ok/'), dir(name)]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BUILD_INPUT_INVALID', message: expect.stringContaining(`layer entry ${JSON.stringify(name)}: `) });
    },
  );

  it('refuses before writing a byte of the entry', async () => {
    const pieces: Buffer[] = [];
    const err = await (async () => {
      for await (const p of tarPieces([dir('ok/'), dir('../../etc/')], MTIME, { pieceSize: 512 })) pieces.push(Buffer.from(p));
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BUILD_INPUT_INVALID' });
    expect(Buffer.concat(pieces).includes('../')).toBe(false);
  });

  it('keeps names with dots that are not ".." components, and symlink targets as they are', async () => {
    const entries: LayerEntry[] = [
      dir('..data/'),
      dir('a..b/'),
      dir('.hidden/'),
      { name: 'a/link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: '../../b', fingerprint: '' },
    ];
    expect((await tarOf(entries)).equals(await tarStreamReference(entries, MTIME))).toBe(true);
  });
});

describe('gzip members', () => {
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  function* pieces(data: Buffer, size: number): Generator<Buffer> {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  }
  async function gz(data: Buffer, o: { memberSize: number; concurrency: number; chunk?: number; level?: number }): Promise<Buffer> {
    const out: Buffer[] = [];
    for await (const member of gzipMembers(Readable.from(pieces(data, o.chunk ?? 7000)), { level: 6, ...o })) out.push(...member);
    return Buffer.concat(out);
  }
  /** What zlib writes for one member with the builder's settings, with the OS byte set to Unix. */
  const member = (b: Uint8Array, o: { level?: number; strategy?: number; memLevel?: number } = {}): Buffer => {
    // One output buffer for the whole member: zlib's stored blocks are as big as the room it has.
    const out = gzipSync(b, { level: 6, memLevel: GZIP_MEM_LEVEL, chunkSize: 2 * b.byteLength + 65536, ...o });
    out[9] = 3;
    return out;
  };

  it('gives the same bytes at any concurrency and input chunking, and gunzips to the input', async () => {
    const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 'abc'), randomBytes(123)]);
    const one = await gz(data, { memberSize: 64 * 1024, concurrency: 1 });
    for (const [concurrency, chunk] of [
      [2, 1000],
      [5, 65536],
      [16, 13],
    ] as const) {
      expect(sha(await gz(data, { memberSize: 64 * 1024, concurrency, chunk }))).toBe(sha(one));
    }
    expect(gunzipSync(one).equals(data)).toBe(true);
    // 11 members, each with its own header: 1f 8b 08 00, mtime 0, XFL 0, OS 3 (Unix).
    let members = 0;
    for (let i = one.indexOf('1f8b0800000000000003', 0, 'hex'); i >= 0; i = one.indexOf('1f8b0800000000000003', i + 1, 'hex')) members++;
    expect(members).toBeGreaterThanOrEqual(Math.ceil(data.length / (64 * 1024)));
  });

  it('writes one ordinary gzip stream for an input smaller than a member, and a valid gzip for no input', async () => {
    const small = Buffer.from('hello world\n'.repeat(100));
    const out = await gz(small, { memberSize: 1 << 20, concurrency: 4 });
    expect(out.equals(member(small))).toBe(true);
    const empty = await gz(Buffer.alloc(0), { memberSize: 1 << 20, concurrency: 2 });
    expect(gunzipSync(empty).length).toBe(0);
  });

  it('does not add an empty member when the input is a multiple of the member size', async () => {
    const data = randomBytes(2 * 4096);
    const out = await gz(data, { memberSize: 4096, concurrency: 2 });
    expect(out.equals(Buffer.concat([member(data.subarray(0, 4096)), member(data.subarray(4096))]))).toBe(true);
  });

  /** 4 bits of randomness per byte: Huffman coding halves it, LZ77 finds nothing to match. */
  const nibbles = (n: number): Buffer => Buffer.from(randomBytes(n).map((b) => b & 0x0f));
  const text = (n: number): Buffer => {
    const words = 'const let function return import export from await async class extends value result'.split(' ');
    const r = randomBytes(n);
    let s = '';
    for (let i = 0; s.length < n; i++) s += `${words[r[i % n]! % words.length]!}${r[i % n]! % 7 === 0 ? ';\n' : ' '}`;
    return Buffer.from(s.slice(0, n));
  };

  it('codes each member by its own bytes: stored when nothing compresses, Huffman only when LZ77 finds nothing, else LZ77', async () => {
    const size = 512 * 1024;
    const cases: [Buffer, MemberCoding][] = [
      [randomBytes(size), 'stored'],
      [nibbles(size), 'huffman'],
      [text(size), 'lz77'],
      [Buffer.alloc(size), 'lz77'],
      [randomBytes(PROBE_MIN_BYTES - 1), 'lz77'], // too short to probe
    ];
    for (const [data, coding] of cases) expect(await chooseCoding(data, 1)).toBe(coding);

    // Members are exactly what zlib writes with that coding; the stream gunzips to the input.
    const data = Buffer.concat(cases.slice(0, 4).map(([d]) => d));
    const out = await gz(data, { memberSize: size, concurrency: 3, level: 1 });
    const expected = Buffer.concat([
      member(cases[0]![0], { level: 0 }),
      member(cases[1]![0], { level: 1, strategy: constants.Z_HUFFMAN_ONLY, memLevel: HUFFMAN_MEM_LEVEL }),
      member(cases[2]![0], { level: 1 }),
      member(cases[3]![0], { level: 1 }),
    ]);
    expect(out.equals(expected)).toBe(true);
    expect(gunzipSync(out).equals(data)).toBe(true);
    // Stored costs 5 bytes per 64 KiB block; Huffman gets about half of the nibbles.
    expect(member(cases[0]![0], { level: 0 }).length).toBeLessThan(size * 1.001);
    expect(member(cases[1]![0], { level: 1, strategy: constants.Z_HUFFMAN_ONLY, memLevel: HUFFMAN_MEM_LEVEL }).length).toBeLessThan(
      size * 0.52,
    );
  });

  it('gives the same bytes at any concurrency and chunking when members are coded differently', async () => {
    const size = 256 * 1024;
    const data = Buffer.concat([text(size), randomBytes(size + 1000), nibbles(size), text(size / 2), randomBytes(size / 3)]);
    const one = await gz(data, { memberSize: size, concurrency: 1, level: 1 });
    for (const [concurrency, chunk] of [
      [2, size],
      [3, 4096],
      [8, 100_003],
    ] as const) {
      expect(sha(await gz(data, { memberSize: size, concurrency, chunk, level: 1 }))).toBe(sha(one));
    }
    expect(gunzipSync(one).equals(data)).toBe(true);
  });

  it('writes the same layer blob from member-sized tar pieces as from any other chunking', async () => {
    const ctx = await tempDir('gantry-layers-fmt-');
    await mkdir(join(ctx, 'src'));
    await writeFile(join(ctx, 'src', 'a.txt'), text(300_000));
    await writeFile(join(ctx, 'src', 'b.bin'), randomBytes(700_000));
    await writeFile(join(ctx, 'src', 'c.bin'), nibbles(1_500_000));
    const walked = await walkCopyRule(0, { from: 'src', to: '/x', exclude: [] }, ctx);
    const gzip = { level: 1, memberSize: 256 * 1024, concurrency: 2 };
    const blob = await writeLayerBlob(walked.entries, { mtime: MTIME, gzip, tmpDir: ctx });
    const bytes = await readFile(blob.path);
    await rm(blob.path);
    const tarBytes = await tarOf([...walked.entries]);
    const viaChunks: Buffer[] = [];
    for await (const m of gzipMembers(Readable.from(pieces(tarBytes, 9999)), gzip)) viaChunks.push(...m);
    expect(bytes.equals(Buffer.concat(viaChunks))).toBe(true);
    expect(blob.descriptor).toMatchObject({ digest: `sha256:${sha(bytes)}`, size: bytes.length });
    expect(blob).toMatchObject({ diffId: `sha256:${sha(tarBytes)}`, tarSize: tarBytes.length });
    expect(gunzipSync(bytes).equals(tarBytes)).toBe(true);
  });
});
