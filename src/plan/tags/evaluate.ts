// planTags: tag rules + release context (+ the tags already in the registry) → the tags to push.
// Evaluation follows docker/metadata-action's src/meta.ts: rules sorted by priority (highest
// first, stable), each enabled rule makes at most one tag, prefix/suffix are added (the rule's
// own, else the flavor's), the tag is sanitized, duplicates are dropped, and `latest` comes last,
// decided by the first rule that made a tag. gantry's departures are marked "gantry:".
import type { ReleaseContext } from '../release-context.js';
import { isValidTag } from '../../oci/reference.js';
import { DEFAULT_TAG_RULES } from './default-rules.js';
import { TagError } from './errors.js';
import { readFacts, readReleaseVersion } from './facts.js';
import { judgeFloating, readRegistryVersions, type Affix, type StableVersion } from './floating.js';
import { DEFAULT_FLAVOR, type Flavor } from './flavor.js';
import { isEnabled, makeTag, renderGlobal, type Made } from './produce.js';
import type { TagRule } from './rules.js';

/** `auto`: `latest` for the highest stable release; `always`: on every run; `never`. */
export type LatestMode = 'auto' | 'always' | 'never';

export interface PlanTagsInput {
  /**
   * Parsed rules (`parseTagRules`); undefined or empty = gantry's defaults (`DEFAULT_TAG_RULES`),
   * as metadata-action falls back to its defaults when `tags` is empty.
   */
  readonly rules: readonly TagRule[] | undefined;
  readonly flavor?: Flavor;
  readonly context: ReleaseContext;
  /** Tags already in the image's first repository; undefined = not checked (offline). */
  readonly existingTags?: readonly string[];
  /** `--latest`; wins over the flavor's `latest=` when given. */
  readonly latest?: LatestMode;
}

export interface TagPlan {
  /** Tag names, in priority order, without duplicates; `latest` last. */
  readonly tags: string[];
  /** The tags among `tags` that name one version whole (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`): a published version is immutable. */
  readonly versionTags: string[];
  /** The release's version without `v`, or the explicit `--version`. */
  readonly version?: string;
  /** A semver pre-release, or a release GitHub marks as a pre-release. */
  readonly prerelease: boolean;
  /** One sentence per decision a reader may wonder about (floating tags, skipped rules). */
  readonly decisions: string[];
}

const FLAVOR_LATEST: Readonly<Record<Flavor['latest'], LatestMode>> = { auto: 'auto', true: 'always', false: 'never' };
// metadata-action's sanitizeTag: runs of characters a tag cannot hold become "-".
const UNSAFE_RE = /[^a-zA-Z0-9._-]+/g;

/**
 * Plans the tags of one image. Pure: the registry's tags are passed in. Throws
 * `TagError('TAG_INVALID')` when a rule makes a tag docker refuses, naming the rule.
 */
