// `gantry init github` through the CLI: writes the workflow, leaves an existing one alone, --force,
// --reusable, --stdout, --config, --on; the Action reference (--action, ci.action) and the loud warning
// when there is none.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GANTRY_ACTION_PLACEHOLDER, releaseWorkflow, WORKFLOW_FILE } from '../../src/github/workflow.js';
import { parseConfig } from '../../src/plan/config/index.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { tempDir } from '../support/images.js';
import { unexpectedFindings } from './actionlint.js';

const CONFIG = 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api, { name: docker.io/acme/api, optional: true }]\n';
const WARNING = `gantry: warning: the workflow uses ${GANTRY_ACTION_PLACEHOLDER}, a placeholder: set the gantry Action before committing it, with --action OWNER/REPO@REF (the repository that holds gantry's action.yml, at a tag or commit) or ci.action in gantry.yml, then run gantry init github --force\n`;

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
  it('writes .github/workflows/release-image.yml from gantry.yml; without an Action reference it warns loudly, on stderr and in the file', async () => {
    const dir = await repo();
    const r = await gantry(['init', 'github'], { cwd: dir });
    expectExit(r, 0);
    expect(r.stderr).toBe(WARNING);
    expect(r.stdout).toContain(`wrote ${WORKFLOW_FILE} for api`);
    expect(r.stdout).toContain(
      `uses ${GANTRY_ACTION_PLACEHOLDER}, a PLACEHOLDER: set the Action (--action OWNER/REPO@REF --force) before committing`,
    );
    const text = await readFile(join(dir, WORKFLOW_FILE), 'utf8');
    expect(text).toBe(releaseWorkflow(parseConfig(CONFIG, 'gantry.yml')));
    expect(text).toContain('# SET THE GANTRY ACTION BEFORE COMMITTING');
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
    expect(printed.stderr).toBe(WARNING); // --stdout too: the warning is not in the workflow's text
    const json = await gantry(['init', 'github', '--reusable', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({
      path: WORKFLOW_FILE,
      reusable: true,
      action: GANTRY_ACTION_PLACEHOLDER,
      placeholder: true,
      on: ['release'],
      images: ['api'],
    });
    expect(json.stderr).toBe(WARNING);
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
      expect(wf.jobs[job]!.steps.find((s) => s.uses === GANTRY_ACTION_PLACEHOLDER)?.with?.config).toBe('deploy/gantry.yml');

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

  it('--action names the Action (no warning); ci.action in gantry.yml does too, and --action wins; a bad reference is exit 2', async () => {
    const dir = await repo();
    const r = await gantry(['init', 'github', '--action', 'acme/gantry@0123456789abcdef0123456789abcdef01234567', '--stdout'], {
      cwd: dir,
    });
    expectExit(r, 0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain(GANTRY_ACTION_PLACEHOLDER);
    expect(r.stdout).not.toContain('SET THE GANTRY ACTION');
    expect(r.stdout.match(/uses: acme\/gantry@0123456789abcdef0123456789abcdef01234567\n/g)).toHaveLength(3);
    expect(await unexpectedFindings(r.stdout)).toEqual([]);

    await writeFile(join(dir, 'gantry.yml'), `${CONFIG}ci:\n  action: acme/gantry/release@v2\n`);
    const fromConfig = await gantry(['init', 'github', '--json'], { cwd: dir });
    expectExit(fromConfig, 0);
    expect(fromConfig.stderr).toBe('');
    expect(JSON.parse(fromConfig.stdout)).toMatchObject({ action: 'acme/gantry/release@v2', placeholder: false });
    expect(await readFile(join(dir, WORKFLOW_FILE), 'utf8')).toContain('uses: acme/gantry/release@v2\n');
    const flagWins = await gantry(['init', 'github', '--action', 'other/gantry@v3', '--stdout'], { cwd: dir });
    expect(flagWins.stdout).toContain('uses: other/gantry@v3\n');
    expect(flagWins.stdout).not.toContain('acme/gantry/release@v2');

    const bad = await gantry(['init', 'github', '--action', 'gantry@v1', '--stdout'], { cwd: dir });
    expectExit(bad, 2);
    expect(bad.stderr).toBe(
      'gantry: error: --action "gantry@v1": expected OWNER/REPO@REF as a workflow\'s uses: takes it, e.g. acme/gantry@v1 or acme/gantry@<commit SHA>\n',
    );
    await writeFile(join(dir, 'gantry.yml'), `${CONFIG}ci:\n  action: "acme/gantry@v1 # pinned"\n`);
    const badConfig = await gantry(['init', 'github', '--stdout'], { cwd: dir });
    expectExit(badConfig, 2);
    expect(badConfig.stderr).toContain(
      'gantry.yml:5:11: ci.action: invalid Action reference "acme/gantry@v1 # pinned": expected OWNER/REPO@REF',
    );
  });

  it('--on: release (default), tag-push, or both; anything else is exit 2', async () => {
    const dir = await repo();
    const on = async (...args: string[]) => {
      const r = await gantry(['init', 'github', '--action', 'acme/gantry@v1', '--stdout', ...args], { cwd: dir });
      expectExit(r, 0);
      return Object.keys((parse(r.stdout) as { on: object }).on);
    };
    expect(await on()).toEqual(['release', 'workflow_dispatch']);
    expect(await on('--on', 'tag-push')).toEqual(['push', 'workflow_dispatch']);
    expect(await on('--on', 'tag-push,release')).toEqual(['release', 'push', 'workflow_dispatch']);
    const bad = await gantry(['init', 'github', '--on', 'push'], { cwd: dir });
    expectExit(bad, 2);
    expect(bad.stderr).toContain('gantry: error: --on push: expected release, tag-push or both (release,tag-push)');
  });
});
