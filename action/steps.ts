// One Action step per gantry command, in this process: the flags of the step's command line become
// the library's options, the library's results become step outputs, a summary and log lines.
import {
  buildPlatforms,
  formatPlan,
  planBuild,
  formatPublishResult,
  formatRecords,
  anonymousEnv,
  formatVerifyReport,
  parseLabelRequirements,
  parsePlatformList,
  planOutputs,
  planRelease,
  planSummary,
  publishOutputs,
  publishRelease,
  PublishRefused,
  publishSummary,
  RECORDS_ARTIFACT_PREFIX,
  verifyImage,
  type ConnectionOptions,
  type LatestMode,
  type ReleaseOptions,
} from '../src/index.js';
import { DEFAULT_RECORD_DIR } from './argv.js';
import type { GantryCommand } from './inputs.js';
import { flag, list, text, type StepFlags } from './step-options.js';

/** What a step produced: outputs, Markdown for the step summary, text for the log, and whether it refused. */
export interface StepResult {
  readonly outputs: Readonly<Record<string, string>>;
  readonly summary?: string;
  readonly log: string;
  /** A verification or a gate refused (the step fails, as `gantry verify` and `gantry publish` exit 3). */
  readonly refused?: string;
}

export interface StepContext {
  readonly cwd: string;
  readonly connection: ConnectionOptions;
  readonly tmpDir: string;
}

/** Runs the step of `command`. */
export async function runStep(
  command: GantryCommand,
  flags: StepFlags,
  positionals: readonly string[],
  ctx: StepContext,
): Promise<StepResult> {
  switch (command) {
    case 'plan': {
      // The plan job's matrix is what the build jobs run: a missing Dockerfile fails here, not in every build job.
      const { plan } = await planRelease({ ...releaseOptions(flags, ctx), checkDockerfiles: true });
      return { outputs: planOutputs(plan), summary: planSummary(plan), log: formatPlan(plan) };
    }
    case 'build': {
      const options = releaseOptions(flags, ctx);
      const recordDir = text(flags, 'record-dir') ?? DEFAULT_RECORD_DIR;
      const { records } = await buildPlatforms(await planBuild(options), {
        ...options,
        images: list(flags, 'image'),
        platforms: list(flags, 'platform'),
        to: text(flags, 'to'),
        recordDir,
        tmpDir: ctx.tmpDir,
      });
      return { outputs: buildOutputs(records), log: formatRecords(records, recordDir) };
    }
    case 'publish': {
      const options = releaseOptions(flags, ctx);
      try {
        const result = await publishRelease(await planRelease(options), {
          ...options,
          records: text(flags, 'records'),
          dryRun: flag(flags, 'dry-run'),
          overwriteRelease: flag(flags, 'overwrite-release'),
          tmpDir: ctx.tmpDir,
        });
        return { outputs: publishOutputs(result), summary: publishSummary(result), log: formatPublishResult(result) };
      } catch (e) {
        // A refused release still has outputs and a summary: the gates and what would have moved.
        if (!(e instanceof PublishRefused)) throw e;
        return {
          outputs: publishOutputs(e.result),
          summary: publishSummary(e.result),
          log: formatPublishResult(e.result),
          refused: e.message,
        };
      }
    }
    case 'verify': {
      const ref = positionals[0]!;
      const anonymous = flag(flags, 'anonymous');
      const report = await verifyImage(ref, {
        ...ctx.connection,
        env: anonymous ? anonymousEnv(ctx.connection.env) : ctx.connection.env,
        platforms: parsePlatformList(text(flags, 'platforms')),
        labels: parseLabelRequirements(list(flags, 'label')),
        anonymous,
      });
      const failed = report.checks.filter((c) => !c.passed).map((c) => `${c.check}: ${c.detail}`);
      return {
        outputs: { digest: report.digest },
        log: formatVerifyReport(ref, report, anonymous),
        ...(report.passed ? {} : { refused: `${ref}: ${failed.join('; ')}` }),
      };
    }
  }
}

function releaseOptions(flags: StepFlags, ctx: StepContext): ReleaseOptions {
  return {
    ...ctx.connection,
    cwd: ctx.cwd,
    config: text(flags, 'config'),
    version: text(flags, 'version'),
    ref: text(flags, 'ref'),
    sha: text(flags, 'sha'),
    latest: text(flags, 'latest') as LatestMode | undefined,
    registryCheck: !flag(flags, 'no-registry-check'),
  };
}

/** Step outputs of a build: `artifact` (`gantry-records-<image>-<os>-<arch>`, several joined by `_`) and, for one platform, `digest`. */
export function buildOutputs(
  records: readonly { readonly image: string; readonly platform: string; readonly digest: string }[],
): Record<string, string> {
  if (records.length === 0) return {};
  const stems = records.map((r) => `${r.image}-${r.platform.replace(/\//g, '-')}`).sort();
  return { artifact: `${RECORDS_ARTIFACT_PREFIX}${stems.join('_')}`, ...(records.length === 1 ? { digest: records[0]!.digest } : {}) };
}
