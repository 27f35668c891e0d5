import type { Command } from 'commander';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GantryError } from '../../oci/errors.js';
import type { GantryConfig } from '../../plan/config/index.js';
import { planPublish, type BuiltPlatform } from '../../plan/publish-plan.js';
import { requiredLabelsGate, sizeGate, type Gate } from '../../publish/gates.js';
import { publish, type PublishResult } from '../../publish/publish.js';
import { CliContext } from '../clients.js';
import { cell, writeGitHubOutputs, writeStepSummary } from '../../github/step-output.js';
import { parseLocation } from '../../release/location.js';
import { printJson, table } from '../output.js';
import { formatBytes, ProgressDisplay } from '../progress.js';
import { hostsOf, run } from '../run.js';
import { addReleaseOptions } from '../release-options.js';
import { computeRelease, type PlanFlags } from './plan.js';

interface PublishFlags extends PlanFlags {
  records?: string;
  dryRun?: boolean;
}

export function registerPublish(program: Command): void {
  addReleaseOptions(program.command('publish'))
    .description('fan in the per-platform builds, make one multi-arch index per image, copy it to every repository, pass the gates, and only then move the tags')
    .option('--records <dir>', 'digest records written by `gantry build` on other machines (without it, every platform is built here first)')
    .option('--dry-run', 'print exactly what would be pushed and tagged; touch nothing')
    .action((_flags: unknown, cmd: Command) => run(cmd, (flags: PublishFlags) => publishCommand(process.cwd(), flags)));
}

