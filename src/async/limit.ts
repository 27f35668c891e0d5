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
