// A failed step's errors as workflow annotations, from the library's typed errors: each problem
// located in gantry.yml annotates its line; the rest become the step's failure message. A registry
// that refuses the step's credentials is explained to the workflow's author (which login step, which
// secret or permission), not with the command line's remedies (docker login, --password-stdin).
import { ConfigError, errorKind, GantryError, RegistryError, workflowLoginHint } from '../src/index.js';

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
  return { annotations: [], message: `${headline}: ${forWorkflow(e)}` };
}

/** The command line's remedy for refused credentials, which a workflow cannot follow. */
const CLI_REMEDY = /: (?:check them|log in) with `docker login ([^`\s]+)`, or pass --username and --password-stdin/;

/**
 * `e`'s message, where a registry refused the credentials (401, a token service's refusal) or did
 * not allow the operation (403), with what to do in a workflow instead of on a command line.
 */
function forWorkflow(e: Error): string {
  const refusal = authFailureIn(e);
  if (refusal === undefined) return e.message;
  const host = refusal instanceof RegistryError ? hostOf(refusal.url) : CLI_REMEDY.exec(refusal.message)?.[1];
  if (host === undefined) return e.message;
  return `${e.message.replace(CLI_REMEDY, '')}\n  ${workflowLoginHint(host)}`;
}

/** The error in `e`'s cause chain that is a registry's refusal of credentials or of the operation. */
function authFailureIn(e: unknown): GantryError<string> | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (c instanceof RegistryError && (c.status === 401 || c.status === 403)) return c;
    if (c instanceof GantryError && c.code === 'REGISTRY_AUTH') return c;
  }
  return undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
