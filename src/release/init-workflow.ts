// The GitHub release workflow for a repository's gantry.yml, written where GitHub reads it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GANTRY_ACTION_PLACEHOLDER, RELEASE_TRIGGERS, releaseWorkflow, WORKFLOW_FILE, type ReleaseTrigger } from '../github/workflow.js';
import { ACTION_REFERENCE_RE } from '../plan/config/schema.js';
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
  /** The gantry Action, OWNER/REPO@REF (default: gantry.yml's ci.action, else a placeholder). */
  readonly action?: string | undefined;
  /** What starts a release: `release`, `tag-push` or both, comma-separated (default `release`). */
  readonly on?: string | undefined;
}

/** The release workflow's text, its path, and the images it releases. */
export interface ReleaseWorkflow {
  readonly path: string;
  readonly text: string;
  readonly reusable: boolean;
  readonly action: string;
  /** No Action reference was given: the workflow says {@link GANTRY_ACTION_PLACEHOLDER}, which must be set before committing. */
  readonly placeholder: boolean;
  /** What starts a release (the reusable workflow: its caller). */
  readonly on: readonly ReleaseTrigger[];
  readonly images: readonly string[];
  /** What the user must do before committing the workflow (the placeholder), for stderr. */
  readonly warnings: readonly string[];
}

/** Makes the release workflow of the repository at `cwd`. */
export async function makeReleaseWorkflow(o: WorkflowOptions): Promise<ReleaseWorkflow> {
  const { config, path } = await loadConfig(o.cwd, o, o.env);
  const configPath = path === undefined ? undefined : workflowPath(o.cwd, path);
  const reusable = o.reusable ?? false;
  const action = o.action !== undefined ? parseAction(o.action) : config.ci?.action;
  const on = parseTriggers(o.on ?? 'release');
  const text = releaseWorkflow(config, {
    reusable,
    on,
    ...(configPath !== undefined ? { configPath } : {}),
    ...(action !== undefined ? { action } : {}),
  });
  return {
    path: WORKFLOW_FILE,
    text,
    reusable,
    action: action ?? GANTRY_ACTION_PLACEHOLDER,
    placeholder: action === undefined,
    on,
    images: config.images.map((i) => i.name),
    warnings: action === undefined ? [ACTION_PLACEHOLDER_WARNING] : [],
  };
}

/** What a user should be told when the workflow's Action reference is the placeholder. */
const ACTION_PLACEHOLDER_WARNING = `the workflow uses ${GANTRY_ACTION_PLACEHOLDER}, a placeholder: set the gantry Action before committing it, with --action OWNER/REPO@REF (the repository that holds gantry's action.yml, at a tag or commit) or ci.action in gantry.yml, then run gantry init github --force`;

function parseAction(action: string): string {
  if (ACTION_REFERENCE_RE.test(action)) return action;
  throw new ReleaseError(
    'USAGE',
    `--action ${JSON.stringify(action)}: expected OWNER/REPO@REF as a workflow's uses: takes it, e.g. acme/gantry@v1 or acme/gantry@<commit SHA>`,
    { userError: true },
  );
}

function parseTriggers(on: string): ReleaseTrigger[] {
  const names = on.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(RELEASE_TRIGGERS as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) {
    throw new ReleaseError(
      'USAGE',
      `--on ${on}: expected ${RELEASE_TRIGGERS.join(', ')} or both (release,tag-push); release (the default) runs once per published release, tag-push once per pushed v* tag`,
      { userError: true },
    );
  }
  return RELEASE_TRIGGERS.filter((t) => names.includes(t));
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
