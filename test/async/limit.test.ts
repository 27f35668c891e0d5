import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapLimit, mapWeighted } from '../../src/async/limit.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A deferred promise, resolved or rejected by the test. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('mapLimit', () => {
  it('never has more than `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    await mapLimit(items, 3, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let k = 0; k < (x % 4) + 1; k++) await tick();
      inFlight--;
      return x;
    });
    expect(peak).toBe(3);
    expect(inFlight).toBe(0);
  });

  it('returns results in input order whatever the completion order', async () => {
    const items = [5, 1, 4, 2, 3, 0];
    const out = await mapLimit(items, 3, async (x, i) => {
      for (let k = 0; k < x; k++) await tick();
      return `${i}:${x * 10}`;
    });
    expect(out).toEqual(['0:50', '1:10', '2:40', '3:20', '4:30', '5:0']);
  });

  it('passes each item with its index, each exactly once', async () => {
    const seen: [string, number][] = [];
    await mapLimit(['a', 'b', 'c', 'd'], 2, async (x, i) => {
      seen.push([x, i]);
    });
    expect(seen.sort((p, q) => p[1] - q[1])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
    ]);
  });

  it('starts items in input order', async () => {
    const started: number[] = [];
    await mapLimit([0, 1, 2, 3, 4, 5, 6], 2, async (x) => {
      started.push(x);
      await tick();
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('resolves to [] for no items without calling fn', async () => {
    let calls = 0;
    await expect(
      mapLimit([], 4, async () => {
        calls++;
      }),
    ).resolves.toEqual([]);
    expect(calls).toBe(0);
  });

  it('runs one at a time with concurrency 1', async () => {
    let inFlight = 0;
    let peak = 0;
    await mapLimit([1, 2, 3, 4], 1, async () => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
    });
    expect(peak).toBe(1);
  });

  it('still makes progress when concurrency is below 1', async () => {
    await expect(mapLimit([1, 2, 3], 0, async (x) => x * 2)).resolves.toEqual([2, 4, 6]);
    await expect(mapLimit([1, 2], -3, async (x) => x)).resolves.toEqual([1, 2]);
  });

  it('does not start more workers than items', async () => {
    let peak = 0;
    let inFlight = 0;
    const out = await mapLimit([1, 2], 64, async (x) => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
      return x;
    });
    expect(out).toEqual([1, 2]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure and starts no new item after it', async () => {
    const started: number[] = [];
    const gates = Array.from({ length: 10 }, () => deferred<number>());
    const boom = new Error('boom');
    const p = mapLimit(
      gates.map((_, i) => i),
      3,
      async (i) => {
        started.push(i);
        return gates[i]!.promise;
      },
    );
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.reject(boom);
    await expect(p).rejects.toBe(boom);
    // The other calls in flight finish, but nothing new starts.
    gates[0]!.resolve(0);
    gates[2]!.resolve(2);
    for (let k = 0; k < 5; k++) await tick();
    expect(started).toEqual([0, 1, 2]);
  });

  it('rejects when fn throws synchronously', async () => {
    const boom = new Error('sync');
    const started: number[] = [];
    const p = mapLimit([0, 1, 2, 3], 1, (i) => {
      started.push(i);
      if (i === 1) throw boom;
      return Promise.resolve(i);
    });
    await expect(p).rejects.toBe(boom);
    await tick();
    expect(started).toEqual([0, 1]);
  });

  it('reports only the first failure when several items fail', async () => {
    const first = new Error('first');
    const p = mapLimit([0, 1, 2], 3, async (i) => {
      for (let k = 0; k < i; k++) await tick();
      throw i === 0 ? first : new Error(`later ${i}`);
    });
    await expect(p).rejects.toBe(first);
  });

  it('property: same results as a sequential map, peak within the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, concurrency) => {
          let inFlight = 0;
          let peak = 0;
          const out = await mapLimit(delays, concurrency, async (d, i) => {
            peak = Math.max(peak, ++inFlight);
            for (let k = 0; k < d; k++) await tick();
            inFlight--;
            return d * 100 + i;
          });
          expect(out).toEqual(delays.map((d, i) => d * 100 + i));
          expect(peak).toBeLessThanOrEqual(Math.min(concurrency, Math.max(1, delays.length)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('mapLimit with a concurrency that is not a number', () => {
  it('runs every item one at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([1, 2, 3], Number.NaN, async (x) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return x * 2;
    });
    expect(out).toEqual([2, 4, 6]);
    expect(most).toBe(1);
  });
});

describe('mapWeighted', () => {
  it('keeps the weight in flight within capacity and the count within maxRunning, in order', async () => {
    const weights = [8, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1];
    let used = 0;
    let running = 0;
    let peakUsed = 0;
    let peakRunning = 0;
    const started: number[] = [];
    const out = await mapWeighted(
      weights,
      16,
      10,
      (w) => w,
      async (w, i) => {
        started.push(i);
        used += w;
        running++;
        peakUsed = Math.max(peakUsed, used);
        peakRunning = Math.max(peakRunning, running);
        for (let k = 0; k < (i % 3) + 1; k++) await tick();
        used -= w;
        running--;
        return i;
      },
    );
    expect(out).toEqual(weights.map((_, i) => i));
    expect(started).toEqual(weights.map((_, i) => i));
    expect(peakUsed).toBeLessThanOrEqual(16);
    expect(peakRunning).toBe(10);
  });

  it('runs an item heavier than the capacity alone, and light ones many at once', async () => {
    let running = 0;
    const seen: number[] = [];
    await mapWeighted(
      [100, 1, 1, 1],
      4,
      8,
      (w) => w,
      async (w) => {
        running++;
        seen.push(running);
        await tick();
        running--;
        return w;
      },
    );
    expect(seen).toEqual([1, 1, 2, 3]);
  });

  it('rejects with the first failure only once the running items settled, and starts nothing after it', async () => {
    const started: number[] = [];
    const gate = deferred<void>();
    let settled = false;
    const run = mapWeighted(
      [1, 1, 1, 1, 1],
      2,
      2,
      () => 1,
      async (_, i) => {
        started.push(i);
        if (i === 0) throw new Error('boom');
        await gate.promise;
        return i;
      },
    ).finally(() => (settled = true));
    run.catch(() => undefined);
    await tick();
    // Item 1 is still running: the map has not given up on it yet.
    expect(settled).toBe(false);
    gate.resolve();
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });
});
