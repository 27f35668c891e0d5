// A registry the Action has no input for, logged in to by a docker/login-action step before it (as
// the workflows `gantry init github` writes do for Quay, ACR and other registries): the Action reads
// the docker config that step left, and publishes. With a wrong secret, the step's failure tells the
// workflow's author which step and which secrets, not the command line's `docker login` and
// `--password-stdin`. Run in the workflow simulation against the real registry with htpasswd auth.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySecretNames } from '../../src/github/workflow-requirements.js';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { git } from '../support/git.js';
import { clientFor, tempDir } from '../support/images.js';
import { simulateWorkflow, type SimulationResult } from './simulate.js';

const ACTION = 'acme/gantry@v1';

describe('a registry logged in to by docker/login-action before the gantry step', () => {
  let reg: TestRegistry;
  let origin: string;
  let secrets: { username: string; password: string };

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
    const base = await writeBusyboxBase(await tempDir(), 'v1');
    const c = clientFor(reg);
    await copyImage(await openLayout(base.dir), 'v1', [{ store: c.repository(reg.host, 'base/busybox'), tag: 'v1' }]);
    await c.close();
    secrets = registrySecretNames(reg.host);

    origin = await tempDir('gantry-origin-');
    git(origin, 'init', '-q', '-b', 'main');
    await writeFile(join(origin, 'hello.sh'), '#!/bin/sh\necho hello\n');
    await writeFile(
      join(origin, 'gantry.yml'),
      [
        'images:',
        '  - name: hello',
        `    repositories: [${reg.host}/acme/hello]`,
        '    platforms: [linux/amd64]',
        '    build:',
        '      backend: layers',
        `      base: ${reg.host}/base/busybox:v1`,
        '      copy: [{ from: hello.sh, to: /hello.sh, mode: "0755" }]',
        '',
      ].join('\n'),
    );
    git(origin, 'add', '.');
    git(origin, 'commit', '-q', '-m', 'hello');
    git(origin, 'tag', 'v1.0.0');
  });
  afterAll(async () => reg?.stop());

  /** The login step and the publish step, as the generated workflow writes them for a registry with secrets. */
  const workflow = () =>
    [
      'jobs:',
      '  publish:',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - uses: docker/login-action@v3',
      '        with:',
      `          registry: ${reg.host}`,
      `          username: \${{ secrets.${secrets.username} }}`,
      `          password: \${{ secrets.${secrets.password} }}`,
      '      - id: publish',
      `        uses: ${ACTION}`,
      '        with:',
      '          command: publish',
      '',
    ].join('\n');

  async function run(password: string): Promise<SimulationResult> {
    const event = join(await tempDir(), 'event.json');
    await writeFile(event, JSON.stringify({ ref: 'refs/tags/v1.0.0' }));
    return simulateWorkflow(workflow(), {
      repository: origin,
      githubEnv: {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: event,
        GITHUB_REF: 'refs/tags/v1.0.0',
        GITHUB_SHA: git(origin, 'rev-parse', 'HEAD'),
        GITHUB_REPOSITORY: 'acme/hello',
        GITHUB_ACTOR: 'octo',
      },
      secrets: { [secrets.username]: reg.defaultUser!.username, [secrets.password]: password },
      env: { PATH: process.env.PATH ?? '', HOME: await tempDir(), DOCKER_CONFIG: await tempDir('gantry-runner-docker-') },
      action: ACTION,
    });
  }

  it("publishes with the credentials the login step left in the runner's docker config", async () => {
    const sim = await run(reg.defaultUser!.password);
    const publish = sim.steps.at(-1)!;
    expect(publish.failed, `${publish.log}\n${reg.tail(20)}`).toBeUndefined();
    expect(sim.steps[1]?.log).toBe(`Login Succeeded (${reg.host})`);
    const tags = JSON.parse(publish.outputs.json!) as { images: { repositories: { tags: { tag: string }[] }[] }[] };
    expect(tags.images[0]!.repositories[0]!.tags.map((t) => t.tag)).toContain('1.0.0');
  });

  it('a wrong secret: the failure names the login step and its secrets, not docker login or --password-stdin', async () => {
    const sim = await run('not-the-password');
    const failed = sim.steps.at(-1)!.failed ?? '';
    expect(failed).toMatch(/^gantry publish failed \(usage or input error\): /);
    expect(failed).toContain(`${reg.host} refused the credentials`);
    expect(failed).toContain(
      `log in to ${reg.host} in a step before this one, e.g. docker/login-action with the secrets ${secrets.username} and ${secrets.password}`,
    );
    expect(failed).not.toContain('--password-stdin');
    expect(failed).not.toContain('docker login');
  });
});
