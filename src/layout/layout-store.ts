import { resolve as resolvePath } from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { digestAlgorithm, digestOf, isDigest, type Digest } from '../oci/digest.js';
import { OciError } from '../oci/errors.js';
import type { CallOptions, ManifestBytes, ManifestDeleter, Store } from '../oci/store.js';
import { MANIFEST_SIZE_LIMIT, blobFileSize, hasBlob, openBlob, readBlobBytes, writeBlob, type BlobBody } from './blob.js';
import { createIndexEntry, readIndexJson, refNameOf, updateIndexJson, withTag, withUntagged, without } from './index-json.js';
import { DirectoryLocks } from './locks.js';
import { readManifestFields, type ManifestFields } from './manifest-fields.js';
import { ensureLayout } from './oci-layout.js';
import { findReferrers } from './referrers.js';
import { assertLayoutTag, assertRefName } from './tag.js';

export interface OpenLayoutOptions {
  /** Create the layout when `dir` has no `oci-layout` file (the directory itself may be missing too). */
  readonly create?: boolean;
  /** fsync blobs and index.json before renaming them into place. Default true. */
  readonly fsync?: boolean;
  /**
   * Locks serializing index.json updates. Pass one shared instance when the same directory is
   * opened more than once in a process; by default each store has its own.
   */
  readonly locks?: DirectoryLocks;
}

/** Opens (or, with `create`, creates) an OCI image layout directory as a Store. */
export async function openLayout(dir: string, opts: OpenLayoutOptions = {}): Promise<LayoutStore> {
  const fsync = opts.fsync ?? true;
  await ensureLayout(dir, { create: opts.create ?? false, fsync });
  return new LayoutStore(dir, { fsync, locks: opts.locks ?? new DirectoryLocks() });
}

/**
 * An OCI image layout (image-spec image-layout.md) as a Store: blobs and manifests under
 * `blobs/<alg>/<hex>`, tags as `org.opencontainers.image.ref.name` on index.json entries.
 * Interoperates with skopeo `oci:<dir>:<tag>`, umoci and oras.
 */
export class LayoutStore implements Store, ManifestDeleter {
  readonly name: string;
  readonly dir: string;
  readonly #fsync: boolean;
  readonly #locks: DirectoryLocks;
  readonly #lockKey: string;

  /** Use `openLayout`, which checks the directory first. */
  constructor(dir: string, o: { readonly fsync: boolean; readonly locks: DirectoryLocks }) {
    this.dir = dir;
    this.name = `oci:${dir}`;
    this.#fsync = o.fsync;
    this.#locks = o.locks;
    this.#lockKey = resolvePath(dir);
  }

  async resolve(reference: string, o: CallOptions = {}): Promise<Descriptor> {
    o.signal?.throwIfAborted();
    if (isDigest(reference)) return this.#resolveDigest(reference, o);
    assertRefName(reference);
    const { manifests } = await readIndexJson(this.dir);
    const found = manifests.find((m) => refNameOf(m) === reference);
    if (found !== undefined) return found;
    const tags = tagsOf(manifests);
    const shown = tags.length > 20 ? `${tags.slice(0, 20).join(', ')}, … (${tags.length} in all)` : tags.join(', ');
    throw new OciError(
      'NOT_FOUND',
      `${this.name}: no tag ${JSON.stringify(reference)}; ` + (tags.length === 0 ? 'the layout has no tags' : `available tags: ${shown}`),
    );
  }

  async fetchManifest(reference: string | Descriptor, o: CallOptions = {}): Promise<ManifestBytes> {
    const descriptor = typeof reference === 'string' ? await this.resolve(reference, o) : reference;
    const bytes = await readBlobBytes(this.dir, descriptor, MANIFEST_SIZE_LIMIT, {
      ...o,
      where: this.#where,
      what: 'manifest',
    });
    return { descriptor, bytes };
  }

