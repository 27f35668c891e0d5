import type { Command } from 'commander';
import { GantryError } from '../../oci/errors.js';
import { parsePlatform } from '../../oci/platform.js';
import { copyImage } from '../../publish/copy.js';
import { CliContext, type GlobalOptions } from '../clients.js';
import { locationReference, parseLocation, type Location } from '../../release/location.js';
import { isDigest } from '../../oci/digest.js';
import { printJson } from '../output.js';
import { formatBytes, ProgressDisplay } from '../progress.js';
import { hostsOf, run } from '../run.js';

interface CopyFlags extends GlobalOptions {
  platform?: string[];
  referrers?: boolean;
  concurrency?: string;
}

export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description('copy an image or multi-arch index between registries and OCI layouts (all platforms unless --platform)')
    .argument('<src>', 'source: REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG]')
    .argument('<dst...>', 'one or more destinations (the source is read once for all of them)')
    .option('--platform <os/arch[/variant]>', 'copy only this platform (repeatable); makes a new index', collect, [])
    .option('--referrers', 'also copy referrers (signatures, SBOMs, attestations)')
    .option('--concurrency <n>', 'blobs transferred at once', '6')
    .action((src: string, dsts: string[], _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: CopyFlags) => {
        const from = parseLocation(src);
        const to = dsts.map(parseLocation);
        const platforms = (flags.platform ?? []).map(parsePlatform);
        const concurrency = Number(flags.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
          throw new GantryError('USAGE', `--concurrency must be a whole number from 1 to 64, not "${flags.concurrency}"`, { userError: true });
        }
        const ctx = await CliContext.create(flags, hostsOf([from, ...to]));
        try {
          const source = await ctx.store(from);
          const reference = locationReference(from);
          if (reference === undefined) throw new GantryError('USAGE', `${src}: name the image to copy, e.g. ${src}:TAG`, { userError: true });
          const targets = await Promise.all(
            to.map(async (l) => {
              const tag = destinationTag(from, l);
              return { store: await ctx.store(l, true), tag };
            }),
          );
          const progress = process.stderr.isTTY && !flags.json ? new ProgressDisplay(process.stderr) : undefined;
          const result = await copyImage(source, reference, targets, {
            platforms,
            referrers: flags.referrers ?? false,
            concurrency,
            onEvent: progress?.onEvent,
          });
          progress?.finish();
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
                `copied ${result.platforms.length ? result.platforms.join(', ') : 'image'} to ${to.map((l) => l.text).join(', ')}: ` +
                `${formatBytes(result.bytesTransferred)} transferred, ${formatBytes(result.bytesSkipped)} already there, ${result.seconds.toFixed(1)} s\n`,
            );
          }
        } finally {
          await ctx.close();
        }
      }),
    );
}

/**
 * The tag a destination gets: the one it names; none when it names a digest; else the source's
 * tag (so `gantry copy reg/app:v1 oci:out` writes `oci:out:v1`, as skopeo would need spelled out).
 */
export function destinationTag(from: Location, to: Location): string | undefined {
  const named = to.kind === 'registry' ? (to.ref.digest ? null : to.explicitRef ? to.ref.tag : undefined) : to.ref;
  if (named === null) return undefined;
  if (named !== undefined) return isDigest(named) ? undefined : named;
  const source = from.kind === 'registry' ? (from.ref.digest ? undefined : (from.ref.tag ?? 'latest')) : from.ref;
  return source === undefined || isDigest(source) ? undefined : source;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
