// Content before tags: every platform and the index copied by digest to every repository, then
// confirmed there (every manifest and blob present), so that a tag never points at a partial image.
import { OciError } from '../oci/errors.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { Store } from '../oci/store.js';
import type { ImagePublishPlan } from '../plan/publish-plan.js';
import { copyImage } from './copy.js';
import type { CopyEventListener } from './copy-events.js';
import { liveTargets, type ImageWork, type PublishStores } from './targets.js';

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
  const copies = await Promise.all(
    w.plan.platforms.map(async (pl) =>
      copyImage(await stores.open(pl.repository), pl.digest, live, { signal: o.signal, onEvent: o.onCopyEvent }),
    ),
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
  await Promise.all(
    p.platforms.map(async (pl) => {
      const m = await store.fetchManifest(pl.descriptor, { signal });
      const manifest = parseManifest(m.bytes, m.descriptor.mediaType).manifest as ImageManifest;
      const present = await Promise.all(
        [manifest.config, ...manifest.layers].map(async (b) => [b, await store.blobExists(b, { signal })] as const),
      );
      const missing = present.find(([, ok]) => !ok);
      if (missing) {
        throw new OciError(
          'NOT_FOUND',
          `${store.name}: blob ${missing[0].digest} of ${p.name} ${pl.platform} is missing after the copy; not tagging`,
        );
      }
    }),
  );
}
