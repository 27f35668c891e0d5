/**
 * bench/copy: gantry copy vs `skopeo copy --all` vs a plain-HTTP floor, between two real
 * registries on loopback, in one run. `npm run bench:copy -- --help` for the options.
 *
 *  - rounds: the same multi-arch image (~250 MB compressed) copied from registry A to a fresh
 *    repository of registry B by skopeo, by gantry (`node dist/cli/main.js`, as installed) and
 *    by the floor (bench/floor.mjs: the same blobs uploaded from the layout's files with plain
 *    parallel POST+PUT), in rotating order; wall clock of the whole process. Also, for reference,
 *    the copy floor (each blob GET from A piped straight into the PUT to B, no hashing), and per
 *    copier its CPU time, peak RSS, the registries' CPU time and other processes' CPU time.
 *  - fan-out: `gantry copy A B1 B2` through a counting proxy in front of A: the source must be
 *    read once (one GET per distinct blob).
 *  - memory: a 1 GiB single-layer image copied layout → B and A → B; gantry's peak RSS.
 *
 * Targets (the issue): gantry ≤ 0.8 × skopeo's time, ≤ 1.15 × the floor, peak RSS < 200 MB.
 *
 * Fairness: nothing is mounted or skipped. Every copy goes to a new repository of another
 * registry instance, and skopeo gets an empty blob-info cache for every run (as root its cache
 * is /var/lib/containers/cache, shared across runs: from round 2 on it would mount the blobs
 * from the previous round's repository in B and copy nothing). `sync` runs between copies.
 * The registries' storage is on tmpfs (/dev/shm) when there is room: distribution's filesystem
 * driver fsyncs every blob it commits, so on a VM disk the disk's flush time would dominate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, getPriority, release, setPriority, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { forgetTempDir, removeOnExit } from '../test/harness/children.js';
import { startFaultProxy, type FaultProxy } from '../test/harness/fault-proxy.js';
import { blobPath, skopeoCopyToRegistry, writeTestImageLayout, type TestImageLayout } from '../test/harness/fixtures.js';
import { startRegistry, type TestRegistry } from '../test/harness/registry.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const MAXRSS = join(ROOT, 'bench', 'maxrss.mjs');
const FLOOR = join(ROOT, 'bench', 'floor.mjs');
const TIME = '/usr/bin/time';
const INDEX_MT = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_MT = 'application/vnd.oci.image.manifest.v1+json';
const TMPFS_MAGIC = 0x01021994;
const MB = 1e6;

const TARGET = { vsSkopeo: 0.8, vsFloor: 1.15, peakRssBytes: 200 * MB } as const;

// ---------------------------------------------------------------- options

interface Options {
  rounds: number;
  json: boolean;
  memory: boolean;
  fanout: boolean;
  warmup: boolean;
  copyFloor: boolean;
  build: boolean;
  strict: boolean;
  concurrency: number | undefined;
  floorParallel: number;
  layers: number;
  layerMiB: number;
  bigMiB: number;
  storage: string | undefined;
  compare: { name: string; cli: string }[];
  sweep: number[];
  sweepRounds: number;
  profile: string | undefined;
  nice: number | undefined;
}

const HELP = `usage: npm run bench:copy -- [options]

  --rounds N            timed rounds (default 5; 3 when space is short)
  --json                also print one JSON line with all results, last on stdout
  --no-memory           skip the 1 GiB peak-memory check (~4 GB of registry storage, ~30 s)
  --no-fanout           skip the fan-out check (source read once for two destinations)
  --no-warmup           skip the untimed warm-up round
  --no-copy-floor       skip the copy floor (GET from A piped into PUT to B, plain node:http)
  --no-build            use dist/ as it is (default: tsc -p tsconfig.json first)
  --strict              exit 3 when a target is missed (default: report only)
  --concurrency N       pass --concurrency N to gantry (default: gantry's own)
  --floor-parallel N    parallel uploads of the floor (default 4)
  --layers N            layers per platform (default 4; 2 platforms)
  --layer-mib N         payload MiB per layer (default 30 → ~252 MB in all)
  --big-mib N           size of the memory check's single layer (default 1024)
  --storage DIR         where the registries keep their files (default /dev/shm when it is
                        a tmpfs with room, else the temp dir; the layouts always go to the temp dir)
  --compare NAME=PATH   also time another gantry build in every round (PATH to its cli/main.js),
                        e.g. a patched copy of dist/; repeatable
  --sweep LIST          also time gantry at these --concurrency values, e.g. 2,4,6,8
  --sweep-rounds N      runs per sweep value (default 3)
  --profile[=DIR]       one extra gantry copy under --cpu-prof: print where its CPU time goes
                        (and keep the .cpuprofile in DIR)
  --nice N              run the bench, the registries and the copiers at this niceness (e.g. -5,
                        as root) so that other work on a shared machine disturbs the times less
`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    rounds: 0,
    json: false,
    memory: true,
    fanout: true,
    warmup: true,
    copyFloor: true,
    build: true,
    strict: false,
    concurrency: undefined,
    floorParallel: 4,
    layers: 4,
    layerMiB: 30,
    bigMiB: 1024,
    storage: undefined,
    compare: [],
    sweep: [],
    sweepRounds: 3,
    profile: undefined,
    nice: undefined,
  };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1) throw new Error(`${flag} wants a whole number ≥ 1, not ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    // prettier-ignore
    switch (flag) {
      case '--rounds': o.rounds = int(flag, value()); break;
      case '--json': o.json = true; break;
      case '--memory': o.memory = true; break;
      case '--no-memory': o.memory = false; break;
      case '--fanout': o.fanout = true; break;
      case '--no-fanout': o.fanout = false; break;
      case '--no-warmup': o.warmup = false; break;
      case '--no-copy-floor': o.copyFloor = false; break;
      case '--no-build': o.build = false; break;
      case '--strict': o.strict = true; break;
      case '--concurrency': o.concurrency = int(flag, value()); break;
      case '--floor-parallel': o.floorParallel = int(flag, value()); break;
      case '--layers': o.layers = int(flag, value()); break;
      case '--layer-mib': o.layerMiB = int(flag, value()); break;
      case '--big-mib': o.bigMiB = int(flag, value()); break;
      case '--storage': o.storage = resolve(value() ?? '.'); break;
      case '--compare': {
        const v = value() ?? '';
        const m = /^([A-Za-z][\w.-]*)=(.+)$/.exec(v);
        if (!m || ['skopeo', 'gantry', 'floor', 'copy-floor'].includes(m[1]!)) throw new Error(`--compare wants NAME=PATH/TO/cli/main.js (NAME not skopeo/gantry/floor/copy-floor), not ${JSON.stringify(v)}`);
        const cli = resolve(m[2]!);
        if (!existsSync(cli)) throw new Error(`--compare ${m[1]}: no file ${cli}`);
        o.compare.push({ name: m[1]!, cli });
        break;
      }
      case '--sweep': o.sweep = (value() ?? '').split(',').map((s) => int(flag, s.trim())); break;
      case '--sweep-rounds': o.sweepRounds = int(flag, value()); break;
      case '--profile': o.profile = inline ?? ''; break;
      case '--nice': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !Number.isInteger(n) || n < -20 || n > 19) throw new Error(`--nice wants a whole number from -20 to 19, not ${JSON.stringify(v)}`);
        o.nice = n;
        break;
      }
      case '--help': case '-h': process.stdout.write(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${arg}\n\n${HELP}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- running timed children

export interface Rusage {
  userS: number;
  sysS: number;
  maxRssKiB: number;
}

export interface Timed {
  label: string;
  seconds: number;
  stdout: string;
  stderr: string;
  /** From /usr/bin/time when present. */
  rusage: Rusage | undefined;
}

