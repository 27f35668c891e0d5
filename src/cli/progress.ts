import { formatBytes, type CopyEvent } from '../release/index.js';

interface BlobLine {
  size: number;
  done: number;
  state: 'waiting' | 'copying' | 'copied' | 'skipped' | 'mounted' | 'retrying';
  started: number;
}

/**
 * A per-blob progress display for a terminal (bytes and rate), redrawn at most 10 times a
 * second on stderr. Not used when stderr is not a terminal: logs stay clean there.
 */
export class ProgressDisplay {
  readonly #out: NodeJS.WriteStream;
  readonly #blobs = new Map<string, BlobLine>();
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  readonly onEvent = (e: CopyEvent): void => {
    switch (e.type) {
      case 'blob-start':
        this.#blobs.set(e.digest, { size: e.size, done: 0, state: 'copying', started: performance.now() });
        break;
      case 'blob-progress': {
        const b = this.#blobs.get(e.digest);
        if (b) b.done += e.bytes;
        break;
      }
      case 'blob-retry': {
        const b = this.#blobs.get(e.digest);
        if (b) Object.assign(b, { state: 'retrying', done: 0 });
        break;
      }
      case 'blob-done': {
        const b = this.#blobs.get(e.digest);
        if (b) Object.assign(b, { state: e.how, done: e.size });
        break;
      }
      case 'manifest-pushed':
        break;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.draw();
    }, 100);
  };

  draw(): void {
    const lines = [...this.#blobs.entries()].map(([digest, b]) => {
      const secs = (performance.now() - b.started) / 1000;
      const rate = b.state === 'copying' && secs > 0 ? `  ${formatBytes(b.done / secs)}/s` : '';
      const pct = b.size ? Math.floor((100 * b.done) / b.size) : 100;
      return `${digest.slice(7, 19)}  ${b.state.padEnd(8)} ${formatBytes(b.done).padStart(8)} / ${formatBytes(b.size).padEnd(8)} ${String(pct).padStart(3)}%${rate}`;
    });
    let s = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    for (const l of lines) s += `\x1b[2K${l}\n`;
    this.#out.write(s);
    this.#drawn = lines.length;
  }

  finish(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#blobs.size) this.draw();
  }
}
