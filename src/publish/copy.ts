import type { Descriptor, Platform } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import { fanOut } from '../async/fan-out.js';
import { mapLimit, mapWeighted } from '../async/limit.js';
import { buildIndex, manifestChildren, parseManifest, type ImageIndex, type ParsedManifest } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform, platformMatches } from '../oci/platform.js';
import { DEFAULT_RETRY, isTemporaryError, RetryBudget, sleep, type RetryPolicy } from '../async/retry.js';
import { isBlobMounter, type ManifestBytes, type Store } from '../oci/store.js';
import type { CopyEventListener } from './copy-events.js';

/** Where a copy goes: a store, and the tag to give the top manifest there (by digest when absent). */
export interface CopyTarget {
  readonly store: Store;
  readonly tag?: string | undefined;
}

export interface CopyOptions {
  /** Copy only these platforms of an index (a new index is made); all when absent. */
  readonly platforms?: readonly Platform[];
  /** Also copy the referrers (signatures, SBOMs, attestations) of the image and its platforms. */
  readonly referrers?: boolean;
  /**
   * Large blobs (≥ 16 MiB) transferred at once (default 6). Smaller ones take less of it: up to
   * 8 times as many blobs of 2 MiB or less are in flight (never more than MAX_BLOBS_IN_FLIGHT),
   * since for them round trips, not bandwidth, are the cost.
   */
  readonly concurrency?: number;
  /** Retries of one blob transfer after a temporary failure (the source is read again). */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: CopyEventListener | undefined;
}

export interface CopyResult {
  /** The manifest now at the targets (a new index when platforms were chosen). */
  readonly descriptor: Descriptor;
  readonly platforms: readonly string[];
  readonly bytesTransferred: number;
  readonly bytesSkipped: number;
  readonly blobs: { readonly copied: number; readonly skipped: number; readonly mounted: number };
  readonly seconds: number;
}

/** Existence checks (HEAD) in flight at once, per copy. */
const CHECKS_IN_FLIGHT = 32;
/** Manifests fetched or pushed at once, per copy. */
const MANIFESTS_IN_FLIGHT = 16;
/** Blob transfers in flight at once, however small (each holds a connection to the source and to every target). */
const MAX_BLOBS_IN_FLIGHT = 48;
/** A blob's share of the concurrency: one eighth per 2 MiB, a whole slot from 14 MiB up. */
const SLOT_PARTS = 8;
const PART_BYTES = 2 * 1024 * 1024;
/** Blobs up to this size are fetched while their upload is being opened (and are read whole before they are sent). */
const SMALL_BLOB_BYTES = 1024 * 1024;

interface Graph {
  /** Manifests in push order: children before the manifests that reference them. */
  readonly manifests: ManifestBytes[];
  /** Blobs by digest: configs and layers of every image manifest. */
  readonly blobs: Map<Digest, Descriptor>;
  /** Blobs each manifest needs (directly), to skip those of manifests already at a target. */
  readonly blobsOf: Map<Digest, Digest[]>;
}

/**
 * Copies an image or index from `src` to every target: blobs that are missing are mounted
 * (same registry) or streamed, reading the source once for all targets; then child manifests
 * by digest; then the top manifest, under its tag, last. Works for any pair of stores.
 */
