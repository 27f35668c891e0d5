import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { PlanError } from './errors.js';
import { buildIndex, type BuiltIndex } from '../oci/manifest.js';
import { comparePlatforms, parsePlatform } from '../oci/platform.js';
import type { DigestRecord } from './digest-record.js';
import type { Plan } from './release.js';

/** A platform built (possibly on another machine): the fields of its digest record that publishing reads. */
export type BuiltPlatform = Pick<
  DigestRecord,
  'image' | 'platform' | 'digest' | 'size' | 'mediaType' | 'repository' | 'revision' | 'compressedSize'
>;

/** What publishing one image means: its index, where its platforms are, where it goes, its tags. */
export interface ImagePublishPlan {
  readonly name: string;
  /** The multi-arch index, built here; platforms in a stable order, annotations from the plan. */
  readonly index: BuiltIndex;
  readonly platforms: readonly (BuiltPlatform & { readonly descriptor: Descriptor })[];
  readonly repositories: readonly string[];
  readonly optionalRepositories: readonly string[];
  readonly tags: readonly string[];
  /** The tags among `tags` that name the version whole: they never move to other content unless the release is overwritten. */
  readonly versionTags: readonly string[];
  readonly push: boolean;
}

/**
 * Fans in the per-platform records: every planned platform of every image must be present, built
 * from this revision, exactly once; otherwise nothing is published and the error names what is
 * missing. Pure: records are read by the caller.
 */
export function planPublish(plan: Plan, records: readonly BuiltPlatform[]): ImagePublishPlan[] {
  const problems: string[] = [];
  const images = plan.images.map((img) => {
    const mine = records.filter((r) => r.image === img.name);
    const platforms: (BuiltPlatform & { descriptor: Descriptor })[] = [];
    for (const p of img.platforms) {
      const found = mine.filter((r) => r.platform === p);
      if (found.length === 0) {
        problems.push(
          `${img.name} ${p}: no build record (was \`gantry build --image ${img.name} --platform ${p}\` run, and its record downloaded?)`,
        );
        continue;
      }
      const here = found.filter((r) => r.revision === plan.revision);
      if (here.length === 0) {
        problems.push(
          `${img.name} ${p}: built from ${found[0]!.revision.slice(0, 12)}, not from this revision ${plan.revision.slice(0, 12)}`,
        );
        continue;
      }
      if (new Set(here.map((r) => r.digest)).size > 1) {
        problems.push(
          `${img.name} ${p}: ${here.length} different builds of this revision (${here.map((r) => r.digest.slice(7, 19)).join(', ')}); keep one record`,
        );
        continue;
      }
      const r = here[0]!;
      platforms.push({
        ...r,
        descriptor: { mediaType: r.mediaType, digest: parseDigest(r.digest), size: r.size, platform: parsePlatform(p) },
      });
    }
    for (const r of mine) {
      if (!img.platforms.includes(r.platform))
        problems.push(`${img.name} ${r.platform}: built, but not one of the image's platforms (${img.platforms.join(', ')})`);
    }
    platforms.sort((a, b) => comparePlatforms(a.descriptor.platform!, b.descriptor.platform!));
    return { img, platforms };
  });
  for (const r of records) {
    if (!plan.images.some((i) => i.name === r.image)) problems.push(`a record for image "${r.image}", which gantry.yml does not define`);
  }
  if (problems.length) {
    throw new PlanError(
      'PUBLISH_INCOMPLETE',
      `not publishing: the release is incomplete, so no tag moves anywhere:\n  - ${problems.join('\n  - ')}`,
      { userError: true },
    );
  }
  return images.map(({ img, platforms }) => ({
    name: img.name,
    index: buildIndex(
      platforms.map((p) => p.descriptor),
      { annotations: img.annotations },
    ),
    platforms,
    repositories: img.repositories,
    optionalRepositories: img.optionalRepositories,
    tags: img.tagNames,
    versionTags: img.versionTags,
    push: img.push,
  }));
}
