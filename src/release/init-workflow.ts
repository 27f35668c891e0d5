// The GitHub release workflow for a repository's gantry.yml, written where GitHub reads it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GANTRY_ACTION, releaseWorkflow, WORKFLOW_FILE } from '../github/workflow.js';
import type { Env } from './connection.js';
import { ReleaseError } from './errors.js';
import { loadConfig } from './inputs.js';

export interface WorkflowOptions {
  /** The repository root. */
  readonly cwd: string;
  readonly env: Env;
  /** gantry.yml (default ./gantry.yml, else defaults). */
  readonly config?: string | undefined;
  /** A reusable workflow (on: workflow_call). */
  readonly reusable?: boolean | undefined;
}

/** The release workflow's text, its path, and the images it releases. */
export interface ReleaseWorkflow {
  readonly path: string;
  readonly text: string;
  readonly reusable: boolean;
  readonly action: string;
  readonly images: readonly string[];
}

/** Makes the release workflow of the repository at `cwd`. */
export async function makeReleaseWorkflow(o: WorkflowOptions): Promise<ReleaseWorkflow> {
  const { config, path } = await loadConfig(o.cwd, o, o.env);
  const configPath = path === undefined ? undefined : workflowPath(o.cwd, path);
  const reusable = o.reusable ?? false;
  const text = releaseWorkflow(config, { reusable, ...(configPath !== undefined ? { configPath } : {}) });
  return { path: WORKFLOW_FILE, text, reusable, action: GANTRY_ACTION, images: config.images.map((i) => i.name) };
}

/** Writes the workflow under `cwd`; an existing file is kept unless `force`. */
export async function writeReleaseWorkflow(cwd: string, w: ReleaseWorkflow, force: boolean): Promise<void> {
  const file = join(cwd, w.path);
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, w.text, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new ReleaseError(
      'WORKFLOW_EXISTS',
      `${w.path} already exists; left it unchanged. Pass --force to overwrite it, or --stdout to compare`,
      { userError: true },
    );
  }
}

/** gantry.yml's path as the workflow names it: relative to the repository root (here), with "/". */
function workflowPath(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ReleaseError(
      'USAGE',
      `--config ${path} is outside ${cwd}: run gantry init github at the root of the repository that holds it`,
      { userError: true },
    );
  }
  return rel.split(sep).join('/');
}
