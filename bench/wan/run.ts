/**
 * bench/wan: gantry copy vs `skopeo copy --all` over links with real round-trip times, for
 * images of many small blobs (where round trips, not bytes, are the cost).
 * `npm run bench:wan -- --help` for the options.
 *
 * Two real registries (docker-registry) on loopback, each behind a TCP proxy that holds every
 * chunk for RTT/2 in each direction (bench/wan/latency-proxy.ts). Images (2 platforms each):
 *  - small:  2 × 100 layers of 32 KiB, at 20 ms RTT (target: gantry ≤ 0.5x skopeo)
 *  - medium: 2 × 20 layers of 256 KiB, at 50 ms RTT (target: gantry ≤ 0.7x skopeo)
 * Each image is pushed to A once (directly, with skopeo); every round then copies it from A
 * (through its proxy) to a fresh repository of B (through its proxy) with each copier, in
 * alternating order, so that nothing is skipped and a busy machine hurts both alike. skopeo
 * gets an empty blob-info cache per run (bench/copy.ts, skopeoEnv). Medians of the wall clock
 * and of the per-round ratios are printed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forgetTempDir, removeOnExit } from '../../test/harness/children.js';
import { skopeoCopyToRegistry, writeTestImageLayout } from '../../test/harness/fixtures.js';
import type { TestRegistry } from '../../test/harness/registry.js';
import { initBenchHelpers, median, registryIn, runGantryCopy, runSkopeoCopy, sync, timed } from '../copy.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

interface ImageSet {
  readonly name: string;
  readonly layers: number;
  readonly layerKiB: number;
  /** The RTT the issue's target is stated at. */
  readonly rttMs: number;
  readonly target: number;
}

const SETS: ImageSet[] = [
  { name: 'small', layers: 100, layerKiB: 32, rttMs: 20, target: 0.5 },
  { name: 'medium', layers: 20, layerKiB: 256, rttMs: 50, target: 0.7 },
];

const HELP = `usage: npm run bench:wan -- [options]

  --rounds N            timed rounds per image (default 5)
  --rtt MS              round-trip time added for every image (default: small 20, medium 50)
  --only NAME           one image: small (2 × 100 × 32 KiB) or medium (2 × 20 × 256 KiB)
  --no-build            use dist/ as it is (default: tsc -p tsconfig.json first)
  --no-skopeo           time gantry only (no ratios)
  --compare NAME=PATH   also time another gantry build (PATH to its cli/main.js) every round
  --concurrency N       pass --concurrency N to gantry
`;

interface Options {
  rounds: number;
  rtt: number | undefined;
  only: string | undefined;
  build: boolean;
  skopeo: boolean;
  compare: { name: string; cli: string }[];
  concurrency: number | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 5, rtt: undefined, only: undefined, build: true, skopeo: true, compare: [], concurrency: undefined };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min)
      throw new Error(`${flag} wants a whole number ≥ ${min}, not ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    // prettier-ignore
    switch (flag) {
      case '--rounds': o.rounds = num(flag, value(), 1); break;
      case '--rtt': o.rtt = num(flag, value(), 0); break;
      case '--only': {
        const v = value();
        if (!SETS.some((s) => s.name === v)) throw new Error(`--only wants ${SETS.map((s) => s.name).join(' or ')}, not ${JSON.stringify(v)}`);
        o.only = v;
        break;
      }
      case '--no-build': o.build = false; break;
      case '--no-skopeo': o.skopeo = false; break;
      case '--concurrency': o.concurrency = num(flag, value(), 1); break;
      case '--compare': {
        const v = value() ?? '';
        const m = /^([A-Za-z][\w.-]*)=(.+)$/.exec(v);
        if (!m || ['skopeo', 'gantry'].includes(m[1]!)) throw new Error(`--compare wants NAME=PATH/TO/cli/main.js, not ${JSON.stringify(v)}`);
        const cli = resolve(m[2]!);
        if (!existsSync(cli)) throw new Error(`--compare ${m[1]}: no file ${cli}`);
        o.compare.push({ name: m[1]!, cli });
        break;
      }
      case '--help': case '-h': process.stdout.write(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${arg}\n\n${HELP}`);
    }
  }
  return o;
}

const log = (m: string): void => void process.stderr.write(`bench:wan: ${m}\n`);
const fmtS = (s: number): string => (Number.isNaN(s) ? '-' : `${s.toFixed(2)} s`);
const portOf = (r: TestRegistry): number => Number(r.host.split(':').pop());

interface SetResult {
  set: ImageSet;
  blobs: number;
  bytes: number;
  seconds: Record<string, number[]>;
}

