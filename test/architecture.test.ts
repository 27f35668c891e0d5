// Enforces the import rules of docs/DESIGN.md ("Layers … and who may import whom"), the way
// go-containerregistry's pkg/registry/depcheck_test.go does: read every src/**/*.ts file, pull out
// its import specifiers, and check each against its folder's allow-list.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What one folder under src/ may import. Folders without a rule (cli, top-level files) may import anything. */
interface LayerRule {
  /** Other src/ folders it may import (its own folder is always allowed). */
  readonly src: readonly string[];
  /** Node built-ins: all, none, or all but the listed ones. */
  readonly node: 'all' | 'none' | { readonly except: readonly string[] };
  /** Only `node:`-prefixed built-ins count (a bare `crypto` is refused). */
  readonly nodePrefixOnly?: boolean;
  /** npm packages: any, none, only the listed ones, or any but the listed ones. */
  readonly packages: 'any' | 'none' | { readonly only: readonly string[] } | { readonly except: readonly string[] };
  /** Other folders are reached only through this file (a library's public surface). */
  readonly onlyThrough?: string;
}

// Built-ins that reach the file system, network, processes or the host: not for the pure planner.
const IMPURE_BUILTINS = [
  'fs',
  'fs/promises',
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'dns/promises',
  'child_process',
  'cluster',
  'worker_threads',
  'os',
  'process',
  'readline',
];

// github/ is pure but for writing the step outputs and summary files GitHub gives it.
const GITHUB_IMPURE = IMPURE_BUILTINS.filter((b) => b !== 'fs/promises');

// The layer table of docs/architecture.md. Bottom to top: oci, async; registry, layout; plan;
// github, builders, publish; release (the library); cli (and action/, checked in
// test/action/action-yml.test.ts) above the library only.
// prettier-ignore
export const RULES: Readonly<Record<string, LayerRule>> = {
  oci:      { src: [],                                   node: 'all', nodePrefixOnly: true, packages: 'none' },
  async:    { src: ['oci'],                              node: 'all', nodePrefixOnly: true, packages: 'none' },
  registry: { src: ['oci', 'async'],                     node: 'all', packages: 'any' },
  layout:   { src: ['oci', 'async'],                     node: 'all', packages: { except: ['got'] } },
  plan:     { src: ['oci'],                              node: { except: IMPURE_BUILTINS }, packages: { only: ['semver', 'yaml', 'zod'] } },
  github:   { src: ['oci', 'plan'],                      node: { except: GITHUB_IMPURE }, packages: { only: ['yaml'] } },
  publish:  { src: ['oci', 'async', 'plan'],             node: 'all', packages: 'none' },
  builders: { src: ['oci', 'async', 'plan', 'layout'],   node: 'all', packages: 'any' },
  attest:   { src: ['oci', 'plan'],                      node: 'all', packages: 'any' },
  sign:     { src: ['oci'],                              node: 'all', packages: 'any' },
  scan:     { src: ['oci'],                              node: 'all', packages: 'any' },
  chart:    { src: ['oci'],                              node: 'all', packages: 'any' },
  release:  { src: ['oci', 'async', 'registry', 'layout', 'plan', 'github', 'builders', 'publish', 'attest', 'sign', 'scan', 'chart'], node: 'all', packages: 'any' },
  cli:      { src: ['release'],                          node: 'all', packages: { only: ['commander'] }, onlyThrough: 'src/release/index.ts' },
};

/** The only folder that may read the environment (DESIGN.md: cli constructs clients and reads env). */
const ENV_FOLDERS: ReadonlySet<string> = new Set(['cli']);

export interface ImportSite {
  readonly spec: string;
  readonly line: number;
}

const lineOf = (content: string, index: number): number => content.slice(0, index).split('\n').length;

/**
 * Import specifiers of a TypeScript file: `import … from '…'` (also multi-line and `import type`),
 * `export … from '…'`, side-effect `import '…'`, dynamic `import('…')` and `require('…')`.
 * Static forms are matched only at the start of a line, so comments and strings rarely confuse it.
 */
