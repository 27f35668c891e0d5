// What one tag rule makes for one context, before prefix, suffix and the registry check.
// Follows metadata-action's src/meta.ts (`procSemver`, `procRefBranch`, `procEdge`, …).
import semver, { type SemVer } from 'semver';
import { globalValue, type RefFacts, type ReleaseVersion } from './facts.js';
import { floatRange, stableOfSemver, type FloatRange, type StableVersion } from './floating.js';
import { isPep440Prerelease, normalizePep440, parsePep440, pep440Part, type Pep440 } from './pep440.js';
import type { Enable, MatchRule, Pep440Rule, SemverRule, TagRule } from './rules.js';
import { placeholderNames, renderTemplate, templateText, type Placeholder } from './template.js';

/** How an output bears on `latest` under `latest=auto` (metadata-action: semver and ref,event=tag). */
export type ReleaseKind =
  | { readonly kind: 'stable'; readonly version: StableVersion }
  | { readonly kind: 'prerelease'; readonly version: string }
  | { readonly kind: 'not-semver'; readonly text: string };

/** A rule's output, before prefix and suffix. */
export interface Made {
  readonly value: string;
  readonly release?: ReleaseKind;
  /** Set when the output is a floating tag: it follows `range` and would now name `version`. */
  readonly float?: { readonly range: FloatRange; readonly version: StableVersion };
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
    case 'pep440':
      return makePep440(rule, f, note);
    case 'match':
      return makeMatch(rule, f, note);
    case 'schedule':
      // metadata-action: only on the schedule event; never `latest` under latest=auto.
      return f.scheduled ? { value: renderGlobal(rule.pattern, f) } : undefined;
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
  return r.prerelease ? { kind: 'prerelease', version: r.parsed.version } : { kind: 'stable', version: stableOfSemver(r.parsed) };
}

/**
 * The text a `type=semver` or `type=pep440` rule reads: `value=`, else the git tag (metadata-action:
 * the git tag on tag events, or `value=` whatever the event; gantry also reads an explicit
 * --version, which wins over the tag), through `match=`, with `/` made `-`.
 */
function versionInput(rule: SemverRule | Pep440Rule, f: RefFacts, note: (decision: string) => void): string | undefined {
  let text = rule.value !== undefined && rule.value.length > 0 ? renderGlobal(rule.value, f) : f.versionText;
  if (text === undefined) return undefined;
  if (rule.match !== undefined) {
    const m = new RegExp(rule.match).exec(text);
    if (m) text = m[1] ?? m[0];
    else note(`match=${rule.match} does not match ${JSON.stringify(text)}, so the whole text is read as the version`);
  }
  return text.replace(/\//g, '-');
}

function makeSemver(rule: SemverRule, f: RefFacts, note: (decision: string) => void): Made | undefined {
  const text = versionInput(rule, f, note);
  if (text === undefined) return undefined;
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
  const stable = stableOfSemver(v);
  return {
    value: renderSemver(rule.pattern, v),
    release: { kind: 'stable', version: stable },
    ...(range === undefined ? { exact: true as const } : { float: { range, version: stable } }),
  };
}

// metadata-action's procPep440, with gantry's semver rules: a pre-, post- or development release
// (or a release GitHub flags as a pre-release) gets no floating tag and no `latest`; a pattern that
// names the whole version renders as written, any other gives the normalized version.
function makePep440(rule: Pep440Rule, f: RefFacts, note: (decision: string) => void): Made | undefined {
  const text = versionInput(rule, f, note);
  if (text === undefined) return undefined;
  const v = parsePep440(text);
  if (v === null) {
    note(`${JSON.stringify(text)} is not a PEP 440 version, so type=pep440 rules make no tag`);
    return undefined;
  }
  const range = floatRange(rule.pattern);
  const clean = normalizePep440(v);
  if (isPep440Prerelease(v) || f.flaggedPrerelease) {
    const why = isPep440Prerelease(v) ? '' : ' (GitHub marks the release as a pre-release)';
    if (range !== undefined) note(`${templateText(rule.pattern)}: no floating tag for pre-release ${clean}${why}`);
    const whole = placeholderNames(rule.pattern);
    const value = whole.has('version') || whole.has('raw') ? renderPep440(rule.pattern, v) : clean;
    return { value, release: { kind: 'prerelease', version: clean }, exact: true };
  }
  const stable: StableVersion = { epoch: v.epoch, release: v.release, version: clean };
  return {
    value: renderPep440(rule.pattern, v),
    release: { kind: 'stable', version: stable },
    ...(range === undefined ? { exact: true as const } : { float: { range, version: stable } }),
  };
}

function renderPep440(pattern: readonly (string | Placeholder)[], v: Pep440): string {
  return renderTemplate(pattern, (p) => {
    switch (p.name) {
      case 'raw':
        return v.raw;
      case 'version':
        return normalizePep440(v);
      case 'major':
        return String(pep440Part(v, 0));
      case 'minor':
        return String(pep440Part(v, 1));
      default:
        return String(pep440Part(v, 2));
    }
  });
}

/**
 * metadata-action's procMatch: a group of the pattern's match on `value=` or the git tag. Its
 * output is neither exact nor floating for gantry (a regular expression does not say which); for
 * `latest` it stands for the release it was cut from: a semver pre-release (or a release GitHub
 * flags) is a pre-release; else the output, or failing that the text, read as a stable semver
 * version; else a text that is not a version (no `latest` under latest=auto).
 */
function makeMatch(rule: MatchRule, f: RefFacts, note: (decision: string) => void): Made | undefined {
  const text = rule.value !== undefined && rule.value.length > 0 ? renderGlobal(rule.value, f) : f.versionText;
  if (text === undefined) return undefined;
  rule.pattern.lastIndex = 0;
  const m = text.match(rule.pattern);
  if (m === null) {
    note(`type=match: ${String(rule.pattern)} does not match ${JSON.stringify(text)}; no tag`);
    return undefined;
  }
  const value = m[rule.group];
  if (value === undefined) {
    note(`type=match: ${String(rule.pattern)} has no group ${rule.group} in its match on ${JSON.stringify(text)}; no tag`);
    return undefined;
  }
  const input = semver.parse(text.replace(/\//g, '-'));
  if ((input !== null && input.prerelease.length > 0) || f.flaggedPrerelease) {
    return { value, release: { kind: 'prerelease', version: input?.version ?? text } };
  }
  const stable = [semver.parse(value), input].find((v): v is SemVer => v !== null && v.prerelease.length === 0);
  return { value, release: stable === undefined ? { kind: 'not-semver', text } : { kind: 'stable', version: stableOfSemver(stable) } };
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
