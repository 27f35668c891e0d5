// The GitHub Actions release workflow of a gantry.yml, as text: plan → one build job per image and
// platform on a native runner → publish by digest, tags last. Pure: the parsed configuration in,
// the YAML out, byte-for-byte the same for the same input (golden-tested, linted with actionlint).
//
// Every gantry step runs through the gantry Action (`uses:` + `with:`), never `run: gantry …`:
// inputs never pass through a shell, the Action writes the registry credentials, and buildx's
// GitHub Actions cache needs ACTIONS_RUNTIME_TOKEN, which the runner gives to actions only.
import type { GantryConfig } from '../plan/config/index.js';
import { workflowRequirements, type RegistryLogin, type WorkflowRequirements } from './workflow-requirements.js';

/**
 * What the generated workflows say in `uses:` when no Action reference is given (`gantry init github
 * --action`, or `ci.action` in gantry.yml). It does not resolve, on purpose: the workflow fails at
 * once instead of running some other action, and `gantry init` and a comment in the file say to set it.
 */
export const GANTRY_ACTION_PLACEHOLDER = 'OWNER/gantry@REF';
/** Where `gantry init github` writes the workflow, relative to the repository root. */
export const WORKFLOW_FILE = '.github/workflows/release-image.yml';
/** Build jobs upload their digest records as artifacts named with this prefix plus `<image>-<os>-<arch>`. */
export const RECORDS_ARTIFACT_PREFIX = 'gantry-records-';
/** Where the jobs keep digest records: outside the checkout, so nothing in the repository is touched. */
const RECORDS_DIR = '${{ runner.temp }}/gantry-records';
/** The tag a run releases: the dispatch's (or caller's) `tag` input, else the tag the event is for. */
const RELEASE_REF = '${{ inputs.tag || github.ref }}';

/**
 * What starts a release. `release`: a GitHub release is published (the event knows whether it is a
 * pre-release). `tag-push`: a `v*` tag is pushed. Both always come with `workflow_dispatch`, to
 * release (or release again) a tag by hand.
 */
export type ReleaseTrigger = 'release' | 'tag-push';
export const RELEASE_TRIGGERS: readonly ReleaseTrigger[] = ['release', 'tag-push'];

export interface WorkflowOptions {
  /** A reusable workflow (`on: workflow_call`) instead of one triggered by releases and tags. */
  readonly reusable?: boolean;
  /** gantry.yml's path relative to the repository root when it is not `gantry.yml` (passed as the Action's `config`). */
  readonly configPath?: string;
  /** The Action reference, OWNER/REPO@REF; default {@link GANTRY_ACTION_PLACEHOLDER}, with a comment saying to set it. */
  readonly action?: string;
  /** What starts a release (default: `release`). Ignored by the reusable workflow. */
  readonly on?: readonly ReleaseTrigger[];
  /**
   * `matrix`: one build job per image and platform even when every image builds with `layers`
   * (which gets one job by default). For tests of the matrix's data flow.
   */
  readonly jobs?: 'auto' | 'matrix';
}

/** The release workflow for `config`. */
export function releaseWorkflow(config: GantryConfig, options: WorkflowOptions = {}): string {
  const needs = workflowRequirements(config);
  const w: Writer = {
    lines: [],
    action: options.action ?? GANTRY_ACTION_PLACEHOLDER,
    placeholder: options.action === undefined,
    reusable: options.reusable ?? false,
    on: options.on ?? ['release'],
    needs,
    configPath: options.configPath,
  };
  header(w, config);
  if (needs.singleJob && options.jobs !== 'matrix') {
    singleJob(w);
  } else {
    planJob(w);
    buildJob(w);
    publishJob(w);
  }
  if (needs.chart) chartJob(w, needs.chart);
  return `${w.lines.join('\n')}\n`;
}

interface Writer {
  readonly lines: string[];
  readonly action: string;
  readonly placeholder: boolean;
  readonly reusable: boolean;
  readonly on: readonly ReleaseTrigger[];
  readonly needs: WorkflowRequirements;
  readonly configPath: string | undefined;
}

const push = (w: Writer, indent: number, ...lines: string[]): void => {
  for (const l of lines) w.lines.push(l === '' ? '' : `${' '.repeat(indent)}${l}`);
};

