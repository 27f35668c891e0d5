/**
 * Base error of every gantry domain. `code` is a stable string users and code can branch on;
 * the message says what went wrong, where, and how to fix it. `cause` keeps the original error.
 */
export abstract class GantryError<C extends string> extends Error {
  readonly code: C;
  /** A mistake in the user's input (bad reference, bad config): shown without a stack trace, exit 2. */
  readonly userError: boolean;
  constructor(code: C, message: string, options?: { cause?: unknown; userError?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userError = options?.userError ?? false;
    this.name = new.target.name;
  }
}

export type OciErrorCode =
  | 'DIGEST_INVALID'
  | 'DIGEST_MISMATCH'
  | 'SIZE_EXCEEDED'
  | 'SIZE_MISMATCH'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_TOO_LARGE'
  | 'CONFIG_INVALID'
  | 'MEDIA_TYPE_UNSUPPORTED'
  | 'REFERENCE_INVALID'
  | 'PLATFORM_INVALID'
  | 'PLATFORM_NOT_FOUND'
  | 'NOT_FOUND'
  /** An OCI layout holds a symlink or a special file where a file or directory belongs: refused, never followed. */
  | 'LAYOUT_INVALID'
  | 'UNSUPPORTED';

/** Errors about OCI values and content: invalid digests, manifests, references, mismatching bytes. */
export class OciError extends GantryError<OciErrorCode> {}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new OciError('UNSUPPORTED', `unexpected ${what}: ${JSON.stringify(x)}`);
}

/** The string `code` of an error (`ENOENT`, `ECONNRESET`, `BODY_TIMEOUT`…), if it has one. */
export function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
