// Tags last: every tag of every repository, moved only after every image's content is confirmed
// everywhere (and every attach step has run). A tag already at the index is left alone.
//
// Before any content moves, publish reads where each planned tag points (readTags): a tag that
// names the version whole (1.2.3, v1.2.3) and points at other content is a published release,
// refused unless the release is overwritten on purpose (versionTagConflicts). The tags of one
// repository move one after the other, version tags first and `latest` last; repositories move at
// the same time. When a repository still refuses a tag after the transport's retries, the tags
// already moved everywhere go back to where they were (rollback-tags.ts).
import type { Digest } from '../oci/digest.js';
import { GantryError, OciError } from '../oci/errors.js';
import type { Store } from '../oci/store.js';
import type { GateResult, PlatformFacts } from './gates.js';
import { rollBackTags, type RepositoryState } from './rollback-tags.js';
import { liveTargets, type ImageWork, type TagChange } from './targets.js';

export type { TagChange } from './targets.js';

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

/** The planned tags of one repository, read before anything moves. */
export interface RepositoryTags {
  readonly repository: string;
  /** Undefined when the repository is skipped (or the image is not pushed). */
  readonly store?: Store;
  readonly skipped?: string;
  /** Each planned tag and what publishing does to it, in the order tags move (version tags first, `latest` last). */
  readonly changes: readonly TagChange[];
  /** The image's index was in the repository before this publish: a rollback never deletes it. */
  readonly indexExisted: boolean;
}

/** One image's tags in each of its repositories. */
export interface ImageTags {
  readonly work: ImageWork;
  readonly repositories: readonly RepositoryTags[];
}

/** A version tag that already names other content: the release was published before, differently. */
export interface VersionTagConflict {
  readonly image: string;
  readonly repository: string;
  readonly tag: string;
  /** The digest it points at now. */
  readonly has: string;
  /** The digest this release would move it to. */
  readonly would: string;
}

export interface ReadTagsOptions {
  readonly dryRun: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** Reads where every planned tag of every image points now (a HEAD per tag), before any content moves. */
export async function readTags(work: readonly ImageWork[], o: ReadTagsOptions): Promise<ImageTags[]> {
  return Promise.all(
    work.map(async (w): Promise<ImageTags> => {
      const live = new Set(liveTargets(w).map((t) => t.repository));
      const now = w.plan.index.descriptor.digest;
      const order = [...w.plan.versionTags, ...w.plan.tags.filter((t) => !w.plan.versionTags.includes(t))];
      const repositories = await Promise.all(
        w.targets.map(async (t): Promise<RepositoryTags> => {
          if (!t.store || !live.has(t.repository)) {
            return { repository: t.repository, skipped: t.skipped ?? 'not pushed (pull request)', changes: [], indexExisted: false };
          }
          const store = t.store;
          // A dry run may lack the credentials to read: then every tag shows as created.
          const readable = o.dryRun ? await canRead(store) : true;
          const changes = await Promise.all(
            order.map(async (tag): Promise<TagChange> => {
              const was = readable ? await currentDigest(store, tag, o.signal) : undefined;
              if (was === now) return { tag, how: 'unchanged' };
              return was === undefined ? { tag, how: 'created' } : { tag, how: 'moved', was };
            }),
          );
          const indexExisted = readable ? await store.manifestExists(w.plan.index.descriptor, { signal: o.signal }) : false;
          return { repository: t.repository, store, changes, indexExisted };
        }),
      );
      return { work: w, repositories };
    }),
  );
}

/** The version tags that point at other content than this release's index. */
export function versionTagConflicts(images: readonly ImageTags[]): VersionTagConflict[] {
  return images.flatMap(({ work: w, repositories }) =>
    repositories.flatMap((r) =>
      r.changes
        .filter((c) => c.how === 'moved' && w.plan.versionTags.includes(c.tag))
        .map((c) => ({ image: w.plan.name, repository: r.repository, tag: c.tag, has: c.was!, would: w.plan.index.descriptor.digest })),
    ),
  );
}

/** The result of each image as planned (before, or instead of, moving its tags). */
export function imageResults(images: readonly ImageTags[]): ImageResult[] {
  return images.map(({ work: w, repositories }) => ({
    name: w.plan.name,
    digest: w.plan.index.descriptor.digest,
    platforms: w.facts,
    repositories: repositories.map((r) => ({ repository: r.repository, ...(r.skipped ? { skipped: r.skipped } : {}), tags: r.changes })),
    gates: w.gates,
  }));
}

/** A repository refused tags and the rollback ran: `states` says where every planned tag points now. */
export class TagsNotMoved extends GantryError<'TAGS_NOT_MOVED'> {
  readonly states: readonly RepositoryState[];
  constructor(message: string, states: readonly RepositoryState[], cause: unknown) {
    super('TAGS_NOT_MOVED', message, { cause });
    this.states = states;
  }
}

export interface MoveTagsOptions {
  readonly dryRun: boolean;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * Moves (or, in a dry run, reports) the tags read by readTags; `changed` when any tag moved. When
 * a repository refuses a tag, every tag already moved in every repository is rolled back and
 * TagsNotMoved reports each repository's state.
 */
export async function moveTags(images: readonly ImageTags[], o: MoveTagsOptions): Promise<{ images: ImageResult[]; changed: boolean }> {
  const changed = images.some((i) => i.repositories.some((r) => r.changes.some((c) => c.how !== 'unchanged')));
  if (o.dryRun) return { images: imageResults(images), changed };
  const moves = images.flatMap((i) =>
    i.repositories.flatMap((r) => (r.store ? [{ ...r, store: r.store, index: i.work.plan.index, applied: [] as TagChange[] }] : [])),
  );
  const failures: { repository: string; tag: string; error: unknown }[] = [];
  await Promise.all(
    moves.map(async (m) => {
      for (const c of m.changes) {
        if (c.how === 'unchanged') continue;
        try {
          await m.store.pushManifest(m.index, c.tag, { signal: o.signal });
        } catch (error) {
          failures.push({ repository: m.repository, tag: c.tag, error });
          return;
        }
        m.applied.push(c);
      }
    }),
  );
  if (failures.length === 0) return { images: imageResults(images), changed };

  const states = await rollBackTags(moves, o);
  const why = failures.map((f) => `  - ${f.repository}:${f.tag}: ${(f.error as Error).message ?? String(f.error)}`).join('\n');
  const state = states.map((s) => `  - ${s.repository}: ${s.summary}`).join('\n');
  throw new TagsNotMoved(
    `tags not moved: ${failures.length === 1 ? 'a repository' : 'repositories'} refused a tag after retries, so the tags moved elsewhere were rolled back:\n${why}\nwhere every planned tag points now:\n${state}\nthe content is in place; run the publish again to move the tags`,
    states,
    failures[0]!.error,
  );
}

async function currentDigest(store: Store, tag: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await store.resolve(tag, { signal })).digest;
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
