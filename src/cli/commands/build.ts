import type { Command } from 'commander';
import { buildPlatforms, formatRecords, planBuild } from '../../release/index.js';
import { printJson, printText } from '../output.js';
import { addReleaseOptions, releaseOptions, type ReleaseFlags } from '../release-options.js';
import { run } from '../run.js';

interface BuildFlags extends ReleaseFlags {
  readonly image?: string[];
  readonly platform?: string[];
  readonly to?: string;
  readonly recordDir: string;
}

export function registerBuild(program: Command): void {
  addReleaseOptions(program.command('build'))
    .description(
      'build the platforms of the images (default: all) and push each platform manifest by digest, never by tag; write one digest record per platform',
    )
    .option('--image <name>', 'build this image (repeatable; default: every image)', collect, [])
    .option('--platform <os/arch[/variant]>', 'build this platform (repeatable; default: every platform of the image)', collect, [])
    .option('--to <destination>', "stage here instead of the image's first repository: REGISTRY/REPO, or oci:DIR to build offline")
    .option('--record-dir <dir>', 'where to write the digest records', '.gantry/records')
    .action((_flags: unknown, cmd: Command) =>
      run(cmd, async (flags: BuildFlags) => {
        const options = await releaseOptions(process.cwd(), flags);
        const { records } = await buildPlatforms(await planBuild(options), {
          ...options,
          images: flags.image,
          platforms: flags.platform,
          to: flags.to,
          recordDir: flags.recordDir,
          progress: (line) => process.stderr.write(`${line}\n`),
        });
        if (flags.json) printJson(records);
        else printText(formatRecords(records, flags.recordDir));
      }),
    );
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
