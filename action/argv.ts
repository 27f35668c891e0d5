// The gantry command line for the Action's inputs. Pure: the simulation test replays a generated
// workflow's `with:` blocks through this same function.
import type { ActionInputs } from './inputs.js';

/** gantry build's default record directory, used when the records input is empty. */
export const DEFAULT_RECORD_DIR = '.gantry/records';

/** The arguments of `gantry` (after the program name) for one Action step. */
export function gantryArgv(i: ActionInputs): string[] {
  const config = i.config !== '' ? ['--config', i.config] : [];
  switch (i.command) {
    case 'plan':
      return ['plan', ...config, ...i.args];
    case 'build':
      return [
        'build',
        ...config,
        ...i.images.flatMap((x) => ['--image', x]),
        ...i.platforms.flatMap((x) => ['--platform', x]),
        '--record-dir',
        recordDir(i),
        ...i.args,
      ];
    case 'publish':
      return [
        'publish',
        ...config,
        ...(i.records !== '' ? ['--records', i.records] : []),
        ...(i.dryRun ? ['--dry-run'] : []),
        ...(i.overwriteRelease ? ['--overwrite-release'] : []),
        ...i.args,
      ];
    case 'verify':
      return ['verify', i.ref, ...(i.platforms.length > 0 ? ['--platforms', i.platforms.join(',')] : []), ...i.args];
  }
}

/** Where a build step writes its records. */
export function recordDir(i: Pick<ActionInputs, 'records'>): string {
  return i.records !== '' ? i.records : DEFAULT_RECORD_DIR;
}

/** A command line for the log, quoted where a word has spaces or quotes. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (a === '' || /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ');
}
