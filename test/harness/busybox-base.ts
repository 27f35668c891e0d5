// A tiny multi-arch base image made from Debian's static busybox (amd64 and arm64, fetched by
// scripts/setup.sh into .tools/busybox/<arch>/busybox): /bin/busybox plus /bin/sh, echo, cat,
// ls, uname links. Written with node built-ins and tar-stream only, independent of gantry.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APPLETS = ['sh', 'echo', 'cat', 'ls', 'uname', 'true', 'mkdir', 'env'];
const EPOCH = new Date('2024-01-01T00:00:00Z');

export interface BusyboxBase {
  readonly dir: string;
  readonly tag: string;
  readonly indexDigest: string;
  readonly platforms: readonly { platform: string; digest: string }[];
}

/** Path of the static busybox binary for an architecture, as scripts/setup.sh leaves it. */
export function busyboxPath(arch: 'amd64' | 'arm64'): string {
  return join(ROOT, '.tools', 'busybox', arch, 'busybox');
}

function sha256(b: Uint8Array): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

async function tarOf(busybox: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  const base = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: EPOCH };
  pack.entry({ ...base, name: 'bin/', type: 'directory', mode: 0o755 });
  pack.entry({ ...base, name: 'bin/busybox', mode: 0o755, size: busybox.length }, busybox);
  for (const a of APPLETS) pack.entry({ ...base, name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mode: 0o777 });
  pack.entry({ ...base, name: 'tmp/', type: 'directory', mode: 0o1777 });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function put(dir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

/** Writes the busybox base image (linux/amd64 + linux/arm64) as an OCI layout at `dir`, tagged `tag`. */
export async function writeBusyboxBase(dir: string, tag = 'latest'): Promise<BusyboxBase> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const entries: { mediaType: string; digest: string; size: number; platform: { os: string; architecture: string } }[] = [];
  for (const arch of ['amd64', 'arm64'] as const) {
    const raw = await tarOf(await readFile(busyboxPath(arch)));
    const gz = gzipSync(raw, { level: 6 });
    const layer = await put(dir, gz);
    const config = await put(
      dir,
      Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: 'linux',
          created: EPOCH.toISOString(),
          config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
          rootfs: { type: 'layers', diff_ids: [sha256(raw)] },
          history: [{ created: EPOCH.toISOString(), created_by: 'gantry test busybox base' }],
        }),
      ),
    );
    const manifest = await put(
      dir,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
        }),
      ),
    );
    entries.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture: arch } });
  }
  const index = await put(
    dir,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries })),
  );
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': tag } },
      ],
    }),
  );
  return {
    dir,
    tag,
    indexDigest: index.digest,
    platforms: entries.map((e) => ({ platform: `linux/${e.platform.architecture}`, digest: e.digest })),
  };
}
