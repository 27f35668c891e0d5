import type { Command } from 'commander';
import { listTags } from '../../release/index.js';
import { connectionOptions, type GlobalOptions } from '../connection-flags.js';
import { printJson } from '../output.js';
import { run } from '../run.js';

export function registerTags(program: Command): void {
  program
    .command('tags')
    .description('list the tags of a repository (all pages)')
    .argument('<repo>', 'REGISTRY/REPO or oci:DIR')
    .action((repo: string, _flags: unknown, cmd: Command) =>
      run(cmd, async (flags: GlobalOptions) => {
        const result = await listTags(repo, await connectionOptions(flags));
        if (flags.json) return printJson(result);
        if (result.tags.length) process.stdout.write(`${result.tags.join('\n')}\n`);
      }),
    );
}
