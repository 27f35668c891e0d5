// Issue 12, part 4: the smaller things a first release trips on, each through the CLI as a user runs
// it, against the real registry where one is involved.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyImage } from '../../src/publish/copy.js';
import { RegistryError } from '../../src/registry/errors.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { git } from '../support/git.js';
import { clientFor, fixtureImage, tempDir } from '../support/images.js';

/** A git working copy on branch main with these files, committed. */
async function repoWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('gantry-first-release-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'remote', 'add', 'origin', 'git@github.com:acme/api.git');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

describe('a first release (issue 12, part 4)', () => {
  let open: TestRegistry;
  let priv: TestRegistry;
  beforeAll(async () => {
    [open, priv] = await Promise.all([startRegistry(), startRegistry({ auth: 'token' })]);
    const img = await fixtureImage({ layers: 1 });
    const c = clientFor(priv);
    await copyImage(img.store, 'v1', [{ store: c.repository(priv.host, 'acme/api'), tag: '1.0.0' }]);
    await c.close();
  });
  afterAll(async () => Promise.all([open?.stop(), priv?.stop()]));

  it('--version 1.0.0 on a branch is a release: release tags only, no edge or branch tag beside latest', async () => {
    const dir = await repoWith({
      'gantry.yml': `images:\n  - name: api\n    repositories: [${open.host}/acme/api]\n`,
      Dockerfile: 'FROM scratch\n',
    });
    const r = await gantry(['plan', '--version', '1.0.0', '--json'], { cwd: dir });
    expectExit(r, 0);
    const tags = (JSON.parse(r.stdout) as { images: { tagNames: string[] }[] }).images[0]!.tagNames;
    expect(tags).toEqual(expect.arrayContaining(['1.0.0', '1.0', '1', 'latest']));
    expect(tags).not.toContain('edge');
    expect(tags).not.toContain('main');
  });

  it('gantry tags on a repository that does not exist says so, exit 2; an existing one lists its tags', async () => {
    const missing = await gantry(['tags', `${open.host}/acme/nothing-here`]);
    expectExit(missing, 2);
    expect(missing.stderr).toContain(
      `${open.host}/acme/nothing-here: no such repository, or no tag in it (the registry answers 404, NAME_UNKNOWN`,
    );
    expect(missing.stdout).toBe('');
    const user = priv.defaultUser!;
    const found = await gantry(['tags', `${priv.host}/acme/api`, '--username', user.username, '--password-stdin'], {
      stdin: user.password,
    });
    expectExit(found, 0);
    expect(found.stdout).toBe('1.0.0\n');
  });

  it('gantry build needs no tags from the registry (building tags nothing), and keeps .gantry/ out of git', async () => {
    // The image's first repository is a registry nobody answers at: the plan must not read its tags.
    const dir = await repoWith({
      'gantry.yml':
        'images:\n  - name: web\n    repositories: [127.0.0.1:9/acme/web]\n    platforms: [linux/amd64]\n' +
        '    build: { backend: layers, base: scratch, copy: [{ from: site/, to: /srv }] }\n',
      'site/index.html': '<h1>hello</h1>\n',
    });
    const r = await gantry(['build', '--to', 'oci:./out'], { cwd: dir });
    expectExit(r, 0);
    expect(r.stderr).not.toContain('cannot read the tags');
    expect(await readFile(join(dir, '.gantry', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    // The records are there, and git sees nothing of them (out/ is the build's own output).
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).not.toContain('.gantry');
    expect(git(dir, 'check-ignore', '.gantry/records/web-linux-amd64.json')).toBe('.gantry/records/web-linux-amd64.json');
  });

  it('plan --matrix refuses a platform whose Dockerfile is missing, naming image, platform and path (exit 2)', async () => {
    const config =
      'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    build:\n      platform:\n        linux/arm64: { dockerfile: Dockerfile.arm64 }\n';
    const dir = await repoWith({ 'gantry.yml': config, Dockerfile: 'FROM scratch\n' });
    const r = await gantry(['plan', '--matrix', '--no-registry-check'], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toContain(`image "api" linux/arm64: no Dockerfile at Dockerfile.arm64 (${join(dir, 'Dockerfile.arm64')})`);
    expect(r.stderr).not.toContain('linux/amd64');
    expect(r.stdout).toBe('');
    await writeFile(join(dir, 'Dockerfile.arm64'), 'FROM scratch\n');
    const ok = await gantry(['plan', '--matrix', '--no-registry-check'], { cwd: dir });
    expectExit(ok, 0);
    expect(JSON.parse(ok.stdout)).toHaveLength(2);
  });

  it('verify --anonymous of a private image says it is not public (drop --anonymous or log in), not `docker login`', async () => {
    const r = await gantry(['verify', `${priv.host}/acme/api:1.0.0`, '--anonymous']);
    expectExit(r, 3);
    expect(r.stdout).toContain('the registry asks for credentials, so anonymous users cannot pull it (it is not public)');
    expect(r.stdout).toContain('drop --anonymous');
    expect(r.stdout + r.stderr).not.toContain('docker login');
  });

  it('an auth error names its status once: never "401 HTTP 401"', async () => {
    // Without --anonymous and without credentials the transport's hint (docker login) is right.
    const r = await gantry(['inspect', `${priv.host}/acme/api:1.0.0`]);
    expectExit(r, 2);
    expect(r.stderr).toContain('401');
    expect(r.stderr).not.toMatch(/\b401 HTTP 401\b/);
    // A HEAD has no body, so no error code: the status alone.
    expect(new RegistryError('HEAD', 'https://r.example/v2/a/manifests/1', 401, []).message).toBe(
      'HEAD https://r.example/v2/a/manifests/1: HTTP 401',
    );
    expect(new RegistryError('GET', 'https://r.example/v2/a/tags/list', 404, [{ code: 'NAME_UNKNOWN' }]).message).toBe(
      'GET https://r.example/v2/a/tags/list: 404 NAME_UNKNOWN',
    );
  });
});