export function importSpecifiers(content: string): ImportSite[] {
  const patterns = [
    /^[ \t]*(?:import|export)\s+(?:type\s+)?[^;'"`]*?\bfrom\s*['"]([^'"\n]+)['"]/gm,
    /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm,
    /\bimport\s*\(\s*['"`]([^'"`\n]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`\n]+)['"`]\s*\)/g,
  ];
  const out: ImportSite[] = [];
  for (const re of patterns) {
    for (const m of content.matchAll(re)) {
      const spec = m[1] as string;
      out.push({ spec, line: lineOf(content, m.index + m[0].lastIndexOf(spec)) });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Lines that read `process.env` (`process.env.X`, `process['env']`, `const { env } = process`), comments skipped. */
export function envReads(content: string): number[] {
  const lines: number[] = [];
  content.split('\n').forEach((text, i) => {
    const t = text.trim();
    if (t.startsWith('//') || t.startsWith('*') || t.startsWith('/*')) return;
    const code = text.replace(/\/\/.*$/, '');
    if (
      /\bprocess\s*(?:\?\.|\.)\s*env\b|\bprocess\s*\[\s*['"`]env['"`]\s*\]|\{[^}]*\benv\b[^}]*\}\s*=\s*(?:globalThis\.)?process\b/.test(
        code,
      )
    ) {
      lines.push(i + 1);
    }
  });
  return lines;
}

/** The package name of a bare specifier: `@scope/name` or `name`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** The src/ folder a `src/…` path belongs to; '' for files directly in src/. */
function folderOf(srcPath: string): string {
  const parts = srcPath.split('/');
  return parts.length > 2 ? (parts[1] as string) : '';
}

/**
 * Every rule `file` (a repository-relative path such as `src/plan/tags.ts`) breaks with `content`.
 * Pure, so the checker itself is tested on strings below.
 */
