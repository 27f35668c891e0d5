// gantry's daemonless layering builder: a base image (registry, OCI layout or scratch) resolved to
// the requested platform, one reproducible layer per copy rule, a config, and a manifest pushed by
// digest to the staging store. No RUN step exists, so no platform needs emulation, and a layer that
// is the same for every platform is compressed once (layer-cache.ts).
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Descriptor, Platform } from '../../oci/descriptor.js';
import { digestOf } from '../../oci/digest.js';
import { GantryError } from '../../oci/errors.js';
import { mapLimit } from '../../async/limit.js';
import { MediaType } from '../../oci/media-types.js';
import { parsePlatform } from '../../oci/platform.js';
import type { LayersBuildSpec } from '../../plan/config/index.js';
import { BuildError } from '../errors.js';
import type { Builder, BuildRequest, BuildResult } from '../backend.js';
import { resolveBase, type BaseResolver, type ResolvedBase } from './base.js';
import { buildImageConfig } from './config.js';
import type { GzipOptions } from './gzip.js';
import { LayerCache, layerKey, type CachedLayer } from './layer-cache.js';
import { writeLayerBlob } from './layer-blob.js';
import { buildImageManifest } from './platform-manifest.js';
import { tarMtime } from './tar.js';
import { ensureBlob } from './transfer.js';
import { compileExcludes, walkCopyRule, type DirectoryMeta } from './walk.js';

/**
 * gzip level of new layers: 1 (zlib's BestSpeed, go-containerregistry's default for layers). On
 * the bench tree (bench/build) level 6 costs 2.1x the CPU for 4.6% fewer bytes, and level 1's
 * output is the size buildah pushes. Part of every layer digest; see README.md here.
 */
export const DEFAULT_GZIP_LEVEL = 1;
/**
 * Uncompressed bytes per gzip member (gzip.ts). Part of the layer format: changing it changes
 * every digest of a layer larger than this.
 */
export const GZIP_MEMBER_BYTES = 4 * 1024 * 1024;

/**
 * Read size when a layer's temp file is pushed: 1 MiB pieces instead of the stream default of
 * 64 KiB, 16 times fewer chunks through the verifying stream and the HTTP client (measured on the
 * bench layer: about 0.2 s less CPU for the 124 MB push).
 */
const PUSH_READ_BYTES = 1024 * 1024;

export interface LayersBuilderOptions {
  /** Opens a registry or layout base image: a Store and the tag or digest to resolve in it. */
  readonly resolveBase: BaseResolver;
  /** Where layer temp files go while they are pushed; default the OS temp dir. */
  readonly tmpDir?: string;
  /** zlib level 1–9 of new layers (part of their digests); default DEFAULT_GZIP_LEVEL (1). */
  readonly gzipLevel?: number;
  /** gzip members compressed at once; default the number of CPUs. Never changes the bytes. */
  readonly compressConcurrency?: number;
  /** Base layers copied to the staging store at once; default 4. */
  readonly copyConcurrency?: number;
}

/** What the builder did, across all its builds: layers compressed, and layers reused from the cache. */
export interface LayersBuilderStats {
  readonly layersBuilt: number;
  readonly layersReused: number;
  /** Uncompressed tar bytes that went through gzip. */
  readonly bytesCompressed: number;
}

export interface LayersBuilder extends Builder {
  readonly stats: LayersBuilderStats;
}

/** Seconds since the epoch of the commit time (SOURCE_DATE_EPOCH semantics): every timestamp in the image. */
export function commitSeconds(commitTime: string): number {
  const ms = Date.parse(commitTime);
  if (Number.isNaN(ms)) {
    throw new BuildError('BUILD_INPUT_INVALID', `commit time ${JSON.stringify(commitTime)} is not an RFC 3339 date`, { userError: true });
  }
  return Math.floor(ms / 1000);
}

