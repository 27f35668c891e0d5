import type { Command } from 'commander';
import { copyImages, formatBytes, parsePlatform } from '../../release/index.js';
import { connectionOptions, type GlobalOptions } from '../connection-flags.js';
import { printJson } from '../output.js';
import { ProgressDisplay } from '../progress.js';
import { run } from '../run.js';

interface CopyFlags extends GlobalOptions {
  readonly platform?: string[];
  readonly referrers?: boolean;
  readonly concurrency?: string;
}

export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description('copy an image or multi-arch index between registries and OCI layouts (all platforms unless --platform)')
    .argument('<src>', 'source: REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG]')
    .argument('<dst...>', 'one or more destinations (the source is read once for all of them)')
    .option('--platform <os/arch[/variant]>', 'copy only this platform (repeatable); makes a new index', collect, [])
    .option('--referrers', 'also copy referrers (signatures, SBOMs, attestations)')
    .option('--concurrency <n>', 'large blobs (16 MiB and up) transferred at once; small ones share a slot, up to 48 in flight', '6')
    .action((src: string, dsts: string[], _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: CopyFlags) => {
        const progress = process.stderr.isTTY && !flags.json ? new ProgressDisplay(process.stderr) : undefined;
        const result = await copyImages(src, dsts, {
          ...(await connectionOptions(flags)),
          platforms: (flags.platform ?? []).map(parsePlatform),
          referrers: flags.referrers ?? false,
          concurrency: Number(flags.concurrency),
          onCopyEvent: progress?.onEvent,
        }).finally(() => progress?.finish());
        if (flags.json) {
          printJson({
            digest: result.descriptor.digest,
            mediaType: result.descriptor.mediaType,
            platforms: result.platforms,
            bytesTransferred: result.bytesTransferred,
            bytesSkipped: result.bytesSkipped,
            seconds: Number(result.seconds.toFixed(3)),
          });
        } else {
          process.stdout.write(
            `${result.descriptor.digest}\n` +
              `copied ${result.platforms.length ? result.platforms.join(', ') : 'image'} to ${dsts.join(', ')}: ` +
              `${formatBytes(result.bytesTransferred)} transferred, ${formatBytes(result.bytesSkipped)} already there, ${result.seconds.toFixed(1)} s\n`,
          );
        }
      }),
    );
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