async function benchSet(image: ImageSet, o: Options, workDir: string, authFile: string): Promise<SetResult> {
  const set = { ...image, rttMs: o.rtt ?? image.rttMs };
  const [A, B] = await Promise.all([registryIn(tmpdir()), registryIn(tmpdir())]);
  let pa: LatencyProxy | undefined;
  let pb: LatencyProxy | undefined;
  try {
    const dir = join(workDir, `layout-${set.name}`);
    const layout = await writeTestImageLayout(dir, {
      tag: 'v1',
      platforms: ['linux/amd64', 'linux/arm64'],
      layers: set.layers,
      layerBytes: set.layerKiB * 1024,
      seed: `gantry-wan-${set.name}`,
      gzipLevel: 0,
    });
    const blobList = layout.manifests.flatMap((m) => [m.config, ...m.layers]);
    const bytes = blobList.reduce((n, b) => n + b.size, 0);
    await skopeoCopyToRegistry(dir, 'v1', A, 'bench/img', undefined, { timeoutMs: 300_000 });
    pa = await startLatencyProxy({ host: '127.0.0.1', port: portOf(A) }, set.rttMs);
    pb = await startLatencyProxy({ host: '127.0.0.1', port: portOf(B) }, set.rttMs);
    log(
      `${set.name}: 2 × ${set.layers} layers of ${set.layerKiB} KiB (${blobList.length} blobs, ${(bytes / 1e6).toFixed(1)} MB), RTT ${set.rttMs} ms; A ${A.host} via ${pa.host}, B ${B.host} via ${pb.host}`,
    );
    const tools = [
      ...(o.skopeo ? [{ name: 'skopeo', cli: '' }] : []),
      { name: 'gantry', cli: CLI },
      ...o.compare.map((c) => ({ name: c.name, cli: c.cli })),
    ];
    const seconds: Record<string, number[]> = Object.fromEntries(tools.map((t) => [t.name, []]));
    const src = `${pa.host}/bench/img:v1`;
    const extra = o.concurrency ? ['--concurrency', String(o.concurrency)] : [];
    for (let r = 0; r <= o.rounds; r++) {
      const round = r === 0 ? 'warmup' : String(r);
      const order = tools.map((_, k) => tools[(r + k) % tools.length]!);
      const line: string[] = [];
      for (const t of order) {
        await sync();
        const dst = `${pb.host}/${set.name}-${t.name}-${round}/img:v1`;
        let s: number;
        if (t.name === 'skopeo') {
          const res = await runSkopeoCopy({ authFile }, src, dst, `${set.name}-${round}`);
          if (res.digest !== layout.indexDigest) throw new Error(`skopeo pushed ${res.digest}, expected ${layout.indexDigest}`);
          s = res.seconds;
        } else {
          const res = await runGantryCopy(t.cli, src, [dst], { extra });
          if (res.result.digest !== layout.indexDigest || res.result.bytesTransferred !== bytes) {
            throw new Error(
              `${t.name} copied ${res.result.digest} (${res.result.bytesTransferred} B); expected ${layout.indexDigest} (${bytes} B, nothing skipped)`,
            );
          }
          s = res.seconds;
        }
        if (r > 0) seconds[t.name]!.push(s);
        line.push(`${t.name} ${fmtS(s)}`);
      }
      log(`${set.name} round ${round}: ${line.join(', ')}${r === 0 ? ' (not counted)' : ''}`);
    }
    return { set, blobs: blobList.length, bytes, seconds };
  } finally {
    await pa?.close();
    await pb?.close();
    await Promise.all([A.stop(), B.stop()]);
  }
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const workDir = await mkdtemp(join(tmpdir(), 'gantry-bench-wan-'));
  removeOnExit(workDir);
  initBenchHelpers(workDir);
  try {
    if (o.build) {
      log('building gantry (tsc -p tsconfig.json → dist/)');
      await timed('tsc -p tsconfig.json', process.execPath, [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.json'),
      ]);
    }
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (or drop --no-build)`);
    const authFile = join(workDir, 'auth.json');
    await writeFile(authFile, '{"auths":{}}\n');
    const results: SetResult[] = [];
    for (const set of SETS) {
      if (o.only && o.only !== set.name) continue;
      results.push(await benchSet(set, o, workDir, authFile));
    }
    const out = [
      '',
      `bench/wan: registry A → a fresh repository of registry B, both behind latency proxies; ${o.rounds} rounds, alternating order`,
    ];
    let allMet = true;
    for (const r of results) {
      out.push('');
      out.push(
        `${r.set.name}: 2 × ${r.set.layers} × ${r.set.layerKiB} KiB (${r.blobs} blobs, ${(r.bytes / 1e6).toFixed(1)} MB), RTT ${r.set.rttMs} ms`,
      );
      for (const [name, secs] of Object.entries(r.seconds)) {
        out.push(`  ${name.padEnd(10)} median ${fmtS(median(secs))}   (${secs.map((s) => s.toFixed(2)).join(' ')})`);
      }
      if (!o.skopeo) continue;
      for (const name of Object.keys(r.seconds).filter((n) => n !== 'skopeo')) {
        const perRound = median(r.seconds[name]!.map((s, i) => s / r.seconds.skopeo![i]!));
        const ofMedians = median(r.seconds[name]!) / median(r.seconds.skopeo!);
        const met = perRound <= r.set.target;
        if (name === 'gantry' && !met) allMet = false;
        out.push(
          `  ${`${name}/skopeo`.padEnd(16)} ${ofMedians.toFixed(2)}x (median of per-round ratios ${perRound.toFixed(2)}x)   target ≤ ${r.set.target}x${r.set.rttMs === SETS.find((s) => s.name === r.set.name)?.rttMs ? '' : ` (stated at ${SETS.find((s) => s.name === r.set.name)?.rttMs} ms)`}   ${met ? 'PASS' : 'FAIL'}`,
        );
      }
    }
    out.push('', `targets: ${allMet ? 'met' : 'NOT met'} (report only; the exit code says only that the bench ran)`);
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await rm(workDir, { recursive: true, force: true });
    forgetTempDir(workDir);
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`\nbench:wan: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
