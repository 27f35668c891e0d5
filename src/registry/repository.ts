import type { Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import type { BlobMounter, CallOptions, ManifestBytes, ManifestDeleter, Store } from '../oci/store.js';
import * as blob from './blob.js';
import type { RepoContext } from './repo-context.js';
import * as manifest from './manifests.js';
import { addToFallback, listReferrers, referrerDescriptor } from './referrers.js';
import { listTags, type ListTagsOptions } from './tags.js';

/** One repository of a registry, as a `Store` (OCI distribution-spec v1.1). */
export class RegistryRepository implements Store, BlobMounter, ManifestDeleter {
  readonly name: string;
  readonly host: string;
  readonly repository: string;
  readonly #ctx: RepoContext;
  readonly #fallbackLocks = new Map<string, Promise<void>>();

  constructor(ctx: RepoContext) {
    this.#ctx = ctx;
    this.host = ctx.host;
    this.repository = ctx.repository;
    this.name = `${ctx.host}/${ctx.repository}`;
  }

  async resolve(reference: string, o?: CallOptions): Promise<Descriptor> {
    const head = await manifest.headManifest(this.#ctx, reference, o);
    if (head) return head;
    // Some registries omit Docker-Content-Digest on HEAD: GET computes it from the bytes.
    return (await manifest.fetchManifest(this.#ctx, reference, o)).descriptor;
  }

  fetchManifest(reference: string | Descriptor, o?: CallOptions): Promise<ManifestBytes> {
    return manifest.fetchManifest(this.#ctx, typeof reference === 'string' ? reference : reference.digest, o);
  }

  fetchBlob(desc: Descriptor, o?: CallOptions): Promise<AsyncIterable<Uint8Array>> {
    return blob.fetchBlob(this.#ctx, desc, o);
  }

  blobExists(desc: Descriptor, o?: CallOptions): Promise<boolean> {
    return blob.blobExists(this.#ctx, desc, o);
  }

  pushBlob(desc: Descriptor, body: AsyncIterable<Uint8Array> | Uint8Array, o?: CallOptions): Promise<void> {
    return blob.pushBlob(this.#ctx, desc, body, o);
  }

  mountBlob(desc: Descriptor, fromRepository: string, o?: CallOptions): Promise<boolean> {
    return blob.mountBlob(this.#ctx, desc, fromRepository, o);
  }

  async manifestExists(desc: Descriptor, o?: CallOptions): Promise<boolean> {
    return (await manifest.headManifest(this.#ctx, desc.digest, o)) !== undefined;
  }

  async pushManifest(m: ManifestBytes, tag?: string, o?: CallOptions): Promise<void> {
    const { ociSubject } = await manifest.putManifest(this.#ctx, m, tag ?? m.descriptor.digest, o);
    const subject = manifest.manifestSubject(m.bytes);
    if (subject && !ociSubject) {
      // The registry has no referrers API: keep the tag-schema index up to date, one writer at a time.
      const prev = this.#fallbackLocks.get(subject) ?? Promise.resolve();
      const next = prev.catch(() => undefined).then(() => addToFallback(this.#ctx, subject, referrerDescriptor(m.descriptor, m.bytes), o));
      this.#fallbackLocks.set(subject, next);
      await next;
    }
  }

  /** Lists tags; `pageSize` sets `n` of each page (all pages are read, or REGISTRY_PROTOCOL past `maxPages`). */
  listTags(o?: ListTagsOptions): Promise<string[]> {
    return listTags(this.#ctx, o);
  }

  referrers(subject: Digest, artifactType?: string, o?: CallOptions): Promise<Descriptor[]> {
    return listReferrers(this.#ctx, subject, artifactType, o);
  }

  deleteManifest(reference: string, o?: CallOptions): Promise<void> {
    return manifest.deleteManifest(this.#ctx, reference, o);
  }
}
