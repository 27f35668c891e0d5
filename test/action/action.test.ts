// The Action without a runner: inputs from a map, @actions/core replaced by a recorder, and the real
// gantry library called in this process (steps that need a registry: action-registry.itg.test.ts).
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureOf } from '../../action/annotations.js';
import { formatArgv, gantryArgv } from '../../action/argv.js';
import { authValue, DOCKER_HUB_KEY, mergeDockerConfig, registryLogins, writeDockerConfig } from '../../action/docker-config.js';
import { InputError, readInputs, splitArgs, type ActionInputs } from '../../action/inputs.js';
import { parseStepArgv } from '../../action/step-options.js';
import { buildOutputs } from '../../action/steps.js';
import { runAction, type ActionCore } from '../../action/run.js';
import { ConfigError, GateRefused, OciError, ReleaseError } from '../../src/index.js';
import { tempDir } from '../support/images.js';
import { git as gitIn } from '../support/git.js';

const inputsOf = (m: Record<string, string>) => readInputs((name) => m[name] ?? '');
const argvOf = (m: Record<string, string>) => gantryArgv(inputsOf(m).inputs);

describe('inputs → gantry command line', () => {
  // prettier-ignore
  const cases: [Record<string, string>, string[]][] = [
    [{ command: 'plan' }, ['plan']],
    [{ command: 'plan', config: 'deploy/gantry.yml', args: '--no-registry-check' }, ['plan', '--config', 'deploy/gantry.yml', '--no-registry-check']],
    [{ command: 'build', image: 'api', platform: 'linux/arm64', records: '/tmp/r' }, ['build', '--image', 'api', '--platform', 'linux/arm64', '--record-dir', '/tmp/r']],
    [{ command: 'build', image: 'api, worker', platform: 'linux/amd64\nlinux/arm64\n' }, ['build', '--image', 'api', '--image', 'worker', '--platform', 'linux/amd64', '--platform', 'linux/arm64', '--record-dir', '.gantry/records']],
    [{ command: 'publish', records: 'records', 'dry-run': 'true' }, ['publish', '--records', 'records', '--dry-run']],
    [{ command: 'publish', 'dry-run': 'false' }, ['publish']],
    [{ command: 'publish', 'overwrite-release': 'true' }, ['publish', '--overwrite-release']],
    [{ command: 'verify', ref: 'ghcr.io/acme/api:1.2.3', platform: 'linux/amd64,linux/arm64', args: '--anonymous' }, ['verify', 'ghcr.io/acme/api:1.2.3', '--platforms', 'linux/amd64,linux/arm64', '--anonymous']],
    [{ command: ' publish ', args: "--version '1.2.3' --label \"a=b c\"" }, ['publish', '--version', '1.2.3', '--label', 'a=b c']],
  ];
  it.each(cases)('%j → %j', (inputs, argv) => {
    expect(argvOf(inputs)).toEqual(argv);
  });

  it('refuses a missing or unknown command, a verify without ref, a bad boolean', () => {
    expect(() => inputsOf({})).toThrow(new InputError('input command must be one of plan, build, publish, verify (it is required)'));
    expect(() => inputsOf({ command: 'deploy' })).toThrow(/not "deploy"/);
    expect(() => inputsOf({ command: 'verify' })).toThrow(/needs input ref/);
    expect(() => inputsOf({ command: 'publish', 'dry-run': 'yes' })).toThrow(/dry-run must be true or false/);
  });

  it('warns about inputs the command does not use', () => {
    expect(inputsOf({ command: 'plan', image: 'api', 'dry-run': 'false', records: 'r' }).warnings).toEqual([
      'input image is not used by the plan command; ignored',
      'input records is not used by the plan command; ignored',
    ]);
    expect(inputsOf({ command: 'verify', ref: 'x:1', config: 'gantry.yml', 'dry-run': 'true' }).warnings).toEqual([
      'input config is not used by the verify command; ignored',
      'input dry-run is not used by the verify command; ignored',
    ]);
  });

  it.each([
    ['', []],
    ['  a  b\n c ', ['a', 'b', 'c']],
    ['\'a b\' "c \\" d" e\\ f', ['a b', 'c " d', 'e f']],
    ["--x='' y", ['--x=', 'y']],
    ['$HOME `x` *', ['$HOME', '`x`', '*']],
  ])('splitArgs(%j)', (s, want) => {
    expect(splitArgs(s)).toEqual(want);
  });

  it('splitArgs refuses unterminated quotes', () => {
    expect(() => splitArgs("'a")).toThrow(InputError);
    expect(() => splitArgs('"a')).toThrow(InputError);
  });

  it('formats a command line for the log', () => {
    expect(formatArgv(['publish', '--label', 'a b', "it's", ''])).toBe("publish --label 'a b' 'it'\\''s' ''");
  });
});

