import { fileURLToPath } from 'node:url';
import { runInGroup, type RunResult } from './run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// tsx's loader by absolute URL, so the CLI runs from any working directory.
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/**
 * How long one CLI run may take by default. Below the integration tests' timeout
 * (vitest.config.ts), so a hung run is reported as itself, with its output, and not as a test
 * that timed out.
 */
export const CLI_TIMEOUT_MS = 150_000;

/**
 * Variables of the test process that would change what the CLI does, so a run never inherits
 * them (a test that wants one passes it in `env`): being inside a GitHub Actions job, credentials.
 */
const INHERITED_NOT = /^(GITHUB_|RUNNER_|ACTIONS_|DOCKER_METADATA_|DOCKER_AUTH_CONFIG$|REGISTRY_AUTH_FILE$|GANTRY_|SOURCE_DATE_EPOCH$)/;

export interface CliOptions {
  /** Added to (and overriding) the test process's environment. */
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  cwd?: string;
  /** Kill the run (and everything it started) after this long; default {@link CLI_TIMEOUT_MS}. */
  timeoutMs?: number;
}

export interface CliResult extends RunResult {
  /** gantry's arguments. */
  readonly args: readonly string[];
  /** The variables this run had set differently from the test process. */
  readonly env: Readonly<Record<string, string>>;
}

/** The test process's environment without {@link INHERITED_NOT}, with `extra` on top. */
function cliEnv(extra: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_NOT.test(k)) env[k] = v;
  env.DOCKER_CONFIG = '/nonexistent-gantry-test'; // no credentials of the machine
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs the gantry CLI from source as a separate process (a real user's invocation). */
export async function gantry(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const env = cliEnv(opts.env ?? {});
  const r = await runInGroup([process.execPath, '--import', TSX, MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    timeoutMs: opts.timeoutMs ?? CLI_TIMEOUT_MS,
    ...(opts.stdin !== undefined && { stdin: opts.stdin }),
  });
  return { ...r, args, env: Object.fromEntries(Object.entries(env).filter(([k, v]) => process.env[k] !== v)) };
}
