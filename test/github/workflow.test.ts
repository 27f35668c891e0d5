// The generated release workflows: golden files (UPDATE_GOLDEN=1 rewrites them), actionlint, and the
// properties the issue asks for, checked on the parsed YAML of every variant.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildOutputs } from '../../action/steps.js';
import { workflowRequirements } from '../../src/github/workflow-requirements.js';
import { GANTRY_ACTION, RECORDS_ARTIFACT_PREFIX, releaseWorkflow, yamlScalar } from '../../src/github/workflow.js';
import { parseConfig, type GantryConfig } from '../../src/plan/config/index.js';
import { actionlint, isExpectedFinding, unexpectedFindings } from './actionlint.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const config = (name: string): GantryConfig => parseConfig(readFileSync(join(GOLDEN, `${name}.gantry.yml`), 'utf8'), `${name}.gantry.yml`);

// prettier-ignore
const CASES: { name: string; config: string; reusable: boolean }[] = [
  { name: 'one-image',             config: 'one-image',          reusable: false },
  { name: 'two-images',            config: 'two-images',         reusable: false },
  { name: 'dockerhub-optional',    config: 'dockerhub-optional', reusable: false },
  { name: 'one-image.reusable',    config: 'one-image',          reusable: true },
];

const generate = (c: (typeof CASES)[number]): string => releaseWorkflow(config(c.config), { reusable: c.reusable });

/* eslint-disable @typescript-eslint/no-explicit-any */
type Yaml = any;
type Step = { uses?: string; run?: string; id?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> };

/** Every `if:` in a workflow: jobs' and steps'. */
function conditions(wf: Yaml): string[] {
  return Object.values(wf.jobs as Record<string, Yaml>)
    .flatMap((j) => [j.if, ...((j.steps ?? []) as Step[]).map((s) => s.if)])
    .filter((x): x is string => typeof x === 'string');
}

const gantrySteps = (job: Yaml): Step[] => ((job.steps ?? []) as Step[]).filter((s) => s.uses === GANTRY_ACTION);

