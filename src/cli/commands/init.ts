import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { GANTRY_ACTION, releaseWorkflow, WORKFLOW_FILE } from '../../github/workflow.js';
import { GantryError } from '../../oci/errors.js';
import type { GlobalOptions } from '../clients.js';
import { printJson } from '../output.js';
import { loadConfig } from '../../release/inputs.js';
import { run } from '../run.js';

interface InitGitHubFlags extends GlobalOptions {
  config?: string;
  reusable?: boolean;
  force?: boolean;
  stdout?: boolean;
}

export function registerInit(program: Command): void {
  const init = program.command('init').description('write CI configuration for gantry');
  init
    .command('github')
    .description(`write ${WORKFLOW_FILE}: plan → build each platform on a native runner → publish by digest (run it at the repository root)`)
    .option('--config <file>', 'gantry.yml to read (default: ./gantry.yml, else defaults)')
    .option('--reusable', 'write a reusable workflow (on: workflow_call) that repositories of an organisation share')
    .option('--force', 'overwrite an existing workflow file')
    .option('--stdout', 'print the workflow instead of writing it')
    .action((_flags: unknown, cmd: Command) => run(cmd, (flags: InitGitHubFlags) => initGitHub(process.cwd(), flags)));
  init.exitOverride();
  for (const c of init.commands) c.exitOverride();
}

async function initGitHub(cwd: string, flags: InitGitHubFlags): Promise<void> {
  const { config, path } = await loadConfig(cwd, flags, process.env);
  const configPath = path === undefined ? undefined : workflowPath(cwd, path);
  const text = releaseWorkflow(config, { reusable: flags.reusable ?? false, ...(configPath !== undefined ? { configPath } : {}) });
  if (flags.stdout) {
    process.stdout.write(text);
    return;
  }
  const file = join(cwd, WORKFLOW_FILE);
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, text, { flag: flags.force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new GantryError('WORKFLOW_EXISTS', `${WORKFLOW_FILE} already exists; left it unchanged. Pass --force to overwrite it, or --stdout to compare`, { userError: true });
  }
  if (flags.json) {
    printJson({ path: WORKFLOW_FILE, reusable: flags.reusable ?? false, action: GANTRY_ACTION, images: config.images.map((i) => i.name) });
    return;
  }
  const images = config.images.map((i) => i.name).join(', ');
  process.stdout.write(
    [
      `wrote ${WORKFLOW_FILE}${flags.reusable ? ' (reusable: on workflow_call)' : ''} for ${images}:`,
      '  plan → build (one job per image and platform, native runners) → publish by digest, tags last',
      `  uses the Action ${GANTRY_ACTION}; commit the file to release on every published release or v* tag`,
      '',
    ].join('\n'),
  );
}

/** gantry.yml's path as the workflow names it: relative to the repository root (here), with "/". */
function workflowPath(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new GantryError('USAGE', `--config ${path} is outside ${cwd}: run gantry init github at the root of the repository that holds it`, { userError: true });
  }
  return rel.split(sep).join('/');
}
