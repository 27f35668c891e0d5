import type { Digest } from '../oci/digest.js';

/** What a copy reports as it goes, for progress displays and logs. */
export type CopyEvent =
  | { readonly type: 'blob-start'; readonly digest: Digest; readonly size: number; readonly mediaType: string }
  | { readonly type: 'blob-progress'; readonly digest: Digest; readonly bytes: number }
  | { readonly type: 'blob-done'; readonly digest: Digest; readonly size: number; readonly how: 'copied' | 'skipped' | 'mounted' }
  | { readonly type: 'blob-retry'; readonly digest: Digest; readonly attempt: number; readonly reason: string }
  | { readonly type: 'manifest-pushed'; readonly digest: Digest; readonly target: string; readonly tag?: string };

export type CopyEventListener = (e: CopyEvent) => void;
