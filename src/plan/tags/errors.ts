import { GantryError } from '../../oci/errors.js';

/** `TAG_RULE_INVALID`: a tag rule or flavor line cannot be parsed. `TAG_INVALID`: a rule made a tag docker refuses. */
export type TagErrorCode = 'TAG_RULE_INVALID' | 'TAG_INVALID';

/** Errors about tag rules and the tags they make; always a mistake in the user's input (exit 2). */
export class TagError extends GantryError<TagErrorCode> {
  /** Line of the rule or flavor entry at fault (as numbered for the parser), when there is one. */
  readonly line: number | undefined;

  constructor(code: TagErrorCode, message: string, line?: number) {
    super(code, message, { userError: true });
    this.line = line;
  }
}
