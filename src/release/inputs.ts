import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { valid as semverValid, rcompare } from 'semver';
import { ReleaseError } from './errors.js';
import { defaultConfig, parseConfig, type GantryConfig } from '../plan/config/index.js';
import type { ReleaseContext } from '../plan/release-context.js';
import { contextFromGit, contextFromGitHub } from '../github/event-context.js';
import { readMetadataSettings } from '../github/metadata-env.js';
import { parseTagRules, TagError } from '../plan/tags/index.js';
import type { Env } from './connection.js';
import { commitTimeOf, epochToRfc3339, readGitFacts, readHead, readRemoteRepository, readTagAndHead } from './git.js';

export interface ReleaseInputOptions {
  readonly config?: string | undefined;
  readonly version?: string | undefined;
  readonly ref?: string | undefined;
  readonly sha?: string | undefined;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** Reads gantry.yml (or builds the default configuration when there is none). */
export async function loadConfig(cwd: string, o: ReleaseInputOptions, env: Env): Promise<{ config: GantryConfig; path?: string }> {
  const path = o.config
    ? resolve(cwd, o.config)
    : (await exists(join(cwd, 'gantry.yml')))
      ? join(cwd, 'gantry.yml')
      : (await exists(join(cwd, 'gantry.yaml')))
        ? join(cwd, 'gantry.yaml')
        : undefined;
  // Only the remote is needed here; the context reads the rest of git once, in loadContext.
  const remote = await readRemoteRepository(cwd);
  const defaults = {
    ...(remote ? { remoteRepository: remote.url } : {}),
    ...(env.GITHUB_ACTIONS === 'true' && env.GITHUB_REPOSITORY ? { github: { repository: env.GITHUB_REPOSITORY } } : {}),
    hasDockerfile: await exists(join(cwd, 'Dockerfile')),
  };
  if (!path) return { config: defaultConfig(defaults) };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ReleaseError(
      'CONFIG_MISSING',
      `cannot read ${o.config ?? path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      { userError: true },
    );
  }
  const checkTags = (rules: string) => {
    try {
      parseTagRules(rules);
      return [];
    } catch (e) {
      if (e instanceof TagError) return [{ line: e.line ?? 1, message: e.message }];
      throw e;
    }
  };
  return { config: parseConfig(text, o.config ?? 'gantry.yml', { defaults, checkTags }), path };
}

/** The highest semver tag at HEAD (a `v1.2.3`-style release tag), if any. */
export function pickReleaseTag(tags: readonly string[]): string | undefined {
  const semverTags = tags.filter((t) => semverValid(t.replace(/^v/, '')) !== null);
  return [...semverTags].sort((a, b) => rcompare(a.replace(/^v/, ''), b.replace(/^v/, '')))[0];
}

/** Reads the release context: GitHub Actions' event when inside it, else plain git; flags override. */
export async function loadContext(cwd: string, o: ReleaseInputOptions, env: Env): Promise<ReleaseContext> {
  // metadata-action's DOCKER_METADATA_* settings: honoured or refused, before anything is read.
  const metadata = readMetadataSettings(env);
  const epoch = env.SOURCE_DATE_EPOCH ? epochToRfc3339(env.SOURCE_DATE_EPOCH) : undefined;
  let ctx: ReleaseContext;
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_EVENT_NAME) {
    let payload: unknown = {};
    if (env.GITHUB_EVENT_PATH) {
      try {
        payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8'));
      } catch (e) {
        throw new ReleaseError(
          'CONTEXT_INVALID',
          `cannot read the event payload at GITHUB_EVENT_PATH (${env.GITHUB_EVENT_PATH}): ${(e as Error).message}`,
          { userError: true },
        );
      }
    }
    const sha = o.sha ?? env.GITHUB_SHA ?? '';
    const time = epoch ?? (await commitTimeOf(cwd, sha)) ?? headCommitTime(payload) ?? epochToRfc3339('0');
    ctx = contextFromGitHub({ ...env, ...(o.sha ? { GITHUB_SHA: o.sha } : {}) }, payload, time);
    if (ctx.tagSha !== undefined && o.sha === undefined) ctx = await atCheckedOutHead(cwd, ctx, ctx.tagSha, epoch);
  } else {
    const facts = await readGitFacts(cwd, o.sha);
    ctx = contextFromGit(epoch ? { ...facts, commitTime: epoch } : facts, pickReleaseTag);
  }
  if (metadata.shortShaLength !== undefined) ctx = { ...ctx, shortShaLength: metadata.shortShaLength };
  if (o.ref) ctx = withRef(ctx, o.ref);
  // A tag named by hand (a dispatch's input, or --ref in a run): GITHUB_SHA is the branch the run
  // started on, not the tag. What is released is the checkout, which must be that tag.
  const named = ctx.event === 'dispatch' || (o.ref !== undefined && ctx.event === 'tag');
  if (env.GITHUB_ACTIONS === 'true' && named && ctx.tag !== undefined && o.sha === undefined)
    ctx = await atCheckedOutTag(cwd, ctx, ctx.tag, epoch);
  if (o.version) ctx = { ...ctx, version: o.version.replace(/^v(?=\d)/, '') };
  return { ...ctx, planTime: readPlanTime(env) };
}

/** The time `{{date}}` renders: GANTRY_PLAN_TIME (RFC 3339, passed from the plan job), else now. */
function readPlanTime(env: Env): string {
  const given = env.GANTRY_PLAN_TIME;
  if (given === undefined || given === '') return new Date().toISOString();
  const t = Date.parse(given);
  if (Number.isNaN(t)) {
    throw new ReleaseError(
      'CONTEXT_INVALID',
      `GANTRY_PLAN_TIME=${JSON.stringify(given)} is not an RFC 3339 time (e.g. 2026-01-10T00:30:00Z); unset it to use the current time`,
      { userError: true },
    );
  }
  return new Date(t).toISOString();
}

/**
 * `ctx` for the commit the checkout is at, once it is sure that `tag` exists and points at that
 * commit: a dispatch of v1.0.0 that checked out the default branch would build main's code as 1.0.0.
 */
async function atCheckedOutTag(cwd: string, ctx: ReleaseContext, tag: string, epoch: string | undefined): Promise<ReleaseContext> {
  const at = await readTagAndHead(cwd, tag);
  if (at.tag === undefined) {
    throw new ReleaseError(
      'CONTEXT_INVALID',
      `this run releases tag ${tag}, which does not exist in the checkout at ${cwd}: name an existing tag as git spells it (e.g. v1.2.3), or push it first (git push origin ${tag})`,
      { userError: true },
    );
  }
  if (at.tag !== at.head) {
    throw new ReleaseError(
      'CONTEXT_INVALID',
      `this run releases tag ${tag} (commit ${at.tag.slice(0, 12)}), but the checkout is at ${at.head?.slice(0, 12) ?? 'no commit'}: gantry would release other code as ${tag}. Check out the tag in every job (actions/checkout with ref: \${{ inputs.tag || github.ref }}); gantry init github --force writes a workflow that does`,
      { userError: true },
    );
  }
  const commitTime = epoch ?? (await commitTimeOf(cwd, at.head)) ?? ctx.commitTime;
  return { ...ctx, sha: at.head, commitTime, ref: `refs/tags/${tag}` };
}

/**
 * DOCKER_METADATA_PR_HEAD_SHA=true names the sha tag after the pull request's head. The revision stays
 * the commit built: GITHUB_SHA (the merge commit actions/checkout checks out by default), unless the
 * checkout is the head itself (actions/checkout with ref: the head's SHA), which is then what is built.
 * (metadata-action puts the head in the revision label whatever was checked out.)
 */
async function atCheckedOutHead(cwd: string, ctx: ReleaseContext, head: string, epoch: string | undefined): Promise<ReleaseContext> {
  if ((await readHead(cwd)) !== head) return ctx;
  return { ...ctx, sha: head, commitTime: epoch ?? (await commitTimeOf(cwd, head)) ?? ctx.commitTime };
}

function headCommitTime(payload: unknown): string | undefined {
  const t = (payload as { head_commit?: { timestamp?: unknown } } | null)?.head_commit?.timestamp;
  return typeof t === 'string' ? new Date(t).toISOString().replace('.000Z', 'Z') : undefined;
}

/** `--ref refs/tags/v1.2.3` or `refs/heads/main` (or a bare `v1.2.3`). */
function withRef(ctx: ReleaseContext, ref: string): ReleaseContext {
  const { tag: _t, branch: _b, ...rest } = ctx;
  if (ref.startsWith('refs/heads/')) return { ...rest, event: ctx.event === 'local' ? 'local' : 'branch', ref, branch: ref.slice(11) };
  const tag = ref.startsWith('refs/tags/') ? ref.slice(10) : ref;
  if (!tag || (ref.startsWith('refs/') && !ref.startsWith('refs/tags/'))) {
    throw new ReleaseError('USAGE', `--ref ${ref}: expected refs/tags/NAME, refs/heads/NAME or a tag name`, { userError: true });
  }
  return { ...rest, event: ctx.event === 'local' ? 'local' : 'tag', ref: `refs/tags/${tag}`, tag };
}