/** RFC 3339 in UTC, whole seconds (`2024-01-02T03:04:05Z`). */
function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Runs one step. A failure names the step (unless its message already names the rule or the base)
 * and keeps its code when it is a BuildError; anything else becomes BUILD_FAILED.
 */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BuildError && /^(copy rule \d+|base )/.test(e.message)) throw e;
    const userError = e instanceof GantryError && e.userError;
    const code = e instanceof BuildError ? e.code : 'BUILD_FAILED';
    throw new BuildError(code, `${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, userError });
  }
}

/** Creates a layers builder. Keep one per process so platforms of an image share their layers. */
export function createLayersBuilder(o: LayersBuilderOptions): LayersBuilder {
  const cache = new LayerCache();
  const stats = { layersBuilt: 0, layersReused: 0, bytesCompressed: 0 };
  const gzip: GzipOptions = {
    level: o.gzipLevel ?? DEFAULT_GZIP_LEVEL,
    memberSize: GZIP_MEMBER_BYTES,
    concurrency: o.compressConcurrency ?? availableParallelism(),
  };
  if (!Number.isInteger(gzip.level) || gzip.level < 1 || gzip.level > 9) {
    throw new BuildError('BUILD_INPUT_INVALID', `gzip level ${gzip.level}: expected 1 to 9`, { userError: true });
  }

  async function buildLayer(req: BuildRequest, entries: Parameters<typeof writeLayerBlob>[0], mtime: Date): Promise<CachedLayer> {
    const dir = await mkdtemp(join(o.tmpDir ?? tmpdir(), 'gantry-layer-'));
    try {
      const blob = await writeLayerBlob(entries, { mtime, gzip, tmpDir: dir, signal: req.signal });
      stats.layersBuilt++;
      stats.bytesCompressed += blob.tarSize;
      await ensureBlob(req.staging.store, blob.descriptor, {
        open: () => createReadStream(blob.path, { highWaterMark: PUSH_READ_BYTES }),
        signal: req.signal,
      });
      return { descriptor: blob.descriptor, diffId: blob.diffId, tarSize: blob.tarSize, holder: req.staging.store };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function addLayers(
    req: BuildRequest,
    spec: LayersBuildSpec,
    seconds: number,
  ): Promise<{ layer: CachedLayer; createdBy: string }[]> {
    const contextDir = resolve(req.cwd, spec.context);
    const mtime = tarMtime(seconds);
    const earlier = new Map<string, DirectoryMeta>();
    const out: { layer: CachedLayer; createdBy: string }[] = [];
    for (const [i, rule] of spec.copy.entries()) {
      const name = `copy rule ${i + 1} (${rule.from} → ${rule.to})`;
      const started = performance.now();
      const walked = await step(name, () => walkCopyRule(i, rule, contextDir, earlier));
      for (const e of walked.entries) if (e.type === 'directory') earlier.set(e.name, { mode: e.mode, uid: e.uid, gid: e.gid });
      const key = layerKey({ rule, contextDir, mtimeSeconds: seconds, gzip, entries: walked.entries });
      const make = (): Promise<CachedLayer> => step(name, () => buildLayer(req, walked.entries, mtime));
      let got = cache.get(key, make);
      let layer: CachedLayer;
      try {
        layer = await got.layer;
      } catch (e) {
        // Another platform's build of this layer failed (or was cancelled): build it here instead.
        if (!got.reused) throw e;
        got = cache.get(key, make);
        layer = await got.layer;
      }
      if (got.reused) stats.layersReused++;
      // A layer built for another platform lives in that build's staging store.
      await step(name, () =>
        ensureBlob(req.staging.store, layer.descriptor, {
          from: layer.holder,
          open: () => layer.holder.fetchBlob(layer.descriptor),
          signal: req.signal,
        }),
      );
      const ms = Math.round(performance.now() - started);
      req.log(
        `layers: ${name}: ${walked.files} file${walked.files === 1 ? '' : 's'}, ${walked.bytes} bytes → ${layer.descriptor.digest} (${layer.descriptor.size} bytes, ${got.reused ? 'reused' : 'built'}, ${ms} ms)`,
      );
      out.push({ layer, createdBy: `gantry layers: COPY ${rule.from} ${rule.to}` });
    }
    return out;
  }

  async function copyBaseLayers(req: BuildRequest, base: ResolvedBase): Promise<void> {
    const from = base.store;
    if (from === undefined) return;
    await mapLimit(base.layers, o.copyConcurrency ?? 4, (layer: Descriptor) =>
      step(`copy base layer ${layer.digest} from ${from.name}`, () =>
        ensureBlob(req.staging.store, layer, { from, open: () => from.fetchBlob(layer, { signal: req.signal }), signal: req.signal }),
      ),
    );
  }

  async function build(req: BuildRequest): Promise<BuildResult> {
    const started = performance.now();
    const spec = req.image.build;
    if (spec.backend !== 'layers') {
      throw new BuildError('BUILD_INPUT_INVALID', `image ${req.image.name} is built with ${spec.backend}, not layers`, { userError: true });
    }
    let platform: Platform;
    try {
      platform = parsePlatform(req.platform);
    } catch (cause) {
      throw new BuildError('BUILD_INPUT_INVALID', (cause as Error).message, { userError: true, cause });
    }
    const seconds = commitSeconds(req.context.commitTime);
    tarMtime(seconds);
    // Refuse bad excludes before anything is fetched or pushed.
    spec.copy.forEach((rule, i) => compileExcludes(i, rule));

    // New layers (CPU) at the same time as resolving the base and copying its layers (I/O): the
    // layers do not depend on the base. The first failure stops the other side; both settle before
    // it is reported, so nothing is still pushing once build() has returned.
    const stop = new AbortController();
    const inner: BuildRequest = { ...req, signal: req.signal ? AbortSignal.any([req.signal, stop.signal]) : stop.signal };
    let failure: { error: unknown } | undefined;
    const failed = (error: unknown): never => {
      if (failure === undefined) {
        failure = { error };
        stop.abort();
      }
      throw error;
    };
    const layersDone = addLayers(inner, spec, seconds).catch(failed);
    const baseDone = step(`base ${spec.base.kind}`, () => resolveBase(spec.base, platform, o.resolveBase, inner.signal))
      .then(async (resolved) => {
        req.log(`layers: ${req.image.name} ${req.platform}: base ${resolved.label}${resolved.digest ? `@${resolved.digest}` : ''}`);
        await copyBaseLayers(inner, resolved);
        return resolved;
      })
      .catch(failed);
    const [layers, based] = await Promise.allSettled([layersDone, baseDone]);
    if (failure !== undefined) throw failure.error;
    if (layers.status === 'rejected') throw layers.reason;
    if (based.status === 'rejected') throw based.reason;
    const added = layers.value;
    const base = based.value;

    const created = rfc3339(seconds);
    const config = buildImageConfig({
      base: base.config,
      platform,
      build: spec,
      planLabels: req.plan.labels,
      layers: added.map((a) => ({ diffId: a.layer.diffId, createdBy: a.createdBy })),
      created,
    });
    const configDesc: Descriptor = { mediaType: MediaType.OciConfig, digest: digestOf(config.bytes), size: config.bytes.byteLength };
    await step('push config', () => ensureBlob(req.staging.store, configDesc, { open: () => config.bytes, signal: req.signal }));

    const manifest = buildImageManifest({
      config: configDesc,
      layers: [...base.layers, ...added.map((a) => a.layer.descriptor)],
      annotations: req.plan.annotations,
      base: { name: base.name, digest: base.digest },
    });
    // By digest, never by tag: tags move only in `gantry publish`, after every platform exists.
    await step('push manifest', () => req.staging.store.pushManifest(manifest, undefined, { signal: req.signal }));
    const compressedSize = manifest.bytes.byteLength + configDesc.size + manifest.manifest.layers.reduce((n, l) => n + l.size, 0);
    req.log(`layers: ${req.image.name} ${req.platform}: ${manifest.descriptor.digest} pushed to ${req.staging.store.name}`);
    return {
      platform: req.platform,
      descriptor: manifest.descriptor,
      compressedSize,
      backend: 'layers',
      seconds: (performance.now() - started) / 1000,
    };
  }

  return { build, stats };
}
