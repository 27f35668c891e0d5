/**
 * bench/build/gzip: what gzip costs in a layer, measured on the tar of the bench tree (tree.ts).
 *
 *   node --import tsx bench/build/gzip.ts [--mib N] [--rounds N]
 *
 *  - levels: zlib levels 1–6 and 9 over the whole tar, one thread: CPU seconds and size. CPU time
 *    (not wall time) so that other load on the machine does not blur the comparison.
 *  - member codings: the tar's 4 MiB members all coded with LZ77 (memLevel 8, as before, and 9) and
 *    as the builder codes them (a probe picks LZ77, Huffman only or stored): CPU seconds and size.
 *  - members: the layer pipeline (tar → gzip members → file, as the builder runs it) with 1, 2
 *    and 3 members compressed at a time, plus one plain `zlib.createGzip` stream for reference:
 *    wall and CPU time, median of the rounds, with the load average next to it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync, createGzip } from 'node:zlib';
import { GZIP_MEMBER_BYTES } from '../../src/builders/layers/index.js';
import { chooseCoding, compressMember, GZIP_MEM_LEVEL, gzipMembers } from '../../src/builders/layers/gzip.js';
import { tarEntries } from '../../src/builders/layers/tar.js';
import { walkCopyRule } from '../../src/builders/layers/walk.js';
import { readAll } from '../../src/oci/verified-stream.js';
import { writeTree } from './tree.js';

const args = process.argv.slice(2);
const opt = (name: string, d: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const mib = opt('--mib', 200);
const rounds = opt('--rounds', 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(fn: () => Promise<number>): Promise<{ wall: number; cpu: number; bytes: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, bytes };
}

async function consume(src: AsyncIterable<Uint8Array | readonly Uint8Array[]>): Promise<number> {
  const h = createHash('sha256');
  let n = 0;
  for await (const chunk of src) {
    for (const c of chunk instanceof Uint8Array ? [chunk] : chunk) {
      h.update(c);
      n += c.byteLength;
    }
  }
  return n;
}

const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-gzip-'));
try {
  const tree = await writeTree(join(dir, 'tree'), mib * 1024 * 1024);
  const { entries } = await walkCopyRule(0, { from: 'tree', to: '/app', exclude: [] }, dir);
  const mtime = new Date(0);
  const tarBytes = Buffer.from(await readAll(tarEntries(entries, mtime)));
  process.stdout.write(`tree: ${tree.files} files, tar ${(tarBytes.length / 1e6).toFixed(0)} MB; ${availableParallelism()} CPUs\n`);

  process.stdout.write('levels (one thread, CPU time):\n');
  for (const level of [1, 2, 3, 4, 5, 6, 9]) {
    const r = await measure(async () => gzipSync(tarBytes, { level }).length);
    process.stdout.write(
      `  level ${level}: ${r.cpu.toFixed(2)} s CPU, ${(tarBytes.length / 1e6 / r.cpu).toFixed(0)} MB/s, ${(r.bytes / 1e6).toFixed(1)} MB (${((r.bytes / tarBytes.length) * 100).toFixed(1)}%)\n`,
    );
  }

  // Member codings (gzip.ts): every 4 MiB member coded with LZ77 (as the builder did before), at
  // memLevel 8 (zlib's default, GZIP_MEM_LEVEL) and 9, and as the builder codes it now (the probe
  // picks LZ77, Huffman only or stored). One thread, CPU time, probes included.
  process.stdout.write('member codings at level 1 (one thread, CPU time, 4 MiB members):\n');
  const piecesOf = (b: Buffer): Buffer[] =>
    Array.from({ length: Math.ceil(b.length / GZIP_MEMBER_BYTES) }, (_, i) =>
      b.subarray(i * GZIP_MEMBER_BYTES, (i + 1) * GZIP_MEMBER_BYTES),
    );
  const codings: [string, (p: Buffer) => Promise<number>][] = [
    ['all LZ77, memLevel 8', async (p) => gzipSync(p, { level: 1, memLevel: GZIP_MEM_LEVEL }).length],
    ['all LZ77, memLevel 9', async (p) => gzipSync(p, { level: 1, memLevel: 9 }).length],
    ['probed (the builder)', async (p) => (await compressMember(p, 1)).reduce((n, b) => n + b.byteLength, 0)],
  ];
  const chosen = new Map<string, number>();
  for (const p of piecesOf(tarBytes)) {
    const c = await chooseCoding(p, 1);
    chosen.set(c, (chosen.get(c) ?? 0) + 1);
  }
  process.stdout.write(`  members: ${[...chosen].map(([c, n]) => `${n} ${c}`).join(', ')}\n`);
  for (const [name, fn] of codings) {
    const r = await measure(async () => {
      let n = 0;
      for (const p of piecesOf(tarBytes)) n += await fn(p);
      return n;
    });
    process.stdout.write(
      `  ${name.padEnd(22)} ${r.cpu.toFixed(2)} s CPU, ${(r.bytes / 1e6).toFixed(1)} MB (${((r.bytes / tarBytes.length) * 100).toFixed(2)}%)\n`,
    );
  }

  for (const level of [6, 1]) {
    process.stdout.write(`pipeline at level ${level} (median of ${rounds}; wall / CPU):\n`);
    const variants: [string, () => Promise<number>][] = [
      ['createGzip stream', () => consume(Readable.from(tarEntries(entries, mtime)).pipe(createGzip({ level })))],
      ...[1, 2, 3].map((c): [string, () => Promise<number>] => [
        `members x${c}`,
        () => consume(gzipMembers(tarEntries(entries, mtime), { level, memberSize: GZIP_MEMBER_BYTES, concurrency: c })),
      ]),
    ];
    const results = new Map<string, { wall: number[]; cpu: number[]; bytes: number; load: number[] }>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of r % 2 === 0 ? variants : [...variants].reverse()) {
        const m = await measure(fn);
        const e = results.get(name) ?? { wall: [], cpu: [], bytes: m.bytes, load: [] };
        e.wall.push(m.wall);
        e.cpu.push(m.cpu);
        e.load.push(loadavg()[0]!);
        results.set(name, e);
      }
    }
    for (const [name, e] of results) {
      process.stdout.write(
        `  ${name.padEnd(18)} ${median(e.wall).toFixed(2)} s wall, ${median(e.cpu).toFixed(2)} s CPU, ${(e.bytes / 1e6).toFixed(1)} MB, load ${median(e.load).toFixed(1)}\n`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