describe('registry credentials', () => {
  const base = { githubToken: '', dockerhubUsername: '', dockerhubToken: '' } satisfies Partial<ActionInputs>;

  it('ghcr.io whenever a token is given, as the actor; Docker Hub only with both inputs', () => {
    expect(registryLogins({ ...base, githubToken: 'ghs_x' }, 'octo').logins).toEqual([
      { key: 'ghcr.io', host: 'ghcr.io', username: 'octo', password: 'ghs_x' },
    ]);
    expect(registryLogins({ ...base, githubToken: 'ghs_x' }, undefined).logins[0]?.username).toBe('github-actions');
    const both = registryLogins({ ...base, dockerhubUsername: 'acme', dockerhubToken: 'dckr_x' }, 'octo');
    expect(both).toEqual({ logins: [{ key: DOCKER_HUB_KEY, host: 'docker.io', username: 'acme', password: 'dckr_x' }], warnings: [] });
    const half = registryLogins({ ...base, dockerhubUsername: 'acme' }, 'octo');
    expect(half.logins).toEqual([]);
    expect(half.warnings).toEqual([expect.stringContaining('dockerhub-token is empty')]);
    expect(registryLogins(base, 'octo')).toEqual({ logins: [], warnings: [] });
  });

  it("merges the logins into the runner's docker config, and makes helpers step aside for them", () => {
    const logins = registryLogins({ githubToken: 'ghs_x', dockerhubUsername: 'acme', dockerhubToken: 'dckr_x' }, 'octo').logins;
    expect(mergeDockerConfig(undefined, logins)).toEqual({
      auths: {
        'ghcr.io': { auth: Buffer.from('octo:ghs_x').toString('base64') },
        [DOCKER_HUB_KEY]: { auth: Buffer.from('acme:dckr_x').toString('base64') },
      },
    });
    const existing = {
      auths: { 'quay.io': { auth: 'cXVheQ==' } },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud' },
      proxies: { default: {} },
    };
    expect(mergeDockerConfig(existing, logins)).toEqual({
      auths: {
        'quay.io': { auth: 'cXVheQ==' },
        'ghcr.io': { auth: authValue(logins[0]!) },
        [DOCKER_HUB_KEY]: { auth: authValue(logins[1]!) },
      },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud', 'ghcr.io': '', [DOCKER_HUB_KEY]: '' },
      proxies: { default: {} },
    });
    expect(mergeDockerConfig({ credHelpers: { 'ghcr.io': 'gh' } }, logins.slice(0, 1))).toEqual({
      auths: { 'ghcr.io': { auth: authValue(logins[0]!) } },
      credHelpers: { 'ghcr.io': '' },
    });
    expect(existing.auths).toEqual({ 'quay.io': { auth: 'cXVheQ==' } }); // not mutated
  });

  it('writes config.json (0600) and links the rest of the original directory (buildx builders, plugins)', async () => {
    const source = await tempDir();
    const target = await tempDir();
    await mkdir(join(source, 'buildx', 'instances'), { recursive: true });
    await mkdir(join(source, 'cli-plugins'));
    await writeFile(join(source, 'config.json'), JSON.stringify({ auths: { 'quay.io': { auth: 'eA==' } } }));
    const logins = registryLogins({ githubToken: 'ghs_x', dockerhubUsername: '', dockerhubToken: '' }, 'octo').logins;
    expect(await writeDockerConfig(source, target, logins)).toEqual([]);
    expect(JSON.parse(await readFile(join(target, 'config.json'), 'utf8'))).toEqual({
      auths: { 'quay.io': { auth: 'eA==' }, 'ghcr.io': { auth: authValue(logins[0]!) } },
    });
    expect((await stat(join(target, 'config.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(target)).sort()).toEqual(['buildx', 'cli-plugins', 'config.json']);
    expect(await readlink(join(target, 'buildx'))).toBe(join(source, 'buildx'));
    // No source directory at all (a fresh runner), or a broken config.json: a fresh config, and a warning for the broken one.
    const fresh = await tempDir();
    expect(await writeDockerConfig(join(source, 'missing'), fresh, logins)).toEqual([]);
    await writeFile(join(source, 'config.json'), '{nope');
    const again = await tempDir();
    expect(await writeDockerConfig(source, again, logins)).toEqual([expect.stringContaining('starting from an empty docker config')]);
  });
});

describe("args: the step's command line read back strictly", () => {
  it('maps every flag a step honours', () => {
    expect(
      parseStepArgv(
        argvOf({
          command: 'publish',
          records: 'r',
          'dry-run': 'true',
          args: '--no-registry-check --latest never --insecure-registry a:5000 --insecure-registry b',
        }),
      ),
    ).toEqual({
      command: 'publish',
      flags: { records: 'r', 'dry-run': true, 'no-registry-check': true, latest: 'never', 'insecure-registry': ['a:5000', 'b'] },
      positionals: [],
    });
    expect(
      parseStepArgv(argvOf({ command: 'verify', ref: 'ghcr.io/acme/api:1', args: '--label a=b --label c --anonymous' })),
    ).toMatchObject({
      flags: { label: ['a=b', 'c'], anonymous: true },
      positionals: ['ghcr.io/acme/api:1'],
    });
  });

  it('refuses a flag the step cannot honour, naming the ones it accepts', () => {
    expect(() => parseStepArgv(argvOf({ command: 'plan', args: '--matrix' }))).toThrow(
      /input args: Unknown option '--matrix'; the plan step accepts .*--no-registry-check/,
    );
    expect(() => parseStepArgv(argvOf({ command: 'build', args: '--password-stdin' }))).toThrow(InputError);
    expect(() => parseStepArgv(argvOf({ command: 'plan', args: 'extra' }))).toThrow(/Unexpected argument 'extra'/);
    expect(() => parseStepArgv(argvOf({ command: 'publish', args: '--latest' }))).toThrow(/argument missing/);
  });
});

describe('errors → annotations, from typed errors', () => {
  it('a gantry.yml with two mistakes: one annotation on each line, the headline counts them', () => {
    const e = new ConfigError('CONFIG_INVALID', 'deploy/gantry.yml', [
      { path: 'images[0].platfroms', line: 4, column: 5, message: 'unknown key "platfroms" (did you mean "platforms"?)' },
      { path: '', line: 1, column: 1, message: 'not a mapping' },
    ]);
    expect(failureOf('plan', e)).toEqual({
      annotations: [
        {
          file: 'deploy/gantry.yml',
          line: 4,
          column: 5,
          message: 'images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)',
        },
        { file: 'deploy/gantry.yml', line: 1, column: 1, message: 'not a mapping' },
      ],
      message: 'gantry plan failed (usage or input error): 2 problems in deploy/gantry.yml',
    });
  });

  it('other errors: their message, with what kind of failure it is; a bug is not a failure of the user', () => {
    expect(failureOf('publish', new GateRefused('a gate refused the release', []))?.message).toBe(
      'gantry publish failed (refused by a gate or verification): a gate refused the release',
    );
    expect(failureOf('build', new ReleaseError('USAGE', '--to x:1: name a repository', { userError: true }))?.message).toBe(
      'gantry build failed (usage or input error): --to x:1: name a repository',
    );
    expect(failureOf('publish', new OciError('NOT_FOUND', 'blob missing'))).toEqual({
      annotations: [],
      message: 'gantry publish failed: blob missing',
    });
    expect(failureOf('plan', new TypeError('x is undefined'))).toBeUndefined();
  });
});

describe('build outputs: the records this step wrote', () => {
  it('names the artifact after the image and platform, and gives the digest of one platform', () => {
    const r = (image: string, platform: string, digest: string) => ({ image, platform, digest });
    expect(buildOutputs([r('api', 'linux/arm/v7', 'sha256:1')])).toEqual({
      artifact: 'gantry-records-api-linux-arm-v7',
      digest: 'sha256:1',
    });
    expect(buildOutputs([r('api', 'linux/arm/v7', 'sha256:1'), r('api', 'linux/amd64', 'sha256:2')])).toEqual({
      artifact: 'gantry-records-api-linux-amd64_api-linux-arm-v7',
    });
    expect(buildOutputs([])).toEqual({});
  });
});

/** @actions/core's functions the Action uses, recording their calls. */
function recorder(inputs: Record<string, string>) {
  const calls: [string, ...unknown[]][] = [];
  const core: ActionCore = {
    getInput: (name) => (inputs[name] ?? '').trim(),
    setOutput: (k, v) => void calls.push(['setOutput', k, v]),
    setSecret: (s) => void calls.push(['setSecret', s]),
    setFailed: (m) => void calls.push(['setFailed', typeof m === 'string' ? m : m.message]),
    startGroup: (n) => void calls.push(['startGroup', n]),
    endGroup: () => void calls.push(['endGroup']),
    info: (m) => void calls.push(['info', m]),
    warning: (m) => void calls.push(['warning', typeof m === 'string' ? m : m.message]),
    error: (m, p) => void calls.push(['error', typeof m === 'string' ? m : m.message, p]),
  };
  return { core, calls };
}

/** A git workspace with a gantry.yml, and GitHub's environment for a published release v1.2.3. */
async function workspace(config: string): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await tempDir('gantry-ws-');
  const git = (...args: string[]) => gitIn(dir, ...args);
  git('init', '-q', '-b', 'main');
  await writeFile(join(dir, 'gantry.yml'), config);
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  const event = join(dir, '.event.json');
  await writeFile(
    event,
    JSON.stringify({ action: 'published', release: { tag_name: 'v1.2.3', prerelease: false }, repository: { default_branch: 'main' } }),
  );
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'release',
    GITHUB_EVENT_PATH: event,
    GITHUB_REF: 'refs/tags/v1.2.3',
    GITHUB_SHA: git('rev-parse', 'HEAD'),
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_ACTOR: 'octo',
    GITHUB_STEP_SUMMARY: join(dir, '.summary.md'),
  };
  return { dir, env };
}

async function runIn(ws: { dir: string; env: Record<string, string> }, inputs: Record<string, string>) {
  const { core, calls } = recorder(inputs);
  const tmp = await tempDir();
  await runAction({ core, env: ws.env, cwd: ws.dir, tmpDir: tmp });
  return { calls, tmp };
}

const GANTRY_YML = 'images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n';

describe('runAction, with the library in this process', () => {
  const TOKEN = 'ghs_s3cr3t_token_value';
  const HUB = 'dckr_pat_s3cr3t';

  it('plan: outputs, step summary and the plan in a log group; secrets masked first and never printed; the temporary docker config removed', async () => {
    const ws = await workspace(GANTRY_YML);
    const { calls, tmp } = await runIn(ws, {
      command: 'plan',
      args: '--no-registry-check',
      'github-token': TOKEN,
      'dockerhub-username': 'acme',
      'dockerhub-token': HUB,
    });
    const secrets = calls.filter((c) => c[0] === 'setSecret').map((c) => c[1]);
    expect(secrets).toEqual([TOKEN, HUB, Buffer.from(`octo:${TOKEN}`).toString('base64'), Buffer.from(`acme:${HUB}`).toString('base64')]);
    expect(calls.findIndex((c) => c[0] !== 'setSecret')).toBe(secrets.length); // masked before anything else
    const printed = JSON.stringify(calls.filter((c) => c[0] !== 'setSecret'));
    for (const s of secrets) expect(printed).not.toContain(s as string);
    expect(calls).toContainEqual(['info', 'registry credentials: ghcr.io as octo, docker.io as acme']);
    expect(calls.filter((c) => c[0] === 'setFailed')).toEqual([]);
    expect(calls.filter((c) => c[0] === 'startGroup' || c[0] === 'endGroup')).toEqual([
      ['startGroup', 'gantry plan --no-registry-check'],
      ['endGroup'],
    ]);
    const outputs = Object.fromEntries(calls.filter((c) => c[0] === 'setOutput').map((c) => [c[1], c[2]]));
    expect(Object.keys(outputs).sort()).toEqual(['json', 'matrix', 'prerelease', 'tags', 'version']);
    expect(outputs.version).toBe('1.2.3');
    expect((outputs.tags as string).split('\n')).toContain('ghcr.io/acme/api:1.2.3');
    expect(JSON.parse(outputs.matrix as string).include).toHaveLength(2);
    expect(calls.find((c) => c[0] === 'info' && String(c[1]).startsWith('version 1.2.3'))).toBeDefined();
    expect(await readFile(ws.env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('### gantry plan: 1.2.3');
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a gantry.yml mistake: an annotation on its line, and the step fails saying what kind of failure it is', async () => {
    const ws = await workspace('images:\n  - name: api\n    repositories: [ghcr.io/acme/api]\n    platfroms: [linux/amd64]\n');
    const { calls } = await runIn(ws, { command: 'plan', args: '--no-registry-check' });
    expect(calls.filter((c) => c[0] === 'error' || c[0] === 'setFailed')).toEqual([
      [
        'error',
        expect.stringMatching(/^images\[0\]\.platfroms: unknown key "platfroms" \(did you mean "platforms"\?\)/),
        { title: 'gantry plan', file: 'gantry.yml', startLine: 4, startColumn: 5 },
      ],
      ['setFailed', 'gantry plan failed (usage or input error): 1 problem in gantry.yml'],
    ]);
    expect(calls.filter((c) => c[0] === 'setOutput')).toEqual([]);
  });

  it("plan: metadata-action's DOCKER_METADATA_* settings reach the Action: honoured, or the step fails naming the variable", async () => {
    const ws = await workspace(GANTRY_YML);
    const short = await runIn(
      { ...ws, env: { ...ws.env, DOCKER_METADATA_SHORT_SHA_LENGTH: '10' } },
      { command: 'plan', args: '--no-registry-check' },
    );
    const tags = short.calls.find((c) => c[0] === 'setOutput' && c[1] === 'tags')?.[2] as string;
    expect(tags.split('\n')).toContain(`ghcr.io/acme/api:sha-${ws.env.GITHUB_SHA!.slice(0, 10)}`);
    const refused = await runIn(
      { ...ws, env: { ...ws.env, DOCKER_METADATA_SET_OUTPUT_ENV: 'true' } },
      { command: 'plan', args: '--no-registry-check' },
    );
    expect(refused.calls.filter((c) => c[0] === 'setFailed')).toEqual([
      [
        'setFailed',
        expect.stringMatching(
          /^gantry plan failed \(usage or input error\): DOCKER_METADATA_SET_OUTPUT_ENV="true": gantry sets no DOCKER_METADATA_OUTPUT_\* variables/,
        ),
      ],
    ]);
    expect(refused.calls.filter((c) => c[0] === 'setOutput')).toEqual([]);
  });

  it('plan: a platform whose Dockerfile is missing fails the plan step (not every build job after it)', async () => {
    const ws = await workspace(GANTRY_YML);
    gitIn(ws.dir, 'rm', '-q', 'Dockerfile');
    const { calls } = await runIn(ws, { command: 'plan', args: '--no-registry-check' });
    const failed = calls.filter((c) => c[0] === 'setFailed');
    expect(failed).toEqual([
      ['setFailed', expect.stringMatching(/^gantry plan failed \(usage or input error\): [\s\S]*no Dockerfile at Dockerfile/)],
    ]);
    expect(calls.filter((c) => c[0] === 'setOutput')).toEqual([]);
  });

  it("a registry that cannot be reached: the step fails with the library's words, no annotation on a file", async () => {
    const ws = await workspace('images:\n  - name: api\n    repositories: [127.0.0.1:1/acme/api]\n');
    const { calls } = await runIn(ws, { command: 'plan' });
    const failed = calls.filter((c) => c[0] === 'setFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]![1]).toMatch(/^gantry plan failed( \(usage or input error\))?: cannot read the tags of 127\.0\.0\.1:1\/acme\/api/);
    expect(calls.filter((c) => c[0] === 'error')).toEqual([]);
  });

  it('bad inputs fail before anything runs; warnings for unused inputs', async () => {
    const ws = await workspace(GANTRY_YML);
    const bad = await runIn(ws, { command: 'release' });
    expect(bad.calls).toEqual([['setFailed', 'input command must be one of plan, build, publish, verify, not "release"']]);
    const flag = await runIn(ws, { command: 'plan', args: '--matrix' });
    expect(flag.calls).toEqual([['setFailed', expect.stringMatching(/^input args: Unknown option '--matrix'/)]]);
    const unused = await runIn(ws, { command: 'plan', platform: 'linux/amd64', args: '--no-registry-check' });
    expect(unused.calls).toContainEqual(['warning', 'input platform is not used by the plan command; ignored']);
  });
});
