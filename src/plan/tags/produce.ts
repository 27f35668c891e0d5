// What one tag rule makes for one context, before prefix, suffix and the registry check.
// Follows metadata-action's src/meta.ts (`procSemver`, `procRefBranch`, `procEdge`, …).
import semver, { type SemVer } from 'semver';
import { globalValue, type RefFacts, type ReleaseVersion } from './facts.js';
import { floatRange, type FloatRange } from './floating.js';
import type { Enable, SemverRule, TagRule } from './rules.js';
import { placeholderNames, renderTemplate, templateText, type Placeholder } from './template.js';

/** How an output bears on `latest` under `latest=auto` (metadata-action: semver and ref,event=tag). */
export type ReleaseKind =
  | { readonly kind: 'stable'; readonly version: SemVer }
  | { readonly kind: 'prerelease'; readonly version: string }
  | { readonly kind: 'not-semver'; readonly text: string };

/** A rule's output, before prefix and suffix. */
export interface Made {
  readonly value: string;
  readonly release?: ReleaseKind;
  /** Set when the output is a floating tag: it follows `range` and would now name `version`. */
  readonly float?: { readonly range: FloatRange; readonly version: SemVer };
  /** Set when the output names one version, whole (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`): a published version never moves. */
  readonly exact?: true;
}

/** True when a rule's `enable` holds in this context. */
export function isEnabled(e: Enable, f: RefFacts): boolean {
  if (typeof e === 'boolean') return e;
  return e === 'is_default_branch' ? f.isDefaultBranch : !f.isDefaultBranch;
}

/** Renders a `value`/`prefix`/`suffix` template with the global expressions. */
export function renderGlobal(t: readonly (string | Placeholder)[], f: RefFacts): string {
  return renderTemplate(t, (p) => globalValue(f, p));
}

/**
 * What `rule` makes, or undefined when it does not apply to this context (a `type=ref,event=pr`
 * rule on a push, a `type=semver` rule without a version…). `note` records why, when it is not
 * obvious.
 */
export function makeTag(rule: TagRule, f: RefFacts, release: ReleaseVersion, note: (decision: string) => void): Made | undefined {
  switch (rule.type) {
    case 'semver':
      return makeSemver(rule, f, note);
    case 'ref':
      if (rule.event === 'branch') return f.branch === undefined ? undefined : { value: f.branch };
      if (rule.event === 'pr') return f.pr === undefined ? undefined : { value: String(f.pr) };
      if (f.tag === undefined) return undefined;
      // The git tag names the release's version when that version is semver (v1.2.3).
      return {
        value: f.tag,
        release: releaseKind(release, f.versionText!),
        ...(release.parsed === undefined ? {} : { exact: true as const }),
      };
    case 'sha':
      return { value: rule.format === 'long' ? f.sha : f.shortSha };
    case 'raw':
      return { value: renderGlobal(rule.value, f) };
    case 'edge': {
      if (f.branch === undefined) return undefined;
      const target = rule.branch ?? f.defaultBranch;
      if (target === undefined) note('type=edge: the default branch is not known, so no edge tag (name it with type=edge,branch=NAME)');
      return f.branch === target ? { value: 'edge' } : undefined;
    }
  }
}

function releaseKind(r: ReleaseVersion, text: string): ReleaseKind {
  if (r.parsed === undefined) return { kind: 'not-semver', text };
  return r.prerelease ? { kind: 'prerelease', version: r.parsed.version } : { kind: 'stable', version: r.parsed };
}

function makeSemver(rule: SemverRule, f: RefFacts, note: (decision: string) => void): Made | undefined {
  // metadata-action: the git tag on tag events, or `value=` whatever the event. gantry also
  // reads an explicit --version, which wins over the tag.
  let text = rule.value !== undefined && rule.value.length > 0 ? renderGlobal(rule.value, f) : f.versionText;
  if (text === undefined) return undefined;
  if (rule.match !== undefined) {
    const m = new RegExp(rule.match).exec(text);
    if (m) text = m[1] ?? m[0];
    else note(`match=${rule.match} does not match ${JSON.stringify(text)}, so the whole text is read as the version`);
  }
  text = text.replace(/\//g, '-');
  const v = semver.parse(text);
  if (v === null) {
    note(`${JSON.stringify(text)} is not a semver version, so type=semver rules make no tag`);
    return undefined;
  }
  const range = floatRange(rule.pattern);
  if (v.prerelease.length > 0 || f.flaggedPrerelease) {
    const why = v.prerelease.length > 0 ? '' : ' (GitHub marks the release as a pre-release)';
    if (range !== undefined) note(`${templateText(rule.pattern)}: no floating tag for pre-release ${v.version}${why}`);
    // metadata-action: a pre-release only gets `{{version}}` (or `{{raw}}`). gantry renders any
    // pattern that names the whole version (`v{{version}}`) as written, and, like metadata-action,
    // gives `{{version}}` for the rest, so `{{major}}.{{minor}}.{{patch}}` never names 2.0.8 for 2.0.8-rc.1.
    const whole = placeholderNames(rule.pattern);
    const value = whole.has('version') || whole.has('raw') ? renderSemver(rule.pattern, v) : v.version;
    return { value, release: { kind: 'prerelease', version: v.version }, exact: true };
  }
  return {
    value: renderSemver(rule.pattern, v),
    release: { kind: 'stable', version: v },
    ...(range === undefined ? { exact: true as const } : { float: { range, version: v } }),
  };
}

function renderSemver(pattern: readonly (string | Placeholder)[], v: SemVer): string {
  return renderTemplate(pattern, (p) => {
    switch (p.name) {
      case 'raw':
        return v.raw;
      case 'version':
        return v.version;
      case 'major':
        return String(v.major);
      case 'minor':
        return String(v.minor);
      default:
        return String(v.patch);
    }
  });
}
