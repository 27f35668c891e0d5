/**
 * Neutral test fixtures: a deterministic multi-arch OCI image layout written with node
 * built-ins and tar-stream only (independent of gantry's src/), plus skopeo helpers.
 *
 * Layers are real gzip-compressed tars whose file contents are an AES-CTR keystream derived
 * from the seed: random-looking (they do not compress away), reproducible, and streamed to
 * disk so large `layerBytes` never sit in memory. Same options → same digests.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';

export { runSkopeo, skopeoCopyToRegistry, skopeoInspectRaw, type SkopeoCreds, type SkopeoOptions, type SkopeoResult } from './skopeo.js';

const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;
const REF_NAME = 'org.opencontainers.image.ref.name';
const EPOCH = new Date('2024-01-01T00:00:00Z');

export interface TestImageOptions {
  /** The `org.opencontainers.image.ref.name` in index.json; default `latest`. */
  tag?: string;
  /** `os/arch[/variant]`; default `['linux/amd64', 'linux/arm64']`. */
  platforms?: string[];
  /** Layers per platform; default 3. */
  layers?: number;
  /** Uncompressed payload bytes per layer; default 64 KiB. */
  layerBytes?: number;
  /** Varies all content; default `gantry`. */
  seed?: string;
  /**
   * gzip level. Default 1, or 0 (stored blocks: still valid gzip) when `layerBytes` > 16 MiB,
   * because deflate runs at only ~30 MB/s on random data even at level 1.
   */
  gzipLevel?: number;
}

export interface FixtureBlob {
  digest: string;
  size: number;
}

export interface FixtureLayer extends FixtureBlob {
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: string;
}

export interface FixtureManifest extends FixtureBlob {
  platform: string;
  config: FixtureBlob;
  layers: FixtureLayer[];
}

export interface TestImageLayout {
  dir: string;
  tag: string;
  indexDigest: string;
  indexSize: number;
  manifests: FixtureManifest[];
}

/** Path of a blob inside an OCI layout. */
export function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(dir, 'blobs', alg ?? 'sha256', hex ?? '');
}

async function writeJsonBlob(dir: string, value: unknown): Promise<FixtureBlob & { bytes: Buffer }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(blobPath(dir, digest), bytes);
  return { digest, size: bytes.length, bytes };
}

/** A pass-through stream that hashes and counts what flows through it. */
class Tap extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

/** Writes one tar entry, streaming `body` with backpressure. */
async function addEntry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }, body?: Iterable<Buffer>): Promise<void> {
  let finish!: (err?: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
  const entry = pack.entry({ uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: EPOCH, ...header }, finish);
  for (const chunk of body ?? []) {
    if (!entry.write(chunk)) await once(entry, 'drain');
  }
  entry.end(undefined);
  await done;
}

/** `total` bytes of AES-256-CTR keystream keyed by sha256(`key`), in 64 KiB chunks. */
function* keystream(key: string, total: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(key).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(64 * 1024);
  for (let left = total; left > 0; left -= zeros.length) yield cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
}

async function writeLayer(dir: string, seed: string, platform: string, index: number, bytes: number, level: number): Promise<FixtureLayer> {
  const folder = `gantry-fixture/${platform.replaceAll('/', '-')}`;
  const tmp = join(dir, 'blobs', `.tmp-layer-${process.pid}-${platform.replaceAll('/', '-')}-${index}`);
  const pack = tar.pack();
  const diff = new Tap();
  const blob = new Tap();
  const written = pipeline(pack, diff, createGzip({ level }), blob, createWriteStream(tmp));
  try {
    await addEntry(pack, { name: 'gantry-fixture/', type: 'directory', mode: 0o755 });
    await addEntry(pack, { name: `${folder}/`, type: 'directory', mode: 0o755 });
    const note = Buffer.from(`seed=${seed} platform=${platform} layer=${index}\n`);
    await addEntry(pack, { name: `${folder}/layer-${index}.txt`, mode: 0o644, size: note.length }, [note]);
    await addEntry(
      pack,
      { name: `${folder}/layer-${index}.bin`, mode: 0o644, size: bytes },
      keystream(`${seed}\0${platform}\0${index}`, bytes),
    );
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await written;
  const digest = `sha256:${blob.hash.digest('hex')}`;
  await rename(tmp, blobPath(dir, digest));
  return { digest, size: blob.size, diffId: `sha256:${diff.hash.digest('hex')}` };
}

function parsePlatform(p: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = p.split('/');
  if (!os || !architecture) throw new Error(`bad platform ${p}: want os/arch[/variant]`);
  return { os, architecture, ...(variant !== undefined && { variant }) };
}

/**
 * Writes (or adds a tag to) an OCI image layout at `dir` holding a multi-arch image: one OCI
 * manifest per platform under an OCI index, tagged `tag` in index.json. An existing index.json
 * keeps its other entries; an entry with the same tag is replaced.
 */
export async function writeTestImageLayout(dir: string, opts: TestImageOptions = {}): Promise<TestImageLayout> {
  const tag = opts.tag ?? 'latest';
  const platforms = opts.platforms ?? ['linux/amd64', 'linux/arm64'];
  const layerCount = opts.layers ?? 3;
  const layerBytes = opts.layerBytes ?? 64 * 1024;
  const seed = opts.seed ?? 'gantry';
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });

  const level = opts.gzipLevel ?? (layerBytes > 16 * 1024 * 1024 ? 0 : 1);
  const manifests: FixtureManifest[] = [];
  for (const platform of platforms) {
    const plat = parsePlatform(platform);
    // In parallel: zlib works on libuv's thread pool, so layers use all cores.
    const layers = await Promise.all(Array.from({ length: layerCount }, (_, i) => writeLayer(dir, seed, platform, i, layerBytes, level)));
    const config = await writeJsonBlob(dir, {
      created: EPOCH.toISOString(),
      ...plat,
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
        Labels: { 'org.opencontainers.image.title': 'gantry-test-fixture', 'dev.gantry.test.seed': seed },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: EPOCH.toISOString(), created_by: `gantry fixture layer ${i}` })),
    });
    const manifest = await writeJsonBlob(dir, {
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: { mediaType: MT.config, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: MT.layer, digest: l.digest, size: l.size })),
    });
    manifests.push({
      platform,
      digest: manifest.digest,
      size: manifest.size,
      config: { digest: config.digest, size: config.size },
      layers,
    });
  }
  const index = await writeJsonBlob(dir, {
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: manifests.map((m) => ({ mediaType: MT.manifest, digest: m.digest, size: m.size, platform: parsePlatform(m.platform) })),
  });

  type Desc = { annotations?: Record<string, string> };
  let existing: Desc[] = [];
  try {
    existing = (JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Desc[] }).manifests ?? [];
  } catch {
    // no index.json yet
  }
  const entry = { mediaType: MT.index, digest: index.digest, size: index.size, annotations: { [REF_NAME]: tag } };
  const top = { schemaVersion: 2, mediaType: MT.index, manifests: [...existing.filter((d) => d.annotations?.[REF_NAME] !== tag), entry] };
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify(top));
  return { dir, tag, indexDigest: index.digest, indexSize: index.size, manifests };
}
