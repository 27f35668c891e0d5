import type { Command } from 'commander';

/** The options every command that plans a release takes (plan, build, publish). */
export function addReleaseOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'gantry.yml to read (default: ./gantry.yml, else defaults); paths in it are relative to it')
    .option('--version <version>', 'release this version (overrides the tag)')
    .option('--ref <ref>', 'git ref to release: refs/tags/v1.2.3, refs/heads/main, or a tag')
    .option('--sha <sha>', 'commit to release (default: HEAD or GITHUB_SHA)')
    .option('--latest <mode>', 'latest tag: auto (highest stable release only), always, never')
    .option('--no-registry-check', 'do not read existing tags from the registry (offline; floating tags are not checked)');
}
