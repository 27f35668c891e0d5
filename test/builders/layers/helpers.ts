// Shared pieces of the layers builder tests: a BuildRequest made the way the CLI makes one (a
// gantry.yml parsed by plan/config, a plan from makePlan), base resolvers for layouts and
// registries, and small readers for what a build left in a layout.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { BaseResolver } from '../../../src/builders/layers/index.js';
import type { BuildRequest, StagingTarget } from '../../../src/builders/backend.js';
import { openLayout, type LayoutStore } from '../../../src/layout/index.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import type { ImageConfig, ImageManifest } from '../../../src/oci/manifest.js';
import { parseReference } from '../../../src/oci/reference.js';
import type { Store } from '../../../src/oci/store.js';
import { readAll } from '../../../src/oci/verified-stream.js';
import { parseConfig } from '../../../src/plan/config/index.js';
import type { ReleaseContext } from '../../../src/plan/release-context.js';
import { makePlan } from '../../../src/plan/release.js';
import type { RegistryClient } from '../../../src/registry/client.js';

export const run = promisify(execFile);

export const COMMIT_TIME = '2024-05-06T07:08:09Z';

export function releaseContext(commitTime = COMMIT_TIME): ReleaseContext {
  return {
    event: 'tag',
    ref: 'refs/tags/v1.2.3',
    tag: 'v1.2.3',
    sha: '0123456789abcdef0123456789abcdef01234567',
    commitTime,
    repository: { owner: 'acme', name: 'hello', url: 'https://github.com/acme/hello' },
  };
}

export interface RequestOptions {
  /** The image's `build` section as written in gantry.yml (backend: layers is added). */
  readonly build: Record<string, unknown>;
  readonly platform: string;
  readonly cwd: string;
  readonly staging: StagingTarget;
  readonly commitTime?: string;
  readonly platforms?: readonly string[];
  readonly log?: (line: string) => void;
}

/** A request as `gantry build` makes it: gantry.yml through the schema, the plan through makePlan. */
export function layersRequest(o: RequestOptions): BuildRequest {
  const config = parseConfig(
    JSON.stringify({
      images: [
        {
          name: 'hello',
          repositories: ['ghcr.io/acme/hello'],
          platforms: o.platforms ?? ['linux/amd64', 'linux/arm64'],
          build: { backend: 'layers', ...o.build },
        },
      ],
    }),
    'gantry.yml',
  );
  const context = releaseContext(o.commitTime);
  const plan = makePlan(config, context);
  return {
    image: config.images[0]!,
    platform: o.platform,
    plan: plan.images[0]!,
    context,
    cwd: o.cwd,
    staging: o.staging,
    log: o.log ?? (() => undefined),
  };
}

export async function layoutStaging(dir: string): Promise<StagingTarget & { store: LayoutStore }> {
  return { kind: 'layout', path: dir, store: await openLayout(dir, { create: true, fsync: false }) };
}

/** Resolves layout bases relative to `cwd` and registry bases through `client`, as the CLI does. */
export function baseResolver(cwd: string, client?: RegistryClient): BaseResolver {
  return async (base) => {
    if (base.kind === 'layout') return { store: await openLayout(resolve(cwd, base.path)), reference: base.tag ?? 'latest' };
    if (client === undefined) throw new Error('no registry client for a registry base');
    const ref = parseReference(base.reference);
    return { store: client.repository(ref.registry, ref.repository), reference: ref.digest ?? ref.tag ?? 'latest' };
  };
}

export async function readJson<T>(store: Store, d: Descriptor): Promise<T> {
  return JSON.parse(Buffer.from(await readAll(await store.fetchBlob(d))).toString('utf8')) as T;
}

export async function readImage(
  store: Store,
  manifest: Descriptor,
): Promise<{ manifest: ImageManifest; config: ImageConfig; raw: Uint8Array }> {
  const m = await store.fetchManifest(manifest);
  const parsed = JSON.parse(Buffer.from(m.bytes).toString('utf8')) as ImageManifest;
  return { manifest: parsed, config: await readJson<ImageConfig>(store, parsed.config), raw: m.bytes };
}

export interface TarEntry {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly uname: string;
  readonly gname: string;
  readonly linkname: string | null;
  readonly pax: Record<string, string> | null;
  readonly content: string;
}

/** The entries of a (small) gzip layer, read with tar-stream's extractor. */
export async function listLayer(bytes: Uint8Array): Promise<TarEntry[]> {
  const ex = tar.extract();
  const out: TarEntry[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        mtime: h.mtime.getTime() / 1000,
        uname: h.uname,
        gname: h.gname,
        linkname: h.linkname,
        pax: (h.pax as Record<string, string> | null) ?? null,
        content: Buffer.concat(chunks).toString('utf8'),
      });
    }
  })();
  ex.end(gunzipSync(bytes));
  await done;
  return out;
}

export async function layerBytes(store: Store, d: Descriptor): Promise<Uint8Array> {
  return readAll(await store.fetchBlob(d));
}

export async function readFileText(dir: string, ...parts: string[]): Promise<string> {
  return readFile(join(dir, ...parts), 'utf8');
}

/** A Store that records what was pushed through it (to check nothing is pushed after a failure). */
export function recordingStore<S extends Store>(
  inner: S,
): S & { readonly manifestsPushed: { digest: string; tag: string | undefined }[]; readonly blobsPushed: string[] } {
  const manifestsPushed: { digest: string; tag: string | undefined }[] = [];
  const blobsPushed: string[] = [];
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'manifestsPushed') return manifestsPushed;
      if (prop === 'blobsPushed') return blobsPushed;
      if (prop === 'pushManifest') {
        return async (m: Parameters<Store['pushManifest']>[0], tag?: string, o?: Parameters<Store['pushManifest']>[2]) => {
          manifestsPushed.push({ digest: m.descriptor.digest, tag });
          return target.pushManifest(m, tag, o);
        };
      }
      if (prop === 'pushBlob') {
        return async (d: Descriptor, body: Parameters<Store['pushBlob']>[1], o?: Parameters<Store['pushBlob']>[2]) => {
          blobsPushed.push(d.digest);
          return target.pushBlob(d, body, o);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as S & { readonly manifestsPushed: { digest: string; tag: string | undefined }[]; readonly blobsPushed: string[] };
}
