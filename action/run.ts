// One step of the gantry Action: inputs → registry credentials in a temporary DOCKER_CONFIG → the
// release library, in this process → outputs, step summary, annotations. Errors arrive typed, so a
// gantry.yml mistake annotates its line without any text being parsed.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as Core from '@actions/core';
import { writeStepSummary, type Env } from '../src/index.js';
import { failureOf } from './annotations.js';
import { formatArgv, gantryArgv } from './argv.js';
import { authValue, registryLogins, writeDockerConfig } from './docker-config.js';
import { InputError, readInputs } from './inputs.js';
import { parseStepArgv } from './step-options.js';
import { runStep } from './steps.js';

/** The parts of @actions/core the Action uses (a recorder in unit tests). */
export type ActionCore = Pick<
  typeof Core,
  'getInput' | 'setOutput' | 'setSecret' | 'setFailed' | 'startGroup' | 'endGroup' | 'info' | 'warning' | 'error'
>;

export interface ActionDeps {
  readonly core: ActionCore;
  readonly env: Env;
  /** The workspace: the release is read from here. */
  readonly cwd: string;
  /** Where the temporary docker config and scratch files go (RUNNER_TEMP in Actions). */
  readonly tmpDir: string;
}

/** Runs one Action step; failures are reported through `core`. Throws only on a bug. */
export async function runAction(d: ActionDeps): Promise<void> {
  const { core } = d;
  let parsed;
  let step;
  try {
    parsed = readInputs((name) => core.getInput(name));
    step = parseStepArgv(gantryArgv(parsed.inputs));
  } catch (e) {
    if (e instanceof InputError) return core.setFailed(e.message);
    throw e;
  }
  const { inputs, warnings } = parsed;
  const { logins, warnings: loginWarnings } = registryLogins(inputs, d.env['GITHUB_ACTOR']);
  // Masked before anything is printed: the tokens, and the base64 forms written to config.json.
  for (const s of [inputs.githubToken, inputs.dockerhubToken, ...logins.map(authValue)]) if (s !== '') core.setSecret(s);
  for (const w of [...warnings, ...loginWarnings]) core.warning(w);

  const dockerConfig = await mkdtemp(join(d.tmpDir, 'gantry-docker-'));
  try {
    const source = d.env['DOCKER_CONFIG'] || join(d.env['HOME'] || homedir(), '.docker');
    for (const w of await writeDockerConfig(source, dockerConfig, logins)) core.warning(w);
    core.info(
      logins.length > 0
        ? `registry credentials: ${logins.map((l) => `${l.host} as ${l.username}`).join(', ')}`
        : "registry credentials: none from inputs (the runner's docker config only)",
    );

    const verbose = step.flags['verbose'] === true;
    const connection = {
      env: { ...d.env, DOCKER_CONFIG: dockerConfig },
      insecureRegistries: (step.flags['insecure-registry'] as readonly string[] | undefined) ?? [],
      caFiles: (step.flags['ca-file'] as readonly string[] | undefined) ?? [],
      log: (line: string) => {
        if (verbose || !line.includes('retrying')) core.info(`gantry: ${line}`);
      },
    };
    core.startGroup(`gantry ${formatArgv(gantryArgv(inputs))}`);
    let result;
    try {
      result = await runStep(step.command, step.flags, step.positionals, { cwd: d.cwd, connection, tmpDir: d.tmpDir });
      core.info(result.log);
    } catch (e) {
      const failure = failureOf(inputs.command, e);
      if (failure === undefined) throw e;
      core.endGroup();
      for (const a of failure.annotations) {
        core.error(a.message, {
          title: `gantry ${inputs.command}`,
          ...(a.file !== undefined ? { file: a.file, startLine: a.line!, startColumn: a.column! } : {}),
        });
      }
      return core.setFailed(failure.message);
    }
    core.endGroup();
    for (const [k, v] of Object.entries(result.outputs)) core.setOutput(k, v);
    if (result.summary !== undefined) await writeStepSummary(d.env['GITHUB_STEP_SUMMARY'], result.summary);
    if (result.refused !== undefined)
      core.setFailed(`gantry ${inputs.command} failed (refused by a gate or verification): ${result.refused}`);
  } finally {
    await rm(dockerConfig, { recursive: true, force: true });
  }
}
