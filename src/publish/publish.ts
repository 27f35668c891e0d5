import type { Digest } from '../oci/digest.js';
import { GantryError, OciError } from '../oci/errors.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { Store } from '../oci/store.js';
import type { ImagePublishPlan } from '../plan/publish-plan.js';
import { copyImage } from './copy.js';
import type { CopyEventListener } from './copy-events.js';
import { platformFacts, type Gate, type GateResult, type PlatformFacts } from './gates.js';

/** How publish reaches repositories; built by the CLI (the only place that makes clients). */
export interface PublishStores {
  /** The store of a repository (`ghcr.io/acme/api`) or layout (`oci:PATH`). */
  open(repository: string): Promise<Store>;
  /** Whether credentials exist for it (optional repositories without them are skipped). */
  hasCredentials(repository: string): Promise<boolean>;
}

export type TagChange = { readonly tag: string; readonly how: 'created' | 'moved' | 'unchanged'; readonly was?: string };

export interface RepositoryResult {
  readonly repository: string;
  /** Why it was skipped (an optional repository without credentials). */
  readonly skipped?: string;
  readonly tags: readonly TagChange[];
}

export interface ImageResult {
  readonly name: string;
  readonly digest: Digest;
  readonly platforms: readonly PlatformFacts[];
  readonly repositories: readonly RepositoryResult[];
  readonly gates: readonly GateResult[];
}

export interface PublishResult {
  readonly images: readonly ImageResult[];
  /** False when a rerun found everything already published. */
  readonly changed: boolean;
  readonly dryRun: boolean;
}

export interface PublishOptions {
  readonly gates: (image: string) => readonly Gate[];
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal | undefined;
  readonly log?: (line: string) => void;
  readonly onCopyEvent?: CopyEventListener | undefined;
}

/** A gate refused: nothing was tagged. Exit code 3. */
export class GateRefused extends GantryError<'GATE_REFUSED'> {
  readonly results: readonly GateResult[];
  constructor(message: string, results: readonly GateResult[]) {
    super('GATE_REFUSED', message);
    this.results = results;
  }
}

async function currentDigest(store: Store, tag: string): Promise<string | undefined> {
  try {
    return (await store.resolve(tag)).digest;
  } catch (e) {
    if (e instanceof OciError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/**
 * Publishes planned images: gates first (measured from where the platforms were built), then
 * every platform and the index copied by digest to every repository and confirmed there, then —
 * only when all of that succeeded for every image — the tags, in every repository. A rerun
 * skips what is already there, so a publish that stopped half-way finishes.
 */
export async function publish(plans: readonly ImagePublishPlan[], stores: PublishStores, o: PublishOptions): Promise<PublishResult> {
  const log = o.log ?? (() => undefined);
  const work = [];
  // 1. Where each image goes (optional repositories need credentials), and gates on the built platforms.
  for (const p of plans) {
    const targets: { repository: string; store?: Store; skipped?: string }[] = [];
    for (const r of p.repositories) {
      if (p.optionalRepositories.includes(r) && !(await stores.hasCredentials(r))) {
        targets.push({ repository: r, skipped: 'optional, and no credentials for it' });
        log(`${p.name}: skipping ${r}: optional, and no credentials for it`);
      } else targets.push({ repository: r, store: await stores.open(r) });
    }
    const gateList = o.gates(p.name);
    const uncompressed = gateList.some((g) => g.needsUncompressed);
    const facts: PlatformFacts[] = await Promise.all(
      p.platforms.map(async (pl) => platformFacts(await stores.open(pl.repository), pl.platform, pl.descriptor, { uncompressed })),
    );
    const gates = await Promise.all(gateList.map((g) => g.check(p.name, facts)));
    work.push({ plan: p, targets, facts, gates });
  }
  const refused = work.flatMap((w) => w.gates.filter((g) => !g.passed).map((g) => ({ image: w.plan.name, g })));
  if (refused.length) {
    throw new GateRefused(
      `a gate refused the release, so no tag moved anywhere:\n${refused.map(({ image, g }) => `  - ${image}: ${g.gate}: ${g.details.join('; ')}`).join('\n')}`,
      refused.map((r) => r.g),
    );
  }

  // 2. Content, by digest, to every repository; then confirm it is all there.
  let changed = false;
  if (!o.dryRun) {
    // Images are independent: their content goes up at the same time.
    await Promise.all(
      work.map(async (w) => {
        const live = w.targets.filter((t) => t.store && w.plan.push).map((t) => ({ store: t.store! }));
        if (!live.length) return;
        const copies = await Promise.all(
          w.plan.platforms.map(async (pl) => copyImage(await stores.open(pl.repository), pl.digest, live, { signal: o.signal, onEvent: o.onCopyEvent })),
        );
        if (copies.some((r) => r.bytesTransferred > 0 || r.blobs.mounted > 0)) changed = true;
        await Promise.all(
          live.map(async (t) => {
            if (!(await t.store.manifestExists(w.plan.index.descriptor, { signal: o.signal }))) {
              await t.store.pushManifest(w.plan.index, undefined, { signal: o.signal });
              changed = true;
            }
            await confirm(t.store, w.plan, o.signal);
          }),
        );
      }),
    );
  }

  // 3. Tags last, in every repository: only now that every image's content is confirmed everywhere.
  const images: ImageResult[] = await Promise.all(
    work.map(async (w): Promise<ImageResult> => {
      const repositories = await Promise.all(
        w.targets.map(async (t): Promise<RepositoryResult> => {
          if (!t.store || !w.plan.push) return { repository: t.repository, skipped: t.skipped ?? 'not pushed (pull request)', tags: [] };
          // Every tag of a repository at once: they all point at the same, already confirmed index.
          const readable = o.dryRun ? await canRead(t.store) : true;
          const tags = await Promise.all(
            w.plan.tags.map(async (tag): Promise<TagChange> => {
              const was = readable ? await currentDigest(t.store!, tag) : undefined;
              const now = w.plan.index.descriptor.digest;
              if (was === now) return { tag, how: 'unchanged' };
              if (!o.dryRun) await t.store!.pushManifest(w.plan.index, tag, { signal: o.signal });
              changed = true;
              return { tag, how: was ? 'moved' : 'created', ...(was ? { was } : {}) };
            }),
          );
          return { repository: t.repository, tags };
        }),
      );
      return { name: w.plan.name, digest: w.plan.index.descriptor.digest, platforms: w.facts, repositories, gates: w.gates };
    }),
  );
  return { images, changed, dryRun: o.dryRun ?? false };
}

async function canRead(store: Store): Promise<boolean> {
  try {
    await store.listTags();
    return true;
  } catch {
    return false;
  }
}

/** Every manifest and blob of the image is present in `store`. */
async function confirm(store: Store, p: ImagePublishPlan, signal?: AbortSignal): Promise<void> {
  await Promise.all(
    p.platforms.map(async (pl) => {
      const m = await store.fetchManifest(pl.descriptor, { signal });
      const manifest = parseManifest(m.bytes, m.descriptor.mediaType).manifest as ImageManifest;
      const present = await Promise.all([manifest.config, ...manifest.layers].map(async (b) => [b, await store.blobExists(b, { signal })] as const));
      const missing = present.find(([, ok]) => !ok);
      if (missing) {
        throw new OciError('NOT_FOUND', `${store.name}: blob ${missing[0].digest} of ${p.name} ${pl.platform} is missing after the copy; not tagging`);
      }
    }),
  );
}