/** A YAML scalar: plain when that is unambiguous, else double-quoted (JSON strings are valid YAML). */
export function yamlScalar(s: string): string {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./ -]*$/.test(s) &&
    !s.endsWith(' ') &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(s) &&
    !/^[0-9.]+$/.test(s)
    ? s
    : JSON.stringify(s);
}

/** A one-line YAML comment (no line breaks can sneak out of it). */
const comment = (s: string): string => `# ${s.replace(/[\r\n]+/g, ' ')}`;

function header(w: Writer, config: GantryConfig): void {
  const images = config.images.map((i) => i.name).join(', ');
  const flow = w.needs.singleJob
    ? 'one job builds every platform (layers: no emulation) → publish by digest, tags last.'
    : 'plan → build every platform on a native runner → publish by digest, tags last.';
  const regenerate = `gantry init github${w.reusable ? ' --reusable' : ''}${!w.reusable && w.on.join(',') !== 'release' ? ` --on ${w.on.join(',')}` : ''} --force`;
  push(
    w,
    0,
    `# Releases the container image${config.images.length === 1 ? '' : 's'} ${images} of gantry.yml:`,
    `# ${flow}`,
    `# Generated by \`gantry init github\`; regenerate it with \`${regenerate}\` after changing registries or builders.`,
  );
  if (w.placeholder) {
    push(
      w,
      0,
      `# SET THE GANTRY ACTION BEFORE COMMITTING: ${GANTRY_ACTION_PLACEHOLDER} below is a placeholder. Regenerate with`,
      '# `gantry init github --action OWNER/REPO@REF --force` (or set ci.action in gantry.yml), naming the repository',
      "# that holds gantry's action.yml at a tag or commit.",
    );
  }
  const secrets = secretNames(w);
  if (w.needs.logins.length > 0) {
    push(w, 0, `# The registry logins read the secrets ${[...new Set(w.needs.logins.flatMap(loginSecrets))].join(', ')}.`);
  }
  if (w.reusable) {
    push(
      w,
      0,
      '# Reusable: call it from each repository (`jobs.<id>.uses: OWNER/REPO/.github/workflows/release-image.yml@REF`',
      '# with `secrets: inherit`), granting the permissions its jobs list. Give the caller a different concurrency group.',
      'name: Release image (reusable)',
      '',
      'on:',
      '  workflow_call:',
      '    inputs:',
      '      config:',
      "        description: gantry.yml of the calling repository (default ./gantry.yml, else gantry's defaults)",
      '        required: false',
      '        type: string',
      "        default: ''",
      '      tag:',
      "        description: Tag to release, e.g. v1.2.3; by default the caller's tag or release",
      '        required: false',
      '        type: string',
      "        default: ''",
      '    secrets:',
    );
    for (const s of secrets) push(w, 6, `${s}:`, '  required: false');
    push(
      w,
      0,
      '    outputs:',
      '      digest:',
      '        description: Digest of the published image index (the first image)',
      '        value: ${{ jobs.publish.outputs.digest }}',
      '      tags:',
      '        description: Every published reference, one a line',
      '        value: ${{ jobs.publish.outputs.tags }}',
    );
  } else {
    push(w, 0, 'name: Release image', '', 'on:');
    if (w.on.includes('release'))
      push(w, 2, '# A published release, once (the event says whether it is a pre-release).', 'release:', '  types: [published]');
    if (w.on.includes('tag-push')) push(w, 2, 'push:', "  tags: ['v*']");
    push(
      w,
      2,
      '# By hand: release an existing tag again, or an older one (its own commit is checked out and built).',
      'workflow_dispatch:',
      '  inputs:',
      '    tag:',
      '      description: Tag to release, e.g. v1.2.3; by default the tag the workflow runs on',
      '      required: false',
      '      type: string',
    );
  }
  push(
    w,
    0,
    '',
    'permissions:',
    '  contents: read',
    '',
    w.on.length > 1 && !w.reusable
      ? '# One run per release tag at a time: when a release and its tag push both start one, the second waits and finds the release done.'
      : '# One run per release tag at a time; a release in progress is never cancelled halfway.',
    'concurrency:',
    '  group: release-image-${{ inputs.tag || github.ref_name }}',
    '  cancel-in-progress: false',
    '',
    'jobs:',
  );
}

