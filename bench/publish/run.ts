/**
 * bench/publish: `gantry publish --records` vs `buildah manifest create/add/push --all`, doing the
 * same work in the same run (issue 5, "Done when", last bullet): fan-in of 2 images × 2 platforms
 * (linux/amd64, linux/arm64; 3 layers of ~5 MB each), already pushed by digest to a staging registry
 * S, published as one index per image to 2 registries with 5 tags each.
 *
 *   node --import tsx bench/publish/run.ts [--rounds N]
 *
 * Per round, the two target registries R1, R2 are fresh (new ports, so no blob-info cache of an
 * earlier round can turn uploads into mounts), and each tool publishes into its own repositories:
 *  - gantry: one `node dist/cli/main.js publish --records DIR --version 1.2.3 --no-registry-check`
 *    process (node start-up counted), gantry.yml listing [R1/acme/<img>-gantry-<round>, R2/…] and
 *    five raw tags t1…t5.
 *  - buildah: fresh storage root (vfs); per image `manifest create`, `manifest add` of both platform
 *    manifests from S by digest, `manifest push --all` to each registry and tag (10 pushes per
 *    image), `manifest rm`.
 * Ratio = gantry time / buildah time; the median over rounds is compared with the target ≤ 0.5.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { RegistryClient } from '../../src/registry/client.js';
import { removeOnExit, forgetTempDir } from '../../test/harness/children.js';
import { writeTestImageLayout } from '../../test/harness/fixtures.js';
import { startRegistry, type TestRegistry } from '../../test/harness/registry.js';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const IMAGES = ['api', 'worker'] as const;
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const TAGS = ['t1', 't2', 't3', 't4', 't5'];
const TARGET_RATIO = 0.5;
const LAYER_BYTES = 5 * 1024 * 1024;

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function parseArgs(argv: readonly string[]): { rounds: number } {
  let rounds = 3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rounds') {
      rounds = Number(argv[++i]);
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds wants a whole number ≥ 1');
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node --import tsx bench/publish/run.ts [--rounds N]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return { rounds };
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV } })
    .toString()
    .trim();

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  removeOnExit(d);
  return d;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** The fields of a manifest (or index) the checks below read; the rest is not looked at. */
interface RawManifest {
  mediaType?: string;
  manifests?: { digest: string; platform?: { os: string; architecture: string } }[];
}

async function skopeoRaw(ref: string): Promise<RawManifest> {
  const { stdout } = await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as RawManifest;
}

/** Every tag of the repository reads as an index of exactly the expected platform digests. */
async function verify(what: string, repo: string, digests: readonly string[]): Promise<string> {
  let first = '';
  for (const tag of TAGS) {
    const raw = await skopeoRaw(`${repo}:${tag}`);
    const got = (raw.manifests ?? []).map((m) => m.digest).sort();
    if (!raw.mediaType?.includes('index') && !raw.mediaType?.includes('manifest.list'))
      throw new Error(`${what} ${repo}:${tag}: not an index (${raw.mediaType})`);
    if (JSON.stringify(got) !== JSON.stringify([...digests].sort()))
      throw new Error(`${what} ${repo}:${tag}: platforms ${got.join(', ')}, expected ${digests.join(', ')}`);
    const d = (await exec('skopeo', ['inspect', '--format', '{{.Digest}}', '--tls-verify=false', `docker://${repo}:${tag}`])).stdout.trim();
    if (first && d !== first) throw new Error(`${what} ${repo}: tags point at different digests`);
    first ||= d;
  }
  return `${what} ${repo}: ${TAGS.length} tags → ${first.slice(0, 19)}…, ${digests.length} platforms ok`;
}