export function planTags(input: PlanTagsInput): TagPlan {
  const defaults = input.rules === undefined || input.rules.length === 0;
  const rules = defaults ? DEFAULT_TAG_RULES : input.rules;
  const flavor = input.flavor ?? DEFAULT_FLAVOR;
  const facts = readFacts(input.context);
  const release = readReleaseVersion(input.context, facts);
  const decisions = new Set<string>();
  const note = (d: string): void => void decisions.add(d);
  const label = (r: TagRule): string => (defaults ? `gantry's default rule (${r.source})` : `rule ${r.line} (${r.source})`);
  const affixes = (r: TagRule): Affix => ({
    prefix: renderGlobal(r.prefix ?? flavor.prefix, facts),
    suffix: renderGlobal(r.suffix ?? flavor.suffix, facts),
  });
  // gantry: the registry's versions, read also through the semver rules' prefixes and suffixes
  // (a `suffix=-alpine` rule finds 1.4.9 in `1.4.9-alpine`).
  const registry =
    input.existingTags === undefined
      ? undefined
      : readRegistryVersions(
          input.existingTags,
          rules.filter((r) => r.type === 'semver' || r.type === 'pep440').map(affixes),
          rules.some((r) => r.type === 'pep440'),
        );

  const tags: string[] = [];
  const versionTags: string[] = [];
  let first: Made | undefined;
  for (const rule of [...rules].sort((a, b) => b.priority - a.priority)) {
    if (typeof rule.enable === 'string' && facts.branch !== undefined && facts.defaultBranch === undefined) {
      note(`the default branch is not known, so {{${rule.enable}}} takes ${facts.branch} as another branch`);
    }
    if (!isEnabled(rule.enable, facts)) continue;
    const made = makeTag(rule, facts, release, note);
    if (made === undefined) continue;
    // gantry: an empty value makes no tag even with a prefix (metadata-action would push "pr-").
    if (made.value === '') {
      note(`${label(rule)} makes an empty tag here; skipped`);
      continue;
    }
    const { prefix, suffix } = affixes(rule);
    const tag = sanitize(`${prefix}${made.value}${suffix}`);
    first ??= made;
    if (made.float !== undefined) {
      const judged = judgeFloating(tag, made.float.range, made.float.version, registry);
      note(judged.decision);
      if (!judged.moves) continue;
    }
    add(tags, checkTag(tag, label(rule), defaults ? undefined : rule.line));
    if (made.exact) add(versionTags, tag);
  }

  const onLatest = (on: boolean, t: Flavor['prefix']): string => (on ? renderGlobal(t, facts) : '');
  const latestName = sanitize(`${onLatest(flavor.prefixLatest, flavor.prefix)}latest${onLatest(flavor.suffixLatest, flavor.suffix)}`);
  const latest = planLatest(latestName, input.latest ?? FLAVOR_LATEST[flavor.latest], first, registry);
  for (const d of latest.decisions) note(d);
  if (latest.add) add(tags, checkTag(latestName, 'the flavor (prefix/suffix with onlatest=true)'));
  if (tags.length === 0) note(`no rule makes a tag for this ${input.context.event} event`);
  return {
    tags,
    versionTags,
    ...(release.version === undefined ? {} : { version: release.version }),
    // A PEP 440 pre-release (1.2rc1) is no semver pre-release: the rule that made the first tag says so.
    prerelease: release.prerelease || first?.release?.kind === 'prerelease',
    decisions: [...decisions],
  };
}

function sanitize(tag: string): string {
  return tag.replace(UNSAFE_RE, '-');
}

function add(tags: string[], tag: string): void {
  if (!tags.includes(tag)) tags.push(tag);
}

function checkTag(tag: string, by: string, line?: number): string {
  if (isValidTag(tag)) return tag;
  const why =
    tag.length > 128
      ? `it is ${tag.length} characters long, and a tag holds at most 128`
      : 'a tag starts with a letter, digit or "_" and holds only letters, digits, "_", "." and "-"';
  throw new TagError('TAG_INVALID', `${by} makes ${JSON.stringify(tag)}, which is not a valid tag: ${why}`, line);
}

interface LatestPlan {
  readonly add: boolean;
  readonly decisions: readonly string[];
}

/**
 * `latest`, decided as metadata-action does by the first rule that made a tag, except that
 * gantry: under `auto` it needs a stable semver release that is the highest in the registry;
 * a pre-release or a tag that is not semver never takes `latest` by itself.
 */
function planLatest(name: string, mode: LatestMode, first: Made | undefined, registry: readonly StableVersion[] | undefined): LatestPlan {
  if (first === undefined) return { add: false, decisions: [] };
  const r = first.release;
  switch (mode) {
    case 'never':
      return { add: false, decisions: r === undefined ? [] : [`${name}: not moved (latest=never)`] };
    case 'always': {
      if (r?.kind === 'prerelease') {
        return {
          add: true,
          decisions: [`${name}: moves to pre-release ${r.version} because latest=always; users pulling latest get a pre-release`],
        };
      }
      if (r?.kind !== 'stable') return { add: true, decisions: [`${name}: moves to this build (latest=always)`] };
      const judged = judgeFloating(name, 'all', r.version, registry);
      const forced = judged.moves ? judged.decision : `${judged.decision}; moved anyway because latest=always`;
      return { add: true, decisions: [forced] };
    }
    case 'auto':
      if (r === undefined) return { add: false, decisions: [] };
      if (r.kind === 'prerelease') return { add: false, decisions: [`${name}: not moved, ${r.version} is a pre-release`] };
      if (r.kind === 'not-semver') {
        return {
          add: false,
          decisions: [
            `${name}: not moved, ${JSON.stringify(r.text)} is not a semver version so gantry cannot tell whether it is the newest (latest=always forces it)`,
          ],
        };
      }
      return ((j) => ({ add: j.moves, decisions: [j.decision] }))(judgeFloating(name, 'all', r.version, registry));
  }
}
