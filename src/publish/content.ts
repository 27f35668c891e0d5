// Content before tags: every platform and the index copied by digest to every repository, then
// confirmed there (every manifest and blob present), so that a tag never points at a partial image.
import { OciError } from '../oci/errors.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { Store } from '../oci/store.js';
import type { ImagePublishPlan } from '../plan/publish-plan.js';
import { mapLimit } from '../async/limit.js';
import { copyImage } from './copy.js';
import type { CopyEventListener } from './copy-events.js';
import { liveTargets, type ImageWork, type PublishStores } from './targets.js';

/** Platforms copied or confirmed at once, and existence checks in flight per platform (issue 11, finding 5: bounded fan-out). */
const PLATFORMS_AT_ONCE = 4;
const CHECKS_AT_ONCE = 16;

export interface PushContentOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onCopyEvent?: CopyEventListener | undefined;
}

/** Pushes and confirms the content of every image (images at the same time); true when anything was new. */
export async function pushContent(work: readonly ImageWork[], stores: PublishStores, o: PushContentOptions): Promise<boolean> {
  const changed = await Promise.all(work.map((w) => pushImage(w, stores, o)));
  return changed.includes(true);
}

async function pushImage(w: ImageWork, stores: PublishStores, o: PushContentOptions): Promise<boolean> {
  const live = liveTargets(w).map((t) => ({ store: t.store }));
  if (!live.length) return false;
  let changed = false;
  // A few platforms at once: each copy keeps many blobs in flight itself.
  const copies = await mapLimit(w.plan.platforms, PLATFORMS_AT_ONCE, async (pl) =>
    copyImage(await stores.open(pl.repository), pl.digest, live, { signal: o.signal, onEvent: o.onCopyEvent }),
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
  return changed;
}

/** Every manifest and blob of the image is present in `store`. */
async function confirm(store: Store, p: ImagePublishPlan, signal?: AbortSignal): Promise<void> {
  await mapLimit(p.platforms, PLATFORMS_AT_ONCE, async (pl) => {
    const m = await store.fetchManifest(pl.descriptor, { signal });
    const manifest = parseManifest(m.bytes, m.descriptor.mediaType).manifest as ImageManifest;
    const present = await mapLimit(
      [manifest.config, ...manifest.layers],
      CHECKS_AT_ONCE,
      async (b) => [b, await store.blobExists(b, { signal })] as const,
    );
    const missing = present.find(([, ok]) => !ok);
    if (missing) {
      throw new OciError(
        'NOT_FOUND',
        `${store.name}: blob ${missing[0].digest} of ${p.name} ${pl.platform} is missing after the copy; not tagging`,
      );
    }
  });
}
