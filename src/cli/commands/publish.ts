import type { Command } from 'commander';
import {
  formatPublishResult,
  planRelease,
  publishOutputs,
  publishRelease,
  publishSummary,
  PublishRefused,
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
  readonly overwriteRelease?: boolean;
}

export function registerPublish(program: Command): void {
  addReleaseOptions(program.command('publish'))
    .description(
      'fan in the per-platform builds, make one multi-arch index per image, copy it to every repository, pass the gates, and only then move the tags',
    )
    .option(
      '--records <dir>',
      'digest records written by `gantry build` on other machines (without it: the records `gantry build` left in .gantry/records for this revision, else every platform is built here first)',
    )
    .option('--dry-run', 'print exactly what would be pushed and tagged; touch nothing')
    .option(
      '--overwrite-release',
      'move version tags (1.2.3, v1.2.3) that already name other content: overwrite a published release (logged, and in the step summary); without it such a release is refused, exit 3',
    )
    .action((_flags: unknown, cmd: Command) =>
      run(cmd, async (flags: PublishFlags) => {
        const options = await releaseOptions(process.cwd(), flags);
        const release = await planRelease(options);
        const progress = process.stderr.isTTY && !flags.json ? new ProgressDisplay(process.stderr) : undefined;
        try {
          let result;
          try {
            result = await publishRelease(release, {
              ...options,
              records: flags.records,
              dryRun: flags.dryRun ?? false,
              overwriteRelease: flags.overwriteRelease ?? false,
              onCopyEvent: progress?.onEvent,
              progress: (line) => process.stderr.write(`${line}\n`),
            });
          } catch (e) {
            // A refusal still has a result: the gates and what would have moved (exit 3 follows).
            if (!(e instanceof PublishRefused)) throw e;
            progress?.finish();
            if (flags.json) printJson(e.result);
            await writeGitHubOutputs(process.env.GITHUB_OUTPUT, publishOutputs(e.result));
            await writeStepSummary(process.env.GITHUB_STEP_SUMMARY, publishSummary(e.result));
            throw e;
          }
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
