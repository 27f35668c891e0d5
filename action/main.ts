// The gantry Action's entry point (action.yml: runs.main = dist-action/index.js, the bundle of this
// file with the gantry library): one step, run in this process.
import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import { runAction } from './run.js';

try {
  await runAction({ core, env: process.env, cwd: process.cwd(), tmpDir: process.env.RUNNER_TEMP || tmpdir() });
} catch (e) {
  core.setFailed(`gantry Action: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}
