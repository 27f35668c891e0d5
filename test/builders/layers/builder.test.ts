// The layers builder against OCI layouts (base and staging): what it writes, reproducibility, the
// per-builder layer cache, and refusals.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLayersBuilder } from '../../../src/builders/layers/index.js';
import type { BuildRequest } from '../../../src/builders/backend.js';
import { buildIndex } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { tempDir } from '../../support/images.js';
import { FIXTURE_BUILD, HELLO_SH, MESSAGE, writeFixtureContext } from './fixture.js';
import { baseResolver, COMMIT_TIME, layerBytes, layersRequest, layoutStaging, listLayer, readImage, recordingStore } from './helpers.js';

const COMMIT_SECONDS = Date.parse(COMMIT_TIME) / 1000;

async function fixture(o: Parameters<typeof writeFixtureContext>[1] = {}) {
  const cwd = await tempDir('gantry-layers-ctx-');
  await writeFixtureContext(cwd, o);
  const staging = await layoutStaging(await tempDir('gantry-layers-staging-'));
  return { cwd, staging };
}

describe('layers builder', () => {
  it('builds an image on the busybox base: base layers + one layer per copy rule, config and annotations', async () => {
    const { cwd, staging } = await fixture();
    const log: string[] = [];
    const builder = createLayersBuilder({ resolveBase: baseResolver(cwd) });
    const req = layersRequest({ build: FIXTURE_BUILD, platform: 'linux/arm64', cwd, staging, log: (l) => log.push(l) });
    const result = await builder.build(req);

    expect(result).toMatchObject({ platform: 'linux/arm64', backend: 'layers', descriptor: { mediaType: MediaType.OciManifest } });
    const { manifest, config, raw } = await readImage(staging.store, result.descriptor);
    expect(manifest.layers).toHaveLength(3);
    expect(manifest.layers.every((l) => l.mediaType === MediaType.OciLayerGzip)).toBe(true);
    expect(result.compressedSize).toBe(raw.byteLength + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0));
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.base.digest': expect.stringMatching(/^sha256:/),
    });
    expect(manifest.annotations).not.toHaveProperty('org.opencontainers.image.base.name'); // a layout has no registry name
    expect(Object.keys(manifest.annotations ?? {})).toEqual(Object.keys(manifest.annotations ?? {}).sort());

    expect(config).toMatchObject({ architecture: 'arm64', os: 'linux', created: COMMIT_TIME });
    expect(Object.keys(config)).toEqual(['created', 'architecture', 'os', 'config', 'rootfs', 'history']);
    expect(config.config).toEqual({
      ExposedPorts: { '53/udp': {}, '8080/tcp': {} },
      Env: ['PATH=/bin:/app', 'GREETING=hi there'],
      Entrypoint: ['/bin/sh', '/app/hello.sh'],
      // The base's Cmd ["/bin/sh"] is dropped with a new entrypoint, as a Dockerfile ENTRYPOINT does.
      WorkingDir: '/app',
      Labels: expect.objectContaining({ 'com.acme.team': 'platform', 'org.opencontainers.image.version': '1.2.3' }),
    });
    expect(config.rootfs.diff_ids).toHaveLength(3);
    expect(config.history?.slice(1)).toEqual([
      { created: COMMIT_TIME, created_by: 'gantry layers: COPY app/ /app' },
      { created: COMMIT_TIME, created_by: 'gantry layers: COPY VERSION /etc/hello/' },
    ]);

    const app = await listLayer(await layerBytes(staging.store, manifest.layers[1]!));
    expect(app.map((e) => `${e.type} ${e.name} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.mtime}`)).toEqual([
      `directory app/ 755 0:0 ${COMMIT_SECONDS}`,
      `file app/hello.sh 755 0:0 ${COMMIT_SECONDS}`,
      `directory app/lib/ 755 0:0 ${COMMIT_SECONDS}`,
      `file app/lib/util.sh 644 0:0 ${COMMIT_SECONDS}`,
      `file app/message.txt 644 0:0 ${COMMIT_SECONDS}`,
      `symlink app/run 777 0:0 ${COMMIT_SECONDS}`,
    ]);
    expect(app.find((e) => e.name === 'app/hello.sh')?.content).toBe(HELLO_SH);
    expect(app.find((e) => e.name === 'app/message.txt')?.content).toBe(MESSAGE);
    expect(app.find((e) => e.name === 'app/run')?.linkname).toBe('hello.sh');
    expect(app.every((e) => e.uname === '' && e.gname === '' && e.pax === null)).toBe(true);
    const version = await listLayer(await layerBytes(staging.store, manifest.layers[2]!));
    expect(version.map((e) => `${e.type} ${e.name} ${e.mode.toString(8)} ${e.uid}:${e.gid}`)).toEqual([
      'directory etc/ 755 0:0',
      'directory etc/hello/ 755 0:0',
      'file etc/hello/VERSION 640 1000:1001',
    ]);
    expect(log.join('\n')).toMatch(/copy rule 1 \(app\/ → \/app\): 3 files, 123 bytes → sha256:/);
  });

  it('is reproducible: other directories, file times, permission bits and wall clock give the same digests', async () => {
    const build = async (o: Parameters<typeof writeFixtureContext>[1]) => {
      const { cwd, staging } = await fixture(o);
      const builder = createLayersBuilder({ resolveBase: baseResolver(cwd), compressConcurrency: o?.fileMode === 0o600 ? 1 : 3 });
      const out = [];
      for (const platform of ['linux/amd64', 'linux/arm64'])
        out.push(await builder.build(layersRequest({ build: FIXTURE_BUILD, platform, cwd, staging })));
      return out.map((r) => ({ ...r.descriptor, platform: { os: 'linux', architecture: r.platform.split('/')[1]! } }));
    };
    const first = await build({ mtime: 1_000_000_000, fileMode: 0o644 });
    await sleep(1100);
    const umask = process.umask(0o077);
    let second;
    try {
      second = await build({ mtime: 1_600_000_000, fileMode: 0o600 });
    } finally {
      process.umask(umask);
    }
    expect(second.map((d) => d.digest)).toEqual(first.map((d) => d.digest));
    expect(buildIndex(second).descriptor.digest).toBe(buildIndex(first).descriptor.digest);
  });

  // Guards against drift. This digest depends on: node's bundled zlib (Chromium's fork; its deflate
  // output differs from madler zlib's and from a node linked against the system zlib) at level 1 (DEFAULT_GZIP_LEVEL),
  // GZIP_MEMBER_BYTES, GZIP_MEM_LEVEL and the member coding rule of gzip.ts (this layer's one member
  // is under PROBE_MIN_BYTES: LZ77), the tar headers tar.ts writes (tar-stream 3.x's format: ustar,
  // PAX only where needed), the entry order and mode normalization of walk.ts, and the key order
  // of config.ts and manifest.ts. It may legitimately change when one of those changes on purpose
  // (a node upgrade that updates zlib, a format decision); then check the new layer with
  // `tar tvzf` and update it here, saying why in the commit.
  it('matches the committed digest of a tiny scratch image', async () => {
    const cwd = await tempDir('gantry-layers-tiny-');
    await mkdir(join(cwd, 'files', 'bin'), { recursive: true });
    await writeFile(join(cwd, 'files', 'hello.txt'), 'hello\n');
    await writeFile(join(cwd, 'files', 'bin', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const staging = await layoutStaging(await tempDir('gantry-layers-staging-'));
    const req = layersRequest({
      build: { base: 'scratch', copy: [{ from: 'files', to: '/app' }], cmd: ['/app/bin/run.sh'] },
      platform: 'linux/amd64',
      cwd,
      staging,
      commitTime: '2024-01-02T03:04:05Z',
    });
    // The plan's labels and annotations are fixed here so that only the layers builder is under test.
    const fixed = { 'org.opencontainers.image.version': '1.0.0' };
    const result = await createLayersBuilder({ resolveBase: baseResolver(cwd) }).build({
      ...req,
      plan: { ...req.plan, labels: fixed, annotations: fixed },
    });
    const { manifest, config } = await readImage(staging.store, result.descriptor);
    expect(config.rootfs.diff_ids).toEqual(['sha256:48e6ebe208fee9cd53fbcc8315896fdb615bc12919ddc835735f4a8c6998f339']);
    expect(manifest.layers[0]?.digest).toBe('sha256:2d091016bcde7b5e746d3fc4f18793af14daffdc4407cbda0e39429502bf95b2');
    expect(manifest.config.digest).toBe('sha256:202f04a646bd45075c70e0aa4690c2adf50bfae5bc7f9abee7de9925c7cfdd10');
    expect(result.descriptor.digest).toBe('sha256:a4a29979e37dd32a119ba2b52daae1cd752d341941497ce3fd999c97ecb3a6c8');
  });
});

