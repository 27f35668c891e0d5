// Getting a built image from the builder's local output to the staging target, by digest only.
import type { Descriptor } from '../oci/descriptor.js';
import { manifestChildren, parseManifest } from '../oci/manifest.js';
import type { ManifestBytes, Store } from '../oci/store.js';
import type { StagingTarget } from './backend.js';

/**
 * Copies the manifest `digest` (with its config and layers) from `source` to `target` by digest,
 * tagging nothing, every byte verified. The CLI passes gantry's `copyImage` (publish/), which
 * build/ may not import (DESIGN.md layers).
 */
export type StageImage = (source: Store, digest: string, target: Store, o: { readonly signal?: AbortSignal | undefined }) => Promise<void>;

/** Where a staging target is, as digest records name it: `registry/repo` or `oci:PATH`. */
export function stagingName(t: StagingTarget): string {
  return t.kind === 'registry' ? t.repository : `oci:${t.path}`;
}

/** Manifest + config + layers, as a pull downloads them. */
export function compressedSize(m: ManifestBytes): number {
  const parsed = parseManifest(m.bytes, m.descriptor.mediaType);
  return m.bytes.byteLength + manifestChildren(parsed.manifest).reduce((n, d: Descriptor) => n + d.size, 0);
}