async function main(): Promise<void> {
  const { rounds } = parseArgs(process.argv.slice(2));
  const env = { ...process.env, PATH: `${join(ROOT, '.tools/node/bin')}:${process.env.PATH ?? ''}` };
  log('building dist/ (tsc)…');
  await exec(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT, env });

  const regs: TestRegistry[] = [];
  const work = await tempDir('gantry-bench-publish-');
  try {
    const S = await startRegistry();
    regs.push(S);
    // The temp git repo: gantry.yml is ignored (rewritten per round) so HEAD stays clean and fixed.
    const repo = join(work, 'repo');
    await mkdir(repo);
    git(repo, 'init', '-q', '-b', 'main');
    await writeFile(join(repo, '.gitignore'), 'gantry.yml\n');
    await writeFile(join(repo, 'README.md'), 'bench\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'bench');
    const revision = git(repo, 'rev-parse', 'HEAD');

    // Fixtures, pushed to S by platform digest, and the digest records.
    const records = join(work, 'records');
    await mkdir(records);
    const client = new RegistryClient({});
    const platformDigests: Record<string, string[]> = {};
    try {
      for (const img of IMAGES) {
        log(`fixture ${img}: ${PLATFORMS.length} platforms × 3 layers × ${LAYER_BYTES >> 20} MiB`);
        const layout = await writeTestImageLayout(join(work, `fixture-${img}`), {
          tag: 'latest',
          platforms: PLATFORMS,
          layers: 3,
          layerBytes: LAYER_BYTES,
          seed: `bench-${img}`,
        });
        const store = await openLayout(layout.dir);
        platformDigests[img] = [];
        for (const m of layout.manifests) {
          await copyImage(store, m.digest, [{ store: client.repository(S.host, `acme/${img}`) }]);
          platformDigests[img].push(m.digest);
          const compressedSize = m.config.size + m.layers.reduce((a, l) => a + l.size, 0);
          await writeFile(
            join(records, `${img}-${m.platform.replaceAll('/', '-')}.json`),
            JSON.stringify({
              schema: 'gantry.build.v1',
              image: img,
              platform: m.platform,
              digest: m.digest,
              size: m.size,
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              repository: `${S.host}/acme/${img}`,
              revision,
              compressedSize,
              backend: 'bench',
              timings: {},
            }),
          );
        }
      }
    } finally {
      await client.close?.();
    }

    const rows: { round: number; gantry: number; buildah: number; ratio: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const [R1, R2] = await Promise.all([startRegistry(), startRegistry()]);
      regs.push(R1, R2);
      const targets = [R1, R2];
      await writeFile(
        join(repo, 'gantry.yml'),
        [
          'images:',
          ...IMAGES.flatMap((img) => [
            `  - name: ${img}`,
            `    repositories: [${targets.map((r) => `${r.host}/acme/${img}-gantry-${round}`).join(', ')}]`,
            `    platforms: [${PLATFORMS.join(', ')}]`,
            '    tags: |',
            ...TAGS.map((t) => `      type=raw,value=${t}`),
          ]),
          '',
        ].join('\n'),
      );
      const gantry = async (): Promise<void> => {
        await exec(
          process.execPath,
          [join(ROOT, 'dist/cli/main.js'), 'publish', '--records', records, '--version', '1.2.3', '--no-registry-check'],
          { cwd: repo, env, maxBuffer: 16 << 20 },
        ).catch((e: { stdout?: string; stderr?: string; message: string }) => {
          throw new Error(`gantry publish failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
        });
      };
      const bdir = await tempDir('gantry-bench-buildah-');
      const buildah = async (): Promise<void> => {
        const g = ['--root', join(bdir, 'root'), '--runroot', join(bdir, 'runroot'), '--storage-driver', 'vfs'];
        const b = (...args: string[]) =>
          exec('buildah', [...g, ...args], { maxBuffer: 16 << 20 }).catch((e: { stderr?: string; message: string }) => {
            throw new Error(`buildah ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
          });
        for (const img of IMAGES) {
          const list = `bench-${img}-${round}`;
          await b('manifest', 'create', list);
          for (const d of platformDigests[img]!)
            await b('manifest', 'add', '--tls-verify=false', list, `docker://${S.host}/acme/${img}@${d}`);
          for (const r of targets)
            for (const t of TAGS)
              await b('manifest', 'push', '--all', '--tls-verify=false', list, `docker://${r.host}/acme/${img}-buildah-${round}:${t}`);
          await b('manifest', 'rm', list);
        }
      };
      // Alternate which goes first.
      let tg = 0;
      let tb = 0;
      if (round % 2 === 1) {
        tg = await timed(gantry);
        tb = await timed(buildah);
      } else {
        tb = await timed(buildah);
        tg = await timed(gantry);
      }
      const row = { round, gantry: tg, buildah: tb, ratio: tg / tb };
      rows.push(row);
      log(`round ${round}: gantry ${tg.toFixed(2)} s, buildah ${tb.toFixed(2)} s, ratio ${row.ratio.toFixed(3)}`);
      if (round === 1) {
        for (const img of IMAGES) {
          for (const r of targets) {
            log(await verify('gantry ', `${r.host}/acme/${img}-gantry-${round}`, platformDigests[img]!));
            log(await verify('buildah', `${r.host}/acme/${img}-buildah-${round}`, platformDigests[img]!));
          }
        }
      }
      await rm(bdir, { recursive: true, force: true });
      forgetTempDir(bdir);
      await Promise.all([R1.stop(), R2.stop()]);
    }

    const mg = median(rows.map((r) => r.gantry));
    const mb = median(rows.map((r) => r.buildah));
    const mr = median(rows.map((r) => r.ratio));
    const pass = mr <= TARGET_RATIO;
    const out: string[] = [];
    out.push(
      `publish: ${IMAGES.length} images × ${PLATFORMS.length} platforms (3 layers × ${LAYER_BYTES >> 20} MiB) → 2 registries × ${TAGS.length} tags`,
    );
    out.push('round  gantry (s)  buildah (s)  ratio');
    for (const r of rows)
      out.push(
        `${String(r.round).padStart(5)}  ${r.gantry.toFixed(2).padStart(10)}  ${r.buildah.toFixed(2).padStart(11)}  ${r.ratio.toFixed(3)}`,
      );
    out.push(`median ${mg.toFixed(2).padStart(10)}  ${mb.toFixed(2).padStart(11)}  ${mr.toFixed(3)}`);
    out.push(`target: ratio ≤ ${TARGET_RATIO} (gantry ≥ 2x faster): ${pass ? 'PASS' : 'FAIL'}`);
    out.push(
      JSON.stringify({ bench: 'publish', rounds: rows, median: { gantry: mg, buildah: mb, ratio: mr }, target: TARGET_RATIO, pass }),
    );
    process.stdout.write(`${out.join('\n')}\n`);
    if (!pass) process.exitCode = 1;
  } finally {
    await Promise.all(regs.map((r) => r.stop()));
    await rm(work, { recursive: true, force: true });
    forgetTempDir(work);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
