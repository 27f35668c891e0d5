import type { Command } from 'commander';
import { CliContext, type GlobalOptions } from '../clients.js';
import { parseLocation } from '../../release/location.js';
import { printJson } from '../output.js';
import { hostsOf, run } from '../run.js';

export function registerTags(program: Command): void {
  program
    .command('tags')
    .description('list the tags of a repository (all pages)')
    .argument('<repo>', 'REGISTRY/REPO or oci:DIR')
    .action((repo: string, _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: GlobalOptions) => {
        const loc = parseLocation(repo);
        const ctx = await CliContext.create(flags, hostsOf([loc]));
        try {
          const tags = await (await ctx.store(loc)).listTags();
          if (flags.json) return printJson({ repository: loc.kind === 'registry' ? `${loc.ref.registry}/${loc.ref.repository}` : loc.text, tags });
          if (tags.length) process.stdout.write(`${tags.join('\n')}\n`);
        } finally {
          await ctx.close();
        }
      }),
    );
}
