// The gantry Action's entry point (action.yml: runs.main = dist-action/index.js, the bundle of this
// file). gantry itself is bundled next to it as dist-action/cli.js and runs as a child process.
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { runAction } from './run.js';

try {
  await runAction({
    core,
    env: process.env,
    cwd: process.cwd(),
    gantry: { command: process.execPath, args: [fileURLToPath(new URL('./cli.js', import.meta.url))] },
    tmpDir: process.env.RUNNER_TEMP || tmpdir(),
  });
} catch (e) {
  core.setFailed(`gantry Action: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}
