// The layers builder end to end: the busybox base from an OCI layout and from a real registry,
// linux/amd64 + linux/arm64 pushed by digest to a real registry (CNCF distribution), each image
// run with buildah (arm64 under QEMU), and unpacked with umoci. A layer whose gzip members are
// coded all three ways (LZ77, Huffman only, stored) is read back by Go's gzip (umoci, buildah) and
// GNU gzip.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCoding } from '../../../src/builders/layers/gzip.js';
import { createLayersBuilder, GZIP_MEMBER_BYTES } from '../../../src/builders/layers/index.js';
import { tarMtime, tarPieces } from '../../../src/builders/layers/tar.js';
import { walkCopyRule } from '../../../src/builders/layers/walk.js';
import type { StagingTarget } from '../../../src/builders/backend.js';
import { openLayout } from '../../../src/layout/index.js';
import { buildIndex } from '../../../src/oci/manifest.js';
import { copyImage } from '../../../src/publish/copy.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { startRegistry, type TestRegistry } from '../../harness/registry.js';
import { clientFor, tempDir } from '../../support/images.js';
import { assertArm64Emulation, createBuildah } from './buildah-run.js';
import { FIXTURE_BUILD, MESSAGE, writeFixtureContext } from './fixture.js';
import { baseResolver, layersRequest, readImage, run } from './helpers.js';

/** rootlesscontainers.proto `Resource {uint32 uid = 1; uint32 gid = 2;}` (https://rootlesscontaine.rs/proposals/shadow/). */
function decodeRootlessOwner(b: Buffer): string {
  const fields: Record<number, number> = {};
  for (let i = 0; i < b.length;) {
    const key = b[i++]!;
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = b[i++]!;
      v += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    fields[key >> 3] = v;
  }
  return `${fields[1] ?? 0}:${fields[2] ?? 0}`;
}

let reg: TestRegistry;
let client: RegistryClient;

beforeAll(async () => {
  reg = await startRegistry();
  client = clientFor(reg);
});
afterAll(async () => {
  await client?.close();
  await reg?.stop();
});

function registryStaging(repository: string): StagingTarget {
  return { kind: 'registry', repository: `${reg.host}/${repository}`, store: client.repository(reg.host, repository), insecure: true };
}

describe.each(['layout', 'registry'] as const)('layers on the busybox base from a %s', (baseKind) => {
  it('builds linux/amd64 and linux/arm64, pushes them by digest, and both run', async () => {
    assertArm64Emulation();
    const cwd = await tempDir('gantry-layers-itg-');
    await writeFixtureContext(cwd);
    let base: string = FIXTURE_BUILD.base;
    if (baseKind === 'registry') {
      await copyImage(await openLayout(join(cwd, 'base')), 'latest', [{ store: client.repository(reg.host, 'base/busybox'), tag: '1.36' }]);
      base = `${reg.host}/base/busybox:1.36`;
    }
    const repo = `hello-${baseKind}`;
    const staging = registryStaging(repo);
    const builder = createLayersBuilder({ resolveBase: baseResolver(cwd, client) });
    const results = await Promise.all(
      ['linux/amd64', 'linux/arm64'].map((platform) =>
        builder.build(layersRequest({ build: { ...FIXTURE_BUILD, base }, platform, cwd, staging })),
      ),
    );
    expect(builder.stats).toMatchObject({ layersBuilt: 2, layersReused: 2 });
    // By digest only: the staging repository has no tags.
    expect(await staging.store.listTags().catch(() => [])).toEqual([]);
    for (const r of results) {
      const { manifest } = await readImage(staging.store, r.descriptor);
      expect(manifest.annotations?.['org.opencontainers.image.base.digest']).toMatch(/^sha256:/);
      if (baseKind === 'registry') expect(manifest.annotations?.['org.opencontainers.image.base.name']).toBe(base);
    }

    const buildah = await createBuildah();
    try {
      for (const [r, machine] of [
        [results[0]!, 'x86_64'],
        [results[1]!, 'aarch64'],
      ] as const) {
        const out = await buildah.runImage(`${reg.host}/${repo}@${r.descriptor.digest}`, ['/bin/sh', '/app/hello.sh']);
        expect(out).toBe(`hello from ${machine}, hi there\n${MESSAGE}`);
      }
    } finally {
      await buildah.close();
    }

    // skopeo, an independent reader, agrees on the index gantry publish would make of the two.
    const index = buildIndex(results.map((r) => ({ ...r.descriptor, platform: { os: 'linux', architecture: r.platform.split('/')[1]! } })));
    await staging.store.pushManifest(index, 'candidate');
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/${repo}:candidate`]);
    expect(JSON.parse(stdout)).toEqual(index.index);
    await run('skopeo', [
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${reg.host}/${repo}:candidate`,
      `oci:${await tempDir('gantry-layers-skopeo-')}:x`,
    ]);
  });
});

