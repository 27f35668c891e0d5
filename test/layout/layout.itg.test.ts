import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout, type LayoutStore } from '../../src/layout/index.js';
import { digestOf } from '../../src/oci/digest.js';
import type { ManifestBytes } from '../../src/oci/store.js';
import { collect, makeIndex, pushImageBlobs, rawTool, tool, withTempDirs, type TestImage } from './helpers.js';

// Real-tool interop (STYLE R11): layouts gantry writes are read by skopeo and umoci, and
// layouts skopeo writes are read by gantry.
describe('OCI layout interop with skopeo and umoci', () => {
  let dirs: Awaited<ReturnType<typeof withTempDirs>>;
  let src: string;
  let store: LayoutStore;
  let amd64: TestImage;
  let arm64: TestImage;
  let index: ManifestBytes;

  beforeAll(async () => {
    dirs = await withTempDirs();
    src = dirs.path('src');
    store = await openLayout(src, { create: true });
    amd64 = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { 'hello.txt': 'hello from amd64\n' });
    arm64 = await pushImageBlobs(store, { os: 'linux', architecture: 'arm64', variant: 'v8' }, { 'hello.txt': 'hello from arm64\n' });
    await store.pushManifest(amd64.manifest);
    await store.pushManifest(arm64.manifest);
    index = makeIndex([amd64.manifest.descriptor, arm64.manifest.descriptor]);
    await store.pushManifest(index, 'v1');
    await store.pushManifest(amd64.manifest, 'amd64');
  });
  afterAll(() => dirs.cleanup());

  it('writes oci-layout and a compact index.json shaped like skopeo’s', async () => {
    expect(await readFile(join(src, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
    const text = await readFile(join(src, 'index.json'), 'utf8');
    const { descriptor: d } = index;
    const a = amd64.manifest.descriptor;
    expect(text).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[' +
        `{"mediaType":"${d.mediaType}","digest":"${d.digest}","size":${d.size},"annotations":{"org.opencontainers.image.ref.name":"v1"}},` +
        `{"mediaType":"${a.mediaType}","digest":"${a.digest}","size":${a.size},"annotations":{"org.opencontainers.image.ref.name":"amd64"},` +
        '"platform":{"os":"linux","architecture":"amd64"}}]}',
    );
  });

  it('skopeo inspect --raw returns exactly the index bytes', async () => {
    const raw = await rawTool('skopeo', ['inspect', '--raw', `oci:${src}:v1`]);
    expect(digestOf(raw)).toBe(index.descriptor.digest);
    expect(raw.equals(Buffer.from(index.bytes))).toBe(true);
  });

  it('skopeo copy --all copies the multi-arch image to another layout', async () => {
    const other = dirs.path('other');
    await tool('skopeo', ['copy', '--all', `oci:${src}:v1`, `oci:${other}:v1`]);
    const raw = await rawTool('skopeo', ['inspect', '--raw', `oci:${other}:v1`]);
    expect(digestOf(raw)).toBe(index.descriptor.digest);
  });

  it('umoci lists the tags and unpacks the single-platform image', async () => {
    const { stdout } = await tool('umoci', ['ls', '--layout', src]);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['amd64', 'v1']);
    const bundle = dirs.path('bundle');
    await tool('umoci', ['unpack', '--rootless', '--image', `${src}:amd64`, bundle]);
    expect(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8')).toBe('hello from amd64\n');
  });

  it('reads a layout written by skopeo copy', async () => {
    const copied = dirs.path('copied');
    await tool('skopeo', ['copy', '--all', `oci:${src}:v1`, `oci:${copied}:tagx`]);
    // skopeo 1.9's own shape: no top-level mediaType.
    const skopeoIndex = await readFile(join(copied, 'index.json'), 'utf8');
    expect(skopeoIndex).toMatch(/^\{"schemaVersion":2,"manifests":\[\{"mediaType":/);

    const layout = await openLayout(copied);
    const desc = await layout.resolve('tagx');
    expect(desc.digest).toBe(index.descriptor.digest);
    expect(await layout.listTags()).toEqual(['tagx']);
    const fetched = await layout.fetchManifest('tagx');
    expect(Buffer.from(fetched.bytes).equals(Buffer.from(index.bytes))).toBe(true);
    const child = await layout.resolve(arm64.manifest.descriptor.digest);
    expect(child).toMatchObject({ mediaType: arm64.manifest.descriptor.mediaType, size: arm64.manifest.descriptor.size });
    const blob = await collect(await layout.fetchBlob(arm64.layer));
    expect(digestOf(blob)).toBe(arm64.layer.digest);

    // Adding a tag keeps skopeo's entries and top-level shape, and skopeo still reads both tags.
    await layout.pushManifest(amd64.manifest, 'amd64');
    const updated = await readFile(join(copied, 'index.json'), 'utf8');
    expect(updated.startsWith(skopeoIndex.slice(0, -2))).toBe(true);
    expect(updated).not.toContain('"schemaVersion":2,"mediaType"');
    expect(digestOf(await rawTool('skopeo', ['inspect', '--raw', `oci:${copied}:amd64`]))).toBe(amd64.manifest.descriptor.digest);
    expect(digestOf(await rawTool('skopeo', ['inspect', '--raw', `oci:${copied}:tagx`]))).toBe(index.descriptor.digest);
  });
});
