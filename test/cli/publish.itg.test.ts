import { createHash } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { runSkopeo, skopeoInspectRaw } from '../harness/fixtures.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { clientFor, tempDir } from '../support/images.js';
import { git } from '../support/git.js';

// Separate processes as separate runners: two `gantry build`s, each in its own working copy, then
// one `gantry publish --records` that publishes to two registries (one with token auth).
describe('gantry build → publish across runners', () => {
  let staging: TestRegistry;
  let ghcr: TestRegistry;
  let hub: TestRegistry;
  let origin: string;
  let dockerConfig: string;

  beforeAll(async () => {
    [staging, ghcr, hub] = await Promise.all([startRegistry(), startRegistry({ auth: 'token' }), startRegistry()]);
    const base = await writeBusyboxBase(await tempDir(), 'v1');
    const c = clientFor(staging);
    await copyImage(await openLayout(base.dir), 'v1', [{ store: c.repository(staging.host, 'base/busybox'), tag: 'v1' }]);
    await c.close();
    origin = await tempDir('gantry-origin-');
    git(origin, 'init', '-q', '-b', 'main');
    await writeFile(join(origin, 'hello.sh'), '#!/bin/sh\necho "hello from $(uname -m)"\n');
    await writeFile(
      join(origin, 'gantry.yml'),
      [
        'images:',
        '  - name: hello',
        `    repositories: [${ghcr.host}/acme/hello, ${hub.host}/acme/hello]`,
        '    build:',
        '      backend: layers',
        `      base: ${staging.host}/base/busybox:v1`,
        '      copy: [{ from: hello.sh, to: /app/hello.sh, mode: "0755" }]',
        '      entrypoint: [/app/hello.sh]',
        '    gates: { maxSize: 5MB }',
        '',
      ].join('\n'),
    );
    git(origin, 'add', '.');
    git(origin, 'commit', '-q', '-m', 'hello');
    git(origin, 'tag', 'v1.2.3');
    const user = ghcr.defaultUser!;
    dockerConfig = await tempDir();
    await writeFile(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [ghcr.host]: { auth: Buffer.from(`${user.username}:${user.password}`).toString('base64') } } }),
    );
  });
  afterAll(async () => Promise.all([staging?.stop(), ghcr?.stop(), hub?.stop()]));

  it('builds on two "runners", publishes to both registries, all tags on one index digest, skopeo reads it', async () => {
    const records = await tempDir();
    const runners = await Promise.all(
      ['linux/amd64', 'linux/arm64'].map(async (platform) => {
        const wc = await tempDir('gantry-runner-');
        await cp(origin, wc, { recursive: true });
        const r = await gantry(
          [
            'build',
            '--platform',
            platform,
            '--to',
            `${staging.host}/acme/hello`,
            '--record-dir',
            join(records, platform.replace('/', '-')),
            '--json',
          ],
          { cwd: wc, env: { DOCKER_CONFIG: dockerConfig } },
        );
        expectExit(r, 0);
        expect(r.stderr).not.toMatch(/error/);
        return JSON.parse(r.stdout) as { digest: string; platform: string }[];
      }),
    );
    expect(runners.flat().map((r) => r.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    // Built by digest only: nothing tagged in staging.
    // (distribution answers 404 NAME_UNKNOWN for a repository with no tag: gantry says so, exit 2)
    const staged = await gantry(['tags', `${staging.host}/acme/hello`, '--json']);
    expectExit(staged, 2);
    expect(staged.stderr).toContain('acme/hello: no such repository, or no tag in it');

    const pub = await gantry(['publish', '--records', records, '--json'], { cwd: origin, env: { DOCKER_CONFIG: dockerConfig } });
    expectExit(pub, 0);
    const result = JSON.parse(pub.stdout) as {
      images: { digest: string; repositories: { repository: string; tags: { tag: string }[] }[] }[];
    };
    const digest = result.images[0]!.digest;
    for (const reg of [ghcr, hub]) {
      const creds = reg.defaultUser;
      const listed = await gantry(['tags', `${reg.host}/acme/hello`, '--json'], { env: { DOCKER_CONFIG: dockerConfig } });
      expectExit(listed, 0);
      const tags = JSON.parse(listed.stdout) as { tags: string[] };
      expect(tags.tags.sort()).toEqual(
        ['1', '1.2', '1.2.3', 'latest', `sha-${git(origin, 'rev-parse', '--short=7', 'HEAD')}`, 'v1.2.3'].sort(),
      );
      for (const t of tags.tags) {
        const raw = await skopeoInspectRaw(reg, `acme/hello:${t}`, creds);
        expect(`sha256:${createHash('sha256').update(raw.stdoutBytes).digest('hex')}`).toBe(digest);
      }
      const out = await tempDir();
      await runSkopeo([
        'copy',
        '--all',
        '--src-tls-verify=false',
        ...(creds ? ['--src-creds', `${creds.username}:${creds.password}`] : []),
        `docker://${reg.host}/acme/hello:1.2.3`,
        `oci:${out}:x`,
      ]);
      expect((await readdir(join(out, 'blobs', 'sha256'))).length).toBeGreaterThan(4);
    }
    const verify = await gantry([
      'verify',
      `${hub.host}/acme/hello:1.2.3`,
      '--anonymous',
      '--platforms',
      'linux/amd64,linux/arm64',
      '--label',
      'org.opencontainers.image.version=1.2.3',
    ]);
    expectExit(verify, 0);

    // A rerun changes nothing and says so.
    const again = await gantry(['publish', '--records', records], { cwd: origin, env: { DOCKER_CONFIG: dockerConfig } });
    expectExit(again, 0);
    expect(again.stdout).toContain('nothing to do: already published');
  });

  it('a missing platform record is refused: exit 2, names it, tags nothing', async () => {
    const records = await tempDir();
    const wc = await tempDir('gantry-runner-');
    await cp(origin, wc, { recursive: true });
    git(wc, 'tag', 'v9.0.0');
    const b = await gantry(['build', '--platform', 'linux/amd64', '--to', `${staging.host}/acme/hello`, '--record-dir', records], {
      cwd: wc,
      env: { DOCKER_CONFIG: dockerConfig },
    });
    expectExit(b, 0);
    expect(b.stderr).not.toContain('error');
    const r = await gantry(['publish', '--records', records, '--version', '9.0.0'], { cwd: wc, env: { DOCKER_CONFIG: dockerConfig } });
    expectExit(r, 2);
    expect(r.stderr).toContain('hello linux/arm64: no build record');
    const listed = await gantry(['tags', `${hub.host}/acme/hello`, '--json']);
    expectExit(listed, 0);
    const tags = JSON.parse(listed.stdout) as { tags: string[] };
    expect(tags.tags).not.toContain('9.0.0');
  });

  it('a failing gate: exit 3 and no tag anywhere; --dry-run shows what would happen and touches nothing', async () => {
    const wc = await tempDir('gantry-runner-');
    await cp(origin, wc, { recursive: true });
    const yml = (await readFile(join(origin, 'gantry.yml'), 'utf8')).replace('maxSize: 5MB', 'maxSize: 100kB');
    await writeFile(join(wc, 'gantry.yml'), yml);
    const gate = await gantry(['publish', '--version', '7.0.0'], { cwd: wc, env: { DOCKER_CONFIG: dockerConfig } });
    expect(gate.stderr).toContain('over the budget');
    expectExit(gate, 3);
    const dry = await gantry(['publish', '--version', '7.0.1', '--dry-run', '--no-registry-check'], {
      cwd: origin,
      env: { DOCKER_CONFIG: dockerConfig },
    });
    expectExit(dry, 0);
    expect(dry.stdout).toContain('dry run: nothing was pushed or tagged');
    expect(dry.stdout).toMatch(/acme\/hello: 7\.0\.1/);
    for (const reg of [hub]) {
      const listed = await gantry(['tags', `${reg.host}/acme/hello`, '--json']);
      expectExit(listed, 0);
      const tags = JSON.parse(listed.stdout) as { tags: string[] };
      expect(tags.tags).not.toContain('7.0.0');
      expect(tags.tags).not.toContain('7.0.1');
    }
  });
});
