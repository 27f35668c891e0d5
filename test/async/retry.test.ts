import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isTemporaryError,
  parseRetryAfter,
  RetryBudget,
  type RetryPolicy,
  sleep,
} from '../../src/async/retry.js';

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 10_000 };

describe('backoffDelay', () => {
  it('is half the exponential cap with random() = 0 and the full cap with random() → 1', () => {
    expect(backoffDelay(policy, 0, undefined, () => 0)).toBe(50);
    expect(backoffDelay(policy, 0, undefined, () => 1)).toBe(100);
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(100);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(200);
    expect(backoffDelay(policy, 2, undefined, () => 0.5)).toBe(300);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(400);
  });

  it('grows exponentially up to maxDelayMs and stays there', () => {
    const hi = () => 1;
    expect([0, 1, 2, 3, 4, 5, 10, 50].map((a) => backoffDelay(policy, a, undefined, hi))).toEqual([
      100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000,
    ]);
    expect(backoffDelay(policy, 30, undefined, () => 0)).toBe(500);
  });

  it('returns whole milliseconds', () => {
    expect(backoffDelay({ ...policy, baseDelayMs: 3 }, 0, undefined, () => 1 / 3)).toBe(2);
  });

  it('stays within [cap/2, cap] for any random value and attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
        const d = backoffDelay(policy, attempt, undefined, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(d).toBeLessThanOrEqual(cap);
        expect(Number.isInteger(d)).toBe(true);
      }),
    );
  });

  it('uses Retry-After when given, capped at maxDelayMs, and ignores random()', () => {
    const random = vi.fn(() => 0.5);
    expect(backoffDelay(policy, 3, 700, random)).toBe(700);
    expect(backoffDelay(policy, 0, 0, random)).toBe(0);
    expect(backoffDelay(policy, 0, 60_000, random)).toBe(1_000);
    expect(random).not.toHaveBeenCalled();
  });

  it('defaults to Math.random within bounds', () => {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(DEFAULT_RETRY, 2);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');

  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 2_500).toUTCString(), now)).toBe(2_000);
  });

  it('clamps a date in the past to 0', () => {
    expect(parseRetryAfter('Sun, 31 Dec 2023 23:59:00 GMT', now)).toBe(0);
  });

  it('returns undefined for no value or garbage', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('5s', now)).toBeUndefined();
    expect(parseRetryAfter('120 seconds', now)).toBeUndefined();
    expect(parseRetryAfter('1e3', now)).toBeUndefined();
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    const reason = new Error('stop');
    await expect(sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('rejects with the reason when aborted while waiting, and clears its timer', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const reason = new Error('cancelled');
    const p = sleep(60_000, ac.signal);
    expect(vi.getTimerCount()).toBe(1);
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes its abort listener once it has resolved', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const remove = vi.spyOn(ac.signal, 'removeEventListener');
    const p = sleep(10, ac.signal);
    await vi.advanceTimersByTimeAsync(10);
    await expect(p).resolves.toBeUndefined();
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    // A later abort does nothing to the settled sleep.
    ac.abort(new Error('late'));
  });
});

describe('isTemporaryError', () => {
  it('follows an explicit temporary flag, true or false', () => {
    expect(isTemporaryError({ temporary: true })).toBe(true);
    expect(isTemporaryError({ temporary: false })).toBe(false);
    // The flag wins over a network code and a temporary cause.
    expect(isTemporaryError({ temporary: false, code: 'ECONNRESET' })).toBe(false);
    expect(isTemporaryError({ temporary: false, cause: { temporary: true } })).toBe(false);
    expect(isTemporaryError({ temporary: true, code: 'EACCES' })).toBe(true);
  });

  it('ignores a temporary field that is not a boolean', () => {
    expect(isTemporaryError({ temporary: 'yes' })).toBe(false);
    expect(isTemporaryError({ temporary: 1, code: 'ETIMEDOUT' })).toBe(true);
  });

  it('treats network failure codes as temporary', () => {
    for (const code of [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'EAI_AGAIN',
      'CONNECT_TIMEOUT',
      'HEADERS_TIMEOUT',
      'BODY_TIMEOUT',
    ]) {
      expect(isTemporaryError(Object.assign(new Error(code), { code })), code).toBe(true);
    }
  });

  it('treats other codes as permanent', () => {
    for (const code of ['ENOENT', 'EACCES', 'ENOTFOUND', 'ABORT_ERR', 'HTTP_PROTOCOL', 'econnreset']) {
      expect(isTemporaryError({ code }), code).toBe(false);
    }
    expect(isTemporaryError({ code: 104 })).toBe(false);
    expect(isTemporaryError(new Error('plain'))).toBe(false);
  });

  it('looks through nested causes (fetch failed → socket error)', () => {
    const socket = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const fetchFailed = new TypeError('fetch failed', { cause: socket });
    expect(isTemporaryError(fetchFailed)).toBe(true);
    expect(isTemporaryError(new Error('wrap', { cause: fetchFailed }))).toBe(true);
    expect(isTemporaryError(new Error('wrap', { cause: { temporary: false, code: 'ECONNRESET' } }))).toBe(false);
    expect(isTemporaryError(new Error('wrap', { cause: new Error('permanent') }))).toBe(false);
  });

  it('stops after five levels of causes', () => {
    const chain = (levels: number): unknown => {
      let e: unknown = { code: 'ECONNRESET' };
      for (let i = 0; i < levels; i++) e = { cause: e };
      return e;
    };
    expect(isTemporaryError(chain(0))).toBe(true);
    expect(isTemporaryError(chain(5))).toBe(true);
    expect(isTemporaryError(chain(6))).toBe(false);
  });

  it('terminates on cyclic causes', () => {
    const self: { cause?: unknown } = {};
    self.cause = self;
    expect(isTemporaryError(self)).toBe(false);
    const a: { cause?: unknown } = {};
    const b: { cause?: unknown } = { cause: a };
    a.cause = b;
    expect(isTemporaryError(a)).toBe(false);
  });

  it('is false for non-objects', () => {
    for (const v of [undefined, null, 'ECONNRESET', 42, true, Symbol('x')]) expect(isTemporaryError(v)).toBe(false);
    expect(isTemporaryError(new Error('x', { cause: 'ECONNRESET' }))).toBe(false);
  });
});

describe('parseRetryAfter rejects what is neither seconds nor an HTTP date', () => {
  it.each(['1.5', '-1', '3 4', '2024-01-01', 'tomorrow'])('%s', (v) => expect(parseRetryAfter(v, 0)).toBeUndefined());
  it('accepts the three HTTP date forms', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', now)).toBe(7000);
  });
});

describe('RetryBudget: one budget for every retry of an operation', () => {
  const budgetPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 10_000 };

  it('allows attempts - 1 retries in all, however many requests take from it', () => {
    const b = new RetryBudget(budgetPolicy);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, false, false]);
    expect(b.retries).toBe(2);
  });

  it('allows no retry once the operation has run for maxElapsedMs', () => {
    let now = 0;
    const b = new RetryBudget(budgetPolicy, { now: () => now });
    now = 10_000;
    expect(b.take()).toBe(false);
  });

  it('backs off by the number of retries taken, or waits as long as Retry-After says (capped)', () => {
    const b = new RetryBudget(budgetPolicy, { random: () => 1 });
    b.take();
    expect(b.delayMs()).toBe(100);
    b.take();
    expect(b.delayMs()).toBe(200);
    expect(b.delayMs(5_000)).toBe(1_000);
  });
});
