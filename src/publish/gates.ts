import { GantryError } from '../oci/errors.js';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.js';
import { parseImageConfig, parseManifest, type ImageManifest } from '../oci/manifest.js';
import type { Store } from '../oci/store.js';
import { readAll } from '../oci/verified-stream.js';
import { mapLimit } from '../async/limit.js';

/** What the gates look at: one platform of an image, measured from its manifest and config. */
export interface PlatformFacts {
  readonly platform: string;
  readonly digest: string;
  /** Manifest, config and layers as a pull downloads them. */
  readonly compressedSize: number;
  /** Config plus the layers' uncompressed tar sizes (what the image takes on disk, roughly); measured only for the size gate. */
  readonly uncompressedSize?: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface GateResult {
  readonly gate: string;
  readonly passed: boolean;
  /** One line per finding, for people. */
  readonly details: readonly string[];
}

/** A check every image must pass before any of its tags moves. Later issues add vulnerability and signature gates. */
export interface Gate {
  readonly name: string;
  /** The gate needs the uncompressed sizes (reading every layer). */
  readonly needsUncompressed?: boolean;
  check(image: string, platforms: readonly PlatformFacts[]): Promise<GateResult>;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** Size budget per platform (compressed size, what a pull downloads). */
export function sizeGate(maxBytes: number): Gate {
  return {
    name: 'size',
    needsUncompressed: true,
    async check(_image, platforms) {
      const over = platforms.filter((p) => p.compressedSize > maxBytes);
      const details = platforms.map(
        (p) =>
          `${p.platform}: ${mb(p.compressedSize)} compressed${p.uncompressedSize !== undefined ? ` (${mb(p.uncompressedSize)} uncompressed)` : ''}${p.compressedSize > maxBytes ? `, over the budget of ${mb(maxBytes)} by ${mb(p.compressedSize - maxBytes)}` : ''}`,
      );
      return { gate: 'size', passed: over.length === 0, details };
    },
  };
}

/** Labels every platform's config must carry. */
export function requiredLabelsGate(labels: readonly string[]): Gate {
  return {
    name: 'labels',
    async check(_image, platforms) {
      const details: string[] = [];
      for (const p of platforms) {
        const missing = labels.filter((l) => !(l in p.labels));
        details.push(
          missing.length ? `${p.platform}: missing ${missing.join(', ')}` : `${p.platform}: all ${labels.length} required labels present`,
        );
      }
      return { gate: 'labels', passed: details.every((d) => !d.includes('missing')), details };
    },
  };
}

async function uncompressedSizeOf(store: Store, layer: Descriptor): Promise<number> {
  if (!/gzip/.test(layer.mediaType)) return layer.size;
  let n = 0;
  const gunzip = Readable.from(await store.fetchBlob(layer)).pipe(createGunzip());
  for await (const c of gunzip as AsyncIterable<Buffer>) n += c.length;
  return n;
}

/**
 * Measures one platform manifest for the gates: sizes and config labels. The uncompressed size
 * means reading and gunzipping every layer, so it is measured only when asked (the size gate).
 */
export async function platformFacts(
  store: Store,
  platform: string,
  desc: Descriptor,
  o: { uncompressed?: boolean } = {},
): Promise<PlatformFacts> {
  const m = await store.fetchManifest(desc);
  const manifest = parseManifest(m.bytes, m.descriptor.mediaType).manifest as ImageManifest;
  const config = parseImageConfig(await readAll(await store.fetchBlob(manifest.config), 4 * 1024 * 1024));
  let uncompressed: number | undefined;
  if (o.uncompressed) {
    const sizes = await mapLimit(manifest.layers, 4, (l) => uncompressedSizeOf(store, l)); // each reads a whole layer: a few at once
    uncompressed = manifest.config.size + sizes.reduce((a, b) => a + b, 0);
  }
  return {
    platform,
    digest: desc.digest,
    compressedSize: m.descriptor.size + manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0),
    ...(uncompressed !== undefined ? { uncompressedSize: uncompressed } : {}),
    labels: { ...(config.config?.Labels ?? {}) },
  };
}

/** A gate refused: nothing was tagged. Exit code 3. */
export class GateRefused extends GantryError<'GATE_REFUSED'> {
  readonly results: readonly GateResult[];
  constructor(message: string, results: readonly GateResult[]) {
    super('GATE_REFUSED', message);
    this.results = results;
  }
}

/** The gates gantry.yml asks of an image (`gates:`): a size budget, required labels. */
export function gatesOf(spec: { readonly maxSize?: number | undefined; readonly requiredLabels: readonly string[] } | undefined): Gate[] {
  const gates: Gate[] = [];
  if (spec?.maxSize !== undefined) gates.push(sizeGate(spec.maxSize));
  if (spec?.requiredLabels.length) gates.push(requiredLabelsGate(spec.requiredLabels));
  return gates;
}

/** Measures the image's platforms where they were built and runs its gates on them. */
export async function runGates(
  image: string,
  platforms: readonly { readonly platform: string; readonly descriptor: Descriptor; readonly open: () => Promise<Store> }[],
  gates: readonly Gate[],
): Promise<{ facts: PlatformFacts[]; results: GateResult[] }> {
  const uncompressed = gates.some((g) => g.needsUncompressed);
  const facts = await Promise.all(platforms.map(async (p) => platformFacts(await p.open(), p.platform, p.descriptor, { uncompressed })));
  const results = await Promise.all(gates.map((g) => g.check(image, facts)));
  return { facts, results };
}

/** Throws GateRefused naming every refusal of every image; nothing has been pushed or tagged yet. */
export function refuseIfAnyGateFailed(images: readonly { readonly name: string; readonly gates: readonly GateResult[] }[]): void {
  const refused = images.flatMap((i) => i.gates.filter((g) => !g.passed).map((g) => ({ image: i.name, g })));
  if (refused.length === 0) return;
  throw new GateRefused(
    `a gate refused the release, so no tag moved anywhere:\n${refused.map(({ image, g }) => `  - ${image}: ${g.gate}: ${g.details.join('; ')}`).join('\n')}`,
    refused.map((r) => r.g),
  );
}
