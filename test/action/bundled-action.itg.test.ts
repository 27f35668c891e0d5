// The bundled Action (dist-action/index.js), started the way GitHub's runner starts it: `node
// index.js` in the workspace, inputs as INPUT_<NAME>, outputs through GITHUB_OUTPUT.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOutputs } from '../github/simulate.js';
import { tempDir } from '../support/images.js';
import { git } from '../support/git.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist-action');

/** Runs dist-action/index.js as the runner does: `node index.js` in the workspace, inputs as INPUT_<NAME>. */
function runBundled(
  cwd: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'index.js')], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, ...inputEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('the bundled Action, started as the runner starts it', () => {
  const TOKEN = 'ghs_bundled_s3cr3t';

  async function workspace(config: string) {
    const dir = await tempDir('gantry-ws-');
    git(dir, 'init', '-q', '-b', 'main');
    await writeFile(join(dir, 'gantry.yml'), config);
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'init');
    const output = join(dir, '..', `${dir.split('/').pop()}-output`);
    const summary = join(dir, '..', `${dir.split('/').pop()}-summary`);
    await writeFile(output, '');
    await writeFile(summary, '');
    const event = join(dir, '..', `${dir.split('/').pop()}-event.json`);
    await writeFile(
      event,
      JSON.stringify({ action: 'published', release: { tag_name: 'v1.2.3', prerelease: false }, repository: { default_branch: 'main' } }),
    );
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'release',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/tags/v1.2.3',
      GITHUB_SHA: git(dir, 'rev-parse', 'HEAD'),
      GITHUB_REPOSITORY: 'acme/api',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_ACTOR: 'octo',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: dir,
    };
    return { dir, env, output, summary };
  }

  it('plan: writes version and matrix to GITHUB_OUTPUT and a step summary; the token only ever appears in ::add-mask::', async () => {
    const ws = await workspace('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n');
    const r = await runBundled(ws.dir, { command: 'plan', args: '--no-registry-check', 'github-token': TOKEN, 'dry-run': 'false' }, ws.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const outputs = parseOutputs(await readFile(ws.output, 'utf8'));
    expect(outputs.version).toBe('1.2.3');
    expect(JSON.parse(outputs.matrix!)).toEqual({
      include: [
        { image: 'api', platform: 'linux/amd64', runner: 'ubuntu-latest', dockerfile: 'Dockerfile' },
        { image: 'api', platform: 'linux/arm64', runner: 'ubuntu-24.04-arm', dockerfile: 'Dockerfile' },
      ],
    });
    expect(outputs.tags?.split('\n')).toContain('ghcr.io/acme/api:1.2.3');
    // Each output once.
    expect((await readFile(ws.output, 'utf8')).match(/^matrix<</gm)).toHaveLength(1);
    expect(await readFile(ws.summary, 'utf8')).toContain('### gantry plan: 1.2.3');
    expect(r.stdout).toMatch(/^::group::gantry plan --no-registry-check$/m);
    expect(r.stdout).toMatch(/^::endgroup::$/m);
    expect(r.stdout.split('\n').filter((l) => l.includes(TOKEN))).toEqual([`::add-mask::${TOKEN}`]);
    expect(r.stdout).toContain('registry credentials: ghcr.io as octo');
  });

  it('a mistake in gantry.yml: exit 1, an error annotation on the file and line', async () => {
    const ws = await workspace('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    platfroms: [linux/amd64]\n');
    const r = await runBundled(ws.dir, { command: 'plan', args: '--no-registry-check' }, ws.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '::error title=gantry plan,file=gantry.yml,line=4,col=5::images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)',
    );
    expect(r.stdout).toContain('::error::gantry plan failed (usage or input error): 1 problem in gantry.yml');
    expect(await readFile(ws.output, 'utf8')).toBe('');
  });
});