describe('layer cache', () => {
  it('compresses a layer once for all platforms, also when they build at the same time', async () => {
    const { cwd, staging } = await fixture();
    const builder = createLayersBuilder({ resolveBase: baseResolver(cwd) });
    const req = (platform: string): BuildRequest => layersRequest({ build: FIXTURE_BUILD, platform, cwd, staging });
    const [amd, arm] = await Promise.all([builder.build(req('linux/amd64')), builder.build(req('linux/arm64'))]);
    expect(builder.stats).toMatchObject({ layersBuilt: 2, layersReused: 2 });
    const a = (await readImage(staging.store, amd.descriptor)).manifest;
    const b = (await readImage(staging.store, arm.descriptor)).manifest;
    expect(a.layers.slice(1)).toEqual(b.layers.slice(1));
    expect(a.layers[0]).not.toEqual(b.layers[0]); // the busybox layers differ per architecture
  });

  it('copies a reused layer into another staging store, and rebuilds a layer whose files changed', async () => {
    const { cwd, staging } = await fixture();
    const other = recordingStore((await layoutStaging(await tempDir('gantry-layers-staging-'))).store);
    const builder = createLayersBuilder({ resolveBase: baseResolver(cwd) });
    await builder.build(layersRequest({ build: FIXTURE_BUILD, platform: 'linux/amd64', cwd, staging }));
    const second = await builder.build(
      layersRequest({ build: FIXTURE_BUILD, platform: 'linux/arm64', cwd, staging: { kind: 'layout', path: '', store: other } }),
    );
    expect(builder.stats).toMatchObject({ layersBuilt: 2, layersReused: 2 });
    const { manifest } = await readImage(other, second.descriptor);
    for (const l of manifest.layers) expect(await other.blobExists(l)).toBe(true);

    await writeFile(join(cwd, 'app', 'message.txt'), 'changed\n');
    const third = await builder.build(layersRequest({ build: FIXTURE_BUILD, platform: 'linux/arm64', cwd, staging }));
    expect(builder.stats).toMatchObject({ layersBuilt: 3, layersReused: 3 });
    expect(third.descriptor.digest).not.toBe(second.descriptor.digest);
  });
});

