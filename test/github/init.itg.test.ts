// `gantry init github` through the CLI: writes the workflow, leaves an existing one alone, --force,
// --reusable, --stdout, --config.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { releaseWorkflow, WORKFLOW_FILE } from '../../src/github/workflow.js';
import { parseConfig } from '../../src/plan/config/index.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { tempDir } from '../support/images.js';
import { unexpectedFindings } from './actionlint.js';

const CONFIG = 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api, { name: docker.io/acme/api, optional: true }]\n';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV });

/** A git repository (remote github.com/acme/api, one commit) with `config` as its gantry.yml, or none for null. */
async function repo(config: string | null = CONFIG): Promise<string> {
  const dir = await tempDir('gantry-init-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'remote', 'add', 'origin', 'https://github.com/acme/api.git');
  await writeFile(join(dir, config === null ? 'Dockerfile' : 'gantry.yml'), config ?? 'FROM scratch\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

describe('gantry init github', () => {
  it('writes .github/workflows/release-image.yml from gantry.yml', async () => {
    const dir = await repo();
    const r = await gantry(['init', 'github'], { cwd: dir });
    expectExit(r, 0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`wrote ${WORKFLOW_FILE} for api`);
    const text = await readFile(join(dir, WORKFLOW_FILE), 'utf8');
    expect(text).toBe(releaseWorkflow(parseConfig(CONFIG, 'gantry.yml')));
    expect(text).toContain('dockerhub-token: ${{ secrets.DOCKERHUB_TOKEN }}');
    expect(await unexpectedFindings(text)).toEqual([]);
  });

  it('leaves an existing workflow alone (exit 2, says how to overwrite it), and --force overwrites it', async () => {
    const dir = await repo();
    await mkdir(join(dir, '.github', 'workflows'), { recursive: true });
    await writeFile(join(dir, WORKFLOW_FILE), 'mine\n');
    const r = await gantry(['init', 'github'], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toBe(
      `gantry: error: ${WORKFLOW_FILE} already exists; left it unchanged. Pass --force to overwrite it, or --stdout to compare\n`,
    );
    expect(r.stdout).toBe('');
    expect(await readFile(join(dir, WORKFLOW_FILE), 'utf8')).toBe('mine\n');
    const forced = await gantry(['init', 'github', '--force'], { cwd: dir });
    expectExit(forced, 0);
    expect(await readFile(join(dir, WORKFLOW_FILE), 'utf8')).toContain('name: Release image\n');
  });

  it('--reusable writes the workflow_call variant; --stdout prints instead of writing; --json reports', async () => {
    const dir = await repo();
    const printed = await gantry(['init', 'github', '--reusable', '--stdout'], { cwd: dir });
    expectExit(printed, 0);
    expect(Object.keys((parse(printed.stdout) as { on: object }).on)).toEqual(['workflow_call']);
    await expect(readFile(join(dir, WORKFLOW_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    const json = await gantry(['init', 'github', '--reusable', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({ path: WORKFLOW_FILE, reusable: true, action: 'gantry-dev/gantry@v1', images: ['api'] });
    expect(await readFile(join(dir, WORKFLOW_FILE), 'utf8')).toBe(printed.stdout);
  });

  it("--config elsewhere: the workflow names it; without gantry.yml: gantry's defaults (the image from ./Dockerfile)", async () => {
    const dir = await repo(null);
    await mkdir(join(dir, 'deploy'));
    await writeFile(join(dir, 'deploy', 'gantry.yml'), CONFIG);
    const r = await gantry(['init', 'github', '--config', 'deploy/gantry.yml', '--stdout'], { cwd: dir });
    expectExit(r, 0);
    const wf = parse(r.stdout) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }> };
    for (const job of ['plan', 'build', 'publish'])
      expect(wf.jobs[job]!.steps.find((s) => s.uses === 'gantry-dev/gantry@v1')?.with?.config).toBe('deploy/gantry.yml');

    const d = await gantry(['init', 'github', '--stdout'], { cwd: dir });
    expectExit(d, 0);
    expect(d.stdout).toContain('# Releases the container image api of gantry.yml');
    expect(d.stdout).not.toContain('dockerhub');

    const outside = await gantry(['init', 'github', '--config', '../x.yml'], { cwd: join(dir, 'deploy') });
    expectExit(outside, 2);
  });

  it('a bad gantry.yml: exit 2 with its line, nothing written; an unknown CI: exit 2', async () => {
    const dir = await repo('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    platfroms: [linux/amd64]\n');
    const r = await gantry(['init', 'github'], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toContain('gantry.yml:4:5:');
    await expect(readFile(join(dir, WORKFLOW_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    expectExit(await gantry(['init', 'gitlab'], { cwd: dir }), 2);
  });
});
