// A release that is already published from this commit: the second run of one release (a release
// event and its tag push, a dispatch of a tag already released) finds it done instead of failing on
// the immutable version. Its version tags all name one index, built from the same revision as this
// plan; a build that is not byte-for-byte reproducible gives this run another index digest, and
// moving the tags to it would change a published release, so the image is left as it is.
import { isDigest, type Digest } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import type { ImageTags } from './move-tags.js';

export const REVISION = 'org.opencontainers.image.revision';
export const VERSION = 'org.opencontainers.image.version';

/** An image whose version is already published from this plan's commit. */
export interface AlreadyReleased {
  readonly image: string;
  /** The index its version tags name in every repository. */
  readonly digest: Digest;
  readonly revision: string;
}

/**
 * The images whose version tags name, in every repository they go to, one index other than this
 * plan's, whose revision and version annotations are this plan's. Any other state (a tag missing
 * somewhere, two digests, another commit) is not a finished release and is left to the
 * released-version gate.
 */
export async function alreadyReleased(images: readonly ImageTags[], signal?: AbortSignal): Promise<AlreadyReleased[]> {
  const found: AlreadyReleased[] = [];
  for (const { work: w, repositories } of images) {
    const live = repositories.filter((r) => r.store !== undefined);
    if (w.plan.versionTags.length === 0 || live.length === 0) continue;
    const named = live.flatMap((r) => r.changes.filter((c) => w.plan.versionTags.includes(c.tag)));
    const digests = new Set(named.map((c) => (c.how === 'moved' ? c.was : undefined)));
    const digest = [...digests][0];
    if (digests.size !== 1 || digest === undefined || !isDigest(digest) || named.length !== live.length * w.plan.versionTags.length)
      continue;
    const mine = annotationsOf(w.plan.index.bytes);
    const revision = mine[REVISION];
    if (revision === undefined) continue;
    const theirs = annotationsOf((await live[0]!.store!.fetchManifest(digest, { signal })).bytes);
    if (theirs[REVISION] === revision && theirs[VERSION] === mine[VERSION]) found.push({ image: w.plan.name, digest, revision });
  }
  return found;
}

function annotationsOf(bytes: Uint8Array): Readonly<Record<string, string>> {
  const { manifest } = parseManifest(bytes);
  return ('annotations' in manifest ? manifest.annotations : undefined) ?? {};
}
