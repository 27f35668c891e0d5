import type { Command } from 'commander';
import { GantryError } from '../../oci/errors.js';
import { planMatrix, planRelease, type Plan } from '../../plan/release.js';
import type { LatestMode } from '../../plan/tags/index.js';
import { CliContext, type GlobalOptions } from '../clients.js';
import { cell, writeGitHubOutputs, writeStepSummary } from '../../github/step-output.js';
import { parseLocation } from '../../release/location.js';
import { printJson, table } from '../output.js';
import { loadConfig, loadContext, type ReleaseInputOptions } from '../../release/inputs.js';
import { hostsOf, run } from '../run.js';
import { addReleaseOptions } from '../release-options.js';
import { stat } from 'node:fs/promises';
import type { GantryConfig } from '../../plan/config/index.js';
import type { ReleaseContext } from '../../plan/release-context.js';

export interface PlanFlags extends GlobalOptions, ReleaseInputOptions {
  matrix?: boolean;
  latest?: string;
  registryCheck?: boolean;
}

export function registerPlan(program: Command): void {
  addReleaseOptions(program.command('plan'))
    .description('compute every tag, label and annotation of every image, and the build matrix, from the CI context or git')
    .option('--matrix', 'print the fan-out matrix [{image, platform, runner, dockerfile}] as JSON')
    .action((_flags: unknown, cmd: Command) =>
      run(cmd, async (flags: PlanFlags) => {
        const plan = await computePlan(process.cwd(), flags);
        if (flags.matrix) {
          printJson(planMatrix(plan));
        } else if (flags.json) {
          printJson(plan);
        } else {
          process.stdout.write(`${formatPlan(plan)}\n`);
        }
        await writeGitHubOutputs(process.env.GITHUB_OUTPUT, {
          version: plan.version ?? '',
          prerelease: String(plan.prerelease),
          tags: plan.images.flatMap((i) => i.tags).join('\n'),
          matrix: JSON.stringify({ include: planMatrix(plan) }),
          json: JSON.stringify(plan),
        });
        await writeStepSummary(process.env.GITHUB_STEP_SUMMARY, planSummary(plan));
      }),
    );
}

/** Reads config, context and the registry's tags, and plans. Shared by build and publish. */
export async function computePlan(cwd: string, flags: PlanFlags): Promise<Plan> {
  return (await computeRelease(cwd, flags)).plan;
}

/** The configuration, the context, and the plan made from them. */
export async function computeRelease(cwd: string, flags: PlanFlags): Promise<{ config: GantryConfig; configPath?: string | undefined; context: ReleaseContext; plan: Plan }> {
  const latest = flags.latest;
  if (latest !== undefined && !['auto', 'always', 'never'].includes(latest)) {
    throw new GantryError('USAGE', `--latest must be auto, always or never, not "${latest}"`, { userError: true });
  }
  const [{ config, path: configPath }, context] = await Promise.all([loadConfig(cwd, flags, process.env), loadContext(cwd, flags, process.env)]);
  let existingTags: Record<string, string[]> | undefined;
  if (flags.registryCheck !== false) {
    existingTags = {};
    const firsts = config.images.map((i) => parseLocation(i.repositories.find((r) => !r.optional)!.name));
    const cli = await CliContext.create(flags, hostsOf(firsts));
    try {
      for (const [n, image] of config.images.entries()) {
        const loc = firsts[n]!;
        try {
          existingTags[image.name] = loc.kind === 'layout' && !(await isDirectory(loc.path)) ? [] : await (await cli.store(loc)).listTags();
        } catch (e) {
          throw new GantryError(
            'REGISTRY_CHECK_FAILED',
            `cannot read the tags of ${loc.text} to decide floating tags: ${(e as Error).message}\n  pass --no-registry-check to plan without them (latest and X/X.Y then move as metadata-action would)`,
            { cause: e, userError: (e as { userError?: boolean }).userError ?? false },
          );
        }
      }
    } finally {
      await cli.close();
    }
  }
  const plan = planRelease(config, context, { ...(latest ? { latest: latest as LatestMode } : {}), ...(existingTags ? { existingTags } : {}) });
  return { config, configPath, context, plan };
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The plan for people: one block per image. */
export function formatPlan(plan: Plan): string {
  const out = [`version ${plan.version ?? '(none)'}${plan.prerelease ? ' (pre-release)' : ''}, revision ${plan.revision.slice(0, 12)}, created ${plan.created}`];
  for (const i of plan.images) {
    out.push('', `${i.name}${i.push ? '' : '  (not pushed)'}`);
    out.push(table([
      ['  repositories', i.repositories.map((r) => (i.optionalRepositories.includes(r) ? `${r} (optional)` : r)).join(', ')],
      ['  tags', i.tagNames.join(', ')],
      ['  platforms', i.builds.map((b) => `${b.platform} on ${b.runner}${b.dockerfile && b.dockerfile !== 'Dockerfile' ? ` (${b.dockerfile})` : ''}`).join(', ')],
    ]));
    for (const d of i.decisions) out.push(`  - ${d}`);
  }
  return out.join('\n');
}

function planSummary(plan: Plan): string {
  const rows = plan.images.map((i) => `| ${cell(i.name)} | ${cell(i.tagNames.join(', '))} | ${cell(i.platforms.join(', '))} | ${cell(i.repositories.join(', '))} |`);
  return [`### gantry plan: ${plan.version ?? plan.images[0]?.tagNames[0] ?? ''}`, '', '| image | tags | platforms | repositories |', '|---|---|---|---|', ...rows, ''].join('\n');
}
