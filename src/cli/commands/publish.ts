import type { Command } from 'commander';
import {
  formatPublishResult,
  planRelease,
  publishOutputs,
  publishRelease,
  publishSummary,
  writeGitHubOutputs,
  writeStepSummary,
} from '../../release/index.js';
import { printJson, printText } from '../output.js';
import { ProgressDisplay } from '../progress.js';
import { addReleaseOptions, releaseOptions, type ReleaseFlags } from '../release-options.js';
import { run } from '../run.js';

interface PublishFlags extends ReleaseFlags {
  readonly records?: string;
  readonly dryRun?: boolean;
}

export function registerPublish(program: Command): void {
  addReleaseOptions(program.command('publish'))
    .description(
      'fan in the per-platform builds, make one multi-arch index per image, copy it to every repository, pass the gates, and only then move the tags',
    )
    .option(
      '--records <dir>',
      'digest records written by `gantry build` on other machines (without it, every platform is built here first)',
    )
    .option('--dry-run', 'print exactly what would be pushed and tagged; touch nothing')
    .action((_flags: unknown, cmd: Command) =>
      run(cmd, async (flags: PublishFlags) => {
        const options = await releaseOptions(process.cwd(), flags);
        const release = await planRelease(options);
        const progress = process.stderr.isTTY && !flags.json ? new ProgressDisplay(process.stderr) : undefined;
        try {
          const result = await publishRelease(release, {
            ...options,
            records: flags.records,
            dryRun: flags.dryRun ?? false,
            onCopyEvent: progress?.onEvent,
            progress: (line) => process.stderr.write(`${line}\n`),
          });
          progress?.finish();
          if (flags.json) printJson(result);
          else printText(formatPublishResult(result));
          await writeGitHubOutputs(process.env.GITHUB_OUTPUT, publishOutputs(result));
          await writeStepSummary(process.env.GITHUB_STEP_SUMMARY, publishSummary(result));
        } finally {
          progress?.finish();
        }
      }),
    );
}
