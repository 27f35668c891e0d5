// planRelease: the release a CI context (or plain git) asks for: gantry.yml, the context, and the
// plan made from them, with floating tags decided against the tags already in each image's first
// required repository.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { GantryConfig } from '../plan/config/index.js';
import type { ReleaseContext } from '../plan/release-context.js';
import { makePlan, type Plan } from '../plan/release.js';
import type { LatestMode } from '../plan/tags/index.js';
import { withConnection, hostsOf, type ConnectionOptions } from './connection.js';
import { ReleaseError } from './errors.js';
import { loadConfig, loadContext } from './inputs.js';
import { parseLocation } from './location.js';

/** What a release is made from. */
export interface ReleaseOptions extends ConnectionOptions {
  /** The working directory: gantry.yml and git are read here. */
  readonly cwd: string;
  /** gantry.yml to read, relative to cwd (default: ./gantry.yml, else gantry's defaults). */
  readonly config?: string | undefined;
  /** Release this version (overrides the tag). */
  readonly version?: string | undefined;
  /** The git ref to release: refs/tags/v1.2.3, refs/heads/main, or a tag. */
  readonly ref?: string | undefined;
  /** The commit to release (default HEAD, or GITHUB_SHA in Actions). */
  readonly sha?: string | undefined;
  /** `latest`: auto (the highest stable release only), always, never. */
  readonly latest?: LatestMode | undefined;
  /** Read existing tags to decide floating tags (default true); false plans offline. */
  readonly registryCheck?: boolean | undefined;
  /**
   * Check that the Dockerfile of every platform exists (default false). `plan --matrix` does: the CI
   * plan job must fail on a missing Dockerfile, not go green and leave every build job to fail.
   */
  readonly checkDockerfiles?: boolean | undefined;
}

/** A planned release: its inputs and its plan. */
export interface Release {
  readonly config: GantryConfig;
  /** The gantry.yml read, if any. */
  readonly configPath?: string | undefined;
  /** Where paths of gantry.yml are relative to: its directory, else cwd. */
  readonly configDir: string;
  readonly context: ReleaseContext;
  readonly plan: Plan;
}

const LATEST_MODES: readonly string[] = ['auto', 'always', 'never'];

/** Reads config, context and the registry's tags, and plans. */
export async function planRelease(o: ReleaseOptions): Promise<Release> {
  if (o.latest !== undefined && !LATEST_MODES.includes(o.latest)) {
    throw new ReleaseError('USAGE', `--latest must be auto, always or never, not "${String(o.latest)}"`, { userError: true });
  }
  const [{ config, path: configPath }, context] = await Promise.all([loadConfig(o.cwd, o, o.env), loadContext(o.cwd, o, o.env)]);
  const existingTags = o.registryCheck === false ? undefined : await readExistingTags(config, o);
  const plan = makePlan(config, context, { ...(o.latest ? { latest: o.latest } : {}), ...(existingTags ? { existingTags } : {}) });
  const configDir = configPath ? dirname(configPath) : o.cwd;
  if (o.checkDockerfiles === true) await checkDockerfiles(plan, configDir);
  return { config, configPath, configDir, context, plan };
}

/**
 * Plans what `gantry build` builds. Building tags nothing, so the registry's tags are not read: a
 * build needs no access to them (issue 12), and its records do not depend on them.
 */
export async function planBuild(o: ReleaseOptions): Promise<Release> {
  return planRelease({ ...o, registryCheck: false });
}

/** Refuses a plan with a platform whose Dockerfile is not there (paths are relative to gantry.yml). */
async function checkDockerfiles(plan: Plan, configDir: string): Promise<void> {
  const missing: string[] = [];
  for (const image of plan.images) {
    for (const b of image.builds) {
      if (b.dockerfile === '') continue; // the layers backend builds without one
      const path = resolve(configDir, b.dockerfile);
      const found = await stat(path).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!found) missing.push(`image "${b.image}" ${b.platform}: no Dockerfile at ${b.dockerfile} (${path})`);
    }
  }
  if (missing.length === 0) return;
  throw new ReleaseError(
    'USAGE',
    `${missing.join('\n')}\n  the Dockerfile is set by build.dockerfile (default Dockerfile) or build.platform.<platform>.dockerfile in gantry.yml, relative to it; add the file or fix the path`,
    { userError: true },
  );
}

/** The tags of each image's first required repository (a layout not made yet has none). */
async function readExistingTags(config: GantryConfig, o: ReleaseOptions): Promise<Record<string, string[]>> {
  const firsts = config.images.map((i) => parseLocation(i.repositories.find((r) => !r.optional)!.name));
  return withConnection(o, hostsOf(firsts), async (connection) => {
    const tags: Record<string, string[]> = {};
    for (const [n, image] of config.images.entries()) {
      const loc = firsts[n]!;
      try {
        tags[image.name] = loc.kind === 'layout' && !(await isDirectory(loc.path)) ? [] : await (await connection.store(loc)).listTags();
      } catch (e) {
        throw new ReleaseError(
          'REGISTRY_CHECK_FAILED',
          `cannot read the tags of ${loc.text} to decide floating tags: ${(e as Error).message}\n  pass --no-registry-check to plan without them (latest and X/X.Y then move as metadata-action would)`,
          { cause: e, userError: (e as { userError?: boolean }).userError ?? false },
        );
      }
    }
    return tags;
  });
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
