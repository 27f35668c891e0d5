// The workflow `gantry init github` writes for layers-only images (one job), run in the simulation
// (test/github/simulate.ts) against a real registry: a release of the newest tag, then a manual
// dispatch of an OLDER tag from the default branch, which must build and publish that tag's commit,
// never the branch's. A workflow whose checkout ignores the dispatch's tag (as generated workflows
// did before) is refused by gantry (exit 2), as is a dispatch of a tag that does not exist.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openLayout } from '../../src/layout/index.js';
import { copyImage } from '../../src/publish/copy.js';
import { WORKFLOW_FILE } from '../../src/github/workflow.js';
import { writeBusyboxBase } from '../harness/busybox-base.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { gantry } from '../support/cli.js';
import { expectExit } from '../support/exit.js';
import { git } from '../support/git.js';
import { clientFor, tempDir } from '../support/images.js';
import { simulateWorkflow, type SimulationResult } from './simulate.js';

const ACTION = 'acme/gantry@v1';

describe('the one-job workflow of layers-only images; a dispatch of an older tag builds that tag', () => {
  let reg: TestRegistry;
  let origin: string;
  let workflow: string;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    reg = await startRegistry();
    const base = await writeBusyboxBase(await tempDir(), 'v1');
    const c = clientFor(reg);
    await copyImage(await openLayout(base.dir), 'v1', [{ store: c.repository(reg.host, 'base/busybox'), tag: 'v1' }]);
    await c.close();

    origin = await tempDir('gantry-origin-');
    git(origin, 'init', '-q', '-b', 'main');
    git(origin, 'remote', 'add', 'origin', 'https://github.com/acme/hello.git');
    await writeFile(
      join(origin, 'gantry.yml'),
      [
        'images:',
        '  - name: hello',
        `    repositories: [${reg.host}/acme/hello]`,
        '    build:',
        '      backend: layers',
        `      base: ${reg.host}/base/busybox:v1`,
        '      copy: [{ from: hello.sh, to: /app/hello.sh, mode: "0755" }]',
        '      entrypoint: [/app/hello.sh]',
        `ci: { action: ${ACTION} }`,
        '',
      ].join('\n'),
    );
    const init = await gantry(['init', 'github'], { cwd: origin });
    expectExit(init, 0);
    expect(init.stderr).toBe(''); // ci.action is set: no placeholder warning
    // Three commits: v1.0.0, v1.1.0, and main one commit further.
    for (const [version, text] of [
      ['v1.0.0', 'one'],
      ['v1.1.0', 'two'],
      ['main', 'three'],
    ] as const) {
      await writeFile(join(origin, 'hello.sh'), `#!/bin/sh\necho ${text}\n`);
      git(origin, 'add', '.');
      git(origin, 'commit', '-q', '-m', text);
      if (version !== 'main') git(origin, 'tag', version);
      commits[version] = git(origin, 'rev-parse', 'HEAD');
    }
    workflow = git(origin, 'show', `v1.0.0:${WORKFLOW_FILE}`) + '\n';
  });
  afterAll(async () => reg?.stop());

  /** Runs `text` for an event: a release of `tag`, or a dispatch from main with the tag as input. */
  async function run(text: string, event: { release: string } | { dispatch: string }): Promise<SimulationResult> {
    const eventFile = join(await tempDir(), 'event.json');
    const release = 'release' in event;
    const tag = release ? event.release : event.dispatch;
    await writeFile(
      eventFile,
      JSON.stringify(
        release
          ? { release: { tag_name: tag, prerelease: false }, repository: { default_branch: 'main' } }
          : { inputs: { tag }, ref: 'refs/heads/main', repository: { default_branch: 'main' } },
      ),
    );
    return simulateWorkflow(text, {
      repository: origin,
      githubEnv: {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: release ? 'release' : 'workflow_dispatch',
        GITHUB_EVENT_PATH: eventFile,
        GITHUB_REF: release ? `refs/tags/${tag}` : 'refs/heads/main',
        GITHUB_SHA: release ? commits[tag]! : commits.main!,
        GITHUB_REPOSITORY: 'acme/hello',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_ACTOR: 'octo',
      },
      ...(release ? {} : { inputs: { tag } }),
      env: { PATH: process.env.PATH ?? '', HOME: await tempDir(), DOCKER_CONFIG: await tempDir('gantry-runner-docker-') },
      action: ACTION,
    });
  }

  /** `gantry verify` of a published reference with the labels a release of `version` at `commit` has. */
  async function expectBuiltFrom(ref: string, version: string, commit: string): Promise<void> {
    const r = await gantry([
      'verify',
      ref,
      '--anonymous',
      '--platforms',
      'linux/amd64,linux/arm64',
      '--label',
      `org.opencontainers.image.version=${version}`,
      '--label',
      `org.opencontainers.image.revision=${commit}`,
    ]);
    expectExit(r, 0);
  }

  it('init writes one job for layers-only images: checkout of the release tag, publish (which plans and builds every platform)', () => {
    const wf = parse(workflow) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }> };
    expect(Object.keys(wf.jobs)).toEqual(['publish']);
    expect(wf.jobs.publish!.steps.map((s) => s.uses)).toEqual(['actions/checkout@v4', ACTION]);
    expect(wf.jobs.publish!.steps[0]!.with).toEqual({ ref: '${{ inputs.tag || github.ref }}', 'fetch-depth': 0 });
    expect(wf.jobs.publish!.steps[1]!.with).toEqual({ command: 'publish' });
  });

  it('a published release of v1.1.0 publishes v1.1.0, built on one runner for both platforms', async () => {
    const sim = await run(workflow, { release: 'v1.1.0' });
    expect(sim.steps.filter((s) => s.failed)).toEqual([]);
    expect(sim.jobs.publish?.result).toBe('success');
    await expectBuiltFrom(`${reg.host}/acme/hello:1.1.0`, '1.1.0', commits['v1.1.0']!);
  });

  it("a dispatch of the older v1.0.0 from main builds v1.0.0's commit, not main's", async () => {
    const sim = await run(workflow, { dispatch: 'v1.0.0' });
    expect(sim.steps.filter((s) => s.failed)).toEqual([]);
    expect(sim.steps[0]?.log).toBe(`checked out v1.0.0 of ${origin}`);
    await expectBuiltFrom(`${reg.host}/acme/hello:1.0.0`, '1.0.0', commits['v1.0.0']!);
    const tags = JSON.parse(sim.steps.at(-1)!.outputs.json!) as { images: { repositories: { tags: { tag: string }[] }[] }[] };
    // An older release: its own version tags, never latest (v1.1.0 is higher).
    expect(tags.images[0]!.repositories[0]!.tags.map((t) => t.tag)).not.toContain('latest');
  });

  it('a workflow that checks out the branch, not the tag, is refused: exit 2 naming both commits, nothing published', async () => {
    const old = workflow.replace(/\n\s+ref: \$\{\{ inputs\.tag \|\| github\.ref \}\}/g, '');
    expect(old).not.toContain('ref:');
    const before = await gantry(['tags', `${reg.host}/acme/hello`, '--anonymous', '--json']);
    const sim = await run(old, { dispatch: 'v1.0.0' });
    const publish = sim.steps.at(-1)!;
    expect(publish.failed).toBe(
      `gantry publish failed (usage or input error): this run releases tag v1.0.0 (commit ${commits['v1.0.0']!.slice(0, 12)}), but the checkout is at ${commits.main!.slice(0, 12)}: gantry would release other code as v1.0.0. Check out the tag in every job (actions/checkout with ref: \${{ inputs.tag || github.ref }}); gantry init github --force writes a workflow that does`,
    );
    const after = await gantry(['tags', `${reg.host}/acme/hello`, '--anonymous', '--json']);
    expect(after.stdout).toBe(before.stdout);
  });

  it('a dispatch of a tag that does not exist: the checkout fails, and gantry alone refuses it too (exit 2)', async () => {
    const sim = await run(workflow, { dispatch: 'v9.9.9' });
    expect(sim.steps[0]?.failed).toMatch(/^checkout of v9\.9\.9: /);
    const old = workflow.replace(/\n\s+ref: \$\{\{ inputs\.tag \|\| github\.ref \}\}/g, '');
    const refused = await run(old, { dispatch: 'v9.9.9' });
    expect(refused.steps.at(-1)?.failed).toContain('this run releases tag v9.9.9, which does not exist in the checkout at');
  });
});
