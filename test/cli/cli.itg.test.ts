import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../../src/layout/index.js';
import { skopeoInspectRaw } from '../harness/fixtures.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { fixtureImage, tempDir } from '../support/images.js';

describe('gantry CLI against real registries', () => {
  let open: TestRegistry;
  let locked: TestRegistry;
  let img: Awaited<ReturnType<typeof fixtureImage>>;

  beforeAll(async () => {
    [open, locked, img] = await Promise.all([
      startRegistry(),
      startRegistry({ auth: 'token' }),
      fixtureImage({ layers: 2, layerBytes: 100_000 }),
    ]);
  });
  afterAll(async () => Promise.all([open?.stop(), locked?.stop()]));

  it('copy layout → registry → layout with --json, and skopeo reads the result', async () => {
    const up = await gantry(['copy', `oci:${img.dir}:v1`, `${open.host}/cli/app:v1`, '--json']);
    expectExit(up, 0);
    expect(up.stderr).toBe('');
    const j = JSON.parse(up.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({
      digest: img.indexDigest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: ['linux/amd64', 'linux/arm64'],
      bytesSkipped: 0,
    });
    expect(j.bytesTransferred).toBeGreaterThan(0);
    expect(typeof j.seconds).toBe('number');
    expect(JSON.parse((await skopeoInspectRaw(open, 'cli/app:v1')).stdout)).toMatchObject({
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });

    const out = await tempDir();
    const down = await gantry(['copy', `${open.host}/cli/app:v1`, `oci:${out}`]);
    expectExit(down, 0);
    expect(down.stdout).toContain(img.indexDigest);
    expect((await (await openLayout(out)).resolve('v1')).digest).toBe(img.indexDigest);
  });

  it('copy to two destinations at once, one platform only', async () => {
    const r = await gantry([
      'copy',
      `oci:${img.dir}:v1`,
      `${open.host}/two/a:x`,
      `${open.host}/two/b:y`,
      '--platform',
      'linux/arm64',
      '--json',
    ]);
    expectExit(r, 0);
    const j = JSON.parse(r.stdout) as { digest: string; platforms: string[] };
    expect(j.platforms).toEqual(['linux/arm64']);
    const a = JSON.parse((await skopeoInspectRaw(open, 'two/a:x')).stdout) as { manifests: unknown[] };
    expect(a.manifests).toHaveLength(1);
    expect((await gantry(['inspect', `${open.host}/two/b:y`, '--json'])).stdout).toContain(j.digest);
  });

  it('inspect and tags print people and machine formats', async () => {
    const human = await gantry(['inspect', `${open.host}/cli/app:v1`]);
    expectExit(human, 0);
    expect(human.stdout).toMatch(/linux\/amd64\s+sha256:[a-f0-9]{64}/);
    expect(human.stdout).toContain('org.opencontainers.image.title=gantry-test-fixture');
    const json = JSON.parse((await gantry(['inspect', `${open.host}/cli/app:v1`, '--json'])).stdout) as {
      platforms: { platform: string; compressedSize: number }[];
    };
    expect(json.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(json.platforms.every((p) => p.compressedSize > 0)).toBe(true);
    const tags = await gantry(['tags', `${open.host}/cli/app`, '--json']);
    expect(JSON.parse(tags.stdout)).toEqual({ repository: `${open.host}/cli/app`, tags: ['v1'] });
    expect((await gantry(['tags', `oci:${img.dir}`])).stdout.trim()).toBe('v1');
  });

  it('uses docker config credentials (DOCKER_CONFIG) and --password-stdin', async () => {
    const user = locked.defaultUser!;
    const cfg = await tempDir();
    await writeFile(
      join(cfg, 'config.json'),
      JSON.stringify({ auths: { [locked.host]: { auth: Buffer.from(`${user.username}:${user.password}`).toString('base64') } } }),
    );
    const viaConfig = await gantry(['copy', `oci:${img.dir}:v1`, `${locked.host}/app:v1`], { env: { DOCKER_CONFIG: cfg } });
    expectExit(viaConfig, 0);
    expect(viaConfig.stderr).toBe('');
    const viaStdin = await gantry(['tags', `${locked.host}/app`, '--username', user.username, '--password-stdin'], {
      stdin: `${user.password}\n`,
    });
    expectExit(viaStdin, 0);
    expect(viaStdin.stdout.trim()).toBe('v1');
  });

  it('wrong credentials: exit 2, says which registry and what to do, no secret, no stack', async () => {
    const r = await gantry(['copy', `oci:${img.dir}:v1`, `${locked.host}/app:v2`, '--username', 'alice', '--password-stdin'], {
      stdin: 'not-the-password-42',
    });
    expectExit(r, 2);
    expect(r.stderr).toContain(locked.host);
    expect(r.stderr).toMatch(/docker login|--username/);
    expect(r.stderr).not.toContain('not-the-password-42');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['copy', 'Foo/Bar:1', 'oci:/tmp/x'], /must be lowercase/],
    [['copy', `oci:${'/nonexistent-dir'}:v1`, 'oci:/tmp/x'], /not an OCI image layout/],
    [['inspect', 'localhost:1/app:v1'], /cannot reach registry localhost:1/],
    [['copy', 'x/y:v1', 'oci:/tmp/x', '--platform', 'linux'], /os\/arch/],
    [['inspect', 'registry.invalid/app:' + 'a'.repeat(129)], /128/],
    [['copy', 'oci:/tmp/x'], /missing required argument/],
    [['frobnicate'], /unknown command/],
  ])('bad input %j: exit 2 with a clear message', async (args, message) => {
    const r = await gantry(args);
    expectExit(r, 2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a tag that does not exist: exit 2, names the tag and repository', async () => {
    const r = await gantry(['inspect', `${open.host}/cli/app:nope`]);
    expectExit(r, 2);
    expect(r.stderr).toContain(`tag "nope" not found in ${open.host}/cli/app`);
  });

  it('a platform the image lacks is refused and nothing is pushed', async () => {
    const r = await gantry(['copy', `oci:${img.dir}:v1`, `${open.host}/never/app:v1`, '--platform', 'linux/s390x']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/no linux\/s390x; it has linux\/amd64, linux\/arm64/);
    const listed = await gantry(['tags', `${open.host}/never/app`, '--json']);
    expectExit(listed, 2);
    expect(listed.stderr).toContain('never/app: no such repository');
  });

  it('help lists the commands', async () => {
    const r = await gantry(['--help']);
    expectExit(r, 0);
    for (const c of ['copy', 'inspect', 'tags']) expect(r.stdout).toContain(c);
    await mkdir(await tempDir(), { recursive: true });
  });
});
