import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressDisplay } from '../../src/cli/progress.js';
import { formatBytes } from '../../src/release/index.js';
import type { Digest } from '../../src/oci/digest.js';

const A = `sha256:${'a1'.repeat(32)}` as Digest;
const B = `sha256:${'b2'.repeat(32)}` as Digest;
const short = (d: string) => d.slice(7, 19);

/** A stand-in for process.stderr that keeps what is written. */
function fakeStream() {
  const writes: string[] = [];
  const stream = { write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

/** The text lines of one redraw, without the ANSI control sequences. */
function lines(write: string): string[] {
  return stripVTControlCharacters(write).split('\n').filter(Boolean);
}

describe('formatBytes', () => {
  it('prints bytes below 1000 as they are', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(999)).toBe('999 B');
  });

  it('uses SI units with one decimal below 100 and none above', () => {
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(99_000)).toBe('99.0 kB');
    expect(formatBytes(230_000)).toBe('230 kB');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(987_654_321)).toBe('988 MB');
    expect(formatBytes(3_200_000_000)).toBe('3.2 GB');
    expect(formatBytes(1e12)).toBe('1.0 TB');
  });

  it('stays in TB beyond', () => {
    expect(formatBytes(5e15)).toBe('5000 TB');
  });
});

describe('ProgressDisplay', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('draws one line per blob with the short digest, state, sizes and percentage', () => {
    let now = 10_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const { stream, writes } = fakeStream();
    const p = new ProgressDisplay(stream);
    p.onEvent({ type: 'blob-start', digest: A, size: 2_500_000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    p.onEvent({ type: 'blob-progress', digest: A, bytes: 600_000 });
    p.onEvent({ type: 'blob-progress', digest: A, bytes: 400_000 });
    p.onEvent({ type: 'blob-start', digest: B, size: 1_200, mediaType: 'application/vnd.oci.image.config.v1+json' });
    p.onEvent({ type: 'blob-done', digest: B, size: 1_200, how: 'skipped' });
    now += 2_000;
    p.finish();
    expect(writes).toHaveLength(1);
    const [la, lb] = lines(writes[0]!);
    expect(la).toContain(short(A));
    expect(la).not.toContain(A);
    expect(la).toContain('copying');
    expect(la).toContain('1.0 MB');
    expect(la).toContain('2.5 MB');
    expect(la).toContain('40%');
    // 1 MB in 2 s.
    expect(la).toMatch(/ 500 kB\/s$/);
    expect(lb).toContain(short(B));
    expect(lb).toContain('skipped');
    expect(lb).toContain('1.2 kB');
    expect(lb).toContain('100%');
    expect(lb).not.toContain('/s');
    // Each line is cleared before it is written.
    expect(writes[0]!.split('\x1b[2K')).toHaveLength(3);
  });

  it('shows copied, mounted and retrying states', () => {
    const { stream, writes } = fakeStream();
    const p = new ProgressDisplay(stream);
    p.onEvent({ type: 'blob-start', digest: A, size: 5_000, mediaType: 'm' });
    p.onEvent({ type: 'blob-progress', digest: A, bytes: 2_000 });
    p.onEvent({ type: 'blob-done', digest: A, size: 5_000, how: 'copied' });
    p.onEvent({ type: 'blob-start', digest: B, size: 4_000, mediaType: 'm' });
    p.onEvent({ type: 'blob-progress', digest: B, bytes: 3_000 });
    p.onEvent({ type: 'blob-retry', digest: B, attempt: 1, reason: 'ECONNRESET' });
    p.finish();
    const [la, lb] = lines(writes.at(-1)!);
    expect(la).toContain('copied');
    expect(la).toContain('5.0 kB');
    expect(la).toContain('100%');
    expect(lb).toContain('retrying');
    expect(lb).toContain('0 B');
    expect(lb).toContain('4.0 kB');
    expect(lb).toContain('0%');

    const m = fakeStream();
    const q = new ProgressDisplay(m.stream);
    q.onEvent({ type: 'blob-start', digest: A, size: 10, mediaType: 'm' });
    q.onEvent({ type: 'blob-done', digest: A, size: 10, how: 'mounted' });
    q.finish();
    expect(lines(m.writes[0]!)[0]).toContain('mounted');
  });

  it('shows 100% for an empty blob', () => {
    const { stream, writes } = fakeStream();
    const p = new ProgressDisplay(stream);
    p.onEvent({ type: 'blob-start', digest: A, size: 0, mediaType: 'm' });
    p.finish();
    expect(lines(writes[0]!)[0]).toContain('100%');
  });

  it('ignores events for blobs it has not seen start, and manifest events', () => {
    const { stream, writes } = fakeStream();
    const p = new ProgressDisplay(stream);
    p.onEvent({ type: 'blob-progress', digest: A, bytes: 10 });
    p.onEvent({ type: 'blob-retry', digest: A, attempt: 1, reason: 'x' });
    p.onEvent({ type: 'blob-done', digest: A, size: 10, how: 'copied' });
    p.onEvent({ type: 'manifest-pushed', digest: B, target: 'reg/app', tag: 'v1' });
    p.finish();
    // Nothing to draw.
    expect(writes).toEqual([]);
  });

  it('redraws at most every 100 ms, moving the cursor back over the previous lines', async () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream();
    const p = new ProgressDisplay(stream);
    p.onEvent({ type: 'blob-start', digest: A, size: 1_000, mediaType: 'm' });
    p.onEvent({ type: 'blob-start', digest: B, size: 1_000, mediaType: 'm' });
    p.onEvent({ type: 'blob-progress', digest: A, bytes: 500 });
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.startsWith('\x1b[2K')).toBe(true);
    expect(lines(writes[0]!)).toHaveLength(2);
    expect(lines(writes[0]!)[0]).toContain('50%');

    p.onEvent({ type: 'blob-done', digest: A, size: 1_000, how: 'copied' });
    p.onEvent({ type: 'blob-done', digest: B, size: 1_000, how: 'copied' });
    await vi.advanceTimersByTimeAsync(100);
    expect(writes).toHaveLength(2);
    // Up two lines, then the same two lines again.
    expect(writes[1]!.startsWith('\x1b[2A')).toBe(true);
    expect(lines(writes[1]!).every((l) => l.includes('copied') && l.includes('100%'))).toBe(true);
    p.finish();
    expect(writes).toHaveLength(3);
  });

  it('finish() cancels a pending redraw and draws once', async () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream();
    const p = new ProgressDisplay(stream);
    p.onEvent({ type: 'blob-start', digest: A, size: 1, mediaType: 'm' });
    p.finish();
    expect(writes).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(writes).toHaveLength(1);
  });

  it('finish() without any blob writes nothing', () => {
    const { stream, writes } = fakeStream();
    new ProgressDisplay(stream).finish();
    expect(writes).toEqual([]);
  });
});

describe('formatBytes rounding', () => {
  it.each([
    [999_499, '999 kB'],
    [999_500, '1.0 MB'],
    [999_999, '1.0 MB'],
    [99_950, '100 kB'],
    [714.2857, '714 B'],
    [1e15, '1000 TB'],
  ])('%d → %s', (n, s) => expect(formatBytes(n)).toBe(s));
});
