import { VERIFIED_DIGEST } from '../oci/verified-stream.js';

interface Pending {
  readonly resolve: (r: IteratorResult<Uint8Array>) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Splits one stream into `n` streams that see the same chunks, reading the source once.
 * The consumers advance in lockstep: a chunk is read only when every live consumer has asked
 * for the next one, so memory is bounded by one chunk whatever the stream's size. A consumer
 * that stops early (`return()`) is detached and the others go on; an error of the source
 * reaches every consumer.
 */
export function fanOut(src: AsyncIterable<Uint8Array>, n: number): AsyncIterable<Uint8Array>[] {
  // Each branch verifies exactly as much as its source does (the source's error reaches every branch).
  const mark = (src as { [VERIFIED_DIGEST]?: string })[VERIFIED_DIGEST];
  if (n === 1) return [src];
  const it = src[Symbol.asyncIterator]();
  const queues = new Map<number, Pending[]>();
  for (let i = 0; i < n; i++) queues.set(i, []);
  let reading = false;
  let finished: { error?: unknown } | undefined;

  const settle = (p: Pending): void => {
    if (finished?.error !== undefined) p.reject(finished.error);
    else p.resolve({ done: true, value: undefined });
  };

  const pump = (): void => {
    if (reading || finished || queues.size === 0) return;
    for (const q of queues.values()) if (q.length === 0) return;
    reading = true;
    it.next().then(
      (r) => {
        reading = false;
        if (r.done) {
          finished = {};
          for (const q of queues.values()) q.splice(0).forEach(settle);
          return;
        }
        // Each consumer gets its own view object, so that nothing one consumer does to its chunk
        // object (detach it, tag it) reaches the others.
        const v = r.value;
        for (const q of queues.values()) q.shift()!.resolve({ done: false, value: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) });
        pump();
      },
      (e: unknown) => {
        reading = false;
        finished = { error: e };
        for (const q of queues.values()) q.splice(0).forEach(settle);
      },
    );
  };

  const consumer = (i: number): AsyncIterable<Uint8Array> => ({
    ...(mark !== undefined ? { [VERIFIED_DIGEST]: mark } : {}),
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          const q = queues.get(i);
          if (finished || !q) return settle({ resolve, reject });
          q.push({ resolve, reject });
          pump();
        }),
      return: async () => {
        const q = queues.get(i);
        queues.delete(i);
        q?.forEach((p) => p.resolve({ done: true, value: undefined }));
        if (queues.size === 0 && !finished) {
          finished = {};
          await it.return?.();
        } else pump();
        return { done: true, value: undefined };
      },
    }),
  });
  return Array.from({ length: n }, (_, i) => consumer(i));
}
