// A 300 MB file becomes a layer without the layer ever being held in memory: tar, gzip, both
// digests and the push all stream.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLayersBuilder } from '../../../src/builders/layers/index.js';
import { tempDir } from '../../support/images.js';
import { baseResolver, layersRequest, layoutStaging, readImage, run } from './helpers.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 300 * MiB;

/**
 * 300 MiB: every MiB is 512 KiB of random bytes then 512 KiB of zeros (so gzip has work on both
 * kinds). Written by a child process so the test process's RSS is not inflated by it.
 */
async function writeBigFile(path: string): Promise<void> {
  const script = `
    const { randomBytes } = require('node:crypto');
    const { openSync, writeSync, closeSync } = require('node:fs');
    const fd = openSync(process.argv[1], 'w');
    const zeros = Buffer.alloc(${MiB / 2});
    for (let i = 0; i < ${FILE_BYTES / MiB}; i++) { writeSync(fd, randomBytes(${MiB / 2})); writeSync(fd, zeros); }
    closeSync(fd);`;
  await run(process.execPath, ['-e', script, path]);
}

describe('streaming', () => {
  it('builds a layer from a 300 MB file with RSS growth far below its size', async () => {
    const cwd = await tempDir('gantry-layers-big-');
    await mkdir(join(cwd, 'data'));
    await writeBigFile(join(cwd, 'data', 'big.bin'));
    const staging = await layoutStaging(await tempDir('gantry-layers-big-staging-'));
    const builder = createLayersBuilder({ resolveBase: baseResolver(cwd), tmpDir: await tempDir('gantry-layers-big-tmp-') });
    const req = layersRequest({ build: { base: 'scratch', copy: [{ from: 'data', to: '/data' }] }, platform: 'linux/amd64', cwd, staging });

    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let result;
    try {
      result = await builder.build(req);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = peak - before;
    const { manifest } = await readImage(staging.store, result.descriptor);
    expect(builder.stats.bytesCompressed).toBeGreaterThan(FILE_BYTES);
    expect(manifest.layers[0]!.size).toBeGreaterThan(FILE_BYTES / 2);
    console.log(
      `300 MiB file → ${manifest.layers[0]!.size} byte layer in ${result.seconds.toFixed(1)} s; RSS ${(before / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB`,
    );
    // Live memory is a few MiB (measured with --expose-gc and a gc() before every sample); RSS also
    // holds freed buffers V8 has not collected yet: it lets about 64 MiB of external memory pile up.
    expect(growth).toBeLessThan(128 * MiB);
  });
});
