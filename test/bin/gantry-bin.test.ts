// bin/gantry.js, the installed `gantry` command: it checks the Node.js version before loading
// anything, and otherwise runs dist/cli/main.js. Run for real with this Node (22+) on a copy of the
// bin next to a stand-in dist/, and with the machine's older Node when it has one.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, createContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/gantry.js');
const REFUSAL = /^gantry: error: gantry needs Node\.js 22 or newer; this is Node\.js (\S+) \(/;

let pkg: string;
let source: string;

beforeAll(async () => {
  source = await readFile(BIN, 'utf8');
  // A package laid out as installed: bin/gantry.js and a stand-in dist/cli/main.js that reports its arguments.
  pkg = await mkdtemp(join(tmpdir(), 'gantry-bin-'));
  await mkdir(join(pkg, 'bin'));
  await mkdir(join(pkg, 'dist/cli'), { recursive: true });
  await writeFile(join(pkg, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(pkg, 'bin/gantry.js'), source);
  await writeFile(
    join(pkg, 'dist/cli/main.js'),
    'process.stdout.write(`main.js ran with ${JSON.stringify(process.argv.slice(2))}\\n`);\nprocess.exitCode = 3;\n',
  );
});
afterAll(async () => rm(pkg, { recursive: true, force: true }));

const run = (node: string, dir = pkg, args: string[] = ['copy', '--json']) =>
  spawnSync(node, [join(dir, 'bin/gantry.js'), ...args], { encoding: 'utf8' });

/**
 * Runs bin/gantry.js as a classic script with a fake `process` of the given Node version: what it
 * did at once (exit code, standard error), and whether it then tried to load gantry (a sandbox
 * cannot import, so trying shows as its "cannot load gantry" message).
 */
async function runWithVersion(version: string): Promise<{ exitCode: number | undefined; stderr: string; triedToLoad: boolean }> {
  let out = '';
  const fake = {
    versions: { node: version },
    execPath: '/opt/node/bin/node',
    exitCode: undefined as number | undefined,
    stderr: { write: (s: string) => (out += s) },
  };
  new Script(source, { filename: 'bin/gantry.js' }).runInContext(createContext({ process: fake }));
  const atOnce = { exitCode: fake.exitCode, stderr: out };
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { ...atOnce, triedToLoad: out.slice(atOnce.stderr.length).startsWith('gantry: internal error: cannot load gantry') };
}

describe('bin/gantry.js', () => {
  it('with Node 22+ runs dist/cli/main.js with the arguments, and its exit code stands', () => {
    const r = run(process.execPath);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('main.js ran with ["copy","--json"]\n');
    expect(r.status).toBe(3);
  });

  it('without dist/ says to build, exit 1', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'gantry-bin-bare-'));
    try {
      await mkdir(join(bare, 'bin'));
      await writeFile(join(bare, 'package.json'), '{ "type": "module" }\n');
      await writeFile(join(bare, 'bin/gantry.js'), source);
      const r = run(process.execPath, bare);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('gantry: internal error: cannot load gantry: Cannot find module');
      expect(r.stderr).toContain('npm run build');
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  it('parses as a classic script too (no import/export statements, import.meta or top-level await)', () => {
    expect(() => new Script(source)).not.toThrow();
  });

  // The machine's own Node when it is older than 22 (Debian 12's is 20): the real refusal.
  // Elsewhere the same script runs with an old version number in a sandbox.
  const system = existsSync('/usr/bin/node')
    ? execFileSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
    : undefined;
  const systemIsOld = system !== undefined && Number(system.split('.')[0]) < 22;

  it(`refuses an older Node with exit 2 and says what to do (${systemIsOld ? `/usr/bin/node ${system}, for real` : 'Node 20.11.0, in a sandbox'})`, async () => {
    const r = systemIsOld ? run('/usr/bin/node') : { ...(await runWithVersion('20.11.0')), stdout: '' };
    const status = 'status' in r ? r.status : r.exitCode;
    expect(status).toBe(2);
    expect(r.stdout).toBe(''); // main.js was not loaded
    expect(r.stderr).toMatch(REFUSAL);
    expect(REFUSAL.exec(r.stderr)![1]).toBe(systemIsOld ? system : '20.11.0');
    expect(r.stderr).toContain('Install Node.js 24');
    expect(r.stderr).toContain('bash scripts/setup.sh');
  });

  it.each(['10.24.1', '18.20.4', '20.0.0', '21.7.3'])('refuses Node %s', async (version) => {
    const r = await runWithVersion(version);
    expect(r.exitCode).toBe(2);
    expect(REFUSAL.exec(r.stderr)?.[1]).toBe(version);
    expect(r.triedToLoad).toBe(false);
  });

  it.each(['22.0.0', '24.11.1', '100.0.0'])('accepts Node %s (goes on to load gantry)', async (version) => {
    const r = await runWithVersion(version);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBeUndefined();
    expect(r.triedToLoad).toBe(true);
  });
});
