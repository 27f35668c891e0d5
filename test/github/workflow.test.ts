// The generated release workflows: golden files (UPDATE_GOLDEN=1 rewrites them), actionlint, and the
// properties the issue asks for, checked on the parsed YAML of every variant.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildOutputs } from '../../action/steps.js';
import { registrySecretNames, workflowRequirements } from '../../src/github/workflow-requirements.js';
import {
  GANTRY_ACTION_PLACEHOLDER,
  RECORDS_ARTIFACT_PREFIX,
  releaseWorkflow,
  yamlScalar,
  type ReleaseTrigger,
} from '../../src/github/workflow.js';
import { parseConfig, type GantryConfig } from '../../src/plan/config/index.js';
import { actionlint, isExpectedFinding, unexpectedFindings } from './actionlint.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const config = (name: string): GantryConfig => parseConfig(readFileSync(join(GOLDEN, `${name}.gantry.yml`), 'utf8'), `${name}.gantry.yml`);

const ACTION = 'acme/gantry@v1.4.0';

// prettier-ignore
const CASES: { name: string; config: string; reusable: boolean; action?: string; on?: ReleaseTrigger[] }[] = [
  { name: 'one-image',             config: 'one-image',          reusable: false },
  { name: 'two-images',            config: 'two-images',         reusable: false, action: ACTION, on: ['release', 'tag-push'] },
  { name: 'dockerhub-optional',    config: 'dockerhub-optional', reusable: false, action: ACTION, on: ['tag-push'] },
  { name: 'one-image.reusable',    config: 'one-image',          reusable: true,  action: ACTION },
  { name: 'registries',            config: 'registries',         reusable: false, action: ACTION },
  { name: 'registries.reusable',   config: 'registries',         reusable: true,  action: ACTION },
  { name: 'layers-only',           config: 'layers-only',        reusable: false, action: ACTION },
];

const generate = (c: (typeof CASES)[number]): string =>
  releaseWorkflow(config(c.config), { reusable: c.reusable, ...(c.action ? { action: c.action } : {}), ...(c.on ? { on: c.on } : {}) });

/* eslint-disable @typescript-eslint/no-explicit-any */
type Yaml = any;
type Step = { uses?: string; run?: string; id?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> };

/** Every `if:` in a workflow: jobs' and steps'. */
function conditions(wf: Yaml): string[] {
  return Object.values(wf.jobs as Record<string, Yaml>)
    .flatMap((j) => [j.if, ...((j.steps ?? []) as Step[]).map((s) => s.if)])
    .filter((x): x is string => typeof x === 'string');
}

