import type { Command } from 'commander';
import { formatBytes, inspect, table, type ImageSummary } from '../../release/index.js';
import { connectionOptions, type GlobalOptions } from '../connection-flags.js';
import { printJson, printText } from '../output.js';
import { run } from '../run.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show an image: media type, digest, platforms with digests and sizes, labels, annotations, referrers')
    .argument('<ref>', 'REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG]')
    .action((ref: string, _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: GlobalOptions) => {
        const s = await inspect(ref, await connectionOptions(flags));
        if (flags.json) printJson(s);
        else printText(formatSummary(s));
      }),
    );
}

function formatSummary(s: ImageSummary): string {
  const out = [`${s.name}:${s.reference}`, `  media type  ${s.mediaType}`, `  digest      ${s.digest}`];
  for (const [k, v] of Object.entries(s.annotations)) out.push(`  annotation  ${k}=${v}`);
  out.push(
    '',
    table([
      ['PLATFORM', 'DIGEST', 'SIZE', 'LAYERS'],
      ...s.platforms.map((p) => [p.platform, p.digest, formatBytes(p.compressedSize), String(p.layers)]),
    ]),
  );
  const labels = new Map<string, string>();
  for (const p of s.platforms) for (const [k, v] of Object.entries(p.labels)) labels.set(k, v);
  if (labels.size) out.push('', 'labels:', ...[...labels].map(([k, v]) => `  ${k}=${v}`));
  if (s.referrers.length) out.push('', 'referrers:', ...s.referrers.map((r) => `  ${r.digest}  ${r.artifactType ?? r.mediaType}`));
  return out.join('\n');
}
