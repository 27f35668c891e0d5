import { stripVTControlCharacters } from 'node:util';
import { GantryError } from '../oci/errors.js';

/** Error codes of the distribution spec (§ error codes), plus what registries send in practice. */
export type RegistryCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNKNOWN';

/** One entry of a registry error body `{"errors":[{code,message,detail}]}`. */
export interface Diagnostic {
  readonly code: RegistryCode | (string & {});
  readonly message?: string;
  readonly detail?: unknown;
}

const TEMPORARY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Removes credentials and signed query parameters from a URL before it appears anywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) {
      if (/sig|signature|token|credential|secret|key|auth|password/i.test(k)) u.searchParams.set(k, 'REDACTED');
    }
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/**
 * A registry answered with an unexpected status. Keeps the method, the redacted URL, the status
 * and the registry's own error codes so callers can branch on them (`has('MANIFEST_UNKNOWN')`).
 */
export class RegistryError extends GantryError<'REGISTRY_HTTP'> {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly diagnostics: readonly Diagnostic[];
  constructor(method: string, url: string, status: number, diagnostics: readonly Diagnostic[], hint?: string, userError = false) {
    const redacted = redactUrl(url);
    const what = diagnostics.length
      ? diagnostics.map((d) => (d.message ? `${d.code}: ${d.message}` : d.code)).join('; ')
      : `HTTP ${status}`;
    // `HTTP 401` alone when the body named no error code (a HEAD has no body), never `401 HTTP 401`.
    super('REGISTRY_HTTP', `${method} ${redacted}: ${diagnostics.length ? `${status} ${what}` : what}${hint ? `\n  ${hint}` : ''}`, {
      userError,
    });
    this.method = method;
    this.url = redacted;
    this.status = status;
    this.diagnostics = diagnostics;
  }
  has(code: RegistryCode): boolean {
    return this.diagnostics.some((d) => d.code === code);
  }
  /** True when the same request may succeed later (rate limits, server errors). */
  get temporary(): boolean {
    return TEMPORARY_STATUS.has(this.status) || this.has('TOOMANYREQUESTS');
  }
}

// Credentials a server may echo back: an Authorization value, a token or password field.
const ECHOED_AUTHORIZATION = /\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const ECHOED_FIELD = /("?(?:token|access_token|refresh_token|password|secret)"?\s*[:=]\s*"?)[^\s",}]+/gi;

/**
 * Text a registry sent (an error message, a Warning header), made safe to print: credential-looking
 * values redacted, control characters (escape sequences, line breaks that could forge a CI
 * workflow command such as `::error::`) replaced by spaces, no leading `::`, and at most `max`
 * characters. Issue 11, finding 6.
 */
export function remoteText(s: string, max = 300): string {
  const redacted = s.replace(ECHOED_AUTHORIZATION, '$1 REDACTED').replace(ECHOED_FIELD, '$1REDACTED');
  const flat = [...stripVTControlCharacters(redacted)]
    .map((c) => (isControl(c.codePointAt(0)!) ? ' ' : c))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  const safe = flat.replace(/^:+/, '');
  return safe.slice(0, max);
}

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
function isControl(n: number): boolean {
  return n < 0x20 || (n >= 0x7f && n <= 0x9f) || n === 0x2028 || n === 0x2029;
}

/** Parses a registry error body (capped by the caller); tolerates bodies that are not JSON. */
export function parseDiagnostics(body: string): Diagnostic[] {
  try {
    const j = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(j.errors)) {
      return j.errors
        .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
        .map((e) => ({
          code: typeof e.code === 'string' ? remoteText(e.code, 64) : 'UNKNOWN',
          ...(typeof e.message === 'string' ? { message: remoteText(e.message) } : {}),
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
        }));
    }
  } catch {
    // not JSON: fall through
  }
  const text = remoteText(body, 200);
  return text ? [{ code: 'UNKNOWN', message: text }] : [];
}

export type TransportErrorCode = 'REGISTRY_UNREACHABLE' | 'REGISTRY_TIMEOUT' | 'REGISTRY_AUTH' | 'REGISTRY_PROTOCOL' | 'REGISTRY_TLS';

/** The registry could not be reached or spoke something that is not the distribution protocol. */
export class TransportError extends GantryError<TransportErrorCode> {
  readonly temporary: boolean;
  constructor(code: TransportErrorCode, message: string, opts: { cause?: unknown; temporary?: boolean; userError?: boolean } = {}) {
    super(code, message, { cause: opts.cause, userError: opts.userError ?? false });
    this.temporary = opts.temporary ?? false;
  }
}
