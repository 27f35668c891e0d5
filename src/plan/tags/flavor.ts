// docker/metadata-action's `flavor` input: global behaviour of the tags.
// https://github.com/docker/metadata-action#flavor-input (parsing: src/flavor.ts `Transform`).
import { splitLines } from './fields.js';
import { readAttributes, ruleProblem, type ParseTagOptions } from './rules.js';
import { GLOBAL_PLACEHOLDERS, parseTemplate, type Template } from './template.js';

/** The parsed `flavor` lines. */
export interface Flavor {
  /** `auto`: `latest` for releases (registry-aware in gantry); `true`: always; `false`: never. */
  readonly latest: 'auto' | 'true' | 'false';
  /** Added before every tag whose rule sets no `prefix=`. */
  readonly prefix: Template;
  /** `prefix=…,onlatest=true`: also before `latest`. */
  readonly prefixLatest: boolean;
  /** Added after every tag whose rule sets no `suffix=`. */
  readonly suffix: Template;
  /** `suffix=…,onlatest=true`: also after `latest`. */
  readonly suffixLatest: boolean;
}

/** metadata-action's defaults: `latest=auto`, no prefix, no suffix. */
export const DEFAULT_FLAVOR: Flavor = { latest: 'auto', prefix: [], prefixLatest: false, suffix: [], suffixLatest: false };

/**
 * Parses `flavor` lines (`latest=auto|true|false`, `prefix=…[,onlatest=true|false]`,
 * `suffix=…[,onlatest=true|false]`); later lines win. Throws `TagError('TAG_RULE_INVALID')`
 * naming the line.
 */
export function parseFlavor(input: string | readonly string[], options: ParseTagOptions = {}): Flavor {
  let flavor: Flavor = DEFAULT_FLAVOR;
  for (const l of splitLines(input, options.firstLine)) {
    const fail: (problem: string) => never = (problem) => ruleProblem(l, 'flavor', problem);
    let onLatestFor: 'prefix' | 'suffix' | undefined;
    // A map keeps the fields' order, which `onlatest` depends on (it follows its prefix or suffix).
    for (const [key, value] of readAttributes(l, fail)) {
      switch (key) {
        case 'latest':
          if (value !== 'auto' && value !== 'true' && value !== 'false') fail(`latest must be auto, true or false (got "${value}")`);
          flavor = { ...flavor, latest: value };
          break;
        case 'prefix':
        case 'suffix':
          flavor = { ...flavor, [key]: parseTemplate(value, GLOBAL_PLACEHOLDERS, key, fail) };
          onLatestFor = key;
          break;
        case 'onlatest':
          if (value !== 'true' && value !== 'false') fail(`onlatest must be true or false (got "${value}")`);
          if (onLatestFor === undefined) fail('onlatest must follow prefix= or suffix= on the same line');
          flavor = { ...flavor, [`${onLatestFor}Latest`]: value === 'true' };
          break;
        default:
          fail(
            `unknown flavor key "${key}"${key === 'value' ? ' (a field without "=" is read as value=)' : ''} (known: latest, prefix, suffix, onlatest)`,
          );
      }
    }
  }
  return flavor;
}
