// Layers that do not depend on the platform (all of them: copy rules name no platform) are built and
// compressed once per builder and reused by every platform of the image. The key covers everything
// the layer's bytes come from: the rule, where its files are and what they looked like (size,
// mode, mtime, inode of every source, which catches edits between two builds of one process), the
// commit time and the gzip settings. The blob itself is not kept: after its first push it lives
// in that staging store, and a later build that targets another store copies it from there.
import { createHash } from 'node:crypto';
import type { Descriptor } from '../../oci/descriptor.js';
import type { Digest } from '../../oci/digest.js';
import type { Store } from '../../oci/store.js';
import type { CopyRule } from '../../plan/config/index.js';
import type { LayerEntry } from './walk.js';

/** A built layer and the store that holds its blob. */
export interface CachedLayer {
  readonly descriptor: Descriptor;
  readonly diffId: Digest;
  readonly tarSize: number;
  readonly holder: Store;
}

export interface LayerKeyInputs {
  readonly rule: CopyRule;
  readonly contextDir: string;
  readonly mtimeSeconds: number;
  readonly gzip: { readonly level: number; readonly memberSize: number };
  readonly entries: readonly LayerEntry[];
}

/** A digest over every input of a layer's bytes. */
export function layerKey(i: LayerKeyInputs): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({ rule: i.rule, contextDir: i.contextDir, mtime: i.mtimeSeconds, level: i.gzip.level, member: i.gzip.memberSize }),
  );
  for (const e of i.entries) {
    h.update(JSON.stringify([e.name, e.type, e.mode, e.uid, e.gid, e.size, e.linkname ?? null, e.source ?? null, e.fingerprint]));
    h.update('\n');
  }
  return h.digest('hex');
}

/** In-flight and finished layers by key; a failed build is forgotten so the next one retries. */
export class LayerCache {
  readonly #layers = new Map<string, Promise<CachedLayer>>();

  /** The cached layer for `key`, or the result of `make` (shared by concurrent callers); `reused` says which. */
  get(key: string, make: () => Promise<CachedLayer>): { layer: Promise<CachedLayer>; reused: boolean } {
    const found = this.#layers.get(key);
    if (found !== undefined) return { layer: found, reused: true };
    const layer = make();
    this.#layers.set(key, layer);
    layer.catch(() => {
      if (this.#layers.get(key) === layer) this.#layers.delete(key);
    });
    return { layer, reused: false };
  }

  get size(): number {
    return this.#layers.size;
  }
}
