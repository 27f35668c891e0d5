// A layout is often someone else's directory: gantry never follows a symlink inside it, and never
// opens a FIFO or a device where a blob, index.json or oci-layout belongs (issue 11, finding 7).
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLayout, type LayoutStore } from '../../src/layout/index.js';
import { digestHex, parseDigest } from '../../src/oci/digest.js';
import { copyImage } from '../../src/publish/copy.js';
import { collect, pushImageBlobs, withTempDirs, type TestImage } from './helpers.js';

let dirs: Awaited<ReturnType<typeof withTempDirs>>;
let dir: string;
let store: LayoutStore;
let img: TestImage;
/** A file outside the layout that a hostile layout points at (stands for /etc/shadow). */
let secret: string;

const blobFile = (root: string, digest: string): string => join(root, 'blobs', 'sha256', digestHex(parseDigest(digest)));

beforeEach(async () => {
  dirs = await withTempDirs();
  dir = dirs.path('layout');
  store = await openLayout(dir, { create: true });
  img = await pushImageBlobs(store, { os: 'linux', architecture: 'amd64' }, { 'etc/motd': 'hello' });
  await store.pushManifest(img.manifest, 'v1');
  secret = dirs.path('shadow');
});
afterEach(() => dirs.cleanup());

/** Reads a blob to the end: what a copy does. */
async function readBlob(s: LayoutStore, desc: TestImage['layer']): Promise<Buffer> {
  return collect(await s.fetchBlob(desc));
}

/** Replaces the file of `digest` with a symlink to `target`. */
async function plantSymlink(digest: string, target: string): Promise<string> {
  const path = blobFile(dir, digest);
  await rm(path);
  await symlink(target, path);
  return path;
}

describe('a blob that is a symlink', () => {
  it("is refused, naming the file, when the target has the blob's size (no DIGEST_MISMATCH after reading it)", async () => {
    await writeFile(secret, Buffer.alloc(img.layer.size, 'x'));
    const path = await plantSymlink(img.layer.digest, secret);
    const err = await readBlob(store, img.layer).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LAYOUT_INVALID', userError: true });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain(`symbolic link (to ${secret})`);
  });

  it('is refused when the target has another size (its size is not told)', async () => {
    await writeFile(secret, 'root:$6$secret:19000:0:99999:7:::\n');
    const path = await plantSymlink(img.layer.digest, secret);
    const err = await readBlob(store, img.layer).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LAYOUT_INVALID' });
    expect((err as Error).message).not.toContain('bytes');
    expect((err as Error).message).toContain(path);
  });

  it('is refused by a copy out of the layout, which tags nothing', async () => {
    await writeFile(secret, Buffer.alloc(img.layer.size, 'x'));
    await plantSymlink(img.layer.digest, secret);
    const dst = await openLayout(dirs.path('dst'), { create: true });
    // One blob at a time: copyImage rejects on the first failure while other transfers still run.
    await expect(copyImage(store, 'v1', [{ store: dst, tag: 'v1' }], { concurrency: 1 })).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
    expect(await dst.listTags()).toEqual([]);
  });

  it('is refused for a manifest, by tag and by digest', async () => {
    await writeFile(secret, Buffer.alloc(img.manifest.descriptor.size, 'x'));
    await plantSymlink(img.manifest.descriptor.digest, secret);
    await expect(store.fetchManifest('v1')).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
    await expect(store.fetchManifest(img.manifest.descriptor)).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
    // Not in index.json by digest alone: resolving reads the blob to learn its type.
    await store.deleteManifest('v1');
    await expect(store.resolve(img.manifest.descriptor.digest)).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
  });

  it('does not count as present, and a push replaces the link without writing through it', async () => {
    await writeFile(secret, Buffer.alloc(img.layer.size, 'x'));
    const path = await plantSymlink(img.layer.digest, secret);
    expect(await store.blobExists(img.layer)).toBe(false);
    const src = await openLayout(dirs.path('src'), { create: true });
    const again = await pushImageBlobs(src, { os: 'linux', architecture: 'amd64' }, { 'etc/motd': 'hello' });
    const bytes = await readBlob(src, again.layer);
    await store.pushBlob(img.layer, bytes);
    expect((await lstat(path)).isFile()).toBe(true);
    expect(await readFile(secret)).toEqual(Buffer.alloc(img.layer.size, 'x'));
    expect((await readBlob(store, img.layer)).equals(bytes)).toBe(true);
  });
});

describe('a blob that is not a regular file', () => {
  it('a directory is refused, not reported missing', async () => {
    const path = blobFile(dir, img.layer.digest);
    await rm(path);
    await mkdir(path);
    await expect(readBlob(store, img.layer)).rejects.toMatchObject({
      code: 'LAYOUT_INVALID',
      message: expect.stringContaining(`${path} is a directory`),
    });
  });

  it('a FIFO is refused without opening it (opening one would block)', async () => {
    const path = blobFile(dir, img.layer.digest);
    await rm(path);
    execFileSync('mkfifo', [path]);
    await expect(readBlob(store, img.layer)).rejects.toMatchObject({
      code: 'LAYOUT_INVALID',
      message: expect.stringContaining(`${path} is a FIFO`),
    });
  });
});

describe('index.json, oci-layout and blob directories that are symlinks', () => {
  it('index.json is not read through a symlink', async () => {
    await writeFile(secret, '{"schemaVersion":2,"manifests":[]}');
    await rm(join(dir, 'index.json'));
    await symlink(secret, join(dir, 'index.json'));
    await expect(store.listTags()).rejects.toMatchObject({
      code: 'LAYOUT_INVALID',
      message: expect.stringContaining(join(dir, 'index.json')),
    });
    await expect(store.resolve('v1')).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
    // Nor written through: an update refuses before it writes anything.
    await expect(store.pushManifest(img.manifest, 'v2')).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
    expect(await readFile(secret, 'utf8')).toBe('{"schemaVersion":2,"manifests":[]}');
  });

  it('oci-layout is not read through a symlink', async () => {
    await writeFile(secret, '{"imageLayoutVersion":"1.0.0"}');
    await rm(join(dir, 'oci-layout'));
    await symlink(secret, join(dir, 'oci-layout'));
    await expect(openLayout(dir)).rejects.toMatchObject({
      code: 'LAYOUT_INVALID',
      message: expect.stringContaining(join(dir, 'oci-layout')),
    });
    await expect(openLayout(dir, { create: true })).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
  });

  it('blobs/sha256 that is a symlink to a directory elsewhere is refused when the layout is opened', async () => {
    const elsewhere = dirs.path('elsewhere');
    await rename(join(dir, 'blobs', 'sha256'), elsewhere);
    await symlink(elsewhere, join(dir, 'blobs', 'sha256'));
    await expect(openLayout(dir)).rejects.toMatchObject({
      code: 'LAYOUT_INVALID',
      message: expect.stringContaining(join(dir, 'blobs', 'sha256')),
    });
  });

  it('blobs that is a symlink is refused when the layout is opened', async () => {
    const elsewhere = dirs.path('elsewhere');
    await rename(join(dir, 'blobs'), elsewhere);
    await symlink(elsewhere, join(dir, 'blobs'));
    await expect(openLayout(dir, { create: true })).rejects.toMatchObject({ code: 'LAYOUT_INVALID' });
  });

  it('the layout directory itself may be a symlink: the user named it', async () => {
    const link = dirs.path('link');
    await symlink(dir, link);
    const viaLink = await openLayout(link);
    expect(await viaLink.listTags()).toEqual(['v1']);
    expect((await readBlob(viaLink, img.layer)).byteLength).toBe(img.layer.size);
  });
});
