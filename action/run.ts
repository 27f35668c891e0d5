// One step of the gantry Action: inputs → registry credentials in a temporary DOCKER_CONFIG →
// the bundled gantry CLI as a child process (its output streams into the log, inside a group) →
// outputs and annotations. gantry itself writes $GITHUB_OUTPUT and the step summary for plan and
// publish; the Action adds only what gantry does not write (a build's artifact name and digest).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as Core from '@actions/core';
import { errorAnnotations } from './annotations.js';
import { formatArgv, gantryArgv, recordDir } from './argv.js';
import { authValue, registryLogins, writeDockerConfig } from './docker-config.js';
import { InputError, readInputs } from './inputs.js';
import { buildOutputs, recordsWritten, snapshotRecords } from './records.js';

/** The parts of @actions/core the Action uses (a fake in unit tests). */
export type ActionCore = Pick<typeof Core, 'getInput' | 'setOutput' | 'setSecret' | 'setFailed' | 'startGroup' | 'endGroup' | 'info' | 'warning' | 'error'>;

export interface ActionDeps {
  readonly core: ActionCore;
  readonly env: NodeJS.ProcessEnv;
  /** The workspace: gantry runs here. */
  readonly cwd: string;
  /** How to start gantry: `process.execPath` and the bundled CLI's path. */
  readonly gantry: { readonly command: string; readonly args: readonly string[] };
  /** Where the temporary docker config goes (RUNNER_TEMP in Actions). */
  readonly tmpDir: string;
  /** Where gantry's output goes; default this process's stdout and stderr (the step's log). */
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/** Exit codes of gantry (DESIGN.md): 2 usage or input error, 3 a gate or verification refused. */
const EXIT_MEANING: Readonly<Record<number, string>> = { 2: 'usage or input error', 3: 'refused by a gate or verification' };

/** Runs one Action step; failures are reported through `core` (never thrown). */
export async function runAction(d: ActionDeps): Promise<void> {
  const { core } = d;
  let parsed;
  try {
    parsed = readInputs((name) => core.getInput(name));
  } catch (e) {
    if (e instanceof InputError) return core.setFailed(e.message);
    throw e;
  }
  const { inputs, warnings } = parsed;
  const { logins, warnings: loginWarnings } = registryLogins(inputs, d.env.GITHUB_ACTOR);
  // Masked before anything is printed: the tokens, and the base64 forms written to config.json.
  for (const s of [inputs.githubToken, inputs.dockerhubToken, ...logins.map(authValue)]) if (s !== '') core.setSecret(s);
  for (const w of [...warnings, ...loginWarnings]) core.warning(w);

  const dockerConfig = await mkdtemp(join(d.tmpDir, 'gantry-docker-'));
  try {
    const source = d.env.DOCKER_CONFIG || join(d.env.HOME || homedir(), '.docker');
    for (const w of await writeDockerConfig(source, dockerConfig, logins)) core.warning(w);
    core.info(logins.length > 0 ? `registry credentials: ${logins.map((l) => `${l.host} as ${l.username}`).join(', ')}` : 'registry credentials: none from inputs (the runner\'s docker config only)');

    const argv = gantryArgv(inputs);
    const records = inputs.command === 'build' ? resolve(d.cwd, recordDir(inputs)) : undefined;
    const before = records !== undefined ? await snapshotRecords(records) : undefined;
    core.startGroup(`gantry ${formatArgv(argv)}`);
    let result: { code: number; stderr: string };
    try {
      result = await runGantry(d, argv, { ...d.env, DOCKER_CONFIG: dockerConfig });
    } finally {
      core.endGroup();
    }
    if (result.code !== 0) return fail(core, inputs.command, result);
    if (records !== undefined && before !== undefined) {
      const outputs = buildOutputs(await recordsWritten(records, before));
      for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v);
    }
  } finally {
    await rm(dockerConfig, { recursive: true, force: true });
  }
}

function fail(core: ActionCore, command: string, r: { code: number; stderr: string }): void {
  const meaning = EXIT_MEANING[r.code];
  const headline = `gantry ${command} failed (exit code ${r.code}${meaning ? `: ${meaning}` : ''})`;
  const annotations = errorAnnotations(r.stderr);
  if (annotations === undefined) return core.setFailed(`${headline}; see the log above`);
  const located = annotations.filter((a) => a.file !== undefined);
  for (const a of located) core.error(a.message, { title: `gantry ${command}`, file: a.file!, startLine: a.line!, startColumn: a.column! });
  const rest = annotations.filter((a) => a.file === undefined).map((a) => a.message);
  core.setFailed(rest.length > 0 ? `${headline}: ${rest.join('\n')}` : `${headline}: ${located.length} problem${located.length === 1 ? '' : 's'} in ${located[0]!.file}`);
}

/** Runs gantry with its output streamed to the log, the tail of stderr kept for the annotations. */
function runGantry(d: ActionDeps, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(d.gantry.command, [...d.gantry.args, ...argv], { cwd: d.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = d.stdout ?? process.stdout;
    const err = d.stderr ?? process.stderr;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err.write(chunk);
      stderr = (stderr + chunk.toString('utf8')).slice(-65_536);
    });
    child.on('error', (e) => done({ code: 1, stderr: `${stderr}gantry: error: cannot start gantry (${d.gantry.command}): ${e.message}\n` }));
    child.on('close', (code, signal) => done({ code: code ?? 1, stderr: signal ? `${stderr}gantry: error: gantry was stopped by ${signal}\n` : stderr }));
  });
}
