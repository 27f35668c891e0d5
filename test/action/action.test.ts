// The Action's mapping from inputs to gantry's command line and environment, tested without a runner:
// inputs from a map, @actions/core replaced by a recorder, gantry replaced by a script that reports
// what it was given.
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { errorAnnotations } from '../../action/annotations.js';
import { formatArgv, gantryArgv } from '../../action/argv.js';
import { authValue, DOCKER_HUB_KEY, mergeDockerConfig, registryLogins, writeDockerConfig } from '../../action/docker-config.js';
import { InputError, readInputs, splitArgs, type ActionInputs } from '../../action/inputs.js';
import { buildOutputs, recordsWritten, snapshotRecords } from '../../action/records.js';
import { runAction, type ActionCore } from '../../action/run.js';
import { tempDir } from '../support/images.js';

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
    ["'a b' \"c \\\" d\" e\\ f", ['a b', 'c " d', 'e f']],
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
    expect(registryLogins({ ...base, githubToken: 'ghs_x' }, 'octo').logins).toEqual([{ key: 'ghcr.io', host: 'ghcr.io', username: 'octo', password: 'ghs_x' }]);
    expect(registryLogins({ ...base, githubToken: 'ghs_x' }, undefined).logins[0]?.username).toBe('github-actions');
    const both = registryLogins({ ...base, dockerhubUsername: 'acme', dockerhubToken: 'dckr_x' }, 'octo');
    expect(both).toEqual({ logins: [{ key: DOCKER_HUB_KEY, host: 'docker.io', username: 'acme', password: 'dckr_x' }], warnings: [] });
    const half = registryLogins({ ...base, dockerhubUsername: 'acme' }, 'octo');
    expect(half.logins).toEqual([]);
    expect(half.warnings).toEqual([expect.stringContaining('dockerhub-token is empty')]);
    expect(registryLogins(base, 'octo')).toEqual({ logins: [], warnings: [] });
  });

  it('merges the logins into the runner\'s docker config, and makes helpers step aside for them', () => {
    const logins = registryLogins({ githubToken: 'ghs_x', dockerhubUsername: 'acme', dockerhubToken: 'dckr_x' }, 'octo').logins;
    expect(mergeDockerConfig(undefined, logins)).toEqual({
      auths: { 'ghcr.io': { auth: Buffer.from('octo:ghs_x').toString('base64') }, [DOCKER_HUB_KEY]: { auth: Buffer.from('acme:dckr_x').toString('base64') } },
    });
    const existing = { auths: { 'quay.io': { auth: 'cXVheQ==' } }, credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' }, proxies: { default: {} } };
    expect(mergeDockerConfig(existing, logins)).toEqual({
      auths: { 'quay.io': { auth: 'cXVheQ==' }, 'ghcr.io': { auth: authValue(logins[0]!) }, [DOCKER_HUB_KEY]: { auth: authValue(logins[1]!) } },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud', 'ghcr.io': '', [DOCKER_HUB_KEY]: '' },
      proxies: { default: {} },
    });
    expect(mergeDockerConfig({ credHelpers: { 'ghcr.io': 'gh' } }, logins.slice(0, 1))).toEqual({ auths: { 'ghcr.io': { auth: authValue(logins[0]!) } }, credHelpers: { 'ghcr.io': '' } });
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
    expect(JSON.parse(await readFile(join(target, 'config.json'), 'utf8'))).toEqual({ auths: { 'quay.io': { auth: 'eA==' }, 'ghcr.io': { auth: authValue(logins[0]!) } } });
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

describe('errors → annotations', () => {
  it('located problems in gantry.yml, each with its continuation lines', () => {
    const stderr = 'gantry: retrying\ngantry: error: gantry.yml:4:5: images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)\ngantry.yml:7:9: images[0].tags: bad\n  more about it\n';
    expect(errorAnnotations(stderr)).toEqual([
      { file: 'gantry.yml', line: 4, column: 5, message: 'images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)' },
      { file: 'gantry.yml', line: 7, column: 9, message: 'images[0].tags: bad\n  more about it' },
    ]);
  });

  it('other errors: the text after the last gantry: error:', () => {
    expect(errorAnnotations('gantry: error: first\ngantry: error: cannot read the tags\n  pass --no-registry-check\n')).toEqual([{ message: 'cannot read the tags\n  pass --no-registry-check' }]);
    expect(errorAnnotations('gantry: internal error: boom\nrun again with --verbose\n')).toEqual([{ message: 'boom\nrun again with --verbose' }]);
    expect(errorAnnotations('Segmentation fault\n')).toBeUndefined();
  });
});

describe('build outputs: the records this run wrote', () => {
  const record = (image: string, platform: string, digest: string) => JSON.stringify({ schema: 'gantry.build.v1', image, platform, digest });

  it('names the artifact after the image and platform, and gives the digest of one platform', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'old-linux-amd64.json'), record('old', 'linux/amd64', 'sha256:0'));
    const before = await snapshotRecords(dir);
    await writeFile(join(dir, 'api-linux-arm-v7.json'), record('api', 'linux/arm/v7', 'sha256:1'));
    const written = await recordsWritten(dir, before);
    expect(buildOutputs(written)).toEqual({ artifact: 'gantry-records-api-linux-arm-v7', digest: 'sha256:1' });
    await writeFile(join(dir, 'api-linux-amd64.json'), record('api', 'linux/amd64', 'sha256:2'));
    expect(buildOutputs(await recordsWritten(dir, before))).toEqual({ artifact: 'gantry-records-api-linux-amd64_api-linux-arm-v7' });
    expect(buildOutputs([])).toEqual({});
    expect(await snapshotRecords(join(dir, 'missing'))).toEqual(new Map());
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

// A stand-in for gantry: reports its argv, cwd and docker config, writes a record for builds, and
// fails as told.
const FAKE_GANTRY = `
const fs = require('node:fs'), path = require('node:path');
const argv = process.argv.slice(1);
const dc = process.env.DOCKER_CONFIG;
fs.writeFileSync(process.env.FAKE_REPORT, JSON.stringify({ argv, cwd: process.cwd(), dockerConfigDir: dc, config: JSON.parse(fs.readFileSync(path.join(dc, 'config.json'), 'utf8')) }));
if (argv[0] === 'build') {
  const dir = argv[argv.indexOf('--record-dir') + 1];
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'api-linux-arm64.json'), JSON.stringify({ schema: 'gantry.build.v1', image: 'api', platform: 'linux/arm64', digest: 'sha256:abc' }));
}
if (process.env.FAKE_STDERR) process.stderr.write(process.env.FAKE_STDERR);
process.exit(Number(process.env.FAKE_EXIT || 0));
`;

async function runWith(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const dir = await tempDir();
  const report = join(dir, 'report.json');
  const { core, calls } = recorder(inputs);
  const home = await tempDir();
  let output = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (output += d.toString()));
  await runAction({
    core,
    env: { PATH: process.env.PATH, HOME: home, GITHUB_ACTOR: 'octo', FAKE_REPORT: report, ...env },
    cwd: dir,
    gantry: { command: process.execPath, args: ['-e', FAKE_GANTRY] },
    tmpDir: dir,
    stdout: sink,
    stderr: sink,
  });
  const got = await readFile(report, 'utf8').then((t) => JSON.parse(t) as { argv: string[]; cwd: string; dockerConfigDir: string; config: unknown }, () => undefined);
  return { calls, got, dir, output };
}

describe('runAction', () => {
  const TOKEN = 'ghs_s3cr3t_token_value';
  const HUB = 'dckr_pat_s3cr3t';

  it('runs gantry with the mapped argv in the workspace, credentials in a temporary DOCKER_CONFIG, secrets masked first and never printed', async () => {
    const { calls, got, dir } = await runWith({ command: 'publish', records: 'records', 'github-token': TOKEN, 'dockerhub-username': 'acme', 'dockerhub-token': HUB });
    expect(got?.argv).toEqual(['publish', '--records', 'records']);
    expect(got?.cwd).toBe(dir);
    expect(got?.config).toEqual({ auths: { 'ghcr.io': { auth: Buffer.from(`octo:${TOKEN}`).toString('base64') }, [DOCKER_HUB_KEY]: { auth: Buffer.from(`acme:${HUB}`).toString('base64') } } });
    // Removed afterwards.
    await expect(stat(got!.dockerConfigDir)).rejects.toMatchObject({ code: 'ENOENT' });
    const secrets = calls.filter((c) => c[0] === 'setSecret').map((c) => c[1]);
    expect(secrets).toEqual([TOKEN, HUB, Buffer.from(`octo:${TOKEN}`).toString('base64'), Buffer.from(`acme:${HUB}`).toString('base64')]);
    expect(calls.findIndex((c) => c[0] !== 'setSecret')).toBe(secrets.length); // masked before anything else
    const printed = JSON.stringify(calls.filter((c) => c[0] !== 'setSecret'));
    for (const s of secrets) expect(printed).not.toContain(s as string);
    expect(calls).toContainEqual(['info', 'registry credentials: ghcr.io as octo, docker.io as acme']);
    expect(calls.filter((c) => c[0] === 'startGroup' || c[0] === 'endGroup')).toEqual([['startGroup', 'gantry publish --records records'], ['endGroup']]);
    expect(calls.filter((c) => c[0] === 'setFailed' || c[0] === 'setOutput')).toEqual([]); // publish's outputs are gantry's own
  });

  it('keeps the runner\'s docker config (buildx builders) and adds to it', async () => {
    const docker = await tempDir();
    await mkdir(join(docker, 'buildx'));
    await writeFile(join(docker, 'config.json'), JSON.stringify({ auths: { 'quay.io': { auth: 'eA==' } } }));
    const { got } = await runWith({ command: 'plan', 'github-token': TOKEN }, { DOCKER_CONFIG: docker });
    expect(got?.config).toMatchObject({ auths: { 'quay.io': { auth: 'eA==' }, 'ghcr.io': {} } });
    expect(JSON.parse(await readFile(join(docker, 'config.json'), 'utf8'))).toEqual({ auths: { 'quay.io': { auth: 'eA==' } } }); // untouched
  });

  it('build: sets the artifact name and digest of the record it wrote', async () => {
    const { calls, got } = await runWith({ command: 'build', image: 'api', platform: 'linux/arm64', records: 'out/records' });
    expect(got?.argv).toEqual(['build', '--image', 'api', '--platform', 'linux/arm64', '--record-dir', 'out/records']);
    expect(got?.config).toEqual({ auths: {} });
    expect(calls.filter((c) => c[0] === 'setOutput')).toEqual([['setOutput', 'artifact', 'gantry-records-api-linux-arm64'], ['setOutput', 'digest', 'sha256:abc']]);
  });

  it('a gantry.yml mistake: an annotation on its line, and the step fails with the exit code explained', async () => {
    const stderr = 'gantry: error: gantry.yml:4:5: images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)\n';
    const { calls } = await runWith({ command: 'plan' }, { FAKE_STDERR: stderr, FAKE_EXIT: '2' });
    expect(calls.filter((c) => c[0] === 'error' || c[0] === 'setFailed')).toEqual([
      ['error', 'images[0].platfroms: unknown key "platfroms" (did you mean "platforms"?)', { title: 'gantry plan', file: 'gantry.yml', startLine: 4, startColumn: 5 }],
      ['setFailed', 'gantry plan failed (exit code 2: usage or input error): 1 problem in gantry.yml'],
    ]);
  });

  it('gantry\'s own output reaches the log (stdout and stderr)', async () => {
    const { output } = await runWith({ command: 'plan' }, { FAKE_STDERR: 'gantry: note\n' });
    expect(output).toBe('gantry: note\n');
  });

  it('a refusal and a crash', async () => {
    const refused = await runWith({ command: 'publish' }, { FAKE_STDERR: 'gantry: error: api: gate maxSize refused: 300 MB over the budget\n', FAKE_EXIT: '3' });
    expect(refused.calls.filter((c) => c[0] === 'setFailed')).toEqual([['setFailed', 'gantry publish failed (exit code 3: refused by a gate or verification): api: gate maxSize refused: 300 MB over the budget']]);
    const crash = await runWith({ command: 'plan' }, { FAKE_STDERR: 'killed\n', FAKE_EXIT: '137' });
    expect(crash.calls.filter((c) => c[0] === 'setFailed')).toEqual([['setFailed', 'gantry plan failed (exit code 137); see the log above']]);
  });

  it('bad inputs fail before gantry runs; warnings for unused inputs', async () => {
    const bad = await runWith({ command: 'release' });
    expect(bad.got).toBeUndefined();
    expect(bad.calls).toEqual([['setFailed', 'input command must be one of plan, build, publish, verify, not "release"']]);
    const unused = await runWith({ command: 'plan', platform: 'linux/amd64' });
    expect(unused.calls).toContainEqual(['warning', 'input platform is not used by the plan command; ignored']);
  });
});
