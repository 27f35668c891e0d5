// Tags last: every tag of every repository, moved only after every image's content is confirmed
// everywhere (and every attach step has run). A tag already at the index is left alone.
import type { Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import type { Store } from '../oci/store.js';
import type { GateResult, PlatformFacts } from './gates.js';
import type { ImageWork } from './targets.js';

export type TagChange = { readonly tag: string; readonly how: 'created' | 'moved' | 'unchanged'; readonly was?: string };

export interface RepositoryResult {
  readonly repository: string;
  /** Why it was skipped (an optional repository without credentials). */
  readonly skipped?: string;
  readonly tags: readonly TagChange[];
}

export interface ImageResult {
  readonly name: string;
  readonly digest: Digest;
  readonly platforms: readonly PlatformFacts[];
  readonly repositories: readonly RepositoryResult[];
  readonly gates: readonly GateResult[];
}

export interface MoveTagsOptions {
  readonly dryRun: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** Moves (or, in a dry run, reports) the tags of every image; `changed` when any tag moved. */
export async function moveTags(work: readonly ImageWork[], o: MoveTagsOptions): Promise<{ images: ImageResult[]; changed: boolean }> {
  let changed = false;
  const images = await Promise.all(
    work.map(async (w): Promise<ImageResult> => {
      const repositories = await Promise.all(
        w.targets.map(async (t): Promise<RepositoryResult> => {
          if (!t.store || !w.plan.push) return { repository: t.repository, skipped: t.skipped ?? 'not pushed (pull request)', tags: [] };
          const store = t.store;
          // Every tag of a repository at once: they all point at the same, already confirmed index.
          const readable = o.dryRun ? await canRead(store) : true;
          const tags = await Promise.all(
            w.plan.tags.map(async (tag): Promise<TagChange> => {
              const was = readable ? await currentDigest(store, tag) : undefined;
              const now = w.plan.index.descriptor.digest;
              if (was === now) return { tag, how: 'unchanged' };
              if (!o.dryRun) await store.pushManifest(w.plan.index, tag, { signal: o.signal });
              changed = true;
              return { tag, how: was ? 'moved' : 'created', ...(was ? { was } : {}) };
            }),
          );
          return { repository: t.repository, tags };
        }),
      );
      return { name: w.plan.name, digest: w.plan.index.descriptor.digest, platforms: w.facts, repositories, gates: w.gates };
    }),
  );
  return { images, changed };
}

async function currentDigest(store: Store, tag: string): Promise<string | undefined> {
  try {
    return (await store.resolve(tag)).digest;
  } catch (e) {
    if (e instanceof OciError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

async function canRead(store: Store): Promise<boolean> {
  try {
    await store.listTags();
    return true;
  } catch {
    return false;
  }
}
