// Rolling tags back when a repository refused a tag: a release is tagged in every repository or in
// none. Tags that moved go back to the digest they had (read before publishing); tags that were
// created are deleted where the registry allows it. distribution 2.x refuses DELETE of a tag
// (DIGEST_INVALID: it deletes manifests by digest only, and untags every tag of that digest), so
// when the index was new to the repository, deleting the index by digest removes exactly the tags
// this publish created; the content stays, and a rerun pushes the index again. A registry that
// allows no deletes at all (distribution without storage.delete.enabled: UNSUPPORTED) keeps the
// created tags, and the report says so.
import { OciError } from '../oci/errors.js';
import type { CallOptions, ManifestBytes, ManifestDeleter, Store } from '../oci/store.js';
import type { TagChange } from './targets.js';

/** Where one planned tag points after the rollback. */
export interface TagState {
  readonly tag: string;
  /** Absent when the tag does not exist. */
  readonly digest?: string;
  /** Where it pointed before publishing (absent: it did not exist). */
  readonly before?: string;
  /** The state could not be read. */
  readonly error?: string;
}

/** One repository after a rollback: every planned tag, and what could not be put back. */
export interface RepositoryState {
  readonly repository: string;
  readonly tags: readonly TagState[];
  /** Tags the rollback could not restore, and why. */
  readonly problems: readonly string[];
  /** The state for people, one line. */
  readonly summary: string;
}

/** The tags one repository was to get, and the changes that were applied there. */
export interface AppliedMoves {
  readonly repository: string;
  readonly store: Store;
  /** The image's index, which the tags were moved to. */
  readonly index: ManifestBytes;
  /** Every planned tag and what publishing was to do to it. */
  readonly changes: readonly TagChange[];
  /** The index was in the repository before this publish. */
  readonly indexExisted: boolean;
  /** The changes that were made. */
  readonly applied: readonly TagChange[];
}

/** Puts every applied change back, in every repository, and reads where each planned tag points now. */
export async function rollBackTags(
  moves: readonly AppliedMoves[],
  o: { readonly signal?: AbortSignal | undefined; readonly log?: ((line: string) => void) | undefined },
): Promise<RepositoryState[]> {
  const log = o.log ?? (() => undefined);
  const call: CallOptions = { signal: o.signal };
  return Promise.all(
    moves.map(async (m): Promise<RepositoryState> => {
      const where = m.repository;
      const problems: string[] = [];
      const created: string[] = [];
      for (const c of [...m.applied].reverse()) {
        if (c.how === 'created') created.push(c.tag);
        if (c.how !== 'moved') continue;
        try {
          await m.store.pushManifest(await m.store.fetchManifest(c.was!, call), c.tag, call);
          log(`rollback: ${where}:${c.tag} back at ${c.was}`);
        } catch (e) {
          problems.push(`${c.tag}: not put back at ${c.was}: ${message(e)}`);
        }
      }
      if (created.length > 0) problems.push(...(await deleteCreated(m, created, call, log)));
      const tags = await Promise.all(m.changes.map((c) => readState(m.store, c, m.index.descriptor.digest, call)));
      return { repository: where, tags, problems, summary: summarize(tags, problems) };
    }),
  );
}

/** Deletes the tags this publish created; returns what could not be deleted. */
async function deleteCreated(
  m: AppliedMoves,
  created: readonly string[],
  call: CallOptions,
  log: (line: string) => void,
): Promise<string[]> {
  const where = m.repository;
  const store = m.store;
  if (!isManifestDeleter(store)) return [`${created.join(', ')}: left in place (this store cannot delete tags)`];
  let refused: unknown;
  for (const tag of created) {
    try {
      await store.deleteManifest(tag, call);
      log(`rollback: ${where}:${tag} deleted`);
    } catch (e) {
      if (e instanceof OciError && e.code === 'NOT_FOUND') continue;
      refused = e;
      break;
    }
  }
  if (refused === undefined) return [];
  const left = [];
  for (const tag of created) if (await exists(store, tag, call)) left.push(tag);
  if (left.length === 0) return [];
  // The registry deletes no tag by name (distribution 2.x). An index that was not in the repository
  // before this publish is named only by the tags this publish created: deleting it removes them.
  if (!m.indexExisted) {
    const digest = m.index.descriptor.digest;
    try {
      await store.deleteManifest(digest, call);
      log(
        `rollback: ${where}: the registry deletes no tag by name, so the new index ${digest} was deleted, and with it ${left.join(', ')}`,
      );
      return [];
    } catch (e) {
      return [
        `${left.join(', ')}: left in place: the registry deletes neither the tag (${message(refused)}) nor the index (${message(e)})`,
      ];
    }
  }
  return [`${left.join(', ')}: left in place: the registry does not delete tags (${message(refused)})`];
}

async function readState(store: Store, c: TagChange, index: string, call: CallOptions): Promise<TagState> {
  const before = c.how === 'moved' ? c.was : c.how === 'unchanged' ? index : undefined;
  try {
    return { tag: c.tag, digest: (await store.resolve(c.tag, call)).digest, ...(before ? { before } : {}) };
  } catch (e) {
    if (e instanceof OciError && e.code === 'NOT_FOUND') return { tag: c.tag, ...(before ? { before } : {}) };
    return { tag: c.tag, ...(before ? { before } : {}), error: message(e) };
  }
}

function summarize(tags: readonly TagState[], problems: readonly string[]): string {
  const asBefore = tags.every((t) => t.error === undefined && t.digest === t.before);
  const each = tags.map((t) => {
    const now = t.error !== undefined ? `unknown (${t.error})` : t.digest === undefined ? 'absent' : `at ${t.digest}`;
    return `${t.tag} ${now}${asBefore || t.digest === t.before ? '' : ' (NOT as before)'}`;
  });
  return `${asBefore ? 'as before publishing' : 'NOT as before publishing'}: ${each.join(', ')}${problems.length ? `; ${problems.join('; ')}` : ''}`;
}

async function exists(store: Store, tag: string, call: CallOptions): Promise<boolean> {
  try {
    await store.resolve(tag, call);
    return true;
  } catch {
    return false;
  }
}

function isManifestDeleter(s: Store): s is Store & ManifestDeleter {
  return typeof (s as Partial<ManifestDeleter>).deleteManifest === 'function';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}