/** Secrets the workflow reads: Docker Hub's, registries' user names and passwords, then signing keys. */
function secretNames(w: Writer): string[] {
  return [
    ...(w.reusable || w.needs.dockerHub ? ['DOCKERHUB_USERNAME', 'DOCKERHUB_TOKEN'] : []),
    ...new Set(w.needs.logins.flatMap(loginSecrets)),
    ...w.needs.keyEnv,
  ];
}

/** The secrets a login reads, the first one saying whether it is configured. */
function loginSecrets(l: RegistryLogin): string[] {
  switch (l.kind) {
    case 'ecr':
    case 'ecr-public':
      return ['AWS_ROLE_ARN'];
    case 'gar':
      return ['GCP_WORKLOAD_IDENTITY_PROVIDER', 'GCP_SERVICE_ACCOUNT'];
    case 'secrets':
      return [l.username, l.password];
  }
}

/**
 * The job variable saying an optional registry's first secret is set (a step's `if:` cannot read
 * secrets): LOGIN_AWS_ROLE_ARN, LOGIN_QUAY_IO_USERNAME, …
 */
const loginFlag = (l: RegistryLogin): string => `LOGIN_${loginSecrets(l)[0]!}`;
const loginIf = (l: RegistryLogin): string[] => (l.optional ? [`  if: env.${loginFlag(l)} == 'true'`] : []);

/** The `with:` lines every gantry step shares: the configuration, the release tag, registry credentials. */
function commonInputs(w: Writer): string[] {
  const out: string[] = [];
  if (w.reusable) {
    out.push('config: ${{ inputs.config }}', "args: ${{ inputs.tag != '' && format('--ref {0}', inputs.tag) || '' }}");
  } else if (w.configPath !== undefined && w.configPath !== 'gantry.yml') {
    out.push(`config: ${yamlScalar(w.configPath)}`);
  }
  if (w.reusable || w.needs.dockerHub) {
    out.push('dockerhub-username: ${{ secrets.DOCKERHUB_USERNAME }}', 'dockerhub-token: ${{ secrets.DOCKERHUB_TOKEN }}');
  }
  return out;
}

/** The logins a job runs: the staging registries for plan and build, every registry for publish. */
const loginsFor = (w: Writer, all: boolean): RegistryLogin[] => w.needs.logins.filter((l) => all || l.staging);

/** A login through OIDC (the job's token is exchanged for the cloud's credentials). */
const usesOidc = (l: RegistryLogin): boolean => l.kind !== 'secrets';

function permissions(w: Writer, packages: string | undefined, logins: readonly RegistryLogin[], extra: string[] = []): void {
  push(w, 4, 'permissions:', '  contents: read');
  if (packages !== undefined && w.needs.ghcr) push(w, 6, `packages: ${packages}`);
  if (logins.some(usesOidc)) push(w, 6, 'id-token: write # OIDC: the cloud registry logins exchange it for short-lived credentials');
  push(w, 6, ...extra);
  // Optional registries: whether their secrets exist, for the login steps' if: (which cannot read secrets).
  const flags = [...new Set(logins.filter((l) => l.optional).map((l) => `${loginFlag(l)}: \${{ secrets.${loginSecrets(l)[0]!} != '' }}`))];
  if (flags.length > 0) push(w, 4, 'env:', ...flags.map((f) => `  ${f}`));
}

/** actions/checkout of the release tag (every job builds or publishes that commit, never the branch a dispatch ran on). */
function checkout(w: Writer, fetchAll: boolean): void {
  push(w, 6, '- uses: actions/checkout@v4', '  with:', `    ref: ${RELEASE_REF}`);
  if (fetchAll) push(w, 10, 'fetch-depth: 0 # every tag, so the version and the floating tags are right');
}

