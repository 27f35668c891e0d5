import type { Platform } from '../oci/descriptor.js';
import { parseImageConfig, parseManifest, type ImageIndex, type ImageManifest } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform, platformMatches } from '../oci/platform.js';
import type { CallOptions, Store } from '../oci/store.js';
import { readAll } from '../oci/verified-stream.js';

export interface VerifyCheck {
  readonly check: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface VerifyReport {
  readonly reference: string;
  readonly digest: string;
  readonly passed: boolean;
  readonly platforms: readonly string[];
  readonly checks: readonly VerifyCheck[];
}

export interface ImagePolicy {
  /** Platforms the index must have. */
  readonly platforms?: readonly Platform[];
  /** Labels every platform's config must carry: key, or key with the value it must have. */
  readonly labels?: Readonly<Record<string, string | undefined>>;
  /** How a failed fetch reads in a check's detail (default: the error's message). */
  readonly describeError?: (e: unknown) => string;
  readonly signal?: AbortSignal;
}

/**
 * Checks a published image the way its users pull it: the index has the expected platforms, every
 * platform's manifest, config and layers can be fetched, and the promised labels are there. Reads
 * every byte of manifests and configs (verified); layers are checked for presence (HEAD).
 */
export async function checkImage(store: Store, reference: string, o: ImagePolicy = {}): Promise<VerifyReport> {
  const co: CallOptions = { signal: o.signal };
  const describe = o.describeError ?? ((e: unknown) => (e as Error).message);
  const checks: VerifyCheck[] = [];
  let top;
  try {
    top = await store.fetchManifest(reference, co);
  } catch (e) {
    return {
      reference,
      digest: '',
      passed: false,
      platforms: [],
      checks: [{ check: `${store.name}:${reference} pullable`, passed: false, detail: describe(e) }],
    };
  }
  const parsed = parseManifest(top.bytes, top.descriptor.mediaType);
  const children = isIndexMediaType(parsed.mediaType)
    ? (parsed.manifest as ImageIndex).manifests.filter((d) => d.platform && d.platform.os !== 'unknown')
    : [top.descriptor];
  const found = children.flatMap((c) => (c.platform ? [formatPlatform(c.platform)] : []));
  for (const want of o.platforms ?? []) {
    const has = children.some((c) => c.platform && platformMatches(want, c.platform));
    checks.push({
      check: `platform ${formatPlatform(want)}`,
      passed: has,
      detail: has ? 'in the index' : `missing; the index has ${found.join(', ') || 'no platforms'}`,
    });
  }
  for (const c of children) {
    const name = c.platform ? formatPlatform(c.platform) : 'image';
    try {
      const m = await store.fetchManifest(c, co);
      const manifest = parseManifest(m.bytes, m.descriptor.mediaType).manifest as ImageManifest;
      const config = parseImageConfig(await readAll(await store.fetchBlob(manifest.config, co), 4 * 1024 * 1024));
      const missing = [];
      for (const l of manifest.layers) if (!(await store.blobExists(l, co))) missing.push(l.digest);
      checks.push({
        check: `${name} pullable`,
        passed: missing.length === 0,
        detail: missing.length
          ? `layers missing: ${missing.join(', ')}`
          : `manifest, config and ${manifest.layers.length} layers reachable`,
      });
      const labels = config.config?.Labels ?? {};
      for (const [k, v] of Object.entries(o.labels ?? {})) {
        const got = labels[k];
        const ok = got !== undefined && (v === undefined || got === v);
        checks.push({
          check: `${name} label ${k}`,
          passed: ok,
          detail: got === undefined ? 'missing' : ok ? got : `is "${got}", expected "${v}"`,
        });
      }
    } catch (e) {
      checks.push({ check: `${name} pullable`, passed: false, detail: describe(e) });
    }
  }
  return { reference, digest: top.descriptor.digest, passed: checks.every((c) => c.passed), platforms: found, checks };
}