export function checkFile(file: string, content: string): string[] {
  const folder = folderOf(file);
  const rule = RULES[folder];
  const problems: string[] = [];
  const report = (line: number, spec: string, why: string): void => {
    problems.push(`${file}:${line}: import ${JSON.stringify(spec)}: ${why}`);
  };

  for (const { spec, line } of importSpecifiers(content)) {
    if (spec.startsWith('.') || spec.startsWith('/')) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith('test/') || target === 'test') {
        report(line, spec, 'src must not import from test/');
        continue;
      }
      if (!target.startsWith('src/')) {
        report(line, spec, `resolves outside src/ (${target})`);
        continue;
      }
      const to = folderOf(target);
      if (rule !== undefined && to !== folder && !rule.src.includes(to)) {
        const allowed = rule.src.length === 0 ? 'nothing outside it' : rule.src.map((f) => `src/${f}`).join(', ');
        report(line, spec, `src/${folder} may import only ${allowed} (DESIGN.md layers), not ${to === '' ? 'src/' : `src/${to}`}`);
      } else if (rule?.onlyThrough !== undefined && to !== folder && target.replace(/\.js$/, '.ts') !== rule.onlyThrough) {
        report(line, spec, `src/${folder} reaches other folders only through ${rule.onlyThrough}, the library's public surface`);
      }
      continue;
    }
    if (spec.startsWith('@actions/')) {
      report(line, spec, '@actions/* belongs to action/, never to src/');
      continue;
    }
    if (isBuiltin(spec)) {
      const name = spec.replace(/^node:/, '');
      if (rule === undefined) continue;
      if (rule.nodePrefixOnly === true && !spec.startsWith('node:')) {
        report(line, spec, `src/${folder} imports built-ins only as node:${name}`);
      } else if (rule.node === 'none') {
        report(line, spec, `src/${folder} may not import Node built-ins`);
      } else if (rule.node !== 'all' && rule.node.except.includes(name)) {
        report(line, spec, `src/${folder} is pure: no file system, network, processes or host access`);
      }
      continue;
    }
    const pkg = packageName(spec);
    if (rule === undefined || rule.packages === 'any') continue;
    if (rule.packages === 'none') {
      report(line, spec, `src/${folder} may import only Node built-ins and src/ folders, not npm packages`);
    } else if ('only' in rule.packages && !rule.packages.only.includes(pkg)) {
      report(line, spec, `src/${folder} may import only the npm packages ${rule.packages.only.join(', ')}`);
    } else if ('except' in rule.packages && rule.packages.except.includes(pkg)) {
      report(line, spec, `src/${folder} may not import ${pkg}`);
    }
  }

  if (!ENV_FOLDERS.has(folder)) {
    for (const line of envReads(content)) {
      problems.push(`${file}:${line}: reads process.env; only src/cli reads the environment and passes values in`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.isFile() && e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture: import rules of DESIGN.md', () => {
  const files = sourceFiles(join(ROOT, 'src')).map((abs) => ({
    file: relative(ROOT, abs).split(sep).join('/'),
    content: readFileSync(abs, 'utf8'),
  }));

  it('finds the source tree', () => {
    expect(files.some((f) => f.file.startsWith('src/oci/'))).toBe(true);
  });

  it('every src file follows its layer rules', () => {
    const problems = files.flatMap(({ file, content }) => checkFile(file, content));
    expect(problems).toEqual([]);
  });

  it('sees the imports of real files (the checker is not vacuous)', () => {
    const manifest = files.find((f) => f.file === 'src/oci/manifest.ts');
    expect(manifest).toBeDefined();
    expect(importSpecifiers(manifest!.content).map((s) => s.spec)).toContain('./digest.js');
  });
});

describe('architecture checker (self-test on strings)', () => {
  it('extracts every import form, with line numbers', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../oci/b.js';",
      'import {',
      '  c,',
      '  d,',
      "} from 'pkg-c';",
      "export * from './e.js';",
      "export { f } from '@scope/f/sub';",
      "import 'side-effect';",
      "const g = await import('./g.js');",
      "const h = require('h');",
      "// import { no } from 'comment';",
      " * import { no } from 'doc-comment';",
      'const s = \'import x from "in-string"\';',
    ].join('\n');
    expect(importSpecifiers(src)).toEqual([
      { spec: './a.js', line: 1 },
      { spec: '../oci/b.js', line: 2 },
      { spec: 'pkg-c', line: 6 },
      { spec: './e.js', line: 7 },
      { spec: '@scope/f/sub', line: 8 },
      { spec: 'side-effect', line: 9 },
      { spec: './g.js', line: 10 },
      { spec: 'h', line: 11 },
    ]);
  });

  // prettier-ignore
  const violations: [file: string, content: string, says: string][] = [
    ['src/oci/x.ts', "import { x } from '../registry/client.js';", 'src/oci may import only nothing outside it'],
    ['src/oci/x.ts', "import got from 'got';", 'not npm packages'],
    ['src/oci/x.ts', "import { createHash } from 'crypto';", 'only as node:crypto'],
    ['src/registry/x.ts', "import { LayoutStore } from '../layout/layout-store.js';", 'src/registry may import only src/oci'],
    ['src/layout/x.ts', "import type { RegistryClient } from '../registry/client.js';", 'src/layout may import only src/oci'],
    ['src/layout/x.ts', "import got from 'got';", 'may not import got'],
    ['src/plan/x.ts', "import { readFile } from 'node:fs/promises';", 'src/plan is pure'],
    ['src/plan/x.ts', "import { request } from 'node:http';", 'src/plan is pure'],
    ['src/plan/x.ts', "import { execFile } from 'node:child_process';", 'src/plan is pure'],
    ['src/plan/x.ts', "import net from 'net';", 'src/plan is pure'],
    ['src/plan/x.ts', "import got from 'got';", 'only the npm packages semver, yaml, zod'],
    ['src/plan/x.ts', "const { x } = await import('../publish/copy.js');", 'src/plan may import only src/oci'],
    ['src/publish/x.ts', "import { RegistryClient } from '../registry/client.js';", 'src/publish may import only src/oci, src/async, src/plan'],
    ['src/publish/x.ts', "import { Command } from 'commander';", 'not npm packages'],
    ['src/sign/x.ts', "import { plan } from '../plan/index.js';", 'src/sign may import only src/oci'],
    ['src/github/x.ts', "import { execFile } from 'node:child_process';", 'src/github is pure'],
    ['src/github/x.ts', "import { loadConfig } from '../release/inputs.js';", 'src/github may import only src/oci, src/plan'],
    ['src/registry/x.ts', "import { fake } from '../../test/harness/index.js';", 'src must not import from test/'],
    ['src/cli/x.ts', "import { fake } from '../../test/support/images.js';", 'src must not import from test/'],
    ['src/cli/x.ts', "import { x } from '../../scripts/x.js';", 'resolves outside src/'],
    ['src/index.ts', "import * as core from '@actions/core';", '@actions/* belongs to action/'],
    ['src/cli/x.ts', "import { RegistryClient } from '../registry/client.js';", 'src/cli may import only src/release'],
    ['src/cli/commands/x.ts', "import { planRelease } from '../../release/plan-release.js';", 'only through src/release/index.ts'],
    ['src/cli/x.ts', "import { z } from 'zod';", 'may import only the npm packages commander'],
    ['src/release/x.ts', "import { run } from '../cli/run.js';", 'src/release may import only'],
    ['src/builders/x.ts', "import { copyImage } from '../publish/copy.js';", 'src/builders may import only src/oci, src/async, src/plan, src/layout'],
    ['src/registry/x.ts', 'const home = process.env.HOME;', 'reads process.env'],
    ['src/layout/x.ts', "const t = process['env'];", 'reads process.env'],
    ['src/plan/x.ts', 'const { env } = process;', 'reads process.env'],
    ['src/plan/x.ts', 'const e = process?.env;', 'reads process.env'],
  ];
  it.each(violations)('%s: %s', (file, content, says) => {
    const problems = checkFile(file, content);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(says);
    expect(problems[0]).toContain(`${file}:1:`);
  });

  // prettier-ignore
  const allowed: [file: string, content: string][] = [
    ['src/oci/x.ts', "import { createHash } from 'node:crypto';\nimport { a } from './a.js';"],
    ['src/registry/x.ts', "import got from 'got';\nimport { parseDigest } from '../oci/digest.js';\nimport { readFile } from 'node:fs/promises';"],
    ['src/layout/x.ts', "import tar from 'tar-stream';\nimport { rename } from 'node:fs/promises';\nimport type { Store } from '../oci/store.js';"],
    ['src/plan/x.ts', "import semver from 'semver';\nimport { z } from 'zod';\nimport { parse } from 'yaml';\nimport { createHash } from 'node:crypto';\nimport { x } from '../oci/reference.js';"],
    ['src/publish/x.ts', "import { planTags } from '../plan/tags.js';\nimport type { Store } from '../oci/store.js';\nimport { setTimeout } from 'node:timers/promises';"],
    ['src/cli/x.ts', "import { planRelease } from '../release/index.js';\nimport { Command } from 'commander';\nconst env = process.env;"],
    ['src/cli/commands/x.ts', "import { printJson } from '../output.js';\nimport { publishRelease } from '../../release/index.js';"],
    ['src/release/x.ts', "import { RegistryClient } from '../registry/client.js';\nimport { copyImage } from '../publish/copy.js';\nimport { createBuilders } from '../builders/backends.js';"],
    ['src/index.ts', "export * from './oci/reference.js';\nexport { copy } from './publish/copy.js';"],
    ['src/newfolder/x.ts', "import { anything } from '../registry/client.js';"],
    ['src/registry/x.ts', '/** Values of DOCKER_CONFIG, never read from process.env */\n// process.env is read in cli only\nconst e = env;'],
  ];
  it.each(allowed)('allows %s', (file, content) => {
    expect(checkFile(file, content)).toEqual([]);
  });

  it('reports every violation of a file, each with its line', () => {
    const content = ["import { a } from '../registry/a.js';", "import got from 'got';", 'const x = process.env.X;'].join('\n');
    const problems = checkFile('src/plan/p.ts', content);
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':')[1])).toEqual(['1', '2', '3']);
  });
});

