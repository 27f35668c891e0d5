/** Runs `fn` over `items` with at most `concurrency` calls in flight; rejects on the first failure. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(Number.isFinite(concurrency) ? Math.floor(concurrency) : 1, items.length)) }, worker),
  );
  return results;
}

/**
 * Runs `fn` over `items` in order, each taking `weightOf(item)` units of `capacity` (a whole
 * number from 1 to capacity) while it runs, and at most `maxRunning` at once: many light items
 * in flight, few heavy ones. An item waits for its units, and the items after it wait behind it
 * (no overtaking: a heavy item is not starved by light ones). After the first failure nothing
 * new starts, and it rejects with that failure once the items still running have settled (so
 * nothing it started outlives it: abort them through a signal to make that quick).
 */
export function mapWeighted<T, R>(
  items: readonly T[],
  capacity: number,
  maxRunning: number,
  weightOf: (item: T) => number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const cap = Math.max(1, Math.floor(capacity));
  const most = Math.max(1, Math.floor(maxRunning));
  let next = 0;
  let used = 0;
  let running = 0;
  let failed: { error: unknown } | undefined;
  return new Promise<R[]>((resolve, reject) => {
    const settled = (): void => {
      running--;
      if (failed) {
        if (running === 0) reject(failed.error);
      } else if (next >= items.length && running === 0) resolve(results);
      else launch();
    };
    const launch = (): void => {
      while (!failed && next < items.length && running < most) {
        const i = next;
        const w = Math.min(cap, Math.max(1, Math.ceil(weightOf(items[i]!))));
        if (used + w > cap) break;
        next++;
        used += w;
        running++;
        fn(items[i]!, i).then(
          (r) => {
            results[i] = r;
            used -= w;
            settled();
          },
          (e: unknown) => {
            failed ??= { error: e };
            used -= w;
            settled();
          },
        );
      }
    };
    if (items.length === 0) resolve(results);
    else launch();
  });
}
