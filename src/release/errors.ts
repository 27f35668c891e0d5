import { GantryError } from '../oci/errors.js';

/** Codes of the release library's own errors (the layers below have theirs). */
export type ReleaseErrorCode =
  /** A flag or option is wrong (a value out of range, options that go together): exit 2. */
  | 'USAGE'
  /** An image location (`REGISTRY/REPO[:TAG]`, `oci:DIR[:TAG]`) cannot be parsed: exit 2. */
  | 'LOCATION_INVALID'
  /** The CI context (GitHub's event payload, git) cannot be read: exit 2. */
  | 'CONTEXT_INVALID'
  /** The gantry.yml named cannot be read: exit 2. */
  | 'CONFIG_MISSING'
  /** The repository named does not exist in its registry (404 NAME_UNKNOWN): exit 2. */
  | 'REPOSITORY_UNKNOWN'
  /** The tags of a repository could not be read to decide floating tags. */
  | 'REGISTRY_CHECK_FAILED'
  /** `--records` names no directory, or one without records: exit 2. */
  | 'RECORDS_MISSING'
  /** A file among the records is not a digest record: exit 2. */
  | 'RECORD_INVALID'
  /** `gantry init` would overwrite a workflow: exit 2. */
  | 'WORKFLOW_EXISTS'
  /** An attach step (signature, SBOM, provenance) failed: no tag moved. */
  | 'ATTACH_FAILED';

/** Errors of the release library (release/): inputs, records, the publish pipeline. */
export class ReleaseError extends GantryError<ReleaseErrorCode> {}

/**
 * What kind of failure an error is, for exit codes (DESIGN.md: 1 failure, 2 usage or input error,
 * 3 a gate or verification refused) and for the Action's annotations: `refused`, a gate refused
 * the release; `input`, a mistake in the user's input; `failure`, something outside went wrong
 * (a registry, a builder); `bug`, an error gantry did not expect.
 */
export type ErrorKind = 'refused' | 'input' | 'failure' | 'bug';

export function errorKind(e: unknown): ErrorKind {
  if (!(e instanceof GantryError)) return 'bug';
  if (e.code === 'GATE_REFUSED') return 'refused';
  return e.userError ? 'input' : 'failure';
}
