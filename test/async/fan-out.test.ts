import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fanOut } from '../../src/async/fan-out.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** An async source over `chunks` that counts how many times it was pulled and whether it was closed. */
function countingSource(chunks: readonly Uint8Array[], opts: { failAt?: number; error?: unknown } = {}) {
  const state = { pulls: 0, returned: false };
  let i = 0;
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        state.pulls++;
        if (opts.failAt !== undefined && i === opts.failAt) throw opts.error;
        if (i < chunks.length) return { done: false, value: chunks[i++]! };
        return { done: true, value: undefined };
      },
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state };
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks.map((c) => Buffer.from(c)));
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('fanOut', () => {
  it('gives every consumer the same chunks in order', async () => {
    const chunks = [enc('a'), enc('bc'), enc('def')];
    const { iterable, state } = countingSource(chunks);
    const outs = await Promise.all(fanOut(iterable, 3).map(collect));
    for (const o of outs) expect(o.map((c) => Buffer.from(c).toString())).toEqual(['a', 'bc', 'def']);
    // The source is read once for all consumers: 3 chunks and the final done.
    expect(state.pulls).toBe(4);
  });

  it('returns the source itself for n = 1', () => {
    const { iterable } = countingSource([enc('x')]);
    const out = fanOut(iterable, 1);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(iterable);
  });

  it('returns n distinct iterables for n > 1', () => {
    const { iterable } = countingSource([]);
    const out = fanOut(iterable, 4);
    expect(out).toHaveLength(4);
    expect(new Set(out).size).toBe(4);
    expect(out).not.toContain(iterable);
  });

  it('handles an empty source', async () => {
    const { iterable, state } = countingSource([]);
    const outs = await Promise.all(fanOut(iterable, 2).map(collect));
    expect(outs).toEqual([[], []]);
    expect(state.pulls).toBe(1);
  });

  it('answers done again after the source has finished', async () => {
    const { iterable, state } = countingSource([enc('a')]);
    const [a, b] = fanOut(iterable, 2);
    await Promise.all([collect(a!), collect(b!)]);
    const again = await a![Symbol.asyncIterator]().next();
    expect(again.done).toBe(true);
    expect(state.pulls).toBe(2);
  });

  it('passes an error of the source to every consumer', async () => {
    const boom = new Error('boom');
    const { iterable } = countingSource([enc('a'), enc('b')], { failAt: 1, error: boom });
    const results = await Promise.allSettled(fanOut(iterable, 3).map(collect));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBe(boom);
    }
  });

  it('rejects a consumer that asks again after the source failed', async () => {
    const boom = new Error('boom');
    const { iterable, state } = countingSource([], { failAt: 0, error: boom });
    const [a, b] = fanOut(iterable, 2);
    const ia = a![Symbol.asyncIterator]();
    const ib = b![Symbol.asyncIterator]();
    await expect(Promise.all([ia.next(), ib.next()])).rejects.toBe(boom);
    await expect(ia.next()).rejects.toBe(boom);
    await expect(ib.next()).rejects.toBe(boom);
    expect(state.pulls).toBe(1);
  });

  it('detaches a consumer that breaks early; the others still finish', async () => {
    const chunks = [enc('1'), enc('2'), enc('3'), enc('4')];
    const { iterable, state } = countingSource(chunks);
    const [a, b, c] = fanOut(iterable, 3);
    const early = (async () => {
      const seen: string[] = [];
      for await (const x of a!) {
        seen.push(Buffer.from(x).toString());
        if (seen.length === 2) break;
      }
      return seen;
    })();
    const [seenA, outB, outC] = await Promise.all([early, collect(b!), collect(c!)]);
    expect(seenA).toEqual(['1', '2']);
    expect(outB.map((x) => Buffer.from(x).toString())).toEqual(['1', '2', '3', '4']);
    expect(outC.map((x) => Buffer.from(x).toString())).toEqual(['1', '2', '3', '4']);
    // The source stays open for the live consumers.
    expect(state.returned).toBe(false);
  });

  it('releases consumers waiting for one that calls return()', async () => {
    const { iterable } = countingSource([enc('a'), enc('b')]);
    const [a, b] = fanOut(iterable, 2);
    const ia = a![Symbol.asyncIterator]();
    const ib = b![Symbol.asyncIterator]();
    const pending = ia.next();
    let settled = false;
    void pending.then(() => (settled = true));
    await tick();
    // a waits for b: nothing is read until every live consumer has asked.
    expect(settled).toBe(false);
    await expect(ib.return!()).resolves.toEqual({ done: true, value: undefined });
    expect(Buffer.from((await pending).value as Uint8Array).toString()).toBe('a');
    expect(Buffer.from((await ia.next()).value as Uint8Array).toString()).toBe('b');
    expect((await ia.next()).done).toBe(true);
  });

  it('closes the source when every consumer has stopped early', async () => {
    const { iterable, state } = countingSource([enc('a'), enc('b'), enc('c')]);
    const [a, b] = fanOut(iterable, 2);
    const firstOnly = async (it: AsyncIterable<Uint8Array>) => {
      for await (const _ of it) break;
    };
    await Promise.all([firstOnly(a!), firstOnly(b!)]);
    expect(state.returned).toBe(true);
    expect(state.pulls).toBe(1);
  });

  it('does not close the source while a consumer is still live', async () => {
    const { iterable, state } = countingSource([enc('a')]);
    const [a, b] = fanOut(iterable, 2);
    await a![Symbol.asyncIterator]().return!();
    expect(state.returned).toBe(false);
    expect((await collect(b!)).length).toBe(1);
  });

  it('never reads more than one chunk ahead of the slowest consumer', async () => {
    const chunks = Array.from({ length: 8 }, (_, i) => enc(String(i)));
    const { iterable, state } = countingSource(chunks);
    const [fast, slow] = fanOut(iterable, 2);
    let slowReceived = 0;
    let maxAhead = 0;
    const fastDone = (async () => {
      let n = 0;
      for await (const _ of fast!) {
        n++;
        maxAhead = Math.max(maxAhead, state.pulls - slowReceived);
        // The fast consumer can never be more than one chunk ahead of the slow one.
        expect(n).toBeLessThanOrEqual(slowReceived + 1);
      }
      return n;
    })();
    const slowDone = (async () => {
      for await (const _ of slow!) {
        slowReceived++;
        for (let i = 0; i < 5; i++) await tick();
        expect(state.pulls).toBeLessThanOrEqual(slowReceived + 1);
      }
      return slowReceived;
    })();
    expect(await Promise.all([fastDone, slowDone])).toEqual([8, 8]);
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(state.pulls).toBe(9);
  });

  it('does not pull the source until every live consumer has asked', async () => {
    const { iterable, state } = countingSource([enc('a'), enc('b')]);
    const [a, b, c] = fanOut(iterable, 3);
    const ia = a![Symbol.asyncIterator]();
    const ib = b![Symbol.asyncIterator]();
    const ic = c![Symbol.asyncIterator]();
    const pa = ia.next();
    const pb = ib.next();
    await tick();
    expect(state.pulls).toBe(0);
    const pc = ic.next();
    const [ra, rb, rc] = await Promise.all([pa, pb, pc]);
    expect(state.pulls).toBe(1);
    // The same bytes, not copied, but each consumer its own view object (one it may not hand back to a pool).
    expect(ra.value).not.toBe(rb.value);
    expect(rb.value).not.toBe(rc.value);
    for (const r of [ra, rb, rc]) {
      expect(r.value.buffer).toBe(ra.value.buffer);
      expect(new TextDecoder().decode(r.value)).toBe('a');
    }
  });

  it('property: every consumer sees exactly the source bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
        async (chunks, n, delays) => {
          const { iterable, state } = countingSource(chunks);
          const outs = await Promise.all(
            fanOut(iterable, n).map(async (s, i) => {
              const got: Uint8Array[] = [];
              for await (const c of s) {
                got.push(c);
                for (let k = 0; k < delays[i]!; k++) await tick();
              }
              return got;
            }),
          );
          const want = concat(chunks);
          for (const o of outs) {
            expect(o).toHaveLength(chunks.length);
            expect(Buffer.compare(concat(o), want)).toBe(0);
          }
          // Read once: one pull per chunk plus the final done (n = 1 iterates the source directly).
          expect(state.pulls).toBe(chunks.length + 1);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('fanOut: requests ahead of the others', () => {
  it('a consumer asking twice without awaiting gets two chunks in order, and the source waits for the other', async () => {
    let pulls = 0;
    async function* src(): AsyncGenerator<Uint8Array> {
      for (const s of ['a', 'b', 'c']) {
        pulls++;
        yield Buffer.from(s);
      }
    }
    const [a, b] = fanOut(src(), 2);
    const ia = a![Symbol.asyncIterator]();
    const ib = b![Symbol.asyncIterator]();
    const twice = Promise.all([ia.next(), ia.next()]);
    await new Promise((r) => setTimeout(r, 10));
    expect(pulls).toBe(0);
    const b1 = await ib.next();
    const b2 = await ib.next();
    const [a1, a2] = await twice;
    expect([a1, a2, b1, b2].map((r) => Buffer.from(r.value as Uint8Array).toString())).toEqual(['a', 'b', 'a', 'b']);
  });

  it('a next() pending when the same consumer returns settles as done', async () => {
    async function* src(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('x');
    }
    const [a, b] = fanOut(src(), 2);
    const ia = a![Symbol.asyncIterator]();
    const pending = ia.next();
    await ia.return!();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    const got: string[] = [];
    for await (const c of b!) got.push(Buffer.from(c).toString());
    expect(got).toEqual(['x']);
  });
});
