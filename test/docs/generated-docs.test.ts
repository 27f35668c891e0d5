// docs/cli.md and docs/config.md are generated from the code (scripts/gen-docs.ts). This fails when
// a committed file is not what the code generates now, and says how to regenerate it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/program.js';
import { configJsonSchema } from '../../src/plan/config/json-schema.js';
import { cell, GENERATED_DOCS, REGENERATE, slug, staleDocs } from '../../scripts/gen-docs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const rendered = new Map<string, string>();
const render = async (path: string): Promise<string> => {
  if (!rendered.has(path)) rendered.set(path, await GENERATED_DOCS.find((d) => d.path === path)!.render());
  return rendered.get(path)!;
};

describe('generated docs', () => {
  it.each(GENERATED_DOCS.map((d) => d.path))('%s is up to date', async (path) => {
    const committed = await readFile(join(ROOT, path), 'utf8').catch(() => '(missing)');
    expect(committed, `${path} is stale: regenerate it with \`${REGENERATE}\` and commit it`).toBe(await render(path));
  });

  it.each(GENERATED_DOCS.map((d) => d.path))('every #anchor link of %s names a heading of it', async (path) => {
    const text = await render(path);
    const anchors = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)));
    const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
  });

  it('cli.md has a section for every command and its options', async () => {
    const text = await render('docs/cli.md');
    for (const name of Object.keys(COMMANDS)) expect(text).toContain(`\n## gantry ${name}\n`);
    expect(text).toContain('## gantry init github');
    expect(text).toMatch(/^\| `--concurrency <n>` +\| [^|]+\| `6` +\|$/m);
    expect(text).toMatch(/^\| `--insecure-registry <host>` +\| .*\(repeatable\)/m);
  });

  it('config.md lists every key of an image', async () => {
    const text = await render('docs/config.md');
    const image = (configJsonSchema() as { properties: { images: { items: { properties: Record<string, unknown> } } } }).properties.images
      .items;
    const section = text.slice(text.indexOf('## `images[]`'), text.indexOf('## `images[].repositories[]`'));
    for (const key of Object.keys(image.properties)) expect(section).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
  });

  describe('the staleness check', () => {
    const dirs: string[] = [];
    afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

    it('names a generated file that was edited by hand, and only that one', async () => {
      const root = await mkdtemp(join(tmpdir(), 'gantry-docs-'));
      dirs.push(root);
      await mkdir(join(root, 'docs'));
      for (const d of GENERATED_DOCS) await writeFile(join(root, d.path), await render(d.path));
      expect(await staleDocs(root)).toEqual([]);
      await writeFile(join(root, 'docs/config.md'), `${await render('docs/config.md')}hand-written line\n`);
      expect(await staleDocs(root)).toEqual(['docs/config.md']);
      await rm(join(root, 'docs/cli.md'));
      expect(await staleDocs(root)).toEqual(['docs/cli.md', 'docs/config.md']);
    });
  });

  it('escapes what would break a table cell or read as HTML, but not inside code spans', () => {
    expect(cell('a | b')).toBe('a \\| b');
    expect(cell('tag pr-<n>\nnext')).toBe('tag pr-&lt;n&gt; next');
    expect(cell('`<src>` or <dst>')).toBe('`<src>` or &lt;dst&gt;');
  });

  it('makes the anchors GitHub makes', () => {
    expect(slug('gantry init github')).toBe('gantry-init-github');
    expect(slug('`images[].build.platform.PLATFORM`')).toBe('imagesbuildplatformplatform');
    expect(slug('Top level')).toBe('top-level');
  });
});
