/**
 * bench/build: gantry's `layers` builder vs `buildah build`, both building linux/amd64 and
 * linux/arm64 of the same image in the same run: a ~200 MB generated file tree (tree.ts) copied
 * onto the busybox test base, pushed to a real registry (CNCF distribution on loopback).
 *
 *   node --import tsx bench/build/run.ts [--rounds N] [--mib N] [--level N] [--storage DIR] [--gzip-sweep] [--json]
 *
 * --level sets the layers builder's gzip level (default: the builder's DEFAULT_GZIP_LEVEL).
 *
 * Per round, in alternating order, each timed from a clean start (`sync` first):
 *  - layers: a new builder (empty layer cache), the two platforms one after the other as
 *    `gantry build` runs them: base from the registry, one layer compressed once and reused,
 *    pushed by digest to a fresh repository. In-process (no node start-up, ~0.2 s, counted).
 *  - buildah: a fresh storage root (vfs, chroot isolation), for each platform `buildah build
 *    --platform P` of `FROM base; COPY tree/ /app/` then `buildah push` to a fresh repository.
 * The ratio is layers time / buildah time for the pair; the median over rounds is reported.
 * Target (issue 4): layers ≤ 0.3 × buildah.
 *
 * --gzip-sweep also times the layer of the tree alone with gzip members compressed 1, 2 and 3 at a
 * time, and zlib levels 1 and 6 (the measurements behind GZIP_MEMBER_BYTES and the default level).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLayersBuilder, DEFAULT_GZIP_LEVEL, GZIP_MEMBER_BYTES } from '../../src/builders/layers/index.js';
import { writeLayerBlob } from '../../src/builders/layers/layer-blob.js';
import { walkCopyRule } from '../../src/builders/layers/walk.js';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { RegistryClient } from '../../src/registry/client.js';
import { writeBusyboxBase } from '../../test/harness/busybox-base.js';
import { forgetTempDir, removeOnExit } from '../../test/harness/children.js';
import { startRegistry, type TestRegistry } from '../../test/harness/registry.js';
import { baseResolver, layersRequest } from '../../test/builders/layers/helpers.js';
import { writeTree } from './tree.js';

const exec = promisify(execFile);
const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
const TARGET_RATIO = 0.3;

interface Options {
  rounds: number;
  mib: number;
  level: number | undefined;
  storage: string;
  gzipSweep: boolean;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { rounds: 3, mib: 200, level: undefined, storage: '/dev/shm', gzipSweep: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} wants a whole number ≥ 1`);
      return n;
    };
    if (a === '--rounds') o.rounds = num();
    else if (a === '--mib') o.mib = num();
    else if (a === '--level') o.level = num();
    else if (a === '--storage') o.storage = argv[++i] ?? o.storage;
    else if (a === '--gzip-sweep') o.gzipSweep = true;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node --import tsx bench/build/run.ts [--rounds N] [--mib N] [--level N] [--storage DIR] [--gzip-sweep] [--json]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(fn: () => Promise<void>): Promise<number> {
  await exec('sync');
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** startRegistry keeps its files in os.tmpdir(): point that at `storage` while it starts. */
async function registryIn(storage: string): Promise<TestRegistry> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = storage;
  try {
    return await startRegistry();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** Runs buildah under /usr/bin/time; returns its CPU seconds (user + system, its children included). */
async function buildah(args: readonly string[]): Promise<number> {
  try {
    const { stderr } = await exec('/usr/bin/time', ['-f', 'BENCH_CPU %U %S', 'buildah', ...args], { maxBuffer: 64 * 1024 * 1024 });
    const m = /BENCH_CPU ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    return m === null ? 0 : Number(m[1]) + Number(m[2]);
  } catch (e) {
    throw new Error(`buildah ${args.join(' ')}: ${(e as { stderr?: string }).stderr ?? String(e)}`, { cause: e });
  }
}

/** CPU seconds of this process (all its threads: zlib runs on the thread pool). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function removeTree(dir: string): Promise<void> {
  await exec('chmod', ['-R', 'u+w', dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const root = await mkdtemp(join(o.storage, 'gantry-bench-build-'));
  removeOnExit(root);
  const ctx = join(root, 'ctx');
  log(
    `bench/build: ${o.mib} MiB tree, ${o.rounds} rounds, files under ${root}; ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const tree = await writeTree(join(ctx, 'tree'), o.mib * 1024 * 1024);
  log(`tree: ${tree.files} files, ${(tree.bytes / 1e6).toFixed(0)} MB`);

  const reg = await registryIn(o.storage);
  const client = new RegistryClient({});
  try {
    await writeBusyboxBase(join(root, 'base'), 'latest');
    await copyImage(await openLayout(join(root, 'base')), 'latest', [
      { store: client.repository(reg.host, 'bench/busybox'), tag: 'latest' },
    ]);
    const base = `${reg.host}/bench/busybox:latest`;
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY tree/ /app/\nENTRYPOINT ["/bin/sh"]\n`);
    const build = { base, copy: [{ from: 'tree/', to: '/app' }], entrypoint: ['/bin/sh'] };
    // A commit time per round, the same for both builders. buildah (containers/image) keeps a
    // blob-info cache in /var/lib/containers/cache that outlives its storage root: with the same
    // layer in every round it would mount round 1's blob instead of compressing again. Within a
    // round, reusing the first platform's blob for the second is fair: layers does the same.
    const epochOf = (round: number): number => Date.parse('2024-05-06T07:08:09Z') / 1000 + round;

    /** Compressed size of an image's top layer (the copied tree), from its manifest. */
    const topLayerSize = async (repo: string, reference: string): Promise<number> => {
      const m = await client.repository(reg.host, repo).fetchManifest(reference);
      const layers = (JSON.parse(Buffer.from(m.bytes).toString('utf8')) as { layers: { size: number }[] }).layers;
      return layers.at(-1)?.size ?? 0;
    };

    const runLayers = async (round: number): Promise<{ seconds: number; cpu: number; layerBytes: number }> => {
      const tmp = join(root, 'layers-tmp');
      await mkdir(tmp, { recursive: true });
      const repo = `layers-${round}`;
      const staging = {
        kind: 'registry' as const,
        repository: `${reg.host}/${repo}`,
        store: client.repository(reg.host, repo),
        insecure: true,
      };
      const builder = createLayersBuilder({
        resolveBase: baseResolver(ctx, client),
        tmpDir: tmp,
        ...(o.level !== undefined ? { gzipLevel: o.level } : {}),
      });
      let digest = '';
      let cpu = 0;
      const seconds = await timed(async () => {
        const c0 = cpuSeconds();
        const commitTime = new Date(epochOf(round) * 1000).toISOString();
        for (const platform of PLATFORMS)
          digest = (await builder.build(layersRequest({ build, platform, cwd: ctx, staging, commitTime }))).descriptor.digest;
        cpu = cpuSeconds() - c0;
      });
      if (builder.stats.layersBuilt !== 1) throw new Error(`layers built ${builder.stats.layersBuilt} layers, expected 1`);
      return { seconds, cpu, layerBytes: await topLayerSize(repo, digest) };
    };

    const runBuildah = async (round: number): Promise<{ seconds: number; cpu: number; layerBytes: number }> => {
      const broot = join(root, `buildah-${round}`);
      const g = ['--root', join(broot, 'root'), '--runroot', join(broot, 'runroot'), '--storage-driver', 'vfs'];
      let cpu = 0;
      try {
        const seconds = await timed(async () => {
          for (const platform of PLATFORMS) {
            const tag = `localhost/bench-build:${platform.split('/')[1]!}`;
            cpu += await buildah([
              ...g,
              'build',
              '--platform',
              platform,
              '--isolation',
              'chroot',
              '--format',
              'oci',
              '--timestamp',
              String(epochOf(round)),
              '--tls-verify=false',
              '--tag',
              tag,
              ctx,
            ]);
            cpu += await buildah([
              ...g,
              'push',
              '--tls-verify=false',
              '--digestfile',
              join(broot, 'digest'),
              tag,
              `docker://${reg.host}/buildah-${round}:${platform.split('/')[1]!}`,
            ]);
          }
        });
        return { seconds, cpu, layerBytes: await topLayerSize(`buildah-${round}`, 'arm64') };
      } finally {
        await removeTree(broot);
      }
    };

    const rounds: {
      layers: number;
      buildah: number;
      ratio: number;
      layersCpu: number;
      buildahCpu: number;
      cpuRatio: number;
      load: number;
    }[] = [];
    const sizes = { layers: 0, buildah: 0 };
    for (let r = 0; r < o.rounds; r++) {
      let l = { seconds: 0, cpu: 0, layerBytes: 0 };
      let b = { seconds: 0, cpu: 0, layerBytes: 0 };
      if (r % 2 === 0) {
        l = await runLayers(r);
        b = await runBuildah(r);
      } else {
        b = await runBuildah(r);
        l = await runLayers(r);
      }
      sizes.layers = l.layerBytes;
      sizes.buildah = b.layerBytes;
      const load = loadavg()[0]!;
      rounds.push({
        layers: l.seconds,
        buildah: b.seconds,
        ratio: l.seconds / b.seconds,
        layersCpu: l.cpu,
        buildahCpu: b.cpu,
        cpuRatio: l.cpu / b.cpu,
        load,
      });
      log(
        `round ${r + 1}: layers ${l.seconds.toFixed(2)} s (${l.cpu.toFixed(1)} s CPU), buildah ${b.seconds.toFixed(2)} s (${b.cpu.toFixed(1)} s CPU), ` +
          `ratio ${(l.seconds / b.seconds).toFixed(3)}, CPU ratio ${(l.cpu / b.cpu).toFixed(3)} (load ${load.toFixed(1)})`,
      );
    }

    const sweep = o.gzipSweep ? await gzipSweep(ctx, join(root, 'sweep')) : [];
    const result = {
      tree,
      rounds,
      median: {
        layers: median(rounds.map((r) => r.layers)),
        buildah: median(rounds.map((r) => r.buildah)),
        ratio: median(rounds.map((r) => r.ratio)),
        cpuRatio: median(rounds.map((r) => r.cpuRatio)),
      },
      target: TARGET_RATIO,
      layerBytes: sizes,
      gzipSweep: sweep,
    };
    const lines = [
      `bench/build — ${(tree.bytes / 1e6).toFixed(0)} MB in ${tree.files} files on the busybox base, linux/amd64 + linux/arm64, ${o.rounds} rounds`,
      `  layers (gantry)  median ${result.median.layers.toFixed(2)} s   [${rounds.map((r) => r.layers.toFixed(2)).join(', ')}]`,
      `  buildah build    median ${result.median.buildah.toFixed(2)} s   [${rounds.map((r) => r.buildah.toFixed(2)).join(', ')}]`,
      `  the tree's layer: ${(sizes.layers / 1e6).toFixed(1)} MB from layers (gzip level ${o.level ?? DEFAULT_GZIP_LEVEL}), ${(sizes.buildah / 1e6).toFixed(1)} MB from buildah`,
      `  median ratio layers/buildah: ${result.median.ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}: ${result.median.ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`,
      `  median CPU-time ratio: ${result.median.cpuRatio.toFixed(3)} (registry CPU not counted; robust to other load: load average was ${rounds.map((r) => r.load.toFixed(1)).join(', ')})`,
      ...sweep.map(
        (s) => `  gzip level ${s.level}, ${s.concurrency} member(s) at a time: ${s.seconds.toFixed(2)} s, ${(s.bytes / 1e6).toFixed(1)} MB`,
      ),
      'run again: node --import tsx bench/build/run.ts [--rounds N] [--mib N] [--gzip-sweep]',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await client.close();
    await reg.stop();
    await removeTree(root);
    forgetTempDir(root);
  }
}

/** The tree's layer alone, by gzip level and members in flight (two runs each, the faster kept). */
async function gzipSweep(ctx: string, tmp: string): Promise<{ level: number; concurrency: number; seconds: number; bytes: number }[]> {
  await mkdir(tmp, { recursive: true });
  const { entries } = await walkCopyRule(0, { from: 'tree/', to: '/app', exclude: [] }, ctx);
  const out = [];
  for (const level of [6, 1]) {
    for (const concurrency of [1, 2, 3].filter((c) => c <= availableParallelism() + 1)) {
      let best = { seconds: Infinity, bytes: 0 };
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const blob = await writeLayerBlob(entries, {
          mtime: new Date(0),
          gzip: { level, memberSize: GZIP_MEMBER_BYTES, concurrency },
          tmpDir: tmp,
        });
        const seconds = (performance.now() - t0) / 1000;
        await rm(blob.path);
        if (seconds < best.seconds) best = { seconds, bytes: blob.descriptor.size };
      }
      out.push({ level, concurrency, ...best });
      log(`gzip level ${level} x${concurrency}: ${best.seconds.toFixed(2)} s, ${(best.bytes / 1e6).toFixed(1)} MB`);
    }
  }
  return out;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/build failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
