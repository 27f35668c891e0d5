// The generated release workflow's data flow, run here against a real registry: the workflow file is
// parsed, and its jobs run as GitHub would run them (test/github/simulate.ts). The matrix workflow:
// plan → one build process per matrix entry, each in its own checkout, records in per-entry
// directories uploaded as artifacts → the artifacts merged as download-artifact's merge-multiple
// does → publish → verify. The workflow `gantry init github` writes for layers-only images: one job.
// A dispatch of an older tag: that tag's commit is what is built. Every gantry step goes through the
// Action's own code with the `with:` arguments the workflow passes. The layers builder on a busybox
// base: no emulation, fast.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { releaseWorkflow, WORKFLOW_FILE } from '../../src/github/workflow.js';
import { parseConfig } from '../../src/plan/config/index.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { clientFor, tempDir } from '../support/images.js';
import { simulateWorkflow, type SimulationResult } from './simulate.js';
import { git } from '../support/git.js';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
/** The Action reference the workflows name (the simulation runs the Action from source whatever it is). */
const ACTION = 'acme/gantry@v1';

describe('the generated workflow, simulated: plan → build per matrix entry → publish → verify', () => {
  let reg: TestRegistry;
  let origin: string;
  let workflow: string;
  let sim: SimulationResult;
  let dockerConfig: string;

  beforeAll(async () => {
    reg = await startRegistry();
    const base = await writeBusyboxBase(await tempDir(), 'v1');
    const c = clientFor(reg);
    await copyImage(await openLayout(base.dir), 'v1', [{ store: c.repository(reg.host, 'base/busybox'), tag: 'v1' }]);
    await c.close();

    origin = await tempDir('gantry-origin-');
    git(origin, 'init', '-q', '-b', 'main');
    git(origin, 'remote', 'add', 'origin', 'https://github.com/acme/hello.git');
    await writeFile(join(origin, 'hello.sh'), '#!/bin/sh\necho "hello from $(uname -m)"\n');
    await writeFile(join(origin, 'world.sh'), '#!/bin/sh\necho world\n');
    const layers = (script: string) => [
      '    build:',
      '      backend: layers',
      `      base: ${reg.host}/base/busybox:v1`,
      `      copy: [{ from: ${script}, to: /app/${script}, mode: "0755" }]`,
      `      entrypoint: [/app/${script}]`,
    ];
    await writeFile(
      join(origin, 'gantry.yml'),
      [
        'images:',
        '  - name: hello',
        '    repositories:',
        `      - ${reg.host}/acme/hello`,
        '      - { name: docker.io/acme/hello, optional: true }   # no Docker Hub secrets in this run: skipped',
        ...layers('hello.sh'),
        '  - name: world',
        `    repositories: [${reg.host}/acme/world]`,
        ...layers('world.sh'),
        '',
      ].join('\n'),
    );
    git(origin, 'add', '.');
    git(origin, 'commit', '-q', '-m', 'hello');
    git(origin, 'tag', 'v1.2.3');

    // The matrix workflow of this gantry.yml (`gantry init github` writes one job for layers-only
    // images; the matrix's data flow is what this describe checks), committed like a user would.
    workflow = releaseWorkflow(parseConfig(await readFile(join(origin, 'gantry.yml'), 'utf8'), 'gantry.yml'), {
      action: ACTION,
      jobs: 'matrix',
    });
    await mkdir(join(origin, '.github', 'workflows'), { recursive: true });
    await writeFile(join(origin, WORKFLOW_FILE), workflow);
    git(origin, 'add', '.');
    git(origin, 'commit', '-q', '-m', 'release workflow');
    git(origin, 'tag', '-f', 'v1.2.3');

    // A tag push of v1.2.3, as GitHub describes it to the steps.
    const event = join(await tempDir(), 'event.json');
    await writeFile(event, JSON.stringify({ ref: 'refs/tags/v1.2.3', repository: { default_branch: 'main' } }));
    dockerConfig = await tempDir('gantry-runner-docker-');
    sim = await simulateWorkflow(workflow, {
      repository: origin,
      githubEnv: {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: event,
        GITHUB_REF: 'refs/tags/v1.2.3',
        GITHUB_SHA: git(origin, 'rev-parse', 'HEAD'),
        GITHUB_REPOSITORY: 'acme/hello',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_ACTOR: 'octo',
      },
      secrets: {},
      env: { PATH: process.env.PATH ?? '', HOME: await tempDir(), DOCKER_CONFIG: dockerConfig },
      action: ACTION,
    });
  });
  afterAll(async () => reg?.stop());

  const stepsOf = (job: string, uses = ACTION) => sim.steps.filter((s) => s.job === job && s.uses === uses);

  it('every job succeeded, every gantry step went through the Action', () => {
    expect(sim.steps.filter((s) => s.failed)).toEqual([]);
    expect(sim.jobs).toMatchObject({ plan: { result: 'success' }, build: { result: 'success' }, publish: { result: 'success' } });
    expect(sim.steps.filter((s) => s.uses === ACTION).map((s) => s.inputs?.command)).toEqual([
      'plan',
      'build',
      'build',
      'build',
      'build',
      'publish',
    ]);
  });

  it('plan: the matrix output is `gantry plan --matrix`, one entry per image and platform on its native runner', async () => {
    const matrix = JSON.parse(sim.jobs.plan!.outputs.matrix!) as { include: unknown[] };
    const local = await gantry(['plan', '--matrix'], { cwd: origin });
    expectExit(local, 0);
    expect(matrix.include).toEqual(JSON.parse(local.stdout));
    expect(matrix.include).toEqual(
      ['hello', 'world'].flatMap((image) =>
        PLATFORMS.map((platform) => ({
          image,
          platform,
          runner: platform === 'linux/arm64' ? 'ubuntu-24.04-arm' : 'ubuntu-latest',
          dockerfile: '',
        })),
      ),
    );
    expect(sim.jobs.plan!.outputs.version).toBe('1.2.3');
  });

  it("build: one gantry build per matrix entry with the workflow's arguments, each record uploaded as its own artifact", async () => {
    // The legs ran concurrently; in matrix order:
    const key = (b: { matrix?: Record<string, string> }) => `${b.matrix?.image} ${b.matrix?.platform}`;
    const builds = stepsOf('build').sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(builds.map((b) => [b.matrix?.image, b.matrix?.platform, b.inputs?.image, b.inputs?.platform])).toEqual(
      ['hello', 'world'].flatMap((image) => PLATFORMS.map((platform) => [image, platform, image, platform])),
    );
    for (const b of builds) {
      const { image, platform } = b.matrix as { image: string; platform: string };
      expect(b.log).toMatch(
        new RegExp(`::group::gantry build --image ${image} --platform ${platform} --record-dir /\\S+/gantry-records\\n`),
      );
      expect(b.outputs.artifact).toBe(`gantry-records-${image}-${platform.replace('/', '-')}`);
      expect(b.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect([...sim.artifacts.keys()].sort()).toEqual([
      'gantry-records-hello-linux-amd64',
      'gantry-records-hello-linux-arm64',
      'gantry-records-world-linux-amd64',
      'gantry-records-world-linux-arm64',
    ]);
    for (const [name, dir] of sim.artifacts) expect(await readdir(dir)).toEqual([`${name.slice('gantry-records-'.length)}.json`]);
  });

  it('publish: the merged records (merge-multiple) fan in; every image published, the optional Docker Hub repository skipped', async () => {
    const [download] = stepsOf('publish', 'actions/download-artifact@v4');
    expect(download?.log).toBe(
      'merged gantry-records-hello-linux-amd64, gantry-records-hello-linux-arm64, gantry-records-world-linux-amd64, gantry-records-world-linux-arm64',
    );
    const [publish] = stepsOf('publish');
    expect(publish?.inputs).toEqual({
      command: 'publish',
      records: download?.inputs?.path,
      'dockerhub-username': '',
      'dockerhub-token': '',
    });
    expect(publish?.log).toContain(`::group::gantry publish --records ${download?.inputs?.path}\n`);
    const result = JSON.parse(publish!.outputs.json!) as {
      images: { name: string; digest: string; repositories: { repository: string; skipped?: string; tags: { tag: string }[] }[] }[];
    };
    expect(result.images.map((i) => i.name)).toEqual(['hello', 'world']);
    const hello = result.images[0]!;
    expect(hello.repositories.map((r) => [r.repository, r.skipped === undefined ? r.tags.map((t) => t.tag).sort() : 'skipped'])).toEqual([
      [`${reg.host}/acme/hello`, ['1', '1.2', '1.2.3', 'latest', `sha-${git(origin, 'rev-parse', '--short=7', 'HEAD')}`, 'v1.2.3'].sort()],
      ['docker.io/acme/hello', 'skipped'],
    ]);
    expect(sim.jobs.publish!.outputs.digest).toBe(hello.digest);
    expect(sim.jobs.publish!.outputs.tags!.split('\n')).toContain(`${reg.host}/acme/world:1.2.3`);
    expect(publish!.outputs.refs!.split('\n')).toEqual([
      `${reg.host}/acme/hello@${hello.digest}`,
      `${reg.host}/acme/world@${result.images[1]!.digest}`,
    ]);
    expect(publish!.summary).toContain('### gantry publish');
  });

  it('verify: the result is a complete multi-arch image, as users pull it', async () => {
    for (const image of ['hello', 'world']) {
      const r = await gantry([
        'verify',
        `${reg.host}/acme/${image}:1.2.3`,
        '--anonymous',
        '--platforms',
        PLATFORMS.join(','),
        '--label',
        'org.opencontainers.image.version=1.2.3',
        '--json',
      ]);
      expectExit(r, 0);
      const report = JSON.parse(r.stdout) as { digest: string; passed: boolean };
      expect(report.passed).toBe(true);
      if (image === 'hello') expect(report.digest).toBe(sim.jobs.publish!.outputs.digest);
    }
    // And through the Action, as a user's verify step would run it.
    const verify = await simulateWorkflow(
      [
        'jobs:',
        '  verify:',
        '    steps:',
        `      - uses: ${ACTION}`,
        '        with:',
        '          command: verify',
        `          ref: ${reg.host}/acme/world:latest`,
        `          platform: ${PLATFORMS.join(',')}`,
      ].join('\n'),
      {
        repository: origin,
        githubEnv: { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octo' },
        env: { PATH: process.env.PATH ?? '', HOME: await tempDir(), DOCKER_CONFIG: dockerConfig },
        action: ACTION,
      },
    );
    expect(verify.steps[0]?.failed).toBeUndefined();
    expect(verify.steps[0]?.log).toContain('verified');
  });

  it('the workflow it ran has no step the simulation skipped silently', () => {
    const wf = parse(workflow) as { jobs: Record<string, { steps: { uses?: string }[] }> };
    const simulated = new Set(sim.steps.map((s) => `${s.job}:${s.uses ?? 'run'}`));
    for (const [job, j] of Object.entries(wf.jobs)) for (const s of j.steps) expect(simulated.has(`${job}:${s.uses ?? 'run'}`)).toBe(true);
  });
});
