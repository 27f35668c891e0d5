import type { Descriptor } from '../oci/descriptor.js';
import { OciError } from '../oci/errors.js';
import { parseImageConfig, parseManifest, type ImageIndex, type ImageManifest } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';
import type { CallOptions, Store } from '../oci/store.js';
import { readAll } from '../oci/verified-stream.js';

/** One platform of an image, as `gantry inspect` shows it. */
export interface PlatformSummary {
  readonly platform: string;
  readonly digest: string;
  readonly mediaType: string;
  /** Manifest, config and layers as stored (compressed). */
  readonly compressedSize: number;
  readonly layers: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ImageSummary {
  readonly name: string;
  readonly reference: string;
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly platforms: readonly PlatformSummary[];
  readonly referrers: readonly Descriptor[];
}

/** Reads what a reference names: its manifests, every platform's config labels and sizes, and its referrers. */
export async function inspectImage(store: Store, reference: string, o?: CallOptions): Promise<ImageSummary> {
  const top = await store.fetchManifest(reference, o);
  const parsed = parseManifest(top.bytes, top.descriptor.mediaType);
  const platforms: PlatformSummary[] = [];
  if (isIndexMediaType(parsed.mediaType)) {
    for (const child of (parsed.manifest as ImageIndex).manifests) {
      const m = await store.fetchManifest(child, o);
      const p = parseManifest(m.bytes, child.mediaType);
      if (isIndexMediaType(p.mediaType)) continue;
      platforms.push(await summarize(store, child, p.manifest as ImageManifest, o));
    }
  } else {
    platforms.push(await summarize(store, top.descriptor, parsed.manifest as ImageManifest, o));
  }
  return {
    name: store.name,
    reference,
    mediaType: parsed.mediaType,
    digest: top.descriptor.digest,
    size: top.descriptor.size,
    annotations: { ...(parsed.manifest.annotations ?? {}) },
    platforms,
    referrers: await store.referrers(top.descriptor.digest, undefined, o),
  };
}

async function summarize(store: Store, desc: Descriptor, m: ImageManifest, o?: CallOptions): Promise<PlatformSummary> {
  const compressedSize = desc.size + m.config.size + m.layers.reduce((n, l) => n + l.size, 0);
  let platform = desc.platform ? formatPlatform(desc.platform) : 'unknown';
  let labels: Record<string, string> = {};
  if (m.config.size <= 4 * 1024 * 1024 && /container\.image|image\.config/.test(m.config.mediaType)) {
    try {
      const cfg = parseImageConfig(await readAll(await store.fetchBlob(m.config, o)));
      platform = formatPlatform({ os: cfg.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) });
      labels = { ...(cfg.config?.Labels ?? {}) };
    } catch (e) {
      if (!(e instanceof OciError) || e.code === 'DIGEST_MISMATCH') throw e;
    }
  }
  return { platform, digest: desc.digest, mediaType: m.mediaType ?? desc.mediaType, compressedSize, layers: m.layers.length, labels };
}
