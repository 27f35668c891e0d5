// `gantry copy SRC oci:DIR:bad tag` created DIR and then failed (issue 11, finding 7): every
// destination's tag is checked before any store is opened, so a refusal leaves nothing behind.
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyImages } from '../../src/release/images.js';
import { fixtureImage, tempDir } from '../support/images.js';

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

describe('copyImages checks destination tags before creating anything', () => {
  let src: string;
  let work: string;

  beforeAll(async () => {
    const img = await fixtureImage({ layers: 1, layerBytes: 1024, platforms: ['linux/amd64'] });
    src = img.dir;
    work = await tempDir('gantry-copy-dst-');
    // skopeo may write ref.names such as "team/app", which are no tags; gantry reads them.
    const indexPath = join(src, 'index.json');
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
    index.manifests.push({ ...index.manifests[0]!, annotations: { 'org.opencontainers.image.ref.name': 'team/app' } });
    await writeFile(indexPath, JSON.stringify(index));
  });

  it('oci:DIR:bad tag is refused, and DIR is not created', async () => {
    const dir = join(work, 'bad-tag');
    const err = await copyImages(`oci:${src}:v1`, [`oci:${dir}:bad tag`], { env: {} }).catch((e: unknown) => e);
    expect(await exists(dir)).toBe(false);
    expect(err).toMatchObject({ code: 'REFERENCE_INVALID', userError: true });
    expect((err as Error).message).toContain(`oci:${dir}:bad tag: invalid tag "bad tag" for an OCI image layout`);
  });

  it('one bad destination among several: none is created or written', async () => {
    const good = join(work, 'good');
    const bad = join(work, 'bad');
    await expect(copyImages(`oci:${src}:v1`, [`oci:${good}:v1`, `oci:${bad}:-v1`], { env: {} })).rejects.toMatchObject({
      code: 'REFERENCE_INVALID',
    });
    expect(await exists(good)).toBe(false);
    expect(await exists(bad)).toBe(false);
  });

  it('a tag taken from the source that a layout cannot hold is refused too, saying where it came from', async () => {
    const dir = join(work, 'derived');
    const err = await copyImages(`oci:${src}:team/app`, [`oci:${dir}`], { env: {} }).catch((e: unknown) => e);
    expect(await exists(dir)).toBe(false);
    expect(err).toMatchObject({
      code: 'REFERENCE_INVALID',
      message: expect.stringContaining(`oci:${dir} (the tag of the source; name another as oci:${dir}:TAG): invalid tag "team/app"`),
    });
  });

  it('a tag taken from a layout source that is no registry tag is refused before any request', async () => {
    // Port 1 on loopback: nothing listens, so a request would fail with another code.
    const err = await copyImages(`oci:${src}:team/app`, ['127.0.0.1:1/acme/app'], { env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REFERENCE_INVALID', message: expect.stringContaining('invalid tag "team/app" for a registry') });
  });

  it('a valid tag still creates the layout and copies', async () => {
    const dir = join(work, 'ok');
    const r = await copyImages(`oci:${src}:v1`, [`oci:${dir}:release-1`], { env: {} });
    expect(r.descriptor.digest).toMatch(/^sha256:/);
    expect(await exists(join(dir, 'oci-layout'))).toBe(true);
  });
});
