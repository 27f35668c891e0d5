// A layout takes a manifest only after everything it names, as a registry does: a tag never
// points at an image with a blob missing (issue 11, finding 7).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLayout, type LayoutStore } from '../../src/layout/index.js';
import { MediaType } from '../../src/oci/media-types.js';
import { descriptorOf, jsonBytes, makeIndex, pushImageBlobs, withTempDirs } from './helpers.js';

let dirs: Awaited<ReturnType<typeof withTempDirs>>;
let store: LayoutStore;

beforeEach(async () => {
  dirs = await withTempDirs();
  store = await openLayout(dirs.path('layout'), { create: true });
});
afterEach(() => dirs.cleanup());

describe('pushManifest refuses a manifest whose content is not in the layout', () => {
  it('a missing config and layer: nothing is written, no tag', async () => {
    const other = await openLayout(dirs.path('other'), { create: true });
    const img = await pushImageBlobs(other, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    const err = await store.pushManifest(img.manifest, 'v1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toContain(`config ${img.config.digest}`);
    expect((err as Error).message).toContain(`layers[0] ${img.layer.digest}`);
    expect((err as Error).message).toContain('push the blobs and child manifests before the manifest');
    expect(await store.listTags()).toEqual([]);
    expect(await store.blobExists(img.manifest.descriptor)).toBe(false);
  });

  it('an index whose child manifest is missing', async () => {
    const img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { a: 'a' });
    const index = makeIndex([img.manifest.descriptor]);
    await expect(store.pushManifest(index, 'v1')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('manifests[0]'),
    });
    await store.pushManifest(img.manifest);
    await store.pushManifest(index, 'v1');
    expect(await store.listTags()).toEqual(['v1']);
  });

  it('a foreign layer (with urls) need not be present', async () => {
    const empty = Buffer.from('{}');
    const emptyDesc = descriptorOf(MediaType.OciEmpty, empty);
    await store.pushBlob(emptyDesc, empty);
    const foreign = {
      mediaType: MediaType.DockerForeignLayerGzip,
      digest: `sha256:${'f'.repeat(64)}`,
      size: 10,
      urls: ['https://example.com/layer'],
    };
    const bytes = jsonBytes({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: emptyDesc, layers: [foreign] });
    await store.pushManifest({ descriptor: descriptorOf(MediaType.OciManifest, bytes), bytes }, 'v1');
    expect(await store.listTags()).toEqual(['v1']);
  });

  it('a layer descriptor without a valid digest is MANIFEST_INVALID', async () => {
    const bytes = jsonBytes({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: 'x', digest: 'sha256:nope', size: 1 },
      layers: [],
    });
    await expect(store.pushManifest({ descriptor: descriptorOf(MediaType.OciManifest, bytes), bytes })).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
  });
});
