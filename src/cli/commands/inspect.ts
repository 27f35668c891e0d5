import type { Command } from 'commander';
import { GantryError } from '../../oci/errors.js';
import { inspectImage } from '../../publish/inspect.js';
import { CliContext, type GlobalOptions } from '../clients.js';
import { locationReference, parseLocation } from '../../release/location.js';
import { printJson, table } from '../output.js';
import { formatBytes } from '../progress.js';
import { hostsOf, run } from '../run.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show an image: media type, digest, platforms with digests and sizes, labels, annotations, referrers')
    .argument('<ref>', 'REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG]')
    .action((ref: string, _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: GlobalOptions) => {
        const loc = parseLocation(ref);
        const reference = locationReference(loc);
        if (reference === undefined) throw new GantryError('USAGE', `${ref}: name the image, e.g. ${ref}:TAG`, { userError: true });
        const ctx = await CliContext.create(flags, hostsOf([loc]));
        try {
          const s = await inspectImage(await ctx.store(loc), reference);
          if (flags.json) return printJson(s);
          const out = [`${s.name}:${s.reference}`, `  media type  ${s.mediaType}`, `  digest      ${s.digest}`];
          for (const [k, v] of Object.entries(s.annotations)) out.push(`  annotation  ${k}=${v}`);
          out.push('', table([['PLATFORM', 'DIGEST', 'SIZE', 'LAYERS'], ...s.platforms.map((p) => [p.platform, p.digest, formatBytes(p.compressedSize), String(p.layers)])]));
          const labels = new Map<string, string>();
          for (const p of s.platforms) for (const [k, v] of Object.entries(p.labels)) labels.set(k, v);
          if (labels.size) out.push('', 'labels:', ...[...labels].map(([k, v]) => `  ${k}=${v}`));
          if (s.referrers.length) out.push('', 'referrers:', ...s.referrers.map((r) => `  ${r.digest}  ${r.artifactType ?? r.mediaType}`));
          process.stdout.write(`${out.join('\n')}\n`);
        } finally {
          await ctx.close();
        }
      }),
    );
}
