import type { Descriptor } from './descriptor.js';
import type { Digest } from './digest.js';

/** Progress and cancellation passed down to one operation. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Called with the number of new bytes moved, for progress displays. */
  readonly onProgress?: ((bytes: number) => void) | undefined;
  /**
   * The retries of the operation this call belongs to (src/async/retry.ts RetryBudget): a store
   * that retries takes from it, so that retries at several levels share one budget.
   */
  readonly retryBudget?: RetryAllowance | undefined;
}

/** What a store needs of a retry budget (implemented by src/async/retry.ts RetryBudget). */
export interface RetryAllowance {
  readonly retries: number;
  readonly policy: { readonly attempts: number };
  /** Takes one retry: false when none is left. */
  take(): boolean;
  /** The wait before the retry just taken. */
  delayMs(retryAfterMs?: number): number;
}

/** A manifest's exact bytes and its descriptor (digest of exactly these bytes). */
export interface ManifestBytes {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

/**
 * One repository of content: a repository in a registry, or an OCI image layout directory.
 * Copy, publish, sign and attest are written once against this interface.
 *
 * Every read is verified against digest and size before it is trusted; every write is
 * verified before it becomes visible.
 */
export interface Store {
  /** Human-readable name: `host/repo` or `oci:/path`. Never contains credentials. */
  readonly name: string;
  /** Resolves a tag or digest to the descriptor of the manifest it names. Throws NOT_FOUND. */
  resolve(reference: string, o?: CallOptions): Promise<Descriptor>;
  /** Fetches a manifest by tag or digest; its bytes are verified against the digest. */
  fetchManifest(reference: string | Descriptor, o?: CallOptions): Promise<ManifestBytes>;
  /** Streams a blob; the stream throws DIGEST_MISMATCH/SIZE_MISMATCH before its end if the bytes are wrong. */
  fetchBlob(desc: Descriptor, o?: CallOptions): Promise<AsyncIterable<Uint8Array>>;
  /** True when the blob is present. */
  blobExists(desc: Descriptor, o?: CallOptions): Promise<boolean>;
  /** Stores a blob, verifying its digest and size as it streams in. A present blob is not written again. */
  pushBlob(desc: Descriptor, body: AsyncIterable<Uint8Array> | Uint8Array, o?: CallOptions): Promise<void>;
  /** True when the manifest is present (by digest). */
  manifestExists(desc: Descriptor, o?: CallOptions): Promise<boolean>;
  /**
   * Stores a manifest's exact bytes, by digest, or under `tag` when given. Children and blobs
   * it references must have been pushed before.
   */
  pushManifest(manifest: ManifestBytes, tag?: string, o?: CallOptions): Promise<void>;
  /** Lists tags in lexical order. */
  listTags(o?: CallOptions): Promise<string[]>;
  /** Manifests whose `subject` is `subject`, optionally only those of one artifact type. */
  referrers(subject: Digest, artifactType?: string, o?: CallOptions): Promise<Descriptor[]>;
}

/** Optional capability: a registry repository that can mount blobs from a sibling repository. */
export interface BlobMounter {
  /** The registry host; mounts only work between repositories of the same host. */
  readonly host: string;
  /** The repository path inside the host. */
  readonly repository: string;
  /** Mounts a blob from `fromRepository`; false when the registry did not mount it. */
  mountBlob(desc: Descriptor, fromRepository: string, o?: CallOptions): Promise<boolean>;
}

export function isBlobMounter(s: Store): s is Store & BlobMounter {
  return typeof (s as Partial<BlobMounter>).mountBlob === 'function';
}

/** Optional capability: a store that can delete manifests (registry DELETE, layout index entry removal). */
export interface ManifestDeleter {
  deleteManifest(reference: string, o?: CallOptions): Promise<void>;
}
