import { createCipheriv, createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openLayout } from '../../src/layout/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { withTempDirs } from './helpers.js';

const MiB = 1024 * 1024;
const CHUNKS = 300;

/** 300 MiB of reproducible pseudo-random bytes (an AES-CTR keystream), 1 MiB at a time. */
async function* generate(onChunk: () => void = () => undefined): AsyncGenerator<Uint8Array> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < CHUNKS; i++) {
    onChunk();
    yield cipher.update(zeros);
  }
}

let dirs: Awaited<ReturnType<typeof withTempDirs>>;
beforeAll(async () => {
  dirs = await withTempDirs();
});
afterAll(() => dirs.cleanup());

it('pushBlob streams a 300 MiB blob in bounded memory', async () => {
  const h = createHash('sha256');
  for await (const c of generate()) h.update(c);
  const desc = { mediaType: 'application/octet-stream', digest: `sha256:${h.digest('hex')}` as Digest, size: CHUNKS * MiB };

  const store = await openLayout(dirs.path('big'), { create: true });
  const before = process.memoryUsage().rss;
  let peak = before;
  await store.pushBlob(
    desc,
    generate(() => (peak = Math.max(peak, process.memoryUsage().rss))),
  );
  peak = Math.max(peak, process.memoryUsage().rss);

  expect((await stat(join(dirs.path('big'), 'blobs', 'sha256', desc.digest.slice(7)))).size).toBe(desc.size);
  // Holding the blob would add 300 MiB; streaming adds a few chunks plus allocator slack.
  expect(peak - before).toBeLessThan(100 * MiB);

  // Reading it back is bounded too, and verified.
  let n = 0;
  for await (const c of await store.fetchBlob(desc)) {
    n += c.byteLength;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  expect(n).toBe(desc.size);
  expect(peak - before).toBeLessThan(100 * MiB);
});
