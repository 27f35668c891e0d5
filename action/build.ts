// Bundles the gantry Action for GitHub's runners, which run it without `npm install`:
// dist-action/index.js (this Action, action/main.ts, with the gantry library it calls), ESM for Node 22+, no source maps, no absolute paths. Reproducible: the same sources and
// esbuild version give the same bytes; test/action/bundle.test.ts rebuilds into a temp dir and
// compares with the committed bundle.
//   npm run build:action             writes dist-action/
//   npm run build:action -- DIR      writes DIR instead
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The bundle's files, in the order they are written. */
export const BUNDLE_FILES = ['index.js', 'package.json'] as const;

// esbuild turns the CommonJS dependencies' require() of Node built-ins into calls of a `require`
// that ES modules lack: give the bundle one.
const BANNER =
  "import { createRequire as __gantryCreateRequire } from 'node:module'; const require = __gantryCreateRequire(import.meta.url);";

/** Writes the bundle into `outdir`. */
export async function buildAction(outdir: string): Promise<void> {
  await mkdir(outdir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { index: 'action/main.ts' },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    banner: { js: BANNER },
    logLevel: 'warning',
  });
  // ESM by its own package.json, whatever surrounds dist-action/.
  await writeFile(join(outdir, 'package.json'), '{ "type": "module" }\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildAction(resolve(ROOT, process.argv[2] ?? 'dist-action'));
}
