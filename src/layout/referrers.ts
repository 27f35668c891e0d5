import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { readManifestFields } from './manifest-fields.js';

/**
 * Referrers in a layout: the index.json entries whose manifest has `subject.digest === subject`
 * (a layout has no referrers API; oras and gantry keep referrers as untagged index.json entries).
 * Each result is described the way the distribution-spec referrers response does
 * (spec.md#listing-referrers): `artifactType` is the manifest's artifactType or else its
 * config.mediaType, and `annotations` are the manifest's own.
 *
 * `readManifest` returns undefined for a blob that is absent: layouts may lack blobs
 * (image-layout.md#blobs), and such an entry simply cannot be a known referrer.
 */
export async function findReferrers(
  manifests: readonly Descriptor[],
  subject: Digest,
  artifactType: string | undefined,
  readManifest: (entry: Descriptor) => Promise<Uint8Array | undefined>,
  where: string,
): Promise<Descriptor[]> {
  const seen = new Set<string>();
  const out: Descriptor[] = [];
  for (const entry of manifests) {
    if (seen.has(entry.digest)) continue;
    seen.add(entry.digest);
    const bytes = await readManifest(entry);
    if (bytes === undefined) continue;
    const f = readManifestFields(bytes, `${where}${entry.digest}`);
    if (f.subject !== subject) continue;
    const type = f.artifactType ?? f.configMediaType;
    if (artifactType !== undefined && type !== artifactType) continue;
    out.push({
      mediaType: entry.mediaType,
      digest: entry.digest,
      size: entry.size,
      ...(f.annotations === undefined ? {} : { annotations: f.annotations }),
      ...(type === undefined ? {} : { artifactType: type }),
    });
  }
  return out;
}
