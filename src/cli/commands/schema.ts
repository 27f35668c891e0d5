import type { Command } from 'commander';
import { configJsonSchema } from '../../release/index.js';
import { printJson } from '../output.js';
import { run } from '../run.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of gantry.yml (for editors: yaml-language-server)')
    .action((_flags: unknown, cmd: Command) => run(cmd, async () => printJson(configJsonSchema())));
}
