import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { ManifestBytes, Store } from '../../src/oci/store.js';

const run = promisify(execFile);

/** Runs a real tool; skopeo always gets --insecure-policy (no policy.json in test environments). */
export async function tool(cmd: 'skopeo' | 'umoci', args: string[]): Promise<{ stdout: string; stderr: string }> {
  const full = cmd === 'skopeo' ? ['--insecure-policy', ...args] : args;
  return run(cmd, full, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
}

export async function rawTool(cmd: 'skopeo', args: string[]): Promise<Buffer> {
  const { stdout } = await run(cmd, ['--insecure-policy', ...args], { maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' });
  return stdout;
}

export async function withTempDirs(): Promise<{ path: (name: string) => string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'gantry-layout-'));
  return { path: (name) => join(root, name), cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A gzipped tar layer holding `files`, and the digest of the uncompressed tar (the diff_id). */
export async function makeLayer(files: Record<string, string>): Promise<{ blob: Buffer; diffId: string }> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) parts.push(c);
  const tarBytes = Buffer.concat(parts);
  return { blob: gzipSync(tarBytes), diffId: digestOf(tarBytes) };
}

export function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

export function descriptorOf(mediaType: string, bytes: Uint8Array, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength, ...extra };
}

export interface TestImage {
  readonly manifest: ManifestBytes;
  readonly layer: Descriptor;
  readonly config: Descriptor;
}

/** Pushes a one-layer image for `platform` whose layer holds `files`; the manifest is returned, not pushed. */
export async function pushImageBlobs(store: Store, platform: Platform, files: Record<string, string>): Promise<TestImage> {
  const { blob, diffId } = await makeLayer(files);
  const layer = descriptorOf(MediaType.OciLayerGzip, blob);
  await store.pushBlob(layer, blob);
  const configBytes = jsonBytes({
    architecture: platform.architecture,
    os: platform.os,
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  });
  const config = descriptorOf(MediaType.OciConfig, configBytes);
  await store.pushBlob(config, configBytes);
  const bytes = jsonBytes({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
  });
  return { manifest: { descriptor: descriptorOf(MediaType.OciManifest, bytes, { platform }), bytes }, layer, config };
}

export function makeIndex(children: readonly Descriptor[]): ManifestBytes {
  const bytes = jsonBytes({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.size, platform: c.platform })),
  });
  return { descriptor: descriptorOf(MediaType.OciIndex, bytes), bytes };
}

/** An artifact manifest (empty config) referring to `subject`. */
export async function pushArtifact(
  store: Store,
  subject: Descriptor,
  artifactType: string,
  annotations: Record<string, string> = {},
): Promise<ManifestBytes> {
  const empty = Buffer.from('{}');
  const emptyDesc = descriptorOf(MediaType.OciEmpty, empty);
  await store.pushBlob(emptyDesc, empty);
  const bytes = jsonBytes({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType,
    config: { mediaType: emptyDesc.mediaType, digest: emptyDesc.digest, size: emptyDesc.size },
    layers: [{ mediaType: emptyDesc.mediaType, digest: emptyDesc.digest, size: emptyDesc.size }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  });
  const manifest = { descriptor: descriptorOf(MediaType.OciManifest, bytes, { artifactType }), bytes };
  await store.pushManifest(manifest);
  return manifest;
}

export async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of src) parts.push(c);
  return Buffer.concat(parts);
}