describe('umoci', () => {
  it('unpacks the amd64 image with the files, modes and owners of the copy rules', async () => {
    const cwd = await tempDir('gantry-layers-umoci-');
    await writeFixtureContext(cwd);
    const staging = registryStaging('hello-umoci');
    const r = await createLayersBuilder({ resolveBase: baseResolver(cwd) }).build(
      layersRequest({ build: FIXTURE_BUILD, platform: 'linux/amd64', cwd, staging }),
    );
    const layout = await tempDir('gantry-layers-umoci-layout-');
    await copyImage(staging.store, r.descriptor.digest, [{ store: await openLayout(layout, { create: true }), tag: 'amd64' }]);
    const bundle = join(await tempDir('gantry-layers-bundle-'), 'bundle');
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:amd64`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    const mode = async (p: string) => ((await lstat(join(rootfs, p))).mode & 0o7777).toString(8);
    expect(await mode('app')).toBe('755');
    expect(await mode('app/hello.sh')).toBe('755');
    expect(await mode('app/message.txt')).toBe('644');
    expect(await mode('etc/hello/VERSION')).toBe('640');
    expect(await readlink(join(rootfs, 'app/run'))).toBe('hello.sh');
    expect(await readFile(join(rootfs, 'app/message.txt'), 'utf8')).toBe(MESSAGE);
    await expect(lstat(join(rootfs, 'app/app.js.map'))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(rootfs, 'app/tmp'))).rejects.toThrow(/ENOENT/);
    // Rootless unpacking owns every file itself and records the image's owner, when it is not
    // root, in the user.rootlesscontainers xattr (a protobuf {1: uid, 2: gid}), listed in the mtree.
    const mtree = (await run('sh', ['-c', `cat ${bundle}/*.mtree`])).stdout;
    const owner = (name: string) => {
      const line = mtree.split('\n').find((l) => l.trim().startsWith(`${name} `));
      expect(line).toBeDefined();
      const xattr = /xattr\.user\.rootlesscontainers=(\S+)/.exec(line ?? '')?.[1];
      return xattr === undefined ? 'root' : decodeRootlessOwner(Buffer.from(xattr, 'base64'));
    };
    expect(owner('VERSION')).toBe('1000:1001');
    expect(owner('hello.sh')).toBe('root');
    const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
      process: { args: string[]; cwd: string; env: string[] };
    };
    expect(config.process).toMatchObject({
      args: ['/bin/sh', '/app/hello.sh'],
      cwd: '/app',
      env: expect.arrayContaining(['GREETING=hi there']),
    });
  });
});

describe('gzip members coded three ways', () => {
  it('LZ77, Huffman-only and stored members are read by umoci, buildah (Go) and GNU gzip', async () => {
    const cwd = await tempDir('gantry-layers-codings-');
    await writeFixtureContext(cwd);
    const MiB = 1024 * 1024;
    const words = 'const let function return import export from await async class value result'.split(' ');
    const r = randomBytes(8 * MiB);
    let text = '';
    for (let i = 0; text.length < 8 * MiB; i++) text += `${words[r[i]! % words.length]!}${r[i]! % 7 === 0 ? ';\n' : ' '}`;
    const files: Record<string, Buffer> = {
      'nibbles.bin': Buffer.from(randomBytes(9 * MiB).map((b) => b & 0x0f)), // Huffman only
      'random.bin': randomBytes(9 * MiB), // stored
      'text.txt': Buffer.from(text.slice(0, 8 * MiB)), // LZ77
    };
    await mkdir(join(cwd, 'data'));
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(cwd, 'data', name), bytes);
    const build = { base: FIXTURE_BUILD.base, copy: [{ from: 'data', to: '/data' }] };

    // The layer really has members of each coding.
    const walked = await walkCopyRule(0, { from: 'data', to: '/data', exclude: [] }, cwd);
    const codings = new Set<string>();
    for await (const piece of tarPieces(walked.entries, tarMtime(0), { pieceSize: GZIP_MEMBER_BYTES }))
      codings.add(await chooseCoding(piece, 1));
    expect([...codings].sort()).toEqual(['huffman', 'lz77', 'stored']);

    const staging = registryStaging('codings');
    const result = await createLayersBuilder({ resolveBase: baseResolver(cwd) }).build(
      layersRequest({ build, platform: 'linux/amd64', cwd, staging }),
    );
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
    const want = Object.entries(files).map(([name, bytes]) => `${sha(bytes)}  /data/${name}`);

    // GNU gzip: every member, and the tar it gives is the diffID.
    const layout = await tempDir('gantry-layers-codings-layout-');
    await copyImage(staging.store, result.descriptor.digest, [{ store: await openLayout(layout, { create: true }), tag: 'amd64' }]);
    const { manifest, config } = await readImage(staging.store, result.descriptor);
    const top = manifest.layers.at(-1)!;
    const blobPath = join(layout, 'blobs', 'sha256', top.digest.slice('sha256:'.length));
    const gunzipped = await run('sh', ['-c', `gzip -dc < '${blobPath}' | sha256sum`]);
    expect(`sha256:${gunzipped.stdout.split(' ')[0]}`).toBe(config.rootfs.diff_ids.at(-1));

    // umoci (Go's gzip) unpacks the same files.
    const bundle = join(await tempDir('gantry-layers-codings-bundle-'), 'bundle');
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:amd64`, bundle]);
    for (const [name, bytes] of Object.entries(files)) expect(sha(await readFile(join(bundle, 'rootfs', 'data', name)))).toBe(sha(bytes));

    // buildah (containers/storage) pulls the image from the registry and runs busybox's sha256sum in it.
    const buildah = await createBuildah();
    try {
      const out = await buildah.runImage(`${reg.host}/codings@${result.descriptor.digest}`, [
        '/bin/busybox',
        'sha256sum',
        ...Object.keys(files).map((n) => `/data/${n}`),
      ]);
      expect(out.trim().split('\n')).toEqual(want);
    } finally {
      await buildah.close();
    }
  });
});
