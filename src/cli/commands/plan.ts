import type { Command } from 'commander';
import {
  formatPlan,
  planMatrix,
  planOutputs,
  planRelease,
  planSummary,
  writeGitHubOutputs,
  writeStepSummary,
} from '../../release/index.js';
import { printJson, printText } from '../output.js';
import { addReleaseOptions, releaseOptions, type ReleaseFlags } from '../release-options.js';
import { run } from '../run.js';

interface PlanFlags extends ReleaseFlags {
  readonly matrix?: boolean;
}

export function registerPlan(program: Command): void {
  addReleaseOptions(program.command('plan'))
    .description('compute every tag, label and annotation of every image, and the build matrix, from the CI context or git')
    .option('--matrix', 'print the fan-out matrix [{image, platform, runner, dockerfile}] as JSON')
    .action((_flags: unknown, cmd: Command) =>
      run(cmd, async (flags: PlanFlags) => {
        const { plan } = await planRelease({ ...(await releaseOptions(process.cwd(), flags)), checkDockerfiles: flags.matrix === true });
        if (flags.matrix) printJson(planMatrix(plan));
        else if (flags.json) printJson(plan);
        else printText(formatPlan(plan));
        await writeGitHubOutputs(process.env.GITHUB_OUTPUT, planOutputs(plan));
        await writeStepSummary(process.env.GITHUB_STEP_SUMMARY, planSummary(plan));
      }),
    );
}
