import type { Command } from 'commander';
import type { LatestMode, ReleaseOptions } from '../release/index.js';
import { connectionOptions, type GlobalOptions } from './connection-flags.js';

/** The flags of every command that plans a release (plan, build, publish). */
export interface ReleaseFlags extends GlobalOptions {
  readonly config?: string;
  readonly version?: string;
  readonly ref?: string;
  readonly sha?: string;
  readonly latest?: string;
  readonly registryCheck?: boolean;
}

/** Adds the release flags to a command. */
export function addReleaseOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'gantry.yml to read (default: ./gantry.yml, else defaults); paths in it are relative to it')
    .option('--version <version>', 'release this version (overrides the tag)')
    .option('--ref <ref>', 'git ref to release: refs/tags/v1.2.3, refs/heads/main, or a tag')
    .option('--sha <sha>', 'commit to release (default: HEAD or GITHUB_SHA)')
    .option('--latest <mode>', 'latest tag: auto (highest stable release only), always, never')
    .option('--no-registry-check', 'do not read existing tags from the registry (offline; floating tags are not checked)');
}

/** The library's release options from the flags (planRelease checks --latest). */
export async function releaseOptions(cwd: string, flags: ReleaseFlags): Promise<ReleaseOptions> {
  return {
    ...(await connectionOptions(flags)),
    cwd,
    config: flags.config,
    version: flags.version,
    ref: flags.ref,
    sha: flags.sha,
    latest: flags.latest as LatestMode | undefined,
    registryCheck: flags.registryCheck,
  };
}
