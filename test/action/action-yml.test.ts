// action.yml agrees with the Action's code, and action/ keeps to its layer rule (DESIGN.md: it may
// import src/index.ts and @actions/core only).
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUTS } from '../../action/inputs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACTION = join(ROOT, 'action');

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

describe('action.yml', () => {
  const yml = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

  it('runs the bundle on node24', () => {
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist-action/index.js' });
  });

  it('declares exactly the inputs the Action reads, each described; only command is required', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.keys(INPUTS).sort());
    for (const [name, input] of Object.entries(yml.inputs)) {
      expect(input.description, name).toMatch(/\S/);
      expect(input.required ?? false, name).toBe(name === 'command');
    }
    expect(yml.inputs['github-token']?.default).toBe('${{ github.token }}');
    expect(yml.inputs['dry-run']?.default).toBe('false');
  });

  it('declares the outputs gantry and the Action write', () => {
    expect(Object.keys(yml.outputs)).toEqual(expect.arrayContaining(['digest', 'tags', 'refs', 'matrix', 'version', 'artifact']));
  });
});

describe('action/ imports only src/index.ts, @actions/core and Node built-ins', () => {
  // build.ts is the bundler script, not part of the Action.
  const files = readdirSync(ACTION).filter((f) => f.endsWith('.ts') && f !== 'build.ts');
  const importsOf = (file: string): string[] => {
    const text = readFileSync(join(ACTION, file), 'utf8');
    return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map(
      (m) => m[1]!,
    );
  };
  it('sees the imports (the check is not vacuous)', () => {
    expect(importsOf('run.ts')).toEqual(expect.arrayContaining(['../src/index.js', '@actions/core', './inputs.js']));
  });
  it.each(files)('%s', (file) => {
    const specs = importsOf(file);
    const bad = specs.filter(
      (s) => !(s.startsWith('./') || s === '../src/index.js' || s === '@actions/core' || (s.startsWith('node:') && isBuiltin(s))),
    );
    expect(bad).toEqual([]);
  });
});