const gantrySteps = (job: Yaml): Step[] =>
  ((job.steps ?? []) as Step[]).filter((s) => s.uses === ACTION || s.uses === GANTRY_ACTION_PLACEHOLDER);

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
  const matrixed = parsed.filter((p) => !p.needs.singleJob);
  const checkoutRef = '${{ inputs.tag || github.ref }}';

  it.each(parsed)(
    '$name: triggers: one per release (a published release by default, or a tag push), and a dispatch',
    ({ wf, reusable, on }) => {
      if (reusable) {
        expect(Object.keys(wf.on)).toEqual(['workflow_call']);
        expect(Object.keys(wf.on.workflow_call.inputs)).toEqual(['config', 'tag']);
      } else {
        const triggers = on ?? ['release'];
        expect(wf.on).toEqual({
          ...(triggers.includes('release') ? { release: { types: ['published'] } } : {}),
          ...(triggers.includes('tag-push') ? { push: { tags: ['v*'] } } : {}),
          workflow_dispatch: { inputs: { tag: expect.objectContaining({ required: false, type: 'string' }) } },
        });
      }
    },
  );

  it.each(parsed)(
    '$name: one run per release tag at a time, keyed the same for a release, a tag push and a dispatch of that tag',
    ({ wf }) => {
      expect(wf.concurrency).toEqual({ group: 'release-image-${{ inputs.tag || github.ref_name }}', 'cancel-in-progress': false });
    },
  );

  it.each(parsed)("$name: every job checks out the tag it releases (the dispatch input, else the event's ref)", ({ wf }) => {
    for (const job of Object.values(wf.jobs as Record<string, Yaml>)) {
      const checkouts = (job.steps as Step[]).filter((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkouts).toHaveLength(1);
      expect(checkouts[0]?.with?.ref).toBe(checkoutRef);
      expect((job.steps as Step[])[0]).toBe(checkouts[0]); // first: google-github-actions/auth wants the checkout before it
    }
  });

  it.each(matrixed)('$name: plan → build (matrix, native runners) → publish, nothing forced with always()', ({ wf }) => {
    const { plan, build, publish } = wf.jobs;
    expect(plan.steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { ref: checkoutRef, 'fetch-depth': 0 } });
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
  });

  it.each(parsed)('$name: nothing forced with always(), nothing allowed to fail', ({ wf }) => {
    expect(conditions(wf).filter((c) => /always\(\)|failure\(\)|cancelled\(\)/.test(c))).toEqual([]);
    for (const job of Object.values(wf.jobs as Record<string, Yaml>)) {
      expect(job['continue-on-error']).toBeUndefined();
      for (const s of job.steps as Step[]) expect((s as Yaml)['continue-on-error']).toBeUndefined();
    }
  });

  it('layers-only images: one job plans, builds every platform and publishes (no matrix, no emulation, no buildx)', () => {
    const { wf, needs } = parsed.find((p) => p.name === 'layers-only')!;
    expect(needs.singleJob).toBe(true);
    expect(Object.keys(wf.jobs)).toEqual(['publish']);
    const job = wf.jobs.publish;
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.strategy).toBeUndefined();
    expect((job.steps as Step[]).map((s) => s.uses)).toEqual(['actions/checkout@v4', 'docker/login-action@v3', ACTION]);
    expect(job.steps[0].with).toEqual({ ref: checkoutRef, 'fetch-depth': 0 });
    // No records: publish plans and builds every platform itself (single-machine mode).
    expect(gantrySteps(job)[0]?.with).toEqual({
      command: 'publish',
      'dockerhub-username': '${{ secrets.DOCKERHUB_USERNAME }}',
      'dockerhub-token': '${{ secrets.DOCKERHUB_TOKEN }}',
    });
    expect(job.outputs).toEqual({ digest: '${{ steps.publish.outputs.digest }}', tags: '${{ steps.publish.outputs.tags }}' });
    // A layers image beside a Dockerfile image keeps the matrix.
    const mixed = parseConfig(
      'images:\n  - name: a\n    repositories: [ghcr.io/a/a]\n    build: { backend: layers, base: scratch, copy: [{ from: a, to: /a }] }\n  - name: b\n    repositories: [ghcr.io/a/b]\n',
      'm.yml',
    );
    expect(Object.keys(parse(releaseWorkflow(mixed)).jobs)).toEqual(['plan', 'build', 'publish']);
  });

  it.each(parsed)(
    '$name: least-privilege permissions (id-token only where a cloud registry is logged in to with OIDC)',
    ({ wf, needs }) => {
      expect(wf.permissions).toEqual({ contents: 'read' });
      const oidc = (staging: boolean) => needs.logins.some((l) => l.kind !== 'secrets' && (!staging || l.staging));
      const idToken = (staging: boolean) => (oidc(staging) ? { 'id-token': 'write' } : {});
      const packages = needs.ghcr ? (p: string) => ({ packages: p }) : () => ({});
      const { plan, build, publish } = wf.jobs;
      if (plan) expect(plan.permissions).toEqual({ contents: 'read', ...packages('read'), ...idToken(true) });
      if (build) expect(build.permissions).toEqual({ contents: 'read', ...packages('write'), ...idToken(true) });
      expect(publish.permissions).toEqual({ contents: 'read', ...packages('write'), ...idToken(false) });
    },
  );

  it('GHCR + ECR + GAR + Quay (+ an optional ACR): each registry logged in to as its users do, before gantry runs', () => {
    const { wf } = parsed.find((p) => p.name === 'registries')!;
    const uses = (job: string) => (wf.jobs[job].steps as Step[]).map((s) => s.uses);
    // The api stages in ECR us-east-1: plan (reads its tags) and build (pushes by digest) log in there only.
    for (const job of ['plan', 'build']) {
      expect(uses(job).filter((u) => !u?.startsWith('actions/') && !u?.startsWith('docker/setup-') && u !== ACTION)).toEqual([
        'aws-actions/configure-aws-credentials@v4',
        'aws-actions/amazon-ecr-login@v2',
      ]);
    }
    const steps = wf.jobs.publish.steps as Step[];
    const at = (u: string, n = 0) => steps.filter((s) => s.uses === u)[n];
    expect(steps.map((s) => s.uses)).toEqual([
      'actions/checkout@v4',
      'actions/download-artifact@v4',
      'aws-actions/configure-aws-credentials@v4',
      'aws-actions/amazon-ecr-login@v2',
      'aws-actions/configure-aws-credentials@v4',
      'aws-actions/amazon-ecr-login@v2',
      'google-github-actions/auth@v2',
      'docker/login-action@v3',
      'docker/login-action@v3',
      'docker/login-action@v3',
      ACTION,
    ]);
    expect(at('aws-actions/configure-aws-credentials@v4')?.with).toEqual({
      'role-to-assume': '${{ secrets.AWS_ROLE_ARN }}',
      'aws-region': 'us-east-1',
    });
    expect(at('aws-actions/configure-aws-credentials@v4', 1)?.with?.['aws-region']).toBe('eu-west-1');
    expect(at('aws-actions/amazon-ecr-login@v2')?.with).toEqual({ registries: '123456789012' });
    expect(at('google-github-actions/auth@v2')).toMatchObject({
      id: 'gcp-auth',
      with: { token_format: 'access_token', create_credentials_file: false },
    });
    expect(
      steps
        .filter((s) => s.uses === 'docker/login-action@v3')
        .map((s) => [s.with?.registry, s.with?.username, s.with?.password, s.if ?? '-']),
    ).toEqual([
      ['europe-west1-docker.pkg.dev', 'oauth2accesstoken', '${{ steps.gcp-auth.outputs.access_token }}', '-'],
      ['quay.io', '${{ secrets.QUAY_IO_USERNAME }}', '${{ secrets.QUAY_IO_PASSWORD }}', '-'],
      [
        'acmeprod.azurecr.io',
        '${{ secrets.ACMEPROD_AZURECR_IO_USERNAME }}',
        '${{ secrets.ACMEPROD_AZURECR_IO_PASSWORD }}',
        "env.LOGIN_ACMEPROD_AZURECR_IO_USERNAME == 'true'",
      ],
    ]);
    // The optional ACR: logged in to only when its secret is there (gantry then skips the repository).
    expect(wf.jobs.publish.env).toEqual({ LOGIN_ACMEPROD_AZURECR_IO_USERNAME: "${{ secrets.ACMEPROD_AZURECR_IO_USERNAME != '' }}" });
    const reusable = parsed.find((p) => p.name === 'registries.reusable')!.wf;
    expect(Object.keys(reusable.on.workflow_call.secrets)).toEqual([
      'DOCKERHUB_USERNAME',
      'DOCKERHUB_TOKEN',
      'AWS_ROLE_ARN',
      'GCP_WORKLOAD_IDENTITY_PROVIDER',
      'GCP_SERVICE_ACCOUNT',
      'QUAY_IO_USERNAME',
      'QUAY_IO_PASSWORD',
      'ACMEPROD_AZURECR_IO_USERNAME',
      'ACMEPROD_AZURECR_IO_PASSWORD',
    ]);
  });

  it('registry kinds and secret names from hosts; loopback and layout repositories need no login', () => {
    const kinds = (repos: string[]) =>
      workflowRequirements(parseConfig(`images:\n  - name: a\n    repositories: [${repos.join(', ')}]\n`, 'r.yml')).logins.map((l) => [
        l.host,
        l.kind,
      ]);
    expect(
      kinds([
        'ghcr.io/a/a',
        'docker.io/a/a',
        'localhost:5000/a',
        '127.0.0.1:5000/a',
        'oci:./out',
        'public.ecr.aws/a/a',
        '123456789012.dkr.ecr.ap-south-1.amazonaws.com/a',
        'us-docker.pkg.dev/p/r/a',
        'gcr.io/p/a',
        'registry.example.com:5443/a',
      ]),
    ).toEqual([
      ['public.ecr.aws', 'ecr-public'],
      ['123456789012.dkr.ecr.ap-south-1.amazonaws.com', 'ecr'],
      ['us-docker.pkg.dev', 'gar'],
      ['gcr.io', 'gar'],
      ['registry.example.com:5443', 'secrets'],
    ]);
    expect(registrySecretNames('registry.example.com:5443')).toEqual({
      username: 'REGISTRY_EXAMPLE_COM_5443_USERNAME',
      password: 'REGISTRY_EXAMPLE_COM_5443_PASSWORD',
    });
    expect(registrySecretNames('1.2.3.4:5000').username).toBe('REGISTRY_1_2_3_4_5000_USERNAME');
  });

  it('without an Action reference: the placeholder, and a comment saying to set it before committing', () => {
    const text = generate(CASES[0]!);
    expect(text).toContain(`uses: ${GANTRY_ACTION_PLACEHOLDER}`);
    expect(text).toMatch(/^# SET THE GANTRY ACTION BEFORE COMMITTING: OWNER\/gantry@REF below is a placeholder/m);
    expect(generate(CASES[1]!)).not.toContain('OWNER/gantry@REF');
  });

  it('never id-token or attestations: write for signing, nor signing keys: sign and attest are refused in this version (issue 12)', () => {
    for (const p of parsed) {
      if (p.needs.logins.some((l) => l.kind !== 'secrets')) continue; // id-token for the cloud logins, checked above
      expect([p.name, p.wf.jobs.publish.permissions['id-token'] ?? '-', p.wf.jobs.publish.permissions.attestations ?? '-']).toEqual([
        p.name,
        '-',
        '-',
      ]);
    }
    for (const p of parsed) expect(gantrySteps(p.wf.jobs.publish)[0]?.env).toBeUndefined();
    expect(() => parseConfig('images:\n  - name: a\n    repositories: [ghcr.io/a/a]\n    sign: { keyless: true }\n', 'k.yml')).toThrow(
      'k.yml:4:5: images[0].sign: not available in this version of gantry (issue 15)',
    );
  });

  it.each(parsed)(
    '$name: Docker Hub credentials from secrets only where Docker Hub is used (and always in the reusable workflow)',
    ({ wf, needs, reusable }) => {
      for (const job of Object.keys(wf.jobs as object)) {
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
      ACTION,
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
