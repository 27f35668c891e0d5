import { join } from 'node:path';
import { REF_NAME_ANNOTATION, type Descriptor } from '../oci/descriptor.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import type { DirectoryLocks } from './locks.js';
import { isObject } from './manifest-fields.js';
import { readRegularFile } from './no-follow.js';

/**
 * A layout's `index.json` (image-spec image-layout.md#indexjson-file). `fields` keeps the
 * top-level members as read (mediaType, annotations, unknown extensions) and each entry keeps
 * its unknown members, so rewriting the file changes only what gantry meant to change.
 */
export interface IndexJson {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly manifests: readonly Descriptor[];
}

export function indexJsonPath(root: string): string {
  return join(root, 'index.json');
}

/** Validates index.json: schemaVersion 2 and a `manifests` array of descriptors with valid digests. */
export function parseIndexJson(text: string, where: string): IndexJson {
  const invalid = (why: string, cause?: unknown) => new OciError('MANIFEST_INVALID', `${where}: ${why}`, { cause });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err: unknown) {
    throw invalid('not valid JSON', err);
  }
  if (!isObject(doc)) throw invalid('not a JSON object');
  if (doc['schemaVersion'] !== 2) throw invalid(`schemaVersion is ${JSON.stringify(doc['schemaVersion'])}, expected 2`);
  const list = doc['manifests'];
  if (!Array.isArray(list)) throw invalid('manifests is not an array');
  const manifests = list.map((entry: unknown, i) => {
    const why = descriptorProblem(entry);
    if (why !== undefined) throw invalid(`manifests[${i}]: ${why}`);
    return entry as Descriptor;
  });
  const { manifests: _omit, ...fields } = doc;
  return { fields, manifests };
}

/**
 * Compact JSON, no trailing newline, members in the order of the Go image-spec structs, as
 * skopeo (containers/image) and umoci write it: `{"schemaVersion":2,"manifests":[...]}`, plus
 * `mediaType`, `annotations` and any other top-level members the file already had.
 */
export function serializeIndexJson(index: IndexJson): string {
  const { schemaVersion: _v, mediaType, artifactType, subject, annotations, ...rest } = index.fields;
  return JSON.stringify({
    schemaVersion: 2,
    ...(mediaType === undefined ? {} : { mediaType }),
    ...(artifactType === undefined ? {} : { artifactType }),
    manifests: index.manifests,
    ...(subject === undefined ? {} : { subject }),
    ...(annotations === undefined ? {} : { annotations }),
    ...rest,
  });
}

/** Reads and validates index.json; never through a symlink (LAYOUT_INVALID). */
export async function readIndexJson(root: string): Promise<IndexJson> {
  const path = indexJsonPath(root);
  const text = await readRegularFile(path);
  if (text === undefined) {
    throw new OciError('NOT_FOUND', `${root} is not a complete OCI image layout: ${path} is missing`, { userError: true });
  }
  return parseIndexJson(text, path);
}

/**
 * Read-modify-write of index.json under the directory's lock (`key`, the absolute path), written atomically (temp file +
 * rename). `mutate` returns the new entry list, or undefined to leave the file untouched.
 * Returns whether the file was written.
 */
export async function updateIndexJson(
  root: string,
  o: { readonly locks: DirectoryLocks; readonly key: string; readonly fsync: boolean },
  mutate: (manifests: readonly Descriptor[]) => readonly Descriptor[] | undefined,
): Promise<boolean> {
  return o.locks.run(o.key, async () => {
    const index = await readIndexJson(root);
    const manifests = mutate(index.manifests);
    if (manifests === undefined) return false;
    const text = serializeIndexJson({ fields: index.fields, manifests });
    await writeFileAtomic(indexJsonPath(root), [Buffer.from(text)], { fsync: o.fsync });
    return true;
  });
}

export function refNameOf(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME_ANNOTATION];
}

/**
 * An index.json entry for a manifest: `{mediaType, digest, size, annotations?, platform?, artifactType?}`,
 * in the member order of the Go `Descriptor` struct, like skopeo's entries.
 */
export function createIndexEntry(desc: Descriptor, tag?: string): Descriptor {
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(tag === undefined ? {} : { annotations: { [REF_NAME_ANNOTATION]: tag } }),
    ...(desc.platform === undefined ? {} : { platform: desc.platform }),
    ...(desc.artifactType === undefined ? {} : { artifactType: desc.artifactType }),
  };
}

/**
 * Gives `tag` to `entry`, as containers/image `addManifest` does: drop every entry that carries
 * the tag, then replace an untagged entry with the same digest in place, or else append.
 */
export function withTag(manifests: readonly Descriptor[], entry: Descriptor, tag: string): Descriptor[] {
  const out = manifests.filter((m) => refNameOf(m) !== tag);
  const i = out.findIndex((m) => m.digest === entry.digest && refNameOf(m) === undefined);
  if (i >= 0) out[i] = entry;
  else out.push(entry);
  return out;
}

/** Adds an untagged entry unless some entry already names that digest; undefined when nothing changes. */
export function withUntagged(manifests: readonly Descriptor[], entry: Descriptor): Descriptor[] | undefined {
  if (manifests.some((m) => m.digest === entry.digest)) return undefined;
  return [...manifests, entry];
}

/** Removes the entries with this tag or digest; undefined when none matched. */
export function without(manifests: readonly Descriptor[], ref: string | Digest): Descriptor[] | undefined {
  const byDigest = isDigest(ref);
  const out = manifests.filter((m) => (byDigest ? m.digest !== ref : refNameOf(m) !== ref));
  return out.length === manifests.length ? undefined : out;
}

/** Why `v` is not a usable descriptor, or undefined. Unknown media types are fine (image-layout.md#indexjson-file). */
function descriptorProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not an object';
  if (typeof v['mediaType'] !== 'string') return 'mediaType is missing';
  if (typeof v['digest'] !== 'string' || !isDigest(v['digest'])) return `invalid digest ${JSON.stringify(v['digest'])}`;
  const size = v['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return `invalid size ${JSON.stringify(size)}`;
  const ann = v['annotations'];
  if (ann !== undefined && (!isObject(ann) || !Object.values(ann).every((x) => typeof x === 'string'))) {
    return 'annotations must map strings to strings';
  }
  const p = v['platform'];
  if (p !== undefined && (!isObject(p) || typeof p['os'] !== 'string' || typeof p['architecture'] !== 'string')) {
    return 'platform needs string os and architecture';
  }
  return undefined;
}