/** Import cycles among files (a → b → … → a), type-only imports included; each cycle once. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

/** The src/ files each file imports (relative specifiers, `.js` read as the `.ts` it compiles from). */
function importGraph(files: readonly { file: string; content: string }[]): Map<string, string[]> {
  return new Map(
    files.map(({ file, content }) => [
      file,
      importSpecifiers(content)
        .filter((s) => s.spec.startsWith('.'))
        .map((s) => posix.normalize(posix.join(posix.dirname(file), s.spec)).replace(/\.js$/, '.ts')),
    ]),
  );
}

/**
 * File names that may appear more than once in src/, and why: a folder's barrel and its domain's
 * errors; the Store operations that registry/ and layout/ both implement (STYLE.md R6: mirrored
 * names); a builder backend's files, mirrored across the tool folders of builders/. CLI commands
 * (src/cli/commands/) are named for the command they register.
 */
function mayShareName(paths: readonly string[]): boolean {
  const name = posix.basename(paths[0]!);
  if (name === 'index.ts' || name === 'errors.ts') return true;
  const dirs = new Set(paths.map((p) => posix.dirname(p)));
  if ([...dirs].every((d) => d === 'src/registry' || d === 'src/layout')) return true;
  return [...dirs].every((d) => /^src\/builders\/[^/]+$/.test(d));
}

