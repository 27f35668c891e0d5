/**
 * Promise-chain mutexes keyed by directory: `run` calls for one key execute one after another.
 * Read-modify-write of index.json runs under this lock so concurrent tagged pushes in one
 * process never lose entries. Not a cross-process lock (skopeo and umoci have none either).
 *
 * There is no module-level instance (STYLE R8): each LayoutStore makes its own unless the
 * caller passes one in, which it should when it opens the same directory more than once.
 */
export class DirectoryLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      // Drop the entry when nobody queued behind us, so the map does not grow without bound.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