/** The steps that log in to `logins`, leaving credentials in the runner's docker config, which the Action reads. */
function loginSteps(w: Writer, logins: readonly RegistryLogin[]): void {
  const ecr = logins.filter((l): l is Extract<RegistryLogin, { kind: 'ecr' }> => l.kind === 'ecr');
  const regions = [...new Set(ecr.map((l) => l.region))];
  for (const region of regions) {
    const here = ecr.filter((l) => l.region === region);
    const cond = here.every((l) => l.optional) ? loginIf(here[0]!) : [];
    push(
      w,
      6,
      comment(`Amazon ECR ${here.map((l) => l.host).join(', ')}: the role in secret AWS_ROLE_ARN, assumed with the job's OIDC token.`),
      '- uses: aws-actions/configure-aws-credentials@v4',
      ...cond,
      '  with:',
      '    role-to-assume: ${{ secrets.AWS_ROLE_ARN }}',
      `    aws-region: ${region}`,
      '- uses: aws-actions/amazon-ecr-login@v2',
      ...cond,
      '  with:',
      `    registries: ${yamlScalar(here.map((l) => l.account).join(','))}`,
    );
  }
  for (const l of logins) {
    if (l.kind !== 'ecr-public') continue;
    const cond = loginIf(l);
    push(
      w,
      6,
      comment('Amazon ECR Public: the role in secret AWS_ROLE_ARN (ECR Public lives in us-east-1).'),
      '- uses: aws-actions/configure-aws-credentials@v4',
      ...cond,
      '  with:',
      '    role-to-assume: ${{ secrets.AWS_ROLE_ARN }}',
      '    aws-region: us-east-1',
      '- uses: aws-actions/amazon-ecr-login@v2',
      ...cond,
      '  with:',
      '    registry-type: public',
    );
  }
  const gar = logins.filter((l) => l.kind === 'gar');
  if (gar.length > 0) {
    const cond = gar.every((l) => l.optional) ? loginIf(gar[0]!) : [];
    push(
      w,
      6,
      comment(`Google Artifact Registry ${gar.map((l) => l.host).join(', ')}: workload identity federation, an access token for docker.`),
      '- id: gcp-auth',
      '  uses: google-github-actions/auth@v2',
      ...cond,
      '  with:',
      '    workload_identity_provider: ${{ secrets.GCP_WORKLOAD_IDENTITY_PROVIDER }}',
      '    service_account: ${{ secrets.GCP_SERVICE_ACCOUNT }}',
      '    token_format: access_token',
      '    create_credentials_file: false # no key file in the checkout, where a build context could pick it up',
    );
    for (const l of gar) {
      push(
        w,
        6,
        '- uses: docker/login-action@v3',
        ...cond,
        '  with:',
        `    registry: ${l.host}`,
        '    username: oauth2accesstoken',
        '    password: ${{ steps.gcp-auth.outputs.access_token }}',
      );
    }
  }
  for (const l of logins) {
    if (l.kind !== 'secrets') continue;
    const what = l.azure ? `Azure ACR ${l.host}: a service principal's client ID and secret (or the admin user)` : l.host;
    push(
      w,
      6,
      comment(`${what}, from secrets ${l.username} and ${l.password}.`),
      '- uses: docker/login-action@v3',
      ...loginIf(l),
      '  with:',
      `    registry: ${l.host}`,
      `    username: \${{ secrets.${l.username} }}`,
      `    password: \${{ secrets.${l.password} }}`,
    );
  }
}

function planJob(w: Writer): void {
  const logins = loginsFor(w, false);
  push(w, 2, 'plan:');
  push(w, 4, 'runs-on: ubuntu-latest');
  permissions(w, 'read # the tags already in GHCR decide where latest and X.Y go', logins);
  push(w, 4, 'outputs:', '  matrix: ${{ steps.plan.outputs.matrix }}', '  version: ${{ steps.plan.outputs.version }}', 'steps:');
  checkout(w, true);
  loginSteps(w, logins);
  push(w, 6, '- id: plan', `  uses: ${w.action}`, '  with:', '    command: plan');
  push(w, 10, ...commonInputs(w));
  push(w, 0, '');
}