describe('architecture: the shape of src/', () => {
  const files = sourceFiles(join(ROOT, 'src')).map((abs) => ({
    file: relative(ROOT, abs).split(sep).join('/'),
    content: readFileSync(abs, 'utf8'),
  }));

  it('has no folder named build (build/ means output to tools and people)', () => {
    expect(files.filter((f) => f.file.split('/').slice(0, -1).includes('build')).map((f) => f.file)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles(importGraph(files)).map((c) => c.join(' → '))).toEqual([]);
  });

  it('the cycle finder finds cycles (it is not vacuous)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(importCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      importCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
    expect(importGraph([{ file: 'src/x/a.ts', content: "import type { B } from '../y/b.js';" }]).get('src/x/a.ts')).toEqual(['src/y/b.ts']);
  });

  it('has no two files with the same name for different things', () => {
    const byName = new Map<string, string[]>();
    for (const { file } of files) {
      if (file.startsWith('src/cli/commands/')) continue;
      const name = posix.basename(file);
      byName.set(name, [...(byName.get(name) ?? []), file]);
    }
    const clashes = [...byName.values()].filter((paths) => paths.length > 1 && !mayShareName(paths));
    expect(clashes).toEqual([]);
    expect(mayShareName(['src/registry/blob.ts', 'src/layout/blob.ts'])).toBe(true);
    expect(mayShareName(['src/oci/verify.ts', 'src/publish/verify.ts'])).toBe(false);
  });

  it('every error class has a code union: GantryError is abstract and never thrown as itself', () => {
    const errors = files.find((f) => f.file === 'src/oci/errors.ts')!;
    expect(errors.content).toMatch(/export abstract class GantryError<C extends string>/);
    const classes = files.flatMap(({ file, content }) =>
      [...content.matchAll(/class (\w+) extends GantryError<([^>]+)>/g)].map((m) => ({ file, name: m[1]!, codes: m[2]!.trim() })),
    );
    expect(classes.length).toBeGreaterThan(5);
    expect(classes.filter((c) => c.codes === 'string')).toEqual([]);
    expect(files.filter((f) => /new GantryError\(/.test(f.content)).map((f) => f.file)).toEqual([]);
  });
});
