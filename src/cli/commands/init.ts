import type { Command } from 'commander';
import { makeReleaseWorkflow, WORKFLOW_FILE, writeReleaseWorkflow } from '../../release/index.js';
import type { GlobalOptions } from '../connection-flags.js';
import { printJson } from '../output.js';
import { run } from '../run.js';

interface InitGitHubFlags extends GlobalOptions {
  readonly config?: string;
  readonly reusable?: boolean;
  readonly force?: boolean;
  readonly stdout?: boolean;
  readonly action?: string;
  readonly on?: string;
}

export function registerInit(program: Command): void {
  const init = program.command('init').description('write CI configuration for gantry');
  init
    .command('github')
    .description(
      `write ${WORKFLOW_FILE}: plan → build each platform on a native runner → publish by digest (run it at the repository root)`,
    )
    .option('--config <file>', 'gantry.yml to read (default: ./gantry.yml, else defaults)')
    .option(
      '--action <OWNER/REPO@REF>',
      "the gantry Action the workflow uses: the repository holding gantry's action.yml, at a tag or commit (default: ci.action in gantry.yml; without either, a placeholder you must set before committing)",
    )
    .option(
      '--on <triggers>',
      'what starts a release: release (a published GitHub release, the default), tag-push (a pushed v* tag), or release,tag-push; workflow_dispatch is always there',
    )
    .option('--reusable', 'write a reusable workflow (on: workflow_call) that repositories of an organisation share')
    .option('--force', 'overwrite an existing workflow file')
    .option('--stdout', 'print the workflow instead of writing it')
    .action((_flags: unknown, cmd: Command) =>
      run(cmd, async (flags: InitGitHubFlags) => {
        const cwd = process.cwd();
        const w = await makeReleaseWorkflow({
          cwd,
          env: process.env,
          config: flags.config,
          reusable: flags.reusable,
          action: flags.action,
          on: flags.on,
        });
        // Loud, on stderr, whatever the output: a workflow with the placeholder fails on GitHub.
        const warn = () => w.warnings.forEach((warning) => process.stderr.write(`gantry: warning: ${warning}\n`));
        if (flags.stdout) {
          warn();
          process.stdout.write(w.text);
          return;
        }
        await writeReleaseWorkflow(cwd, w, flags.force ?? false);
        warn();
        if (flags.json) {
          printJson({ path: w.path, reusable: w.reusable, action: w.action, placeholder: w.placeholder, on: w.on, images: w.images });
          return;
        }
        process.stdout.write(
          [
            `wrote ${w.path}${w.reusable ? ' (reusable: on workflow_call)' : ''} for ${w.images.join(', ')}:`,
            '  plan → build (one job per image and platform, native runners) → publish by digest, tags last',
            w.placeholder
              ? `  uses ${w.action}, a PLACEHOLDER: set the Action (--action OWNER/REPO@REF --force) before committing`
              : `  uses the Action ${w.action}; commit the file to release on every ${w.reusable ? 'call' : w.on.map((t) => (t === 'release' ? 'published release' : 'pushed v* tag')).join(' and ')}`,
            '',
          ].join('\n'),
        );
      }),
    );
  init.exitOverride();
  for (const c of init.commands) c.exitOverride();
}