async function publishCommand(cwd: string, flags: PublishFlags): Promise<void> {
  const release = await computeRelease(cwd, flags);
  const { config, configPath, plan } = release;
  const scratch = await mkdtemp(join(tmpdir(), 'gantry-publish-'));
  try {
    // Without records, every platform is built here first (single-machine mode); a dry run builds
    // into a throwaway OCI layout, so nothing outside this machine is touched.
    const records = flags.records
      ? await readRecords(resolve(cwd, flags.records))
      : await (await import('./build.js')).buildPlatforms(cwd, flags.dryRun ? { ...flags, to: `oci:${join(scratch, 'staging')}` } : flags, release, join(scratch, 'records'));
    // Layout repositories in gantry.yml are relative to it.
    const base = configPath ? dirname(configPath) : cwd;
    const locate = (r: string) => {
      const l = parseLocation(r);
      return l.kind === 'layout' ? { ...l, path: resolve(base, l.path) } : l;
    };
    const planned = planPublish(plan, records);
    const ctx = await CliContext.create(flags, hostsOf(planned.flatMap((p) => [...p.repositories, ...p.platforms.map((x) => x.repository)]).map(locate)));
    const progress = process.stderr.isTTY && !flags.json ? new ProgressDisplay(process.stderr) : undefined;
    try {
      const result = await publish(
        planned,
        { open: (r) => ctx.store(locate(r), true), hasCredentials: (r) => ctx.hasCredentials(locate(r)) },
        { gates: (image) => gatesFor(config, image), dryRun: flags.dryRun ?? false, log: ctx.log, onCopyEvent: progress?.onEvent },
      );
      progress?.finish();
      if (flags.json) printJson(result);
      else process.stdout.write(`${formatResult(result)}\n`);
      const refs = result.images.flatMap((i) => i.repositories.flatMap((r) => r.tags.map((t) => `${r.repository}:${t.tag}`)));
      await writeGitHubOutputs(process.env.GITHUB_OUTPUT, {
        digest: result.images[0]?.digest ?? '',
        tags: refs.join('\n'),
        refs: result.images.flatMap((i) => i.repositories.filter((r) => !r.skipped).map((r) => `${r.repository}@${i.digest}`)).join('\n'),
        json: JSON.stringify(result),
      });
      await writeStepSummary(process.env.GITHUB_STEP_SUMMARY, summary(result));
    } finally {
      progress?.finish();
      await ctx.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function gatesFor(config: GantryConfig, image: string): Gate[] {
  const spec = config.images.find((i) => i.name === image)?.gates;
  const gates: Gate[] = [];
  if (spec?.maxSize !== undefined) gates.push(sizeGate(spec.maxSize));
  if (spec?.requiredLabels.length) gates.push(requiredLabelsGate(spec.requiredLabels));
  return gates;
}

/** Reads every digest record under `dir` (and one level of subfolders, as CI artifact downloads lay them out). */
export async function readRecords(dir: string): Promise<BuiltPlatform[]> {
  const files: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    throw new GantryError('RECORDS_MISSING', `--records ${dir}: no such directory; download the build records (artifacts) there first`, { userError: true });
  }
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.json')) files.push(join(dir, e.name));
    else if (e.isDirectory()) for (const f of await readdir(join(dir, e.name))) if (f.endsWith('.json')) files.push(join(dir, e.name, f));
  }
  const records: BuiltPlatform[] = [];
  for (const f of files.sort()) {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(await readFile(f, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new GantryError('RECORD_INVALID', `${f}: not a JSON digest record (${(e as Error).message})`, { userError: true });
    }
    if (j.schema !== 'gantry.build.v1') {
      throw new GantryError('RECORD_INVALID', `${f}: not a gantry build record (schema ${JSON.stringify(j.schema)}, expected "gantry.build.v1")`, { userError: true });
    }
    for (const k of ['image', 'platform', 'digest', 'mediaType', 'repository', 'revision'] as const) {
      if (typeof j[k] !== 'string') throw new GantryError('RECORD_INVALID', `${f}: field "${k}" is missing or not a string`, { userError: true });
    }
    if (typeof j.size !== 'number') throw new GantryError('RECORD_INVALID', `${f}: field "size" is missing or not a number`, { userError: true });
    records.push(j as unknown as BuiltPlatform);
  }
  if (records.length === 0) throw new GantryError('RECORDS_MISSING', `--records ${dir}: no build records (*.json) found`, { userError: true });
  return records;
}

/** The result for people: image, repository, tags, digest, platforms, sizes, pull command. */
export function formatResult(r: PublishResult): string {
  const out: string[] = [];
  for (const i of r.images) {
    out.push(`${i.name}  ${i.digest}`);
    out.push(table(i.platforms.map((p) => [`  ${p.platform}`, p.digest, `${formatBytes(p.compressedSize)} compressed`, p.uncompressedSize !== undefined ? `${formatBytes(p.uncompressedSize)} uncompressed` : ''])));
    for (const g of i.gates) out.push(`  gate ${g.gate}: ${g.passed ? 'passed' : 'REFUSED'}`);
    for (const repo of i.repositories) {
      if (repo.skipped) {
        out.push(`  ${repo.repository}: skipped (${repo.skipped})`);
        continue;
      }
      const tags = repo.tags.map((t) => (t.how === 'unchanged' ? `${t.tag} (unchanged)` : t.how === 'moved' ? `${t.tag} (moved)` : t.tag));
      out.push(`  ${repo.repository}: ${tags.join(', ')}`);
      const first = repo.tags[0];
      if (first && !repo.repository.startsWith('oci:')) out.push(`    pull: docker pull ${repo.repository}:${first.tag}`);
    }
  }
  out.push(r.dryRun ? 'dry run: nothing was pushed or tagged' : r.changed ? 'published' : 'nothing to do: already published');
  return out.join('\n');
}

function summary(r: PublishResult): string {
  const rows = r.images.flatMap((i) =>
    i.repositories.map((repo) => `| ${cell(i.name)} | ${cell(repo.repository)} | ${cell(repo.skipped ? `skipped: ${repo.skipped}` : repo.tags.map((t) => t.tag).join(', '))} | \`${i.digest}\` | ${cell(i.platforms.map((p) => `${p.platform} ${formatBytes(p.compressedSize)}`).join(', '))} |`),
  );
  return [`### gantry publish${r.dryRun ? ' (dry run)' : ''}`, '', '| image | repository | tags | digest | platforms |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}
