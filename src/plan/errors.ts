import { GantryError } from '../oci/errors.js';

/** Codes of the planner's errors (gantry.yml and tag rules have their own: ConfigError, TagError). */
export type PlanErrorCode =
  /** The CI context is not one gantry can release from (an event payload without what it needs): exit 2. */
  | 'CONTEXT_INVALID'
  /** No tag rule applies to this event, so there is nothing to publish: exit 2. */
  | 'PLAN_EMPTY'
  /** The fan-in is incomplete: a platform's record is missing, from another revision, or twice: exit 2. */
  | 'PUBLISH_INCOMPLETE';

/** Errors of plan/: always a mistake in the inputs (exit 2). */
export class PlanError extends GantryError<PlanErrorCode> {}
