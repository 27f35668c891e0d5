// A failed step's errors as workflow annotations, from the library's typed errors: each problem
// located in gantry.yml annotates its line; the rest become the step's failure message.
import { ConfigError, errorKind, GantryError } from '../src/index.js';

export interface Annotation {
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/** Why a step failed, in words (the meaning of gantry's exit codes 2 and 3). */
const MEANING = {
  input: 'usage or input error',
  refused: 'refused by a gate or verification',
  failure: undefined,
  bug: undefined,
} as const;

/** The annotations and the failure message of an error a step threw; undefined for an error that is a bug. */
export function failureOf(command: string, e: unknown): { annotations: Annotation[]; message: string } | undefined {
  if (!(e instanceof GantryError)) return undefined;
  const meaning = MEANING[errorKind(e)];
  const headline = `gantry ${command} failed${meaning ? ` (${meaning})` : ''}`;
  if (e instanceof ConfigError && e.issues.length > 0) {
    const annotations = e.issues.map((i) => ({
      message: i.path === '' ? i.message : `${i.path}: ${i.message}`,
      file: e.file,
      line: i.line,
      column: i.column,
    }));
    return { annotations, message: `${headline}: ${annotations.length} problem${annotations.length === 1 ? '' : 's'} in ${e.file}` };
  }
  return { annotations: [], message: `${headline}: ${e.message}` };
}