describe('release workflow: golden files', () => {
  it.each(CASES)('$name', (c) => {
    const text = generate(c);
    const file = join(GOLDEN, `${c.name}.release-image.yml`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });

  it('is the same text for the same configuration (pure)', () => {
    for (const c of CASES) expect(generate(c)).toBe(generate(c));
  });
});

describe('release workflow: actionlint', () => {
  it.each(CASES)('$name has no findings but the expected one', async (c) => {
    expect(await unexpectedFindings(generate(c))).toEqual([]);
  });

  it('reports ubuntu-24.04-arm as an unknown label when it is written out, and only that is filtered', async () => {
    const wf =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04-arm\n    steps:\n      - run: echo hi\n  b:\n    runs-on: ubuntu-24.04-armm\n    steps:\n      - run: echo hi\n';
    const findings = await actionlint(wf);
    expect(findings.filter(isExpectedFinding).map((f) => f.line)).toEqual([4]);
    expect(await unexpectedFindings(wf)).toEqual([expect.stringMatching(/^8:\d+ runner-label: label "ubuntu-24\.04-armm" is unknown/)]);
  });

  it('is not vacuous: a broken workflow has findings', async () => {
    const wf =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nope\n    steps:\n      - run: echo ${{ matrix.x }}\n      - if: secrets.X != ''\n        run: echo\n";
    expect((await unexpectedFindings(wf)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('release workflow: what the issue asks for', () => {
  const parsed = CASES.map((c) => ({ ...c, wf: parse(generate(c)), needs: workflowRequirements(config(c.config)) }));

  it.each(parsed)('$name: triggers', ({ wf, reusable }) => {
    if (reusable) {
      expect(Object.keys(wf.on)).toEqual(['workflow_call']);
      expect(Object.keys(wf.on.workflow_call.inputs)).toEqual(['config', 'tag']);
      expect(wf.on.workflow_call.secrets).toEqual({ DOCKERHUB_USERNAME: { required: false }, DOCKERHUB_TOKEN: { required: false } });
    } else {
      expect(wf.on).toEqual({
        release: { types: ['published'] },
        push: { tags: ['v*'] },
        workflow_dispatch: { inputs: { tag: expect.objectContaining({ required: false, type: 'string' }) } },
      });
    }
    expect(wf.concurrency).toEqual({ group: 'release-image-${{ github.ref }}', 'cancel-in-progress': false });
  });

  it.each(parsed)('$name: plan → build (matrix, native runners) → publish, nothing forced with always()', ({ wf }) => {
    const { plan, build, publish } = wf.jobs;
    expect(plan.steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    expect(gantrySteps(plan)).toEqual([expect.objectContaining({ id: 'plan', with: expect.objectContaining({ command: 'plan' }) })]);
    expect(plan.outputs.matrix).toBe('${{ steps.plan.outputs.matrix }}');

    expect(build.needs).toBe('plan');
    expect(build.strategy.matrix).toBe('${{ fromJSON(needs.plan.outputs.matrix) }}');
    expect(build['runs-on']).toBe('${{ matrix.runner }}');
    const [b, ...more] = gantrySteps(build);
    expect(more).toEqual([]);
    expect(b?.with).toMatchObject({
      command: 'build',
      image: '${{ matrix.image }}',
      platform: '${{ matrix.platform }}',
      records: '${{ runner.temp }}/gantry-records',
    });
    const upload = (build.steps as Step[]).find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({
      name: '${{ steps.build.outputs.artifact }}',
      path: b?.with?.records,
      'if-no-files-found': 'error',
    });

    expect(publish.needs).toEqual(['plan', 'build']);
    const download = (publish.steps as Step[]).find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toEqual({
      pattern: `${RECORDS_ARTIFACT_PREFIX}*`,
      path: '${{ runner.temp }}/gantry-records',
      'merge-multiple': true,
    });
    expect(gantrySteps(publish)[0]?.with).toMatchObject({ command: 'publish', records: download?.with?.path });

    expect(conditions(wf).filter((c) => /always\(\)|failure\(\)|cancelled\(\)/.test(c))).toEqual([]);
    for (const job of Object.values(wf.jobs as Record<string, Yaml>)) {
      expect(job['continue-on-error']).toBeUndefined();
      for (const s of job.steps as Step[]) expect((s as Yaml)['continue-on-error']).toBeUndefined();
    }
  });

  it.each(parsed)('$name: least-privilege permissions', ({ wf, needs }) => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    const { plan, build, publish } = wf.jobs;
    expect(plan.permissions).toEqual({ contents: 'read', packages: 'read' });
    expect(build.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(publish.permissions).toEqual({
      contents: 'read',
      packages: 'write',
      ...(needs.idToken ? { 'id-token': 'write' } : {}),
    });
  });

  it('never id-token or attestations: write, nor signing keys: sign and attest are refused in this version (issue 12)', () => {
    expect(
      parsed.map((p) => [p.name, p.wf.jobs.publish.permissions['id-token'] ?? '-', p.wf.jobs.publish.permissions.attestations ?? '-']),
    ).toEqual([
      ['one-image', '-', '-'],
      ['two-images', '-', '-'],
      ['dockerhub-optional', '-', '-'],
      ['one-image.reusable', '-', '-'],
    ]);
    for (const p of parsed) expect(gantrySteps(p.wf.jobs.publish)[0]?.env).toBeUndefined();
    expect(() => parseConfig('images:\n  - name: a\n    repositories: [ghcr.io/a/a]\n    sign: { keyless: true }\n', 'k.yml')).toThrow(
      'k.yml:4:5: images[0].sign: not available in this version of gantry (issue 15)',
    );
  });

  it.each(parsed)(
    '$name: Docker Hub credentials from secrets only where Docker Hub is used (and always in the reusable workflow)',
    ({ wf, needs, reusable }) => {
      for (const job of ['plan', 'build', 'publish']) {
        for (const step of gantrySteps(wf.jobs[job])) {
          if (needs.dockerHub || reusable) {
            expect(step.with).toMatchObject({
              'dockerhub-username': '${{ secrets.DOCKERHUB_USERNAME }}',
              'dockerhub-token': '${{ secrets.DOCKERHUB_TOKEN }}',
            });
          } else {
            expect(Object.keys(step.with ?? {}).filter((k) => k.startsWith('dockerhub'))).toEqual([]);
          }
          expect(step.with?.['github-token']).toBeUndefined(); // the Action's default, the workflow token
        }
      }
    },
  );

  it.each(parsed)('$name: no chart job (chart is refused in this version, issue 18)', ({ wf, needs }) => {
    expect(needs.chart).toBeUndefined();
    expect(wf.jobs.chart).toBeUndefined();
  });

  it('the per-platform Dockerfile and the emulated platform: QEMU only for it, buildx set up', () => {
    const build = parsed.find((p) => p.name === 'two-images')!.wf.jobs.build;
    const uses = (build.steps as Step[]).map((s) => s.uses);
    expect(uses).toEqual([
      'actions/checkout@v4',
      'docker/setup-qemu-action@v3',
      'docker/setup-buildx-action@v3',
      GANTRY_ACTION,
      'actions/upload-artifact@v4',
    ]);
    expect((build.steps as Step[])[1]?.if).toBe("matrix.platform == 'linux/arm/v7'");
  });

  it('the reusable workflow takes its inputs', () => {
    const reusable = parsed.find((p) => p.name === 'one-image.reusable')!.wf;
    for (const job of ['plan', 'build', 'publish']) {
      expect(gantrySteps(reusable.jobs[job])[0]?.with).toMatchObject({
        config: '${{ inputs.config }}',
        args: "${{ inputs.tag != '' && format('--ref {0}', inputs.tag) || '' }}",
      });
    }
    expect(reusable.on.workflow_call.outputs.digest.value).toBe('${{ jobs.publish.outputs.digest }}');
  });

  it('names gantry.yml only when it is elsewhere', () => {
    const c = config('one-image');
    const at = (configPath: string) => gantrySteps(parse(releaseWorkflow(c, { configPath })).jobs.publish)[0]?.with?.config;
    expect(at('gantry.yml')).toBeUndefined();
    expect(at('deploy/gantry.yml')).toBe('deploy/gantry.yml');
    expect(at('my dir/g: x.yml')).toBe('my dir/g: x.yml');
  });

  it('build artifacts are named the same way by the workflow and the Action', () => {
    const artifact = buildOutputs([{ image: 'api', platform: 'linux/arm64', digest: 'sha256:1' }]).artifact!;
    expect(artifact).toBe(`${RECORDS_ARTIFACT_PREFIX}api-linux-arm64`);
    expect(new RegExp(`^${RECORDS_ARTIFACT_PREFIX}.*$`).test(artifact)).toBe(true);
  });

  it.each([
    ['gantry.yml', 'gantry.yml'],
    ['a b/c.yml', 'a b/c.yml'],
    ['x: y', '"x: y"'],
    ['true', '"true"'],
    ['1.0', '"1.0"'],
    ['#x', '"#x"'],
    ['-x', '"-x"'],
  ])('yamlScalar(%j) = %s', (s, want) => {
    expect(yamlScalar(s)).toBe(want);
    expect(parse(`k: ${yamlScalar(s)}`)).toEqual({ k: s });
  });
});

describe('docs/action.md: the release workflow a user needs', () => {
  const page = readFileSync(join(ROOT, 'docs', 'action.md'), 'utf8');
  const heading = '\n## The release workflow: `gantry init github`\n';
  const start = page.indexOf(heading);
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end < 0 ? undefined : end);
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('has a section with a whole workflow under 40 lines of YAML', () => {
    expect(page).toContain(heading);
    expect(block.trim().split('\n').length).toBeLessThan(40);
  });

  it('is the workflow gantry init github writes for one image (the same YAML, written compactly)', () => {
    expect(parse(block)).toEqual(parse(releaseWorkflow(config('one-image'))));
  });

  it("passes actionlint, as does every workflow in the section (the reusable workflow's caller)", async () => {
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) expect(await unexpectedFindings(b)).toEqual([]);
  });
});
