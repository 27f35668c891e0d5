// Getting one blob into the staging store: skip it when present, mount it when both stores are
// repositories of one registry, else stream it, retrying temporary failures with a fresh source.
import type { Descriptor } from '../../oci/descriptor.js';
import { backoffDelay, DEFAULT_RETRY, isTemporaryError, sleep, type RetryPolicy } from '../../async/retry.js';
import { isBlobMounter, type Store } from '../../oci/store.js';

export interface EnsureBlobOptions {
  /** Opens the blob's bytes; called again for every attempt. */
  readonly open: () => Promise<AsyncIterable<Uint8Array>> | AsyncIterable<Uint8Array> | Uint8Array;
  /** Where the blob already is, to mount from. */
  readonly from?: Store | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Makes sure `target` holds `desc`; returns how. */
export async function ensureBlob(target: Store, desc: Descriptor, o: EnsureBlobOptions): Promise<'present' | 'mounted' | 'pushed'> {
  const retry = o.retry ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    try {
      if (o.from === target || (await target.blobExists(desc, { signal: o.signal }))) return 'present';
      const from = o.from;
      if (
        from !== undefined &&
        isBlobMounter(from) &&
        isBlobMounter(target) &&
        from.host === target.host &&
        from.repository !== target.repository
      ) {
        if (await target.mountBlob(desc, from.repository, { signal: o.signal })) return 'mounted';
      }
      await target.pushBlob(desc, await o.open(), { signal: o.signal });
      return 'pushed';
    } catch (e) {
      if (!isTemporaryError(e) || attempt + 1 >= retry.attempts) throw e;
      await sleep(backoffDelay(retry, attempt), o.signal);
    }
  }
}
