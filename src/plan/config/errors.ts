import { GantryError } from '../../oci/errors.js';

/** One problem in gantry.yml, at a 1-based line and column. `path` is like `images[1].platforms[0]` ('' for the file as a whole). */
export interface ConfigIssue {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * CONFIG_INVALID: gantry.yml is not valid YAML or not a valid configuration. CONFIG_MISSING: there is
 * no gantry.yml and gantry cannot derive a default one.
 */
export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_MISSING';

/** Formats one issue the way compilers do: `gantry.yml:12:7: images[1].platforms[0]: invalid platform …`. */
export function formatConfigIssue(file: string, issue: ConfigIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
}

/**
 * Every problem found in a configuration file, one a line in `message` (so the CLI prints them all
 * at once, exit 2) and structured in `issues`, sorted by position.
 */
export class ConfigError extends GantryError<ConfigErrorCode> {
  /** The file as the user named it. */
  readonly file: string;
  readonly issues: readonly ConfigIssue[];
  constructor(code: ConfigErrorCode, file: string, issues: readonly ConfigIssue[], options?: { cause?: unknown; message?: string }) {
    super(code, options?.message ?? issues.map((i) => formatConfigIssue(file, i)).join('\n'), {
      userError: true,
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
    this.file = file;
    this.issues = issues;
  }
}
