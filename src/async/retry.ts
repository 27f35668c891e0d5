/** How often and how long an operation that is safe to repeat is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Base delay of the exponential backoff, in ms. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay, in ms (a larger Retry-After is capped too). */
  readonly maxDelayMs: number;
  /** Upper bound of the whole operation including waits, in ms. */
  readonly maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000, maxElapsedMs: 120_000 };

/**
 * The retries of one operation (a blob copied to its targets, a manifest fetched), shared by
 * every request it makes: the transport's retries of a request and the operation's retries of
 * the whole take from one budget, so N attempts mean N requests in all, not N × N (issue 11,
 * finding 3: the transport's 5 times copy's 5 made 25). Bounded in attempts and in time.
 */
export class RetryBudget {
  readonly policy: RetryPolicy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #started: number;
  #retries = 0;

  constructor(policy: RetryPolicy, o: { now?: () => number; random?: () => number } = {}) {
    this.policy = policy;
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
    this.#started = this.#now();
  }

  /** Retries taken so far. */
  get retries(): number {
    return this.#retries;
  }

  /** Takes one retry: false when the attempts or the time of the operation are used up. */
  take(): boolean {
    if (this.#retries + 1 >= this.policy.attempts || this.#now() - this.#started >= this.policy.maxElapsedMs) return false;
    this.#retries++;
    return true;
  }

  /** The wait before the retry just taken (backoff, or the server's Retry-After, capped). */
  delayMs(retryAfterMs?: number): number {
    return backoffDelay(this.policy, Math.max(0, this.#retries - 1), retryAfterMs, this.#random);
  }
}

/** Exponential backoff with full jitter (AWS architecture blog), or the server's Retry-After when given. */
export function backoffDelay(p: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, p.maxDelayMs);
  const cap = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Parses Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(v: string | undefined, now: number): number | undefined {
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  // Only HTTP dates (IMF-fixdate, RFC 850, asctime all start with a day name); Date.parse takes too much.
  if (!/^[A-Za-z]{3,9},? /.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const TEMPORARY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  // registry/http-errors.ts
  'CONNECT_TIMEOUT',
  'HEADERS_TIMEOUT',
  'BODY_TIMEOUT',
  'DEADLINE_EXCEEDED',
  'TRANSFER_TOO_SLOW',
]);

/**
 * Whether an operation that failed with `e` may succeed when repeated: errors that say so
 * (`temporary: true`: rate limits, 5xx) and network failures (resets, timeouts, refused).
 */
export function isTemporaryError(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 5) return false;
  const x = e as { temporary?: unknown; code?: unknown; cause?: unknown };
  if (typeof x.temporary === 'boolean') return x.temporary;
  if (typeof x.code === 'string' && TEMPORARY_CODES.has(x.code)) return true;
  return x.cause !== undefined && x.cause !== e && isTemporaryError(x.cause, depth + 1);
}
