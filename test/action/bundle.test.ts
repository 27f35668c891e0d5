// The committed bundle (dist-action/) is what GitHub's runners execute without npm install: it must
// be a fresh build of the sources. This fails whenever src/ or action/ changed and the bundle was
// not rebuilt: run `npm run build:action` and commit dist-action/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildAction, BUNDLE_FILES } from '../../action/build.js';
import { tempDir } from '../support/images.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist-action');

describe('dist-action/: the committed bundle', () => {
  it('is byte-for-byte a fresh build of the sources (run `npm run build:action` and commit dist-action/ when this fails)', async () => {
    const out = await tempDir('gantry-bundle-');
    await buildAction(out);
    for (const f of BUNDLE_FILES) {
      const [fresh, committed] = await Promise.all([readFile(join(out, f)), readFile(join(DIST, f)).catch(() => Buffer.alloc(0))]);
      expect(committed.equals(fresh), `dist-action/${f} is out of date with the sources: run npm run build:action`).toBe(true);
    }
  });

  it('has no absolute paths or source maps in it', async () => {
    for (const f of BUNDLE_FILES) {
      const text = await readFile(join(DIST, f), 'utf8');
      expect(text).not.toContain(ROOT);
      expect(text).not.toContain('sourceMappingURL');
    }
  });
});