function buildJob(w: Writer): void {
  const { needs } = w;
  const logins = loginsFor(w, false);
  push(
    w,
    2,
    '# One job per image and platform, each on a native runner (ubuntu-24.04-arm for arm64).',
    'build:',
    '  name: build ${{ matrix.image }} ${{ matrix.platform }}',
    '  needs: plan',
    '  strategy:',
    '    matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}',
    '  runs-on: ${{ matrix.runner }}',
  );
  permissions(w, 'write # each platform is pushed by digest, untagged', logins);
  push(w, 4, 'steps:');
  checkout(w, false);
  if (needs.emulated.length > 0) {
    push(w, 6, '- uses: docker/setup-qemu-action@v3', `  if: ${needs.emulated.map((p) => `matrix.platform == '${p}'`).join(' || ')}`);
  }
  if (needs.buildx) {
    push(
      w,
      6,
      comment('buildx caches each platform in its own GitHub Actions cache scope, <image>-<os>-<arch>.'),
      '- uses: docker/setup-buildx-action@v3',
    );
  }
  loginSteps(w, logins);
  push(
    w,
    6,
    '- id: build',
    `  uses: ${w.action}`,
    '  with:',
    '    command: build',
    '    image: ${{ matrix.image }}',
    '    platform: ${{ matrix.platform }}',
    `    records: ${RECORDS_DIR}`,
  );
  push(w, 10, ...commonInputs(w));
  push(
    w,
    6,
    `${comment(`The platform's digest record, as artifact ${RECORDS_ARTIFACT_PREFIX}<image>-<os>-<arch>.`)}`,
    '- uses: actions/upload-artifact@v4',
    '  with:',
    '    name: ${{ steps.build.outputs.artifact }}',
    `    path: ${RECORDS_DIR}`,
    '    if-no-files-found: error',
    '    retention-days: 1',
    '    overwrite: true',
  );
  push(w, 0, '');
}

function publishJob(w: Writer): void {
  const { needs } = w;
  const logins = loginsFor(w, true);
  push(w, 2, '# Runs only when every platform built (no `if: always()`), so a partial image is never published.', 'publish:');
  push(w, 4, 'needs: [plan, build]', 'runs-on: ubuntu-latest');
  permissions(w, 'write', logins, needs.idToken ? ['id-token: write # Sigstore keyless signing of the image and its attestations'] : []);
  push(w, 4, 'outputs:', '  digest: ${{ steps.publish.outputs.digest }}', '  tags: ${{ steps.publish.outputs.tags }}', 'steps:');
  checkout(w, false);
  push(
    w,
    6,
    '- uses: actions/download-artifact@v4',
    '  with:',
    `    pattern: ${RECORDS_ARTIFACT_PREFIX}*`,
    `    path: ${RECORDS_DIR}`,
    '    merge-multiple: true',
  );
  loginSteps(w, logins);
  push(w, 6, '- id: publish', `  uses: ${w.action}`, '  with:', '    command: publish', `    records: ${RECORDS_DIR}`);
  push(w, 10, ...commonInputs(w));
  publishEnv(w);
}

/** Every image builds with layers: one job plans, builds every platform on this runner and publishes. */
function singleJob(w: Writer): void {
  const { needs } = w;
  const logins = loginsFor(w, true);
  push(
    w,
    2,
    '# Every image builds with layers, which runs nothing of the image: no emulation and no arm64 runner, so one',
    '# job plans, builds every platform and publishes by digest, tags last.',
    'publish:',
  );
  push(w, 4, 'runs-on: ubuntu-latest');
  permissions(w, 'write', logins, needs.idToken ? ['id-token: write # Sigstore keyless signing of the image and its attestations'] : []);
  push(w, 4, 'outputs:', '  digest: ${{ steps.publish.outputs.digest }}', '  tags: ${{ steps.publish.outputs.tags }}', 'steps:');
  checkout(w, true);
  loginSteps(w, logins);
  push(w, 6, '- id: publish', `  uses: ${w.action}`, '  with:', '    command: publish');
  push(w, 10, ...commonInputs(w));
  publishEnv(w);
}

function publishEnv(w: Writer): void {
  if (w.needs.keyEnv.length > 0) {
    push(w, 8, 'env:');
    for (const name of w.needs.keyEnv) push(w, 10, `${name}: \${{ secrets.${name} }}`);
  }
}

function chartJob(w: Writer, chart: NonNullable<WorkflowRequirements['chart']>): void {
  push(
    w,
    0,
    '',
    `  ${comment(`Chart ${chart.path} → ${chart.repository}, after image ${chart.image} is published.`)}`,
    '  chart:',
    '    needs: publish',
    '    runs-on: ubuntu-latest',
    '    permissions:',
    '      contents: read',
    '    steps:',
    '      - run: echo "The chart job (bump the Helm chart, push it after the image) arrives with gantry\'s chart issue; nothing to do yet."',
  );
}
