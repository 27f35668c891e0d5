// gantry build with the buildah backend, for real: a real registry, the busybox base image in it,
// buildah building linux/amd64 natively and linux/arm64 under QEMU user emulation, everything pushed
// by digest, and the images run with `buildah from` + `buildah run` to prove what was built.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../../src/layout/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { copyImage } from '../../src/publish/copy.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { clientFor, tempDir } from '../support/images.js';

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z',
    GIT_COMMITTER_DATE: '2024-05-01T10:00:00Z',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  return (await run('git', args, { cwd, env })).stdout.trim();
}

/** A git checkout with these files committed and tagged v1.2.3. */
async function repoWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('gantry-build-repo-');
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'remote', 'add', 'origin', 'git@github.com:acme/app.git');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'init');
  await git(dir, 'tag', 'v1.2.3');
  return dir;
}

interface Record_ {
  schema: string;
  image: string;
  platform: string;
  digest: Digest;
  size: number;
  mediaType: string;
  compressedSize: number;
  repository: string;
  backend: string;
  revision: string;
  version?: string;
  timings: { seconds: number };
}

describe('gantry build, buildah backend (real registry, buildah, QEMU)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let buildahDir: string;
  let env: Record<string, string>;
  const containers: string[] = [];

  /** buildah on the tests' own storage (the one gantry build is given). */
  const buildah = async (...args: string[]): Promise<string> =>
    (
      await run(
        'buildah',
        ['--storage-driver', 'vfs', '--root', join(buildahDir, 'root'), '--runroot', join(buildahDir, 'runroot'), ...args],
        { maxBuffer: 16 << 20 },
      )
    ).stdout.trim();

  /** Pulls the manifest by digest from the registry and runs `cmd` in it (foreign platforms under emulation). */
  const runImage = async (repository: string, digest: string, ...cmd: string[]): Promise<string> => {
    const c = await buildah('from', '--tls-verify=false', '--quiet', `docker://${reg.host}/${repository}@${digest}`);
    containers.push(c);
    return buildah('run', '--isolation', 'chroot', c, '--', ...cmd);
  };

  beforeAll(async () => {
    reg = await startRegistry();
    client = clientFor(reg);
    const base = await writeBusyboxBase(await tempDir('gantry-busybox-'), 'v1');
    await copyImage(await openLayout(base.dir), 'v1', [{ store: client.repository(reg.host, 'base'), tag: 'v1' }]);
    buildahDir = await tempDir('gantry-buildah-');
    env = { GANTRY_BUILDAH_ROOT: buildahDir, GANTRY_BUILDAH_STORAGE_DRIVER: 'vfs' };
  });

  afterAll(async () => {
    for (const c of containers) await buildah('rm', c).catch(() => undefined);
    if (buildahDir) {
      await buildah('rmi', '--all', '--force').catch(() => undefined);
      // vfs leaves read-only directories behind.
      await run('chmod', ['-R', 'u+w', buildahDir]).catch(() => undefined);
      await run('rm', ['-rf', buildahDir]).catch(() => undefined);
    }
    await client?.close();
    await reg?.stop();
  });

  const tagsOf = (repository: string) => client.repository(reg.host, repository).listTags();

  it('builds linux/amd64 and linux/arm64 (RUN under emulation), pushes both by digest only, writes the records, and both run', async () => {
    const dir = await repoWith({
      'gantry.yml': `images:\n  - name: app\n    repositories: [${reg.host}/acme/app]\n    platforms: [linux/amd64, linux/arm64]\n    build: { backend: buildah }\n`,
      Dockerfile: `FROM ${reg.host}/base:v1\nARG VERSION\nRUN echo built-$(uname -m) > /built && echo "$VERSION" > /version\nCMD ["cat", "/built"]\n`,
    });
    const r = await gantry(['build'], { cwd: dir, env });
    expectExit(r, 0);
    expect(r.stderr).toContain('linux/arm64: not native on amd64; RUN steps run under QEMU user emulation');

    const sha = await git(dir, 'rev-parse', 'HEAD');
    const files = (await readdir(join(dir, '.gantry', 'records'))).sort();
    expect(files).toEqual(['app-linux-amd64.json', 'app-linux-arm64.json']);
    const records = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(join(dir, '.gantry', 'records', f), 'utf8')) as Record_),
    );
    for (const [i, platform] of ['linux/amd64', 'linux/arm64'].entries()) {
      const rec = records[i]!;
      expect(rec).toMatchObject({
        schema: 'gantry.build.v1',
        image: 'app',
        platform,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        repository: `${reg.host}/acme/app`,
        backend: 'buildah',
        revision: sha,
        version: '1.2.3',
      });
      expect(rec.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(rec.compressedSize).toBeGreaterThan(rec.size);
      expect(rec.timings.seconds).toBeGreaterThan(0);
      expect(r.stdout).toMatch(new RegExp(`app\\s+${platform.replace('/', '\\/')}\\s+${rec.digest}\\s+[\\d.]+ [kM]B\\s+buildah`));
      // In the registry by digest, with its size, platform, the plan's labels and annotations.
      const repo = client.repository(reg.host, 'acme/app');
      const m = await repo.fetchManifest(rec.digest);
      expect(m.descriptor.size).toBe(rec.size);
      const manifest = JSON.parse(Buffer.from(m.bytes).toString()) as {
        config: { digest: Digest; size: number; mediaType: string };
        annotations: Record<string, string>;
      };
      expect(manifest.annotations).toMatchObject({ 'org.opencontainers.image.revision': sha, 'org.opencontainers.image.version': '1.2.3' });
      const chunks: Uint8Array[] = [];
      for await (const c of await repo.fetchBlob(manifest.config)) chunks.push(c);
      const config = JSON.parse(Buffer.concat(chunks).toString()) as {
        architecture: string;
        created: string;
        config: { Labels: Record<string, string> };
      };
      expect(config.architecture).toBe(platform.split('/')[1]);
      expect(config.created).toBe('2024-05-01T10:00:00Z'); // SOURCE_DATE_EPOCH = the commit time
      expect(config.config.Labels).toMatchObject({
        'org.opencontainers.image.revision': sha,
        'org.opencontainers.image.source': 'https://github.com/acme/app',
      });
    }
    // Nothing tagged: no tag in the image's repository, the base's tags untouched.
    expect(await tagsOf('acme/app')).toEqual([]);
    expect(await tagsOf('base')).toEqual(['v1']);
    // The temporary local images are gone.
    expect(await buildah('images', '--format', '{{.Name}}')).not.toContain('gantry-build-');

    expect(await runImage('acme/app', records[0]!.digest, 'cat', '/built')).toBe('built-x86_64');
    expect(await runImage('acme/app', records[1]!.digest, 'cat', '/built')).toBe('built-aarch64');
    expect(await runImage('acme/app', records[1]!.digest, 'cat', '/version')).toBe('1.2.3');
  });

  it('a per-platform Dockerfile (the worker.arm64 case), staged offline in an OCI layout with --to oci:DIR and --json', async () => {
    const dir = await repoWith({
      'gantry.yml': [
        'images:',
        '  - name: worker',
        `    repositories: [${reg.host}/acme/worker]`,
        '    platforms: [linux/amd64, linux/arm64]',
        '    build:',
        '      backend: buildah',
        '      dockerfile: Dockerfile.worker',
        '      platform:',
        '        linux/arm64: { dockerfile: Dockerfile.worker.arm64, args: { FLAVOR: arm-special } }',
        '',
      ].join('\n'),
      'Dockerfile.worker': `FROM ${reg.host}/base:v1\nRUN echo worker-generic-$(uname -m) > /built\n`,
      'Dockerfile.worker.arm64': `FROM ${reg.host}/base:v1\nARG FLAVOR\nRUN echo worker-$FLAVOR-$(uname -m) > /built\n`,
    });
    const stage = join(dir, 'stage');
    const r = await gantry(['build', '--to', 'oci:stage', '--record-dir', 'out/records', '--no-registry-check', '--json'], {
      cwd: dir,
      env,
    });
    expectExit(r, 0);
    const records = JSON.parse(r.stdout) as Record_[];
    expect(records.map((x) => [x.platform, x.repository])).toEqual([
      ['linux/amd64', `oci:${stage}`],
      ['linux/arm64', `oci:${stage}`],
    ]);
    expect(JSON.parse(await readFile(join(dir, 'out', 'records', 'worker-linux-arm64.json'), 'utf8'))).toEqual(records[1]);

    // In the layout by digest (read without gantry: the blob's bytes hash to the digest), and untagged.
    const index = JSON.parse(await readFile(join(stage, 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(index.manifests).toEqual([]);
    for (const rec of records) {
      const bytes = await readFile(join(stage, 'blobs', 'sha256', rec.digest.slice(7)));
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(rec.digest);
      expect(bytes.length).toBe(rec.size);
    }
    // Offline: nothing reached the registry.
    expect(await tagsOf('acme/worker')).toEqual([]);
    await expect(access(join(reg.rootDir, 'docker', 'registry', 'v2', 'repositories', 'acme', 'worker'))).rejects.toThrow();

    // Run them: copy by digest from the layout to the registry, then pull and run.
    const layout = await openLayout(stage);
    for (const rec of records) await copyImage(layout, rec.digest, [{ store: client.repository(reg.host, 'acme/worker-run') }]);
    expect(await runImage('acme/worker-run', records[0]!.digest, 'cat', '/built')).toBe('worker-generic-x86_64');
    expect(await runImage('acme/worker-run', records[1]!.digest, 'cat', '/built')).toBe('worker-arm-special-aarch64');
  });

  it("a failing RUN: exit 1, the failing step and the tail of buildah's output, nothing pushed, no record", async () => {
    const dir = await repoWith({
      'gantry.yml': `images:\n  - name: broken\n    repositories: [${reg.host}/acme/broken]\n    platforms: [linux/amd64]\n    build: { backend: buildah }\n`,
      Dockerfile: `FROM ${reg.host}/base:v1\nRUN echo step-one\nRUN echo about to fail && ls /nonexistent && echo never\nRUN echo never-reached\n`,
    });
    const r = await gantry(['build'], { cwd: dir, env });
    expectExit(r, 1);
    expect(r.stderr).toContain('gantry: error: build of broken linux/amd64 failed (buildah: exit 1) at STEP 3/');
    expect(r.stderr).toMatch(/: RUN echo about to fail && ls \/nonexistent && echo never\nlast \d+ lines of buildah's output:\n/);
    expect(r.stderr).toContain('  | ls: /nonexistent: No such file or directory');
    expect(r.stderr).toContain('  | Error: building at STEP "RUN echo about to fail && ls /nonexistent && echo never": exit status 1');
    expect(r.stderr).toContain('nothing was pushed under any tag, and no digest record was written for this platform');
    expect(r.stderr).not.toContain('STEP 4/4');
    expect(r.stdout).toBe('');
    expect(await tagsOf('acme/broken')).toEqual([]);
    const catalog = (await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).not.toContain('acme/broken');
    await expect(access(join(dir, '.gantry', 'records'))).rejects.toThrow();
  });
});
