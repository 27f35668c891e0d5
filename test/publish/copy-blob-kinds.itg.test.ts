// An image manifest whose layer descriptor carries an index media type (issue 11, finding 7): the
// copy took the layer for a child manifest, skipped the blob, and tagged the image at the
// destination without it. A config or layer is a blob, never a manifest: such a manifest is
// MANIFEST_INVALID, refused before anything is transferred or tagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../../src/layout/index.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { ManifestBytes, Store } from '../../src/oci/store.js';
import { copyImage } from '../../src/publish/copy.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { clientFor, tempDir } from '../support/images.js';

interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

function blob(mediaType: string, content: unknown): Blob {
  const bytes = Buffer.from(typeof content === 'string' ? content : JSON.stringify(content));
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length }, bytes };
}

// An index, stored as a plain blob too: the registry accepts a manifest only when every
// descriptor it names is a blob of the repository, whatever its media type.
const innerIndex = blob(MediaType.OciIndex, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });
const config = blob(MediaType.OciConfig, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const layer = blob(MediaType.OciLayer, 'not really a tar, but a blob all the same');
const hostile: ManifestBytes = (() => {
  const m = blob(MediaType.OciManifest, {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: config.descriptor,
    layers: [layer.descriptor, innerIndex.descriptor],
  });
  return { descriptor: m.descriptor, bytes: m.bytes };
})();

/** Writes the hostile image into `store` under `tag`: its blobs (the index as a blob), then the manifest. */
async function seed(store: Store, tag: string): Promise<void> {
  for (const b of [config, layer, innerIndex]) await store.pushBlob(b.descriptor, b.bytes);
  await store.pushManifest(hostile, tag);
}

describe('copy of an image manifest whose layer has an index media type', () => {
  let reg: TestRegistry;
  let client: RegistryClient;

  beforeAll(async () => {
    reg = await startRegistry();
    client = clientFor(reg);
    await seed(client.repository(reg.host, 'src/hostile'), 'v1');
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
  });

  it('registry → layout: refused as MANIFEST_INVALID; the layout gets no tag and no blob', async () => {
    const dst = await openLayout(await tempDir('gantry-hostile-'), { create: true });
    const err = await copyImage(client.repository(reg.host, 'src/hostile'), 'v1', [{ store: dst, tag: 'v1' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('layers[1].mediaType') });
    expect(await dst.listTags()).toEqual([]);
    expect(await dst.blobExists(layer.descriptor)).toBe(false);
    expect(await dst.blobExists(innerIndex.descriptor)).toBe(false);
  });

  it('layout → registry: refused as MANIFEST_INVALID before any blob is pushed; the repository gets no tag', async () => {
    const src = await openLayout(await tempDir('gantry-hostile-'), { create: true });
    await seed(src, 'v1');
    const dst = client.repository(reg.host, 'dst/hostile');
    const err = await copyImage(src, 'v1', [{ store: dst, tag: 'v1' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('a layer is a blob, never a manifest') });
    expect(await dst.listTags()).toEqual([]);
    expect(await dst.blobExists(layer.descriptor)).toBe(false);
  });

  it('inside an index: the platform manifest is refused too, and the index is not tagged', async () => {
    const src = client.repository(reg.host, 'src/hostile');
    const index = blob(MediaType.OciIndex, {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [{ ...hostile.descriptor, platform: { os: 'linux', architecture: 'amd64' } }],
    });
    await src.pushManifest(index, 'multi');
    const dst = await openLayout(await tempDir('gantry-hostile-'), { create: true });
    await expect(copyImage(src, 'multi', [{ store: dst, tag: 'multi' }])).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    expect(await dst.listTags()).toEqual([]);
  });
});
