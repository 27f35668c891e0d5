// The hand-written docs (README.md, CONTRIBUTING.md, docs/*.md) against the repository: links lead to
// files and headings that exist, the Action's page names every input and output of action.yml, and
// the README's install commands name the package that `npm pack` writes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { slug } from '../../scripts/gen-docs.js';
import { unexpectedFindings } from '../github/actionlint.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Headings of a markdown file, as GitHub's anchors. */
function anchors(path: string): Set<string> {
  const text = read(path).replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Relative links of a markdown file (outside code blocks): `[text](target#anchor)`. */
function links(path: string): { target: string; anchor: string | undefined }[] {
  const text = read(path).replace(/^```[\s\S]*?^```/gm, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l))
    .map((l) => {
      const [file, anchor] = l.split('#') as [string, string | undefined];
      return { target: file === '' ? path : relative(ROOT, join(ROOT, dirname(path), file)), anchor };
    });
}

describe('hand-written docs', () => {
  it.each(DOCS)('the links of %s lead to files and headings that exist', (path) => {
    const found = links(path);
    const broken = found.filter(
      (l) => !existsSync(join(ROOT, l.target)) || (l.anchor !== undefined && l.target.endsWith('.md') && !anchors(l.target).has(l.anchor)),
    );
    expect(broken).toEqual([]);
  });

  it('the checks see the links (not vacuous)', () => {
    expect(links('README.md').map((l) => l.target)).toEqual(expect.arrayContaining(['docs/cli.md', 'docs/config.md', 'CONTRIBUTING.md']));
    expect(links('docs/guide.md')).toContainEqual({ target: 'docs/cli.md', anchor: 'exit-codes' });
  });

  it('docs/action.md describes every input and output of action.yml', () => {
    const action = parse(read('action.yml')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    const page = read('docs/action.md');
    const rows = (section: string): string[] => {
      const start = page.indexOf(`## ${section}`);
      const body = page.slice(start, page.indexOf('\n## ', start + 1));
      return [...body.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((m) => m[1]!);
    };
    expect(rows('Inputs').sort()).toEqual(Object.keys(action.inputs).sort());
    expect(rows('Outputs').sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it.each(['README.md', 'docs/action.md'])('the workflows in %s pass actionlint', async (path) => {
    const workflows = [...read(path).matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]!).filter((y) => /^jobs:/m.test(y));
    expect(workflows.length).toBeGreaterThan(0);
    for (const w of workflows) expect(await unexpectedFindings(w, 'release.yml')).toEqual([]);
  });

  it('README.md stays short (details go to docs/) and installs the tarball npm pack writes', () => {
    const readme = read('README.md');
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150);
    const pkg = JSON.parse(read('package.json')) as { name: string; version: string; bin: Record<string, string>; files: string[] };
    expect(readme).toContain(`${pkg.name}-${pkg.version}.tgz`);
    expect(pkg.bin.gantry).toBe('bin/gantry.js');
    expect(pkg.files).toEqual(expect.arrayContaining(['bin', 'dist']));
  });
});
