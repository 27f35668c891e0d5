/**
 * Splits one stream into `n` streams that see the same chunks, reading the source once.
 * The consumers advance in lockstep: a chunk is read only when every live consumer has asked
 * for the next one, so memory is bounded by one chunk whatever the stream's size. A consumer
 * that stops early is detached; an error of the source reaches every consumer.
 */
export function fanOut(src: AsyncIterable<Uint8Array>, n: number): AsyncIterable<Uint8Array>[] {
  if (n === 1) return [src];
  const it = src[Symbol.asyncIterator]();
  const live = new Set<number>();
  for (let i = 0; i < n; i++) live.add(i);
  let waiting: { i: number; resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void }[] = [];
  let finished: { error?: unknown } | undefined;

  const pump = (): void => {
    if (waiting.length === 0 || waiting.length < live.size) return;
    const batch = waiting;
    waiting = [];
    it.next().then(
      (r) => {
        if (r.done) finished = {};
        for (const w of batch) w.resolve(r.done ? { done: true, value: undefined } : { done: false, value: r.value });
      },
      (e: unknown) => {
        finished = { error: e };
        for (const w of batch) w.reject(e);
      },
    );
  };

  const consumer = (i: number): AsyncIterable<Uint8Array> => ({
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          if (finished) return finished.error !== undefined ? reject(finished.error) : resolve({ done: true, value: undefined });
          waiting.push({ i, resolve, reject });
          pump();
        }),
      return: async () => {
        live.delete(i);
        waiting = waiting.filter((w) => w.i !== i);
        if (live.size === 0) await it.return?.();
        else pump();
        return { done: true, value: undefined };
      },
    }),
  });
  return Array.from({ length: n }, (_, i) => consumer(i));
}
