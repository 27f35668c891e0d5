// The byte format of layers: tar headers (what tar-stream writes for our entries) and the gzip
// member stream, independent of host and of concurrency.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipMembers } from '../../../src/build/layers/gzip.js';
import { tarEntries, tarMtime } from '../../../src/build/layers/tar.js';
import { walkCopyRule, type LayerEntry } from '../../../src/build/layers/walk.js';
import { readAll } from '../../../src/oci/verify.js';
import { tempDir } from '../../support/images.js';
import { listLayer } from './helpers.js';

const MTIME = new Date(1_714_979_289_000);

async function tarOf(entries: LayerEntry[]): Promise<Buffer> {
  return Buffer.from(await readAll(tarEntries(entries, MTIME)));
}

const dir = (name: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({ name, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, fingerprint: '', ...extra });

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
    await expect(tarOf([...walked.entries])).rejects.toMatchObject({ code: 'BUILD_FAILED', message: expect.stringMatching(/small\.txt.*size changed from 6 to 13 bytes/) });
    const grown = await walkCopyRule(0, { from: 'big.bin', to: '/big.bin', exclude: [] }, ctx);
    await writeFile(join(ctx, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 1, 1));
    await expect(tarOf([...grown.entries])).rejects.toMatchObject({ code: 'BUILD_FAILED', message: expect.stringMatching(/big\.bin.*more than the 3145728 bytes/) });
    await writeFile(join(ctx, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
    await expect(tarOf([...grown.entries])).rejects.toMatchObject({ code: 'BUILD_FAILED', message: expect.stringMatching(/big\.bin.*2097152 bytes, 3145728 listed/) });
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

describe('gzip members', () => {
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  function* pieces(data: Buffer, size: number): Generator<Buffer> {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  }
  async function gz(data: Buffer, o: { memberSize: number; concurrency: number; chunk?: number }): Promise<Buffer> {
    return Buffer.from(await readAll(gzipMembers(Readable.from(pieces(data, o.chunk ?? 7000)), { level: 6, ...o })));
  }

  it('gives the same bytes at any concurrency and input chunking, and gunzips to the input', async () => {
    const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 'abc'), randomBytes(123)]);
    const one = await gz(data, { memberSize: 64 * 1024, concurrency: 1 });
    for (const [concurrency, chunk] of [[2, 1000], [5, 65536], [16, 13]] as const) {
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
    const reference = gzipSync(small, { level: 6 });
    reference[9] = 3;
    expect(out.equals(reference)).toBe(true);
    const empty = await gz(Buffer.alloc(0), { memberSize: 1 << 20, concurrency: 2 });
    expect(gunzipSync(empty).length).toBe(0);
  });

  it('does not add an empty member when the input is a multiple of the member size', async () => {
    const data = randomBytes(2 * 4096);
    const out = await gz(data, { memberSize: 4096, concurrency: 2 });
    const a = gzipSync(data.subarray(0, 4096), { level: 6 });
    const b = gzipSync(data.subarray(4096), { level: 6 });
    a[9] = 3;
    b[9] = 3;
    expect(out.equals(Buffer.concat([a, b]))).toBe(true);
  });
});