const liveChildren = new Set<ChildProcess>();
let haveTime = false;
let workDir = '';
let seq = 0;

const log = (m: string): void => void process.stderr.write(`bench: ${m}\n`);

/**
 * For another bench that uses these helpers (bench/wan): where their files go, and whether
 * /usr/bin/time is there; kills the children still running when the process exits.
 */
export function initBenchHelpers(dir: string): void {
  workDir = dir;
  haveTime = existsSync(TIME);
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
}

/**
 * Runs `cmd args` to completion and measures its wall clock (spawn → exit), under /usr/bin/time
 * when available (CPU time, peak RSS). Throws, with the tail of stderr, unless it exits 0.
 */
export async function timed(
  label: string,
  cmd: string,
  args: readonly string[],
  o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Timed> {
  const rusageFile = join(workDir, `rusage-${++seq}`);
  const [file, argv] = haveTime ? [TIME, ['-f', '%e %U %S %M', '-o', rusageFile, cmd, ...args]] : [cmd, [...args]];
  const timeoutMs = o.timeoutMs ?? 180_000;
  const started = performance.now();
  const child = spawn(file, argv, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64 * 1024)));
  const closed = new Promise<void>((res) => child.once('close', () => res()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c, s) => res([c, s]));
  }).finally(() => {
    clearTimeout(timer);
    liveChildren.delete(child);
  });
  const seconds = (performance.now() - started) / 1000;
  await closed; // the last output can come after 'exit'
  if (code !== 0 || timedOut) {
    const how = timedOut ? `timed out after ${timeoutMs / 1000} s` : signal ? `killed by ${signal}` : `exit ${code}`;
    const said = `${stderr.trim()}\n${stdout.trim()}`.trim(); // tsc reports on stdout
    throw new Error(
      `${label} FAILED (${how}):\n  $ ${[cmd, ...args].join(' ')}\n${said
        .split('\n')
        .slice(-25)
        .map((l) => `  | ${l}`)
        .join('\n')}`,
    );
  }
  let rusage: Rusage | undefined;
  if (haveTime) {
    const last = (await readFile(rusageFile, 'utf8')).trim().split('\n').pop() ?? '';
    const [, user, sys, rss] = last.split(' ').map(Number);
    if (user !== undefined && sys !== undefined && rss !== undefined) rusage = { userS: user, sysS: sys, maxRssKiB: rss };
  }
  return { label, seconds, stdout, stderr, rusage };
}

export const sync = (): Promise<void> =>
  new Promise<void>((res) => {
    spawn('sync', { stdio: 'ignore' })
      .once('exit', () => res())
      .once('error', () => res());
  });