describe('refusals', () => {
  it('a missing copy source fails with the rule, the path and the context, and pushes no manifest', async () => {
    const { cwd } = await fixture();
    const store = recordingStore((await layoutStaging(await tempDir('gantry-layers-staging-'))).store);
    const build = { ...FIXTURE_BUILD, copy: [FIXTURE_BUILD.copy[0], { from: 'dist/', to: '/srv' }] };
    const err = await createLayersBuilder({ resolveBase: baseResolver(cwd) })
      .build(layersRequest({ build, platform: 'linux/amd64', cwd, staging: { kind: 'layout', path: '', store } }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BUILD_FAILED',
      userError: true,
      message: expect.stringContaining(`copy rule 2: dist/ does not exist in ${cwd}`),
    });
    expect(store.manifestsPushed).toEqual([]);
  });

  it('a base without the platform names the platforms it has', async () => {
    const { cwd, staging } = await fixture();
    const err = await createLayersBuilder({ resolveBase: baseResolver(cwd) })
      .build(layersRequest({ build: FIXTURE_BUILD, platform: 'linux/s390x', platforms: ['linux/s390x'], cwd, staging }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BUILD_INPUT_INVALID',
      userError: true,
      message: expect.stringContaining('has no linux/s390x image; available: linux/amd64, linux/arm64'),
    });
  });

  it('an invalid exclude is refused before the base is even opened', async () => {
    const { cwd, staging } = await fixture();
    let opened = false;
    const resolve = baseResolver(cwd);
    const build = { ...FIXTURE_BUILD, copy: [{ from: 'app/', to: '/app', exclude: ['src/[abc].js'] }] };
    const err = await createLayersBuilder({ resolveBase: (b) => ((opened = true), resolve(b)) })
      .build(layersRequest({ build, platform: 'linux/amd64', cwd, staging }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BUILD_INPUT_INVALID',
      userError: true,
      message: expect.stringContaining('copy rule 1 (app/ → /app): invalid exclude pattern "src/[abc].js"'),
    });
    expect(opened).toBe(false);
  });

  it('a copy destination with ".." (not through gantry.yml, which refuses it) writes no layer and no manifest', async () => {
    const { cwd } = await fixture();
    const store = recordingStore((await layoutStaging(await tempDir('gantry-layers-staging-'))).store);
    const req = layersRequest({ build: FIXTURE_BUILD, platform: 'linux/amd64', cwd, staging: { kind: 'layout', path: '', store } });
    if (req.image.build.backend !== 'layers') throw new Error('expected a layers build');
    // A library caller's rule, past the config's check.
    const copy = [{ ...req.image.build.copy[0]!, to: '/../../etc/x' }];
    const err = await createLayersBuilder({ resolveBase: baseResolver(cwd) })
      .build({ ...req, image: { ...req.image, build: { ...req.image.build, copy } } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'BUILD_INPUT_INVALID',
      message: expect.stringContaining('layer entry "../": it has a ".." component'),
    });
    expect(store.manifestsPushed).toEqual([]);
  });

  it('a copy source that leaves the context through a symlink is refused', async () => {
    const { cwd, staging } = await fixture();
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc', join(cwd, 'escape'));
    const err = await createLayersBuilder({ resolveBase: baseResolver(cwd) })
      .build(layersRequest({ build: { ...FIXTURE_BUILD, copy: [{ from: 'escape', to: '/x' }] }, platform: 'linux/amd64', cwd, staging }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BUILD_INPUT_INVALID', message: expect.stringContaining('outside the build context') });
  });
});
