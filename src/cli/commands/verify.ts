import type { Command } from 'commander';
import { GantryError } from '../../oci/errors.js';
import { parsePlatform } from '../../oci/platform.js';
import { verifyImage } from '../../publish/image-policy.js';
import { CliContext, type GlobalOptions } from '../clients.js';
import { locationReference, parseLocation } from '../../release/location.js';
import { printJson } from '../output.js';
import { hostsOf, run } from '../run.js';

interface VerifyFlags extends GlobalOptions {
  platforms?: string;
  label?: string[];
  anonymous?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check a published image as its users pull it: platforms, every manifest, config and layer reachable, labels (exit 3 when it refuses)')
    .argument('<ref>', 'REGISTRY/REPO:TAG or oci:DIR:TAG')
    .option('--platforms <list>', 'platforms the index must have, comma-separated (e.g. linux/amd64,linux/arm64)')
    .option('--label <key[=value]>', 'a label every platform must carry (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--anonymous', 'pull without credentials, as a public user or Kubernetes node would')
    .action((ref: string, _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: VerifyFlags) => {
        const loc = parseLocation(ref);
        const reference = locationReference(loc);
        if (reference === undefined) throw new GantryError('USAGE', `${ref}: name the image, e.g. ${ref}:TAG`, { userError: true });
        const platforms = (flags.platforms ?? '').split(',').filter(Boolean).map((p) => parsePlatform(p.trim()));
        const labels = Object.fromEntries((flags.label ?? []).map((l) => { const i = l.indexOf('='); return i < 0 ? [l, undefined] : [l.slice(0, i), l.slice(i + 1)]; }));
        const ctx = await CliContext.create(flags, hostsOf([loc]), flags.anonymous ? { PATH: process.env.PATH, HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' } : process.env);
        try {
          const report = await verifyImage(await ctx.store(loc), reference, { platforms, labels });
          if (flags.json) printJson(report);
          else {
            process.stdout.write(`${ref} → ${report.digest}\n`);
            for (const c of report.checks) process.stdout.write(`  ${c.passed ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}\n`);
            process.stdout.write(report.passed ? `verified${flags.anonymous ? ' (anonymously)' : ''}\n` : 'refused\n');
          }
          if (!report.passed) process.exitCode = 3;
        } finally {
          await ctx.close();
        }
      }),
    );
}