/** The pid of a harness registry (`docker-registry serve <base>/config.yml`), from /proc. */
async function registryPid(reg: TestRegistry): Promise<number | undefined> {
  const want = `docker-registry\0serve\0${join(dirname(reg.rootDir), 'config.yml')}`;
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if ((await readFile(`/proc/${d}/cmdline`, 'utf8')).replace(/\0$/, '') === want) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15, clock ticks of 1/100 s). */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds all processes of the machine have used (non-idle time in /proc/stat). */
function machineBusy(): number {
  try {
    const f = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

/** Starts a registry whose files live under `storage`. */
export async function registryIn(storage: string): Promise<TestRegistry> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = storage; // startRegistry puts its files in os.tmpdir()
  try {
    return await startRegistry();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

// ---------------------------------------------------------------- the copiers

interface Fixture {
  layout: TestImageLayout;
  /** Configs and layers, with their files in the layout. */
  blobs: { digest: string; size: number; path: string }[];
  bytes: number;
}

interface Ctx {
  A: TestRegistry;
  B: TestRegistry;
  pids: { A: number | undefined; B: number | undefined };
  fixture: Fixture;
  blobsFile: string;
  authFile: string;
  opts: Options;
}

/** A copier timed in the rounds: skopeo, the floors, or a gantry build. */
interface Tool {
  name: string;
  kind: 'skopeo' | 'floor' | 'copy-floor' | 'gantry';
  cli?: string;
}

interface Run {
  tool: string;
  round: string;
  seconds: number;
  rusage: Rusage | undefined;
  /** CPU seconds the registries used during the run (source A, destination B). */
  registryCpu: { A: number; B: number } | undefined;
  /** CPU seconds used during the run by everything else on the machine (other people's tests…). */
  otherCpu: number | undefined;
  /** gantry only: the copy's own duration as it reports it (`seconds` of --json): wall less startup and exit. */
  inner: number | undefined;
}

/** skopeo's environment: an empty auth file and an empty blob-info cache of its own. */
export async function skopeoEnv(ctx: { authFile: string }, name: string): Promise<{ env: NodeJS.ProcessEnv; cacheFile: string }> {
  const xdg = join(workDir, `skopeo-data-${name}`);
  await mkdir(xdg, { recursive: true });
  return {
    env: {
      ...process.env,
      REGISTRY_AUTH_FILE: ctx.authFile,
      XDG_DATA_HOME: xdg,
      // As root, containers/image ignores XDG_DATA_HOME and uses /var/lib/containers/cache, shared
      // by all runs; its rootless check reads this variable (internal/rootless.GetRootlessEUID).
      ...(process.getuid?.() === 0 ? { _CONTAINERS_ROOTLESS_UID: '65534' } : {}),
    },
    cacheFile: join(xdg, 'containers', 'cache', 'blob-info-cache-v1.boltdb'),
  };
}

export async function runSkopeoCopy(
  ctx: { authFile: string },
  src: string,
  dst: string,
  name: string,
  timeoutMs?: number,
): Promise<Timed & { digest: string }> {
  const { env, cacheFile } = await skopeoEnv(ctx, name);
  const digestFile = join(workDir, `digest-${name}`);
  const t = await timed(
    `skopeo copy → ${dst}`,
    'skopeo',
    [
      '--insecure-policy',
      'copy',
      '--all',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--digestfile',
      digestFile,
      `docker://${src}`,
      `docker://${dst}`,
    ],
    { env, ...(timeoutMs ? { timeoutMs } : {}) },
  );
  if (!existsSync(cacheFile))
    throw new Error(`skopeo did not use the private blob-info cache ${cacheFile}: it may have mounted blobs from earlier runs`);
  return { ...t, digest: (await readFile(digestFile, 'utf8')).trim() };
}

export interface GantryJson {
  digest: string;
  mediaType: string;
  platforms: string[];
  bytesTransferred: number;
  bytesSkipped: number;
  seconds: number;
}

export async function runGantryCopy(
  cli: string,
  src: string,
  dsts: string[],
  o: { extra?: string[]; nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<Timed & { result: GantryJson }> {
  const t = await timed(
    `gantry copy ${src} → ${dsts.join(' ')}`,
    process.execPath,
    [...(o.nodeArgs ?? []), cli, 'copy', src, ...dsts, '--json', ...(o.extra ?? [])],
    o.timeoutMs ? { timeoutMs: o.timeoutMs } : {},
  );
  try {
    return { ...t, result: JSON.parse(t.stdout) as GantryJson };
  } catch {
    throw new Error(`gantry copy printed no JSON:\n${t.stdout}\n${t.stderr}`);
  }
}

function checkGantry(r: GantryJson, digest: string, bytes: number): void {
  if (r.digest !== digest) throw new Error(`gantry copied ${r.digest}, expected ${digest}`);
  if (r.bytesTransferred !== bytes || r.bytesSkipped !== 0) {
    throw new Error(
      `gantry transferred ${r.bytesTransferred} B and skipped ${r.bytesSkipped} B; expected ${bytes} B transferred, none skipped`,
    );
  }
}

async function expectImage(reg: TestRegistry, repo: string, tag: string, digest: string, who: string): Promise<void> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: `${INDEX_MT}, ${MANIFEST_MT}` } });
  const got = res.ok ? res.headers.get('docker-content-digest') : null;
  if (got !== digest) throw new Error(`${who}: ${reg.host}/${repo}:${tag} is ${got ?? `missing (HTTP ${res.status})`}, expected ${digest}`);
}

const gantryExtra = (opts: Options): string[] => (opts.concurrency ? ['--concurrency', String(opts.concurrency)] : []);

/** Runs one copier into a fresh repository of B, checks the result, and adds the registries' CPU time. */
async function runTool(ctx: Ctx, tool: Tool, round: string): Promise<Run> {
  const { A, B, fixture, opts } = ctx;
  const src = `${A.host}/bench/app:v1`;
  const want = fixture.layout.indexDigest;
  const before = { A: cpuOf(ctx.pids.A), B: cpuOf(ctx.pids.B), all: machineBusy() };
  let t: Timed;
  let inner: number | undefined;
  if (tool.kind === 'skopeo') {
    const repo = `${tool.name}-${round}/app`;
    const s = await runSkopeoCopy(ctx, src, `${B.host}/${repo}:v1`, round);
    if (s.digest !== want) throw new Error(`skopeo pushed ${s.digest}, expected ${want}`);
    await expectImage(B, repo, 'v1', want, 'skopeo');
    t = s;
  } else if (tool.kind === 'gantry') {
    const repo = `${tool.name}-${round}/app`;
    const g = await runGantryCopy(tool.cli ?? CLI, src, [`${B.host}/${repo}:v1`], { extra: gantryExtra(opts) });
    checkGantry(g.result, want, fixture.bytes);
    await expectImage(B, repo, 'v1', want, tool.name);
    t = g;
    inner = g.result.seconds;
  } else {
    const from = tool.kind === 'copy-floor' ? [`${A.url}/v2/bench/app`] : [];
    t = await timed(tool.name, process.execPath, [
      FLOOR,
      B.url,
      `${tool.name}-${round}/app`,
      ctx.blobsFile,
      String(opts.floorParallel),
      ...from,
    ]);
    const r = JSON.parse(t.stdout) as { blobs: number; bytes: number };
    if (r.bytes !== fixture.bytes) throw new Error(`${tool.name} uploaded ${r.bytes} bytes, expected ${fixture.bytes}`);
  }
  const after = { A: cpuOf(ctx.pids.A), B: cpuOf(ctx.pids.B), all: machineBusy() };
  const registryCpu = Number.isNaN(before.A + before.B + after.A + after.B) ? undefined : { A: after.A - before.A, B: after.B - before.B };
  // Everything else: the machine's busy time less the copier, the registries and this process (~0).
  const otherCpu =
    registryCpu && t.rusage && !Number.isNaN(after.all - before.all)
      ? Math.max(0, after.all - before.all - registryCpu.A - registryCpu.B - t.rusage.userS - t.rusage.sysS)
      : undefined;
  return { tool: tool.name, round, seconds: t.seconds, rusage: t.rusage, registryCpu, otherCpu, inner };
}

// ---------------------------------------------------------------- statistics and formatting

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round3 = (x: number): number => Number(x.toFixed(3));
const fmtS = (s: number | undefined): string => (s === undefined || Number.isNaN(s) ? '-' : `${s.toFixed(2)} s`);
const fmtX = (x: number): string => `${x.toFixed(2)}x`;
const fmtMB = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

// ---------------------------------------------------------------- CPU profile summary

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function summarizeProfile(p: CpuProfile): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  const cats = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const f = byId.get(p.samples[i]!);
    if (!f) continue;
    total += dt;
    const url = f.url.replace(`file://${ROOT}/`, '');
    const key = `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    const cat =
      f.functionName === '(idle)'
        ? 'idle (waiting for I/O)'
        : f.functionName === '(garbage collector)'
          ? 'garbage collector'
          : f.functionName === '(program)'
            ? 'native/program'
            : url.startsWith('node:_http') ||
                url.startsWith('node:internal/http') ||
                url.startsWith('node:net') ||
                url.startsWith('node:internal/net')
              ? "node's HTTP client and sockets"
              : url.startsWith('dist/')
                ? 'gantry (dist/)'
                : url.startsWith('node:internal/crypto')
                  ? 'node crypto (sha256)'
                  : url.startsWith('node:internal/modules') || f.functionName === 'compileFunction' || f.functionName === 'wrapSafe'
                    ? 'module loading'
                    : url.includes('node:internal/streams') || url.includes('node:stream')
                      ? 'node streams'
                      : url.startsWith('node:')
                        ? 'node internals (other)'
                        : url.includes('node_modules')
                          ? 'other node_modules'
                          : 'native (sockets, buffers)';
    cats.set(cat, (cats.get(cat) ?? 0) + dt);
  }
  const pct = (us: number): string => `${lpad(((100 * us) / total).toFixed(1), 5)} %  ${lpad((us / 1000).toFixed(0), 6)} ms`;
  const out = [`CPU profile: ${(total / 1e6).toFixed(2)} s sampled`, '  by category (self time):'];
  for (const [k, v] of [...cats].sort((a, b) => b[1] - a[1])) out.push(`    ${pct(v)}  ${k}`);
  out.push('  top functions (self time):');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) out.push(`    ${pct(v)}  ${k}`);
  return out;
}

// ---------------------------------------------------------------- main

function firstLine(cmd: string, args: string[]): Promise<string> {
  return new Promise((res) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', () => res(''));
    c.once('close', () => res(out.trim().split('\n')[0] ?? ''));
  });
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

function memAvailableBytes(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const startedAll = performance.now();
  haveTime = existsSync(TIME);
  // Children inherit the niceness: set it before anything is spawned.
  if (opts.nice !== undefined) setPriority(opts.nice);

  // Ctrl-C / SIGTERM: kill our children; the harness's exit hook kills the registries and removes temp dirs.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping`);
      for (const c of liveChildren) c.kill('SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });

  const tools: Tool[] = [
    { name: 'skopeo', kind: 'skopeo' },
    { name: 'gantry', kind: 'gantry', cli: CLI },
    { name: 'floor', kind: 'floor' },
    ...(opts.copyFloor ? [{ name: 'copy-floor', kind: 'copy-floor' as const }] : []),
    ...opts.compare.map((c) => ({ name: c.name, kind: 'gantry' as const, cli: c.cli })),
  ];

  // ---- space: registries (on `storage`) and layouts (in the temp dir). A registry stores a blob
  // once however many repositories link to it, so B holds one copy of the image (plus the
  // uploads in flight), not one per round.
  if (opts.rounds === 0) opts.rounds = 5;
  const fixtureBytes = 2 * opts.layers * opts.layerMiB * 2 ** 20;
  const bigBytes = opts.bigMiB * 2 ** 20;
  const registryBytes = Math.max(fixtureBytes * 3, opts.memory ? bigBytes * 3 : 0);
  const tmpfsOk = (dir: string): boolean => {
    try {
      return statfsSync(dir).type === TMPFS_MAGIC && freeBytes(dir) > registryBytes * 1.5 && memAvailableBytes() > registryBytes + 4e9;
    } catch {
      return false;
    }
  };
  const storage = opts.storage ?? (tmpfsOk('/dev/shm') ? '/dev/shm' : tmpdir());
  const onTmpfs = statfsSync(storage).type === TMPFS_MAGIC;
  const tmpNeed = fixtureBytes + (opts.memory ? bigBytes : 0) + (storage === tmpdir() ? registryBytes : 0) + 1e9;
  if (freeBytes(tmpdir()) < tmpNeed)
    throw new Error(
      `not enough space in ${tmpdir()}: ${(freeBytes(tmpdir()) / 1e9).toFixed(1)} GB free, ~${(tmpNeed / 1e9).toFixed(1)} GB needed (try --no-memory)`,
    );
  if (storage !== tmpdir() && freeBytes(storage) < registryBytes * 1.2)
    throw new Error(
      `not enough space in ${storage}: ${(freeBytes(storage) / 1e9).toFixed(1)} GB free, ~${((registryBytes * 1.2) / 1e9).toFixed(1)} GB needed`,
    );

  const gitStatus = await firstLine('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
    skopeo: (await firstLine('skopeo', ['--version'])).replace(/^skopeo version /, '') || 'not found',
    registry: (await firstLine('docker-registry', ['--version'])).split(' ').pop() || 'not found',
    gantry: `${(await firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])) || 'unknown'}${gitStatus ? ' + uncommitted src/ changes' : ''}`,
    storage: `${storage} (${onTmpfs ? 'tmpfs' : 'disk'})`,
    niceness: getPriority(),
  };
  log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, node ${machine.node}, skopeo ${machine.skopeo}, distribution ${machine.registry}, gantry ${machine.gantry}`,
  );
  log(`registry storage: ${machine.storage}; ${opts.rounds} rounds`);

  workDir = await mkdtemp(join(tmpdir(), 'gantry-bench-'));
  removeOnExit(workDir);
  const registries: TestRegistry[] = [];
  let proxy: FaultProxy | undefined;
  try {
    if (opts.build) {
      log('building gantry (tsc -p tsconfig.json → dist/)');
      await timed('tsc -p tsconfig.json (use --no-build to bench dist/ as it is)', process.execPath, [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.json'),
      ]);
    }
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (or drop --no-build)`);
    const authFile = join(workDir, 'auth.json');
    await writeFile(authFile, '{"auths":{}}\n');

    const [A, B] = await Promise.all([registryIn(storage), registryIn(storage)]);
    registries.push(A, B);
    log(`registries: A ${A.url}, B ${B.url}`);

    // ---- fixture, pushed to A once
    let t0 = performance.now();
    const layoutDir = join(workDir, 'layout');
    const layout = await writeTestImageLayout(layoutDir, {
      tag: 'v1',
      platforms: ['linux/amd64', 'linux/arm64'],
      layers: opts.layers,
      layerBytes: opts.layerMiB * 2 ** 20,
      seed: 'gantry-bench',
      gzipLevel: 0,
    });
    const blobs = layout.manifests
      .flatMap((m) => [m.config, ...m.layers])
      .map((b) => ({ digest: b.digest, size: b.size, path: blobPath(layoutDir, b.digest) }));
    const fixture: Fixture = { layout, blobs, bytes: blobs.reduce((n, b) => n + b.size, 0) };
    const blobsFile = join(workDir, 'blobs.json');
    await writeFile(blobsFile, JSON.stringify(blobs));
    log(
      `fixture: 2 platforms × ${opts.layers} layers, ${blobs.length} blobs, ${fmtMB(fixture.bytes)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    t0 = performance.now();
    await skopeoCopyToRegistry(layoutDir, 'v1', A, 'bench/app', undefined, { timeoutMs: 300_000 });
    await expectImage(A, 'bench/app', 'v1', layout.indexDigest, 'setup');
    log(`pushed to A/bench/app:v1 with skopeo (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const ctx: Ctx = { A, B, pids: { A: await registryPid(A), B: await registryPid(B) }, fixture, blobsFile, authFile, opts };

    // ---- rounds, in rotating order
    const runs: Run[] = [];
    const warm: Run[] = [];
    const orders: string[] = [];
    const roundNames = [...(opts.warmup ? ['warmup'] : []), ...Array.from({ length: opts.rounds }, (_, i) => String(i + 1))];
    for (const [i, round] of roundNames.entries()) {
      const order = tools.map((_, k) => tools[(i + k) % tools.length]!);
      if (round !== 'warmup') orders.push(order.map((t) => t.name).join(' '));
      for (const tool of order) {
        await sync();
        const r = await runTool(ctx, tool, round);
        (round === 'warmup' ? warm : runs).push(r);
        const notes = [
          ...(r.rusage
            ? [`cpu ${(r.rusage.userS + r.rusage.sysS).toFixed(2)} s`, `rss ${((r.rusage.maxRssKiB * 1024) / MB).toFixed(0)} MB`]
            : []),
          ...(r.registryCpu ? [`registries' cpu A ${r.registryCpu.A.toFixed(2)} s, B ${r.registryCpu.B.toFixed(2)} s`] : []),
          ...(r.otherCpu !== undefined ? [`other processes ${r.otherCpu.toFixed(2)} s`] : []),
        ];
        log(`round ${round}: ${pad(tool.name, 8)} ${fmtS(r.seconds)}${notes.length ? `  (${notes.join(', ')})` : ''}`);
      }
    }

    // ---- concurrency sweep
    const sweep: { concurrency: number; seconds: number[]; median: number }[] = [];
    for (const c of opts.sweep) {
      const secs: number[] = [];
      for (let r = 1; r <= opts.sweepRounds; r++) {
        await sync();
        const t = await runGantryCopy(CLI, `${A.host}/bench/app:v1`, [`${B.host}/sweep-c${c}-${r}/app:v1`], {
          extra: ['--concurrency', String(c)],
        });
        checkGantry(t.result, layout.indexDigest, fixture.bytes);
        secs.push(t.seconds);
        log(`sweep --concurrency ${c} #${r}: ${fmtS(t.seconds)}`);
      }
      sweep.push({ concurrency: c, seconds: secs.map(round3), median: round3(median(secs)) });
    }

    // ---- CPU profile of one copy
    let profileLines: string[] = [];
    if (opts.profile !== undefined) {
      const dir = join(workDir, 'cpuprof');
      await sync();
      const t = await runGantryCopy(CLI, `${A.host}/bench/app:v1`, [`${B.host}/profile/app:v1`], {
        extra: gantryExtra(opts),
        nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
      });
      const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error('no .cpuprofile written');
      profileLines = [
        `profiled gantry copy: ${fmtS(t.seconds)} wall (the profiler slows it down)`,
        ...summarizeProfile(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile),
      ];
      if (opts.profile) {
        await mkdir(opts.profile, { recursive: true });
        await copyFile(join(dir, file), join(opts.profile, file));
        profileLines.push(`  profile kept: ${join(resolve(opts.profile), file)} (open in Chrome DevTools → Performance)`);
      }
    }

    // ---- fan-out: the source is read once for two destinations
    let fanout:
      { destinations: number; distinctBlobs: number; blobGets: number; perBlobMax: number; seconds: number; pass: boolean } | undefined;
    if (opts.fanout) {
      proxy = await startFaultProxy(A.url);
      await sync();
      const repos = ['fanout-1/app', 'fanout-2/app'];
      const t = await runGantryCopy(
        CLI,
        `${proxy.host}/bench/app:v1`,
        repos.map((r) => `${B.host}/${r}:v1`),
      );
      checkGantry(t.result, layout.indexDigest, fixture.bytes);
      for (const repo of repos) await expectImage(B, repo, 'v1', layout.indexDigest, 'fan-out');
      const gets = proxy.requests.filter(
        (r) => r.method === 'GET' && /^\/v2\/.+\/blobs\/sha256:[a-f0-9]{64}$/.test(r.url.split('?')[0] ?? ''),
      );
      const per = new Map<string, number>();
      for (const g of gets) per.set(g.url, (per.get(g.url) ?? 0) + 1);
      const distinct = new Set(blobs.map((b) => b.digest)).size;
      const perBlobMax = Math.max(0, ...per.values());
      fanout = {
        destinations: repos.length,
        distinctBlobs: distinct,
        blobGets: gets.length,
        perBlobMax,
        seconds: round3(t.seconds),
        pass: gets.length === distinct && per.size === distinct && perBlobMax === 1,
      };
      log(`fan-out: ${gets.length} blob GETs for ${distinct} distinct blobs, ${repos.length} destinations, ${fmtS(t.seconds)}`);
      await proxy.close();
      proxy = undefined;
    }

    // The memory check gets registries of its own: free the space of these first.
    await Promise.all(registries.splice(0).map((r) => r.stop()));

    // ---- memory: a single 1 GiB layer
    type MemRun = { what: string; seconds: number; peakRssBytes: number | null; pass?: boolean };
    let memory: { layerBytes: number; runs: MemRun[]; pass: boolean } | undefined;
    if (opts.memory) {
      const [memA, memB] = await Promise.all([registryIn(storage), registryIn(storage)]);
      registries.push(memA, memB);
      t0 = performance.now();
      const bigDir = join(workDir, 'big');
      const big = await writeTestImageLayout(bigDir, {
        tag: 'big',
        platforms: ['linux/amd64'],
        layers: 1,
        layerBytes: bigBytes,
        seed: 'gantry-bench-big',
        gzipLevel: 0,
      });
      const bigDigest = big.indexDigest;
      const layerBytes = big.manifests[0]!.layers[0]!.size;
      log(`memory check: ${fmtMB(layerBytes)} single-layer image written (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      const memRuns: MemRun[] = [];
      const gantryBig = async (what: string, src: string, repo: string): Promise<void> => {
        await sync();
        const t = await runGantryCopy(CLI, src, [`${memB.host}/${repo}:big`], { nodeArgs: ['--import', MAXRSS], timeoutMs: 600_000 });
        if (t.result.digest !== bigDigest) throw new Error(`${what}: got ${t.result.digest}, expected ${bigDigest}`);
        await expectImage(memB, repo, 'big', bigDigest, what);
        const m = /BENCH_RUSAGE (\{.*\})/.exec(t.stderr);
        if (!m) throw new Error(`${what}: no BENCH_RUSAGE line from bench/maxrss.mjs`);
        const peak = (JSON.parse(m[1]!) as { maxRSSKiB: number }).maxRSSKiB * 1024;
        memRuns.push({ what, seconds: round3(t.seconds), peakRssBytes: peak, pass: peak < TARGET.peakRssBytes });
        log(`memory check: ${what}: peak RSS ${fmtMB(peak)}, ${fmtS(t.seconds)}`);
      };
      await gantryBig('gantry layout → B', `oci:${bigDir}:big`, 'mem-layout/app');
      t0 = performance.now();
      await skopeoCopyToRegistry(bigDir, 'big', memA, 'bench/big', undefined, { timeoutMs: 600_000 });
      log(`memory check: pushed to A/bench/big:big with skopeo (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      await gantryBig('gantry A → B', `${memA.host}/bench/big:big`, 'mem-registry/app');
      await sync();
      const s = await runSkopeoCopy({ authFile }, `${memA.host}/bench/big:big`, `${memB.host}/mem-skopeo/app:big`, 'big', 600_000);
      if (s.digest !== bigDigest) throw new Error(`skopeo (memory check) pushed ${s.digest}, expected ${bigDigest}`);
      memRuns.push({
        what: 'skopeo A → B (reference)',
        seconds: round3(s.seconds),
        peakRssBytes: s.rusage ? s.rusage.maxRssKiB * 1024 : null,
      });
      log(`memory check: skopeo A → B: ${s.rusage ? `peak RSS ${fmtMB(s.rusage.maxRssKiB * 1024)}, ` : ''}${fmtS(s.seconds)}`);
      memory = { layerBytes, runs: memRuns, pass: memRuns.every((r) => r.pass !== false) };
    }

    // ---- report
    const names = tools.map((t) => t.name);
    const gantries = tools.filter((t) => t.kind === 'gantry').map((t) => t.name);
    const of = (tool: string): Run[] => runs.filter((r) => r.tool === tool);
    const med = Object.fromEntries(names.map((t) => [t, median(of(t).map((r) => r.seconds))])) as Record<string, number>;
    const cpu = (tool: string): number => median(of(tool).flatMap((r) => (r.rusage ? [r.rusage.userS + r.rusage.sysS] : [])));
    const rss = (tool: string): number => median(of(tool).flatMap((r) => (r.rusage ? [r.rusage.maxRssKiB * 1024] : [])));
    const regCpu = (tool: string, which: 'A' | 'B'): number =>
      median(of(tool).flatMap((r) => (r.registryCpu ? [r.registryCpu[which]] : [])));
    const otherCpu = (tool: string): number => median(of(tool).flatMap((r) => (r.otherCpu !== undefined ? [r.otherCpu] : [])));
    const min = (tool: string): number => Math.min(...of(tool).map((r) => r.seconds));
    const innerMed = (tool: string): number => median(of(tool).flatMap((r) => (r.inner !== undefined ? [r.inner] : [])));
    const secondsOf = (tool: string, round: string): number => runs.find((r) => r.tool === tool && r.round === round)?.seconds ?? NaN;
    const ratios = Object.fromEntries(
      gantries.map((g) => {
        const perRound = (ref: string): number =>
          median(Array.from({ length: opts.rounds }, (_, i) => secondsOf(g, String(i + 1)) / secondsOf(ref, String(i + 1))));
        return [
          g,
          {
            vsSkopeo: med[g]! / med.skopeo!,
            vsFloor: med[g]! / med.floor!,
            perRoundVsSkopeo: perRound('skopeo'),
            perRoundVsFloor: perRound('floor'),
            minVsSkopeo: min(g) / min('skopeo'),
            minVsFloor: min(g) / min('floor'),
            ...(opts.copyFloor ? { vsCopyFloor: med[g]! / med['copy-floor']! } : {}),
          },
        ];
      }),
    ) as Record<
      string,
      {
        vsSkopeo: number;
        vsFloor: number;
        perRoundVsSkopeo: number;
        perRoundVsFloor: number;
        minVsSkopeo: number;
        minVsFloor: number;
        vsCopyFloor?: number;
      }
    >;
    const ours = ratios.gantry!;
    const pass = { vsSkopeo: ours.vsSkopeo <= TARGET.vsSkopeo, vsFloor: ours.vsFloor <= TARGET.vsFloor };

    const colW = Math.max(9, ...names.map((n) => n.length + 1));
    const row = (first: string, second: string, cells: string[]): string =>
      `${pad(first, 9)} ${pad(second, 24)} ${cells.map((c) => lpad(c, colW)).join(' ')}`.trimEnd();
    const cellOf = (list: Run[], round: string, tool: string): string =>
      fmtS(list.find((r) => r.round === round && r.tool === tool)?.seconds);
    const out: string[] = [];
    out.push('');
    out.push(
      `gantry copy benchmark: ${fmtMB(fixture.bytes)} in ${blobs.length} blobs (2 platforms × ${opts.layers} layers + 2 configs), registry A → a fresh repository of registry B`,
    );
    out.push(
      `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}; node ${machine.node}; skopeo ${machine.skopeo}; distribution ${machine.registry}; gantry ${machine.gantry}`,
    );
    out.push(
      `registry storage: ${machine.storage}; ${opts.rounds} rounds, \`sync\` before each copy; wall clock of the whole process${machine.niceness ? `; niceness ${machine.niceness}` : ''}`,
    );
    out.push(`  skopeo: skopeo copy --all, an empty blob-info cache per run (no mounts from earlier rounds)`);
    out.push(`  gantry: node dist/cli/main.js copy SRC DST --json${opts.concurrency ? ` --concurrency ${opts.concurrency}` : ''}`);
    for (const c of opts.compare)
      out.push(`  ${c.name}: node ${c.cli} copy SRC DST --json${opts.concurrency ? ` --concurrency ${opts.concurrency}` : ''}`);
    out.push(
      `  floor:  bench/floor.mjs, the same blobs from the layout's files, ${opts.floorParallel} parallel POST+PUT (node:http keep-alive), no hashing`,
    );
    if (opts.copyFloor)
      out.push(
        `  copy-floor: bench/floor.mjs with each body a GET from A piped into the PUT, ${opts.floorParallel} parallel, no hashing (reference, not a target)`,
      );
    out.push('');
    out.push(row('round', 'order', names));
    if (opts.warmup)
      out.push(
        `${row(
          'warm-up',
          '',
          names.map((n) => cellOf(warm, 'warmup', n)),
        )}   (not counted)`,
      );
    for (let i = 0; i < opts.rounds; i++)
      out.push(
        row(
          String(i + 1),
          orders[i]!.length > 24 ? `${orders[i]!.slice(0, 23)}…` : orders[i]!,
          names.map((n) => cellOf(runs, String(i + 1), n)),
        ),
      );
    out.push(
      row(
        'median',
        '',
        names.map((n) => fmtS(med[n])),
      ),
    );
    out.push(
      row(
        'min',
        '',
        names.map((n) => fmtS(min(n))),
      ),
    );
    out.push(
      row(
        'MB/s',
        '(median)',
        names.map((n) => (fixture.bytes / MB / med[n]!).toFixed(0)),
      ),
    );
    if (gantries.length)
      out.push(
        row(
          'in-proc.',
          'gantry\'s own "seconds"',
          names.map((n) => (gantries.includes(n) ? fmtS(innerMed(n)) : '')),
        ),
      );
    if (haveTime) {
      out.push(
        row(
          'CPU s',
          'the copier (user+sys)',
          names.map((n) => cpu(n).toFixed(2)),
        ),
      );
      out.push(
        row(
          'peak RSS',
          'the copier',
          names.map((n) => `${(rss(n) / MB).toFixed(0)} MB`),
        ),
      );
    }
    if (ctx.pids.A !== undefined && ctx.pids.B !== undefined) {
      out.push(
        row(
          'CPU s',
          'registry A (source)',
          names.map((n) => regCpu(n, 'A').toFixed(2)),
        ),
      );
      out.push(
        row(
          'CPU s',
          'registry B (destination)',
          names.map((n) => regCpu(n, 'B').toFixed(2)),
        ),
      );
      if (haveTime) {
        out.push(
          row(
            'CPU busy',
            'all three / (wall×cores)',
            names.map((n) => `${(((cpu(n) + regCpu(n, 'A') + regCpu(n, 'B')) / (med[n]! * machine.cpus)) * 100).toFixed(0)} %`),
          ),
        );
        out.push(
          row(
            'CPU s',
            'other processes',
            names.map((n) => otherCpu(n).toFixed(2)),
          ),
        );
      }
    }
    out.push('(medians over the rounds; CPU and RSS from /usr/bin/time and /proc)');
    const foreign = runs.flatMap((r) => (r.otherCpu !== undefined && r.otherCpu > 0.1 * r.seconds * machine.cpus ? [r] : []));
    if (foreign.length) {
      out.push(
        `WARNING: other processes used over 10 % of the machine during ${foreign.length} of ${runs.length} timed copies (up to ${Math.max(...foreign.map((r) => r.otherCpu ?? 0)).toFixed(2)} CPU s): the times are noisy; compare the min row, or run again on a quiet machine`,
      );
    }
    out.push('');
    for (const g of gantries) {
      const r = ratios[g]!;
      const tag = g === 'gantry' ? '' : ' (compare)';
      out.push(
        `${pad(`${g}/skopeo`, 17)} ${fmtX(r.vsSkopeo)}  (per-round ratios: median ${fmtX(r.perRoundVsSkopeo)}; min/min ${fmtX(r.minVsSkopeo)})   target ≤ ${fmtX(TARGET.vsSkopeo)}   ${verdict(r.vsSkopeo <= TARGET.vsSkopeo)}${tag}`,
      );
      out.push(
        `${pad(`${g}/floor`, 17)} ${fmtX(r.vsFloor)}  (per-round ratios: median ${fmtX(r.perRoundVsFloor)}; min/min ${fmtX(r.minVsFloor)})   target ≤ ${fmtX(TARGET.vsFloor)}   ${verdict(r.vsFloor <= TARGET.vsFloor)}${tag}`,
      );
      if (r.vsCopyFloor !== undefined)
        out.push(
          `${pad(`${g}/copy-floor`, 17)} ${fmtX(r.vsCopyFloor)}  (no target: the least a registry-to-registry copy costs, for reference)`,
        );
    }
    if (sweep.length) {
      out.push('');
      out.push(
        `gantry --concurrency sweep (median of ${opts.sweepRounds}): ${sweep.map((s) => `${s.concurrency}: ${fmtS(s.median)}`).join(', ')}`,
      );
    }
    if (fanout) {
      out.push('');
      out.push(
        `fan-out: gantry copy A → 2 repositories of B through a counting proxy: ${fanout.blobGets} blob GETs for ${fanout.distinctBlobs} distinct blobs (max ${fanout.perBlobMax} per blob), ${fmtS(fanout.seconds)}   source read once: ${verdict(fanout.pass)}`,
      );
    }
    if (memory) {
      out.push('');
      out.push(
        `memory: ${fmtMB(memory.layerBytes)} single-layer image (fresh registries, same storage); target: gantry's peak RSS < ${fmtMB(TARGET.peakRssBytes)}`,
      );
      for (const r of memory.runs) {
        out.push(
          `  ${pad(r.what, 26)} peak RSS ${lpad(r.peakRssBytes === null ? '-' : fmtMB(r.peakRssBytes), 9)}  ${lpad(fmtS(r.seconds), 8)} (${(memory.layerBytes / MB / r.seconds).toFixed(0)} MB/s)${r.pass === undefined ? '' : `   ${verdict(r.pass)}`}`,
        );
      }
    }
    if (profileLines.length) out.push('', ...profileLines);
    const allPass = pass.vsSkopeo && pass.vsFloor && (fanout?.pass ?? true) && (memory?.pass ?? true);
    out.push('');
    out.push(
      `targets: ${allPass ? 'all met' : 'NOT all met'}   (the bench took ${((performance.now() - startedAll) / 1000).toFixed(0)} s)`,
    );
    process.stdout.write(`${out.join('\n')}\n`);

    if (opts.json) {
      const byTool = <T>(f: (n: string) => T): Record<string, T> => Object.fromEntries(names.map((n) => [n, f(n)]));
      const summary = {
        machine,
        image: { bytes: fixture.bytes, blobs: blobs.length, platforms: 2, layersPerPlatform: opts.layers, digest: layout.indexDigest },
        rounds: opts.rounds,
        order: orders,
        seconds: byTool((n) => of(n).map((r) => round3(r.seconds))),
        warmup: byTool((n) => round3(warm.find((r) => r.tool === n)?.seconds ?? NaN)),
        median: byTool((n) => round3(med[n]!)),
        mbPerSecond: byTool((n) => Number((fixture.bytes / MB / med[n]!).toFixed(1))),
        min: byTool((n) => round3(min(n))),
        ...(gantries.length ? { gantryInProcessSeconds: Object.fromEntries(gantries.map((g) => [g, round3(innerMed(g))])) } : {}),
        ...(haveTime
          ? {
              cpuSeconds: byTool((n) => Number(cpu(n).toFixed(2))),
              peakRssBytes: byTool((n) => rss(n)),
              otherProcessesCpuSeconds: byTool((n) => Number(otherCpu(n).toFixed(2))),
            }
          : {}),
        registryCpuSeconds: byTool((n) => ({ A: Number(regCpu(n, 'A').toFixed(2)), B: Number(regCpu(n, 'B').toFixed(2)) })),
        ratio: Object.fromEntries(
          Object.entries(ratios).map(([g, r]) => [g, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round3(v)]))]),
        ),
        targets: { gantryVsSkopeo: TARGET.vsSkopeo, gantryVsFloor: TARGET.vsFloor, peakRssBytes: TARGET.peakRssBytes },
        pass: { ...pass, fanout: fanout?.pass ?? null, memory: memory?.pass ?? null, all: allPass },
        ...(sweep.length ? { sweep } : {}),
        ...(fanout ? { fanout } : {}),
        ...(memory ? { memory } : {}),
        benchSeconds: round3((performance.now() - startedAll) / 1000),
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
    return opts.strict && !allPass ? 3 : 0;
  } finally {
    await proxy?.close().catch(() => undefined);
    await Promise.all(registries.map((r) => r.stop().catch(() => undefined)));
    await rm(workDir, { recursive: true, force: true });
    forgetTempDir(workDir);
  }
}

// Run only as the entry point: bench/wan imports the helpers above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.exitCode = await main();
  } catch (err) {
    process.stderr.write(`\nbench: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