export async function copyImage(src: Store, reference: string, targets: readonly CopyTarget[], o: CopyOptions = {}): Promise<CopyResult> {
  const started = performance.now();
  const top = await src.fetchManifest(reference, { signal: o.signal });
  const { root, graph, platforms } = await collectGraph(src, top, o.platforms);
  const stats = { transferred: 0, skipped: 0, copied: 0, skippedBlobs: 0, mounted: 0 };

  // Per target, the blobs it lacks: skip every blob of a manifest already there, then ask about
  // the rest, all at once (bounded): each answer is a round trip, so none waits for another.
  const manifestPairs = targets.flatMap((t, ti) => graph.manifests.map((m, mi) => ({ t, ti, m, mi })));
  const there = targets.map(() => new Array<boolean>(graph.manifests.length).fill(false));
  await mapLimit(manifestPairs, CHECKS_IN_FLIGHT, async ({ t, ti, m, mi }) => {
    there[ti]![mi] = await t.store.manifestExists(m.descriptor, { signal: o.signal });
  });
  const present = there.map((answers) => {
    const have = new Set<Digest>();
    graph.manifests.forEach((m, i) => {
      if (answers[i]) for (const b of graph.blobsOf.get(m.descriptor.digest) ?? []) have.add(b);
    });
    return have;
  });
  const blobs = [...graph.blobs.values()].sort((a, b) => b.size - a.size);
  const blobPairs = targets.flatMap((_, ti) => blobs.filter((b) => !present[ti]!.has(b.digest)).map((b) => ({ ti, b })));
  await mapLimit(blobPairs, CHECKS_IN_FLIGHT, async ({ ti, b }) => {
    if (await targets[ti]!.store.blobExists(b, { signal: o.signal })) present[ti]!.add(b.digest);
  });
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? 6));
  // The first transfer that fails stops the others (their requests are aborted), so that none of
  // them is still running, or retrying, once the copy has failed.
  const stop = new AbortController();
  const transfers = { ...o, signal: o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal };
  await mapWeighted(
    blobs,
    concurrency * SLOT_PARTS,
    Math.max(concurrency, MAX_BLOBS_IN_FLIGHT),
    (b) => Math.ceil(b.size / PART_BYTES),
    async (blob) => {
      const missing = targets.filter((_, i) => !present[i]!.has(blob.digest)).map((t) => t.store);
      const how = await copyBlob(src, blob, missing, transfers).catch((e: unknown) => {
        stop.abort(e);
        throw e;
      });
      if (how === 'skipped') {
        stats.skipped += blob.size;
        stats.skippedBlobs++;
      } else if (how === 'mounted') {
        stats.mounted++;
        stats.skipped += blob.size;
      } else {
        stats.copied++;
        stats.transferred += blob.size;
      }
    },
  );

  // Manifests absent when the copy began are pushed (a PUT by digest is idempotent): image
  // manifests all at once, then indexes and the top manifest in graph order (children first);
  // the top one under a tag comes last of all.
  const toPush = targets.flatMap((t, ti) =>
    graph.manifests.flatMap((m, mi) => {
      const isRoot = m.descriptor.digest === root.descriptor.digest;
      return there[ti]![mi] || (isRoot && t.tag !== undefined) ? [] : [{ t, m }];
    }),
  );
  const push = async ({ t, m }: { t: CopyTarget; m: ManifestBytes }): Promise<void> => {
    await t.store.pushManifest(m, undefined, { signal: o.signal });
    o.onEvent?.({ type: 'manifest-pushed', digest: m.descriptor.digest, target: t.store.name });
  };
  const atOnce = (p: { m: ManifestBytes }): boolean =>
    p.m.descriptor.digest !== root.descriptor.digest && !isIndexMediaType(p.m.descriptor.mediaType);
  await mapLimit(toPush.filter(atOnce), MANIFESTS_IN_FLIGHT, push);
  for (const p of toPush) if (!atOnce(p)) await push(p);
  if (o.referrers) await copyReferrers(src, graph, targets, o);
  // Tags last: only when everything they point at is in place.
  for (const t of targets) {
    if (t.tag === undefined) continue;
    await t.store.pushManifest(root, t.tag, { signal: o.signal });
    o.onEvent?.({ type: 'manifest-pushed', digest: root.descriptor.digest, target: t.store.name, tag: t.tag });
  }
  return {
    descriptor: root.descriptor,
    platforms,
    bytesTransferred: stats.transferred,
    bytesSkipped: stats.skipped,
    blobs: { copied: stats.copied, skipped: stats.skippedBlobs, mounted: stats.mounted },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Walks the manifest graph from `top`, choosing platforms of an index when asked. */
async function collectGraph(
  src: Store,
  top: ManifestBytes,
  want: readonly Platform[] | undefined,
): Promise<{ root: ManifestBytes; graph: Graph; platforms: string[] }> {
  const graph: Graph = { manifests: [], blobs: new Map(), blobsOf: new Map() };
  const parsed = parseManifest(top.bytes, top.descriptor.mediaType);
  let root = top;
  const platforms: string[] = [];
  if (isIndexMediaType(parsed.mediaType)) {
    const index = parsed.manifest as ImageIndex;
    let children = index.manifests;
    if (want && want.length) {
      const missing = want.filter((p) => !children.some((c) => c.platform && platformMatches(p, c.platform)));
      if (missing.length) {
        const have = children.flatMap((c) => (c.platform ? [formatPlatform(c.platform)] : []));
        throw new OciError(
          'PLATFORM_NOT_FOUND',
          `${src.name}: the image has no ${missing.map(formatPlatform).join(', ')}; it has ${have.join(', ') || 'no platforms'}`,
          { userError: true },
        );
      }
      children = children.filter((c) => c.platform && want.some((p) => platformMatches(p, c.platform!)));
      const built = buildIndex([...children], {
        mediaType: parsed.mediaType,
        ...(index.annotations ? { annotations: { ...index.annotations } } : {}),
      });
      root = built;
    }
    for (const c of children) if (c.platform) platforms.push(formatPlatform(c.platform));
    // Fetched at once (bounded), added in the index's order.
    const fetched = await mapLimit(children, MANIFESTS_IN_FLIGHT, (c) => fetchChild(src, c));
    for (const [i, c] of children.entries()) await collectManifest(src, c, graph, 1, fetched[i]);
  } else {
    const cfg = (parsed.manifest as { config?: Descriptor }).config;
    if (cfg) platforms.push(...(await platformOfConfig(src, cfg)));
  }
  // A new index (platforms chosen) is parsed afresh; the original was parsed above.
  await addManifest(root, graph, root === top ? parsed : undefined);
  return { root, graph, platforms };
}

async function platformOfConfig(src: Store, cfg: Descriptor): Promise<string[]> {
  if (!/config/.test(cfg.mediaType) || cfg.size > 1024 * 1024 || !cfg.mediaType.includes('image')) return [];
  try {
    const chunks: Uint8Array[] = [];
    for await (const c of await src.fetchBlob(cfg)) chunks.push(c);
    const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { os?: unknown; architecture?: unknown; variant?: unknown };
    if (typeof j.os === 'string' && typeof j.architecture === 'string') {
      return [formatPlatform({ os: j.os, architecture: j.architecture, ...(typeof j.variant === 'string' ? { variant: j.variant } : {}) })];
    }
  } catch {
    // a config we cannot read still copies; it just has no platform to report
  }
  return [];
}

async function fetchChild(src: Store, desc: Descriptor): Promise<ManifestBytes> {
  const m = await src.fetchManifest(desc);
  if (m.descriptor.digest !== desc.digest)
    throw new OciError('DIGEST_MISMATCH', `${src.name}: manifest ${desc.digest} came back as ${m.descriptor.digest}`);
  return m;
}

async function collectManifest(src: Store, desc: Descriptor, graph: Graph, depth: number, prefetched?: ManifestBytes): Promise<void> {
  if (depth > 8) throw new OciError('MANIFEST_INVALID', `${src.name}: manifests nested more than 8 deep`);
  if (graph.blobsOf.has(desc.digest)) return; // already collected (every manifest has an entry)
  const m = prefetched ?? (await fetchChild(src, desc));
  const parsed = parseManifest(m.bytes, desc.mediaType);
  if (isIndexMediaType(parsed.mediaType)) {
    for (const c of (parsed.manifest as ImageIndex).manifests) await collectManifest(src, c, graph, depth + 1);
  }
  await addManifest({ descriptor: { ...m.descriptor, mediaType: parsed.mediaType }, bytes: m.bytes }, graph, parsed);
}

async function addManifest(
  m: ManifestBytes,
  graph: Graph,
  parsed: ParsedManifest = parseManifest(m.bytes, m.descriptor.mediaType),
): Promise<void> {
  const own: Digest[] = [];
  // An index's children are manifests, collected before. An image manifest's config and layers
  // are all blobs, whatever their media type says (parseManifest refuses manifest types there):
  // none is skipped, so no image is tagged with a blob missing.
  const blobs = isIndexMediaType(parsed.mediaType) ? [] : manifestChildren(parsed.manifest);
  for (const c of blobs) {
    graph.blobs.set(c.digest, c);
    own.push(c.digest);
  }
  graph.blobsOf.set(m.descriptor.digest, own);
  graph.manifests.push(m);
}

/**
 * Makes one blob present at every store in `to`: mounted when source and target are repositories
 * of the same registry, otherwise streamed from one read of the source. A temporary failure
 * (reset, stall, 5xx) restarts the transfer for the targets that still lack the blob.
 */
async function copyBlob(src: Store, blob: Descriptor, to: readonly Store[], o: CopyOptions): Promise<'copied' | 'skipped' | 'mounted'> {
  // `to` was just asked: they lack the blob. After a failure they are asked again.
  // One budget for the whole copy of this blob: the registry's retries of each request take from it too.
  const budget = new RetryBudget(o.retry ?? DEFAULT_RETRY);
  const co = { signal: o.signal, retryBudget: budget };
  o.onEvent?.({ type: 'blob-start', digest: blob.digest, size: blob.size, mediaType: blob.mediaType });
  let missing = [...to];
  let mounted = false;
  for (let attempt = 0; ; attempt++) {
    try {
      if (attempt > 0) {
        const check = await Promise.all(missing.map((t) => t.blobExists(blob, co)));
        missing = missing.filter((_, i) => !check[i]);
      }
      if (isBlobMounter(src)) {
        const still: Store[] = [];
        for (const t of missing) {
          if (isBlobMounter(t) && t.host === src.host && t.repository !== src.repository && (await t.mountBlob(blob, src.repository, co))) {
            mounted = true;
          } else still.push(t);
        }
        missing = still;
      }
      if (missing.length === 0) break;
      // A small blob's GET goes out with its upload's first request, not before it.
      const body = blob.size <= SMALL_BLOB_BYTES ? fetchedAlongside(() => src.fetchBlob(blob, co)) : await src.fetchBlob(blob, co);
      const streams = fanOut(body, missing.length);
      const results = await Promise.allSettled(
        missing.map((t, i) =>
          t
            .pushBlob(blob, streams[i]!, {
              ...co,
              onProgress: i === 0 ? (n) => o.onEvent?.({ type: 'blob-progress', digest: blob.digest, bytes: n }) : undefined,
            })
            .catch(async (e: unknown) => {
              // Detach the failed target so the others are not held back waiting for it.
              await streams[i]![Symbol.asyncIterator]().return?.();
              throw e;
            }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      o.onEvent?.({ type: 'blob-done', digest: blob.digest, size: blob.size, how: 'copied' });
      return 'copied';
    } catch (e) {
      if (!isTemporaryError(e) || !budget.take()) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      o.onEvent?.({ type: 'blob-retry', digest: blob.digest, attempt: attempt + 1, reason });
      await sleep(budget.delayMs(), o.signal);
    }
  }
  const how = mounted ? 'mounted' : 'skipped';
  o.onEvent?.({ type: 'blob-done', digest: blob.digest, size: blob.size, how });
  return how;
}

/**
 * A blob body whose fetch starts now and is read when the consumer first asks: the fetch's
 * round trip overlaps the upload's first. A consumer that stops early drops the download.
 */
function fetchedAlongside(open: () => Promise<AsyncIterable<Uint8Array>>): AsyncIterable<Uint8Array> {
  const it = open().then((s) => s[Symbol.asyncIterator]());
  it.catch(() => undefined); // reported to whoever reads it; an upload that failed first never does
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => (await it).next(),
      return: async () => {
        const i = await it.catch(() => undefined);
        await i?.return?.();
        return { done: true, value: undefined };
      },
    }),
  };
}

/** Copies the referrers of every manifest of the graph (signatures, SBOMs), each by digest. */
async function copyReferrers(src: Store, graph: Graph, targets: readonly CopyTarget[], o: CopyOptions): Promise<void> {
  const seen = new Set<Digest>();
  const lists = await mapLimit(graph.manifests, MANIFESTS_IN_FLIGHT, (m) =>
    src.referrers(m.descriptor.digest, undefined, { signal: o.signal }),
  );
  for (const list of lists) {
    for (const r of list) {
      if (seen.has(r.digest)) continue;
      seen.add(r.digest);
      await copyImage(
        src,
        r.digest,
        targets.map((t) => ({ store: t.store })),
        { ...o, platforms: [], referrers: true },
      );
    }
  }
}