  async fetchBlob(desc: Descriptor, o: CallOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    o.signal?.throwIfAborted();
    return openBlob(this.dir, desc, { ...o, where: this.#where });
  }

  async blobExists(desc: Descriptor, o: CallOptions = {}): Promise<boolean> {
    o.signal?.throwIfAborted();
    return hasBlob(this.dir, desc);
  }

  /**
   * Stores a blob. When it is already present the body is not read (an iterable body is closed);
   * pass a function as body to not even open the source in that case.
   */
  async pushBlob(desc: Descriptor, body: BlobBody, o: CallOptions = {}): Promise<void> {
    await writeBlob(this.dir, desc, body, { ...o, fsync: this.#fsync, where: this.#where });
  }

  async manifestExists(desc: Descriptor, o: CallOptions = {}): Promise<boolean> {
    return this.blobExists(desc, o);
  }

  /**
   * Writes the manifest blob, then with `tag` points exactly one index.json entry at it; without
   * a tag, a manifest with a `subject` gets an untagged entry so `referrers` can find it (as oras does).
   */
  async pushManifest(manifest: ManifestBytes, tag?: string, o: CallOptions = {}): Promise<void> {
    const { descriptor, bytes } = manifest;
    if (tag !== undefined) assertLayoutTag(tag);
    o.signal?.throwIfAborted();
    const fields = this.#checkManifest(manifest);
    await this.#assertChildrenPresent(descriptor, fields, o);
    await writeBlob(this.dir, descriptor, bytes, { ...o, fsync: this.#fsync, where: this.#where });
    if (tag !== undefined) {
      const entry = createIndexEntry(descriptor, tag);
      await this.#updateIndex((ms) => withTag(ms, entry, tag));
    } else if (fields.subject !== undefined) {
      const entry = createIndexEntry(descriptor);
      await this.#updateIndex((ms) => withUntagged(ms, entry));
    }
  }

  async listTags(o: CallOptions = {}): Promise<string[]> {
    o.signal?.throwIfAborted();
    return tagsOf((await readIndexJson(this.dir)).manifests);
  }

  async referrers(subject: Digest, artifactType?: string, o: CallOptions = {}): Promise<Descriptor[]> {
    o.signal?.throwIfAborted();
    const { manifests } = await readIndexJson(this.dir);
    return findReferrers(
      manifests,
      subject,
      artifactType,
      async (entry) => {
        // Entries too big to be manifests, or whose blob is absent, cannot be known referrers.
        if (entry.size > MANIFEST_SIZE_LIMIT || !(await hasBlob(this.dir, entry))) return undefined;
        return (await this.fetchManifest(entry, o)).bytes;
      },
      this.#where,
    );
  }

  /** Removes the index.json entries with this tag or digest. Blobs stay (a later gc may prune them). */
  async deleteManifest(reference: string, o: CallOptions = {}): Promise<void> {
    o.signal?.throwIfAborted();
    const byDigest = isDigest(reference);
    if (!byDigest) assertRefName(reference);
    const changed = await this.#updateIndex((ms) => without(ms, reference));
    if (!changed && !(byDigest && (await blobFileSize(this.dir, reference, this.#where)) !== undefined)) {
      throw new OciError('NOT_FOUND', `${this.#where}no manifest ${JSON.stringify(reference)} to delete`);
    }
  }

  /** Checks manifest bytes before anything is written: writeBlob would not look at them when the blob exists. */
  #checkManifest({ descriptor: d, bytes }: ManifestBytes): ManifestFields {
    const at = `${this.#where}manifest ${d.digest}`;
    if (bytes.byteLength > MANIFEST_SIZE_LIMIT) {
      throw new OciError('MANIFEST_TOO_LARGE', `${at} is ${bytes.byteLength} bytes, over the ${MANIFEST_SIZE_LIMIT}-byte limit`);
    }
    if (bytes.byteLength !== d.size) {
      throw new OciError('SIZE_MISMATCH', `${at}: got ${bytes.byteLength} bytes, the descriptor says ${d.size}`);
    }
    const got = digestOf(bytes, digestAlgorithm(d.digest));
    if (got !== d.digest) throw new OciError('DIGEST_MISMATCH', `${at}: the bytes have digest ${got}`);
    const fields = readManifestFields(bytes, at);
    // Registries refuse a Content-Type that differs from the mediaType field; so do we.
    if (fields.mediaType !== undefined && fields.mediaType !== d.mediaType) {
      throw new OciError('MANIFEST_INVALID', `${at} has mediaType ${fields.mediaType} but its descriptor says ${d.mediaType}`);
    }
    return fields;
  }

  /**
   * A manifest goes in only after everything it names, as a registry checks (distribution's
   * MANIFEST_BLOB_UNKNOWN): a tag never points at an image with a blob missing.
   */
  async #assertChildrenPresent(d: Descriptor, fields: ManifestFields, o: CallOptions): Promise<void> {
    o.signal?.throwIfAborted();
    const needed = fields.children.filter((c) => !c.foreign);
    const present = await Promise.all(needed.map((c) => hasBlob(this.dir, c)));
    const missing = needed.filter((_, i) => !present[i]);
    if (missing.length === 0) return;
    const listed = missing.slice(0, 5).map((c) => `${c.path} ${c.digest} (${c.mediaType || 'no mediaType'})`);
    const more = missing.length > listed.length ? `, and ${missing.length - listed.length} more` : '';
    throw new OciError(
      'NOT_FOUND',
      `${this.#where}manifest ${d.digest} names content the layout does not have: ${listed.join(', ')}${more}; ` +
        'push the blobs and child manifests before the manifest that names them (gantry copy does)',
    );
  }

  get #where(): string {
    return `${this.name}: `;
  }

  #updateIndex(mutate: (ms: readonly Descriptor[]) => readonly Descriptor[] | undefined): Promise<boolean> {
    return updateIndexJson(this.dir, { locks: this.#locks, fsync: this.#fsync, key: this.#lockKey }, mutate);
  }

  async #resolveDigest(digest: Digest, o: CallOptions): Promise<Descriptor> {
    const { manifests } = await readIndexJson(this.dir);
    const entry = manifests.find((m) => m.digest === digest);
    if (entry !== undefined) return entry;
    // Not in index.json: a child manifest of an index, or an untagged push. Read it to learn its type.
    const size = await blobFileSize(this.dir, digest, this.#where);
    if (size === undefined) throw new OciError('NOT_FOUND', `${this.#where}no manifest ${digest}`);
    const probe = { mediaType: 'application/octet-stream', digest, size };
    const bytes = await readBlobBytes(this.dir, probe, MANIFEST_SIZE_LIMIT, { ...o, where: this.#where, what: 'manifest' });
    const f = readManifestFields(bytes, `${this.#where}${digest}`);
    const mediaType = f.mediaType ?? f.shapeMediaType;
    if (mediaType === undefined) {
      throw new OciError(
        'MANIFEST_INVALID',
        `${this.#where}${digest} is not a manifest or index (no mediaType field; neither manifests nor config and layers)`,
      );
    }
    return { mediaType, digest, size };
  }
}

function tagsOf(manifests: readonly Descriptor[]): string[] {
  const tags = new Set<string>();
  for (const m of manifests) {
    const t = refNameOf(m);
    if (t !== undefined) tags.add(t);
  }
  return [...tags].sort();
}
