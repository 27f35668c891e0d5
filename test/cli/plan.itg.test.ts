import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from '../../src/publish/copy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { clientFor, fixtureImage, tempDir } from '../support/images.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z',
      GIT_COMMITTER_DATE: '2024-05-01T10:00:00Z',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  })
    .toString()
    .trim();
}

async function repoWith(config: string): Promise<string> {
  const dir = await tempDir('gantry-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'remote', 'add', 'origin', 'git@github.com:acme/api.git');
  await writeFile(join(dir, 'gantry.yml'), config);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

describe('gantry plan', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    // The registry already holds 2.0.0 and 1.4.8 of the image: a backport must not take latest.
    const img = await fixtureImage({ layers: 1 });
    const c = clientFor(reg);
    const repo = c.repository(reg.host, 'acme/api');
    await copyImage(img.store, 'v1', [{ store: repo, tag: '2.0.0' }]);
    const root = await repo.fetchManifest('2.0.0');
    for (const t of ['2.0', '2', 'latest', '1.4.8', '1.4', '1']) await repo.pushManifest(root, t);
    await c.close();
  });
  afterAll(async () => reg?.stop());

  const config = () => `images:\n  - name: api\n    repositories: [${reg.host}/acme/api]\n`;

  it('a backport release checked against the real registry: 1.4.9 gets 1.4 and 1, never latest', async () => {
    const dir = await repoWith(config());
    git(dir, 'tag', 'v1.4.9');
    const r = await gantry(['plan', '--json'], { cwd: dir });
    expectExit(r, 0);
    expect(r.stderr).toBe('');
    const plan = JSON.parse(r.stdout) as {
      version: string;
      created: string;
      images: { tagNames: string[]; tags: string[]; decisions: string[] }[];
    };
    expect(plan.version).toBe('1.4.9');
    expect(plan.created).toBe('2024-05-01T10:00:00Z');
    expect(plan.images[0]!.tagNames).toEqual(['1.4.9', 'v1.4.9', '1.4', '1', `sha-${git(dir, 'rev-parse', '--short=7', 'HEAD')}`]);
    expect(plan.images[0]!.tags[0]).toBe(`${reg.host}/acme/api:1.4.9`);
    expect(plan.images[0]!.decisions).toContain('latest: kept on 2.0.0, which is newer than 1.4.9');
    const human = await gantry(['plan'], { cwd: dir });
    expect(human.stdout).toMatch(/tags\s+1\.4\.9, v1\.4\.9, 1\.4, 1, sha-/);
  });

  it('--no-registry-check plans offline, and --version / --ref override git', async () => {
    const dir = await repoWith('images:\n  - name: api\n    repositories: [registry.invalid/acme/api]\n');
    const r = await gantry(['plan', '--json', '--no-registry-check', '--ref', 'refs/tags/v3.0.0'], { cwd: dir });
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: '3.0.0', images: [{ tagNames: expect.arrayContaining(['3.0.0', 'latest']) }] });
    const v = await gantry(['plan', '--json', '--no-registry-check', '--version', '4.1.0'], { cwd: dir });
    expect(JSON.parse(v.stdout)).toMatchObject({ version: '4.1.0' });
  });

  it('inside GitHub Actions: reads the event, writes outputs and a step summary', async () => {
    const dir = await repoWith('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    platforms: [linux/amd64, linux/arm64]\n');
    const event = join(dir, 'event.json');
    await writeFile(
      event,
      JSON.stringify({
        action: 'published',
        release: { tag_name: 'v1.0.0-beta.1', prerelease: true },
        repository: { default_branch: 'main' },
      }),
    );
    const out = join(dir, 'out.txt');
    const summary = join(dir, 'summary.md');
    await writeFile(out, '');
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'release',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/tags/v1.0.0-beta.1',
      GITHUB_SHA: git(dir, 'rev-parse', 'HEAD'),
      GITHUB_REPOSITORY: 'acme/api',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: summary,
    };
    const r = await gantry(['plan', '--no-registry-check'], { cwd: dir, env });
    expectExit(r, 0);
    const outputs = await readFile(out, 'utf8');
    expect(outputs).toMatch(/^version<<(gantry_[0-9a-f]+)\n1\.0\.0-beta\.1\n\1$/m);
    expect(outputs).toMatch(/^prerelease<<(gantry_[0-9a-f]+)\ntrue\n\1$/m);
    expect(outputs).toContain('ghcr.io/acme/api:1.0.0-beta.1\nghcr.io/acme/api:v1.0.0-beta.1\n');
    expect(outputs).not.toContain(':latest');
    expect(outputs).toContain('"runner":"ubuntu-24.04-arm"');
    expect(await readFile(summary, 'utf8')).toContain('| api |');
  });

  it('--matrix prints the fan-out matrix', async () => {
    const dir = await repoWith(
      'images:\n  - name: worker\n    repositories: [ghcr.io/acme/worker]\n    build:\n      platform:\n        linux/arm64: { dockerfile: Dockerfile.worker.arm64 }\n',
    );
    // --matrix checks that each platform's Dockerfile exists (first-release.itg.test.ts refuses a missing one).
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'Dockerfile.worker.arm64'), 'FROM scratch\n');
    const r = await gantry(['plan', '--matrix', '--no-registry-check'], { cwd: dir });
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toEqual([
      { image: 'worker', platform: 'linux/amd64', runner: 'ubuntu-latest', dockerfile: 'Dockerfile' },
      { image: 'worker', platform: 'linux/arm64', runner: 'ubuntu-24.04-arm', dockerfile: 'Dockerfile.worker.arm64' },
    ]);
  });

  it('a bad gantry.yml: exit 2, file:line:column, nothing else', async () => {
    const dir = await repoWith('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    platfroms: [linux/amd64]\n');
    const r = await gantry(['plan', '--no-registry-check'], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toContain('gantry.yml:4:5: images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad tag rule: exit 2 with its line in gantry.yml', async () => {
    const dir = await repoWith(
      'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    tags: |\n      type=semver,pattern={{version}}\n      type=semver,pattern={{versoin}}\n',
    );
    const r = await gantry(['plan', '--no-registry-check'], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toMatch(/gantry\.yml:6:\d+: .*\{\{versoin\}\}/);
  });

  it('--schema-like output: gantry schema prints the JSON Schema', async () => {
    const r = await gantry(['schema']);
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toMatchObject({ $schema: expect.stringContaining('json-schema.org'), type: 'object' });
  });

  it('a registry that cannot be read: exit 2 pointing at --no-registry-check', async () => {
    const dir = await repoWith('images:\n  - name: api\n    repositories: [localhost:1/acme/api]\n');
    git(dir, 'tag', 'v1.0.0');
    const r = await gantry(['plan'], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toContain('--no-registry-check');
  });
});
