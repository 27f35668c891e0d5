// gantry's tag rules when an image names none (issue 3, "Tags"; the seeds' strategy):
//   release or tag v1.2.3     → 1.2.3, v1.2.3, 1.2, 1, sha-<7 hex>, latest
//   pre-release v1.0.0-beta.1 → 1.0.0-beta.1, v1.0.0-beta.1, sha-<7 hex> (never latest or 1.0, 1)
//   default-branch push       → edge, sha-<7 hex>
//   other branch push         → <branch, sanitized>, sha-<7 hex>
//   pull request              → pr-<n>, sha-<7 hex>
// Floating tags (1.2, 1, latest) are registry-aware, as for any rule.
import { parseTagRules, type TagRule } from './rules.js';

/** The defaults as rule text, in metadata-action's syntax (what `gantry init` can write out). */
export const DEFAULT_TAG_RULES_TEXT = [
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{raw}}',
  'type=semver,pattern={{major}}.{{minor}}',
  'type=semver,pattern={{major}}',
  'type=edge',
  'type=ref,event=branch,enable={{is_not_default_branch}}',
  'type=ref,event=pr',
  'type=sha',
].join('\n');

/** The parsed defaults, used by `planTags` when `rules` is undefined. */
export const DEFAULT_TAG_RULES: readonly TagRule[] = parseTagRules(DEFAULT_TAG_RULES_TEXT);
