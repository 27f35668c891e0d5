// gantry build's command line: missing builders say how to install them (exit 2), input mistakes are
// usage errors (exit 2), all before anything is built or pushed. The real builds are in
// test/builders/buildah.itg.test.ts.
import { execFile, execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { tempDir } from '../support/images.js';

const run = promisify(execFile);

async function repoWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('gantry-build-cli-');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  await run('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await run('git', ['add', '.'], { cwd: dir });
  await run('git', ['commit', '-q', '-m', 'init'], { cwd: dir, env });
  return dir;
}

const config = (backend: string, extra = '') =>
  `images:\n  - name: api\n    repositories: [registry.invalid/acme/api]\n    platforms: [linux/amd64, linux/arm64]\n    build:\n      backend: ${backend}\n${extra}`;

function hasBuildx(): boolean {
  try {
    execFileSync('docker', ['buildx', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.concurrent('gantry build: errors before building', () => {
  /** A PATH with git and nothing else: no buildah, no docker. */
  let bare: string;
  beforeAll(async () => {
    bare = await tempDir('gantry-path-');
    await symlink((await run('sh', ['-c', 'command -v git'])).stdout.trim(), join(bare, 'git'));
  });
  const offline = ['build', '--to', 'oci:stage', '--no-registry-check'];

  it('buildah not installed: exit 2, how to install it', async () => {
    const dir = await repoWith({ 'gantry.yml': config('buildah'), Dockerfile: 'FROM scratch\nCOPY gantry.yml /\n' });
    const r = await gantry(offline, { cwd: dir, env: { PATH: bare } });
    expectExit(r, 2);
    expect(r.stderr).toContain(
      'gantry: error: buildah is not installed (the buildah backend runs "buildah build"): install it with apt-get install buildah',
    );
    expect(r.stdout).toBe('');
  });

  it('docker not installed: exit 2, how to install docker and the buildx plugin', async () => {
    const dir = await repoWith({ 'gantry.yml': config('buildx'), Dockerfile: 'FROM scratch\n' });
    const r = await gantry(offline, { cwd: dir, env: { PATH: bare } });
    expectExit(r, 2);
    expect(r.stderr).toMatch(
      /gantry: error: docker is not installed \(the buildx backend runs "docker buildx build"\): install Docker with the buildx plugin .*docker-buildx-plugin/,
    );
  });

  it.skipIf(hasBuildx())('docker without the buildx plugin (this machine): exit 2, how to get the plugin', async () => {
    const dir = await repoWith({ 'gantry.yml': config('buildx'), Dockerfile: 'FROM scratch\n' });
    const r = await gantry(offline, { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toMatch(
      /gantry: error: the docker buildx plugin is not installed \("docker buildx version" said: .+\): install Docker with the buildx plugin/,
    );
  });

  it('input mistakes are usage errors (exit 2): a tag in --to, an unknown image, a bad platform, a missing per-platform Dockerfile', async () => {
    const dir = await repoWith({
      'gantry.yml': config('buildah', '      platform:\n        linux/arm64: { dockerfile: Dockerfile.arm64 }\n'),
      Dockerfile: 'FROM scratch\nCOPY gantry.yml /\n',
    });
    const cases: [args: string[], says: string][] = [
      [
        ['build', '--to', 'registry.invalid/acme/api:v1', '--no-registry-check'],
        '--to registry.invalid/acme/api:v1: name a repository or an OCI layout without a tag or digest',
      ],
      [
        ['build', '--to', 'oci:out:v1', '--no-registry-check'],
        '--to oci:out:v1: name a repository or an OCI layout without a tag or digest',
      ],
      [[...offline, '--image', 'web'], 'there is no image "web" in gantry.yml; images: api'],
      [[...offline, '--platform', 'linux/'], 'invalid platform "linux/"'],
      [
        [...offline, '--image', 'api', '--platform', 'linux/s390x'],
        'image "api" is not built for linux/s390x; its platforms are linux/amd64, linux/arm64',
      ],
      [
        [...offline, '--platform', 'linux/arm64'],
        'api linux/arm64: cannot read the Dockerfile Dockerfile.arm64 (no such file); it is set by build.dockerfile or build.platform.linux/arm64.dockerfile',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => gantry(args, { cwd: dir, env: { PATH: bare } })));
    results.forEach((r, i) => {
      expectExit(r, 2);
      expect(r.stderr).toContain(cases[i]![1]);
    });
  });
});
