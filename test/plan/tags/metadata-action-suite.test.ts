// metadata-action's own tag test cases (__tests__/meta.test.ts, 131 cases; see
// fixtures/metadata-action/NOTICE.md), run through gantry: the GitHub environment and event payload
// of each case are read by gantry's own reader (contextFromGitHub), the case's `tags` and `flavor`
// by gantry's parser, and planTags makes the tags offline (no registry check), as metadata-action does.
//
// Every case ends in one of three verdicts:
// - same: gantry makes exactly metadata-action's tags;
// - differs: gantry makes other tags, for a reason docs/tags.md documents (the `doc` text is checked
//   to be in docs/tags.md);
// - refused: gantry refuses the configuration on purpose, with a clear error (at most 5 cases).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextFromGitHub } from '../../../src/github/event-context.js';
import type { ReleaseContext } from '../../../src/plan/release-context.js';
import { parseFlavor, parseTagRules, planTags } from '../../../src/plan/tags/index.js';

const DIR = join(import.meta.dirname, 'fixtures', 'metadata-action');
// metadata-action's suite freezes the clock and the commit date at this instant.
const NOW = '2020-01-10T00:30:00.000Z';

interface Case {
  readonly name: string;
  readonly group: string;
  readonly env: string;
  readonly tags: readonly string[];
  readonly flavor: readonly string[];
  readonly images: readonly string[];
  readonly expected: readonly string[];
  readonly extraEnv?: Readonly<Record<string, string>>;
}

const CASES = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[];

function readEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(DIR, file), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The tag names of metadata-action's image references, in order, once each. */
function tagNames(refs: readonly string[]): string[] {
  return [...new Set(refs.map((r) => r.slice(r.lastIndexOf(':') + 1)))];
}

function gantryTags(c: Case): string[] {
  const env = { ...readEnv(c.env), ...c.extraEnv };
  const eventPath = env.GITHUB_EVENT_PATH;
  const payload: unknown = eventPath ? JSON.parse(readFileSync(join(DIR, eventPath.replace(/^.*\//, '')), 'utf8')) : {};
  // Outside GitHub Actions (no GITHUB_EVENT_NAME: the `null` group) gantry reads the git checkout;
  // these cases have none to read: a local run that knows no commit, tag or branch.
  const context: ReleaseContext = env.GITHUB_EVENT_NAME
    ? contextFromGitHub(env, payload, NOW)
    : { event: 'local', sha: env.GITHUB_SHA ?? '', commitTime: NOW };
  const plan = planTags({
    rules: parseTagRules(c.tags),
    flavor: parseFlavor(c.flavor),
    context: { ...context, planTime: NOW },
  });
  return plan.tags;
}

// The differences docs/tags.md documents; each text below is quoted from it.
const DEFAULTS = "An empty `tags:` gives gantry's default rules";
const PRERELEASE = 'Pre-releases never get `latest` under `auto`';
const NOT_SEMVER = '`latest=auto` gives no `latest` to a git tag that is not semver';
const UNQUOTED = "A date format is quoted: `{{commit_date 'YYYYMMDD'}}`";

type Verdict =
  | { readonly differs: { readonly gantry: readonly string[]; readonly doc: string } }
  | { readonly refused: { readonly error: RegExp; readonly because: string } };

const differs = (doc: string, ...gantry: string[]): Verdict => ({ differs: { gantry, doc } });

/** Every case not listed gives metadata-action's tags. */
const VERDICTS: Readonly<Record<string, Verdict>> = {
  // gantry's defaults add sha-… everywhere, edge on the default branch and the semver tags on a release.
  'push/push01': differs(DEFAULTS, 'dev', 'sha-860c190'),
  'push/push03': differs(DEFAULTS, 'edge', 'sha-2665741'),
  'push/push05': differs(DEFAULTS, 'dev', 'sha-860c190'),
  'tag/tag01': differs(DEFAULTS, 'sha-860c190'),
  'tag/tag02': differs(DEFAULTS, 'sha-860c190'),
  'latest/latest05': differs(DEFAULTS, '1.1.1', 'v1.1.1', '1.1', '1', 'sha-860c190', 'latest'),
  'pr/pr01': differs(DEFAULTS, 'pr-15', 'sha-a9c8c58'),
  'pr/pr02': differs(DEFAULTS, 'pr-15', 'sha-a9c8c58'),
  'pr-head-sha/pr01': differs(DEFAULTS, 'pr-15', 'sha-3370e22'),
  'pr-head-sha/pr02': differs(DEFAULTS, 'pr-15', 'sha-3370e22'),
  'schedule/schedule01': differs(DEFAULTS, 'edge', 'sha-860c190'),
  'schedule/schedule04': differs(DEFAULTS, 'edge', 'sha-860c190'),
  'json/json07': differs(DEFAULTS, '1.1.1', 'v1.1.1', '1.1', '1', 'sha-860c190', 'latest'),
  'bakeFile/bakeFile07': differs(DEFAULTS, '1.1.1', 'v1.1.1', '1.1', '1', 'sha-860c190', 'latest'),
  // The release fixture is flagged as a pre-release by GitHub ("prerelease": true).
  'release/release01': differs(DEFAULTS, '1.1.1', 'v1.1.1', 'sha-860c190'),
  'release/release02': differs(PRERELEASE, 'v1.1.1', 'baseref-'),
  // v2.0.8-beta.67 is a pre-release, whatever a type=match rule cuts out of it.
  'tag/tag07': differs(PRERELEASE, '2.0.8-beta.67'),
  'tag/tag08': differs(PRERELEASE, '2.0'),
  'tag/tag09': differs(PRERELEASE, '2.0.8', '67'),
  'latest/latest06': differs(PRERELEASE, '2.0.8'),
  'latest/latest10': differs(PRERELEASE, '2.0.8'),
  // release1 and 20200110-RC2 are no semver versions: gantry cannot tell whether they are the newest.
  'latest/latest01': differs(NOT_SEMVER, 'release1'),
  'latest/latest02': differs(NOT_SEMVER, '20200110-RC2'),
  'latest/latest03': differs(NOT_SEMVER, '20200110'),
  'raw/raw03': differs(NOT_SEMVER, 'release1', 'my', 'custom', 'tags'),
  'json/json03': differs(NOT_SEMVER, 'release1', 'my', 'custom', 'tags'),
  'bakeFile/bakeFile03': differs(NOT_SEMVER, 'release1', 'my', 'custom', 'tags'),
  // `{{commit_date YYYY-MM-DD}}` (format not quoted) is a Handlebars lookup of a variable that does
  // not exist: metadata-action formats with no format at all (an ISO time), which the user did not
  // ask for. gantry says to quote the format.
  'pr/pr12': { refused: { error: /quote the format/, because: UNQUOTED } },
  'pr-head-sha/pr12': { refused: { error: /quote the format/, because: UNQUOTED } },
};

describe("metadata-action's tag test cases", () => {
  const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'tags.md'), 'utf8');
  const ids = CASES.map((c) => `${c.group}/${c.name}`);

  it.each(CASES.map((c) => [`${c.group}/${c.name}`, c] as const))('%s', (id, c) => {
    const verdict = VERDICTS[id];
    const theirs = tagNames(c.expected);
    if (verdict !== undefined && 'refused' in verdict) {
      expect(() => gantryTags(c)).toThrow(verdict.refused.error);
      expect(DOC).toContain(verdict.refused.because);
      return;
    }
    const ours = gantryTags(c);
    if (verdict === undefined) {
      expect(ours, `gantry's tags for rules ${JSON.stringify(c.tags)} on ${c.env}`).toEqual(theirs);
    } else {
      expect(ours).toEqual(verdict.differs.gantry);
      expect(ours, 'a case listed as a difference must differ').not.toEqual(theirs);
      expect(DOC, 'the difference is documented in docs/tags.md').toContain(verdict.differs.doc);
    }
  });

  it('counts: 102 same, 27 documented differences, 2 refused (at most 5)', () => {
    expect(new Set(ids).size).toBe(131);
    for (const id of Object.keys(VERDICTS)) expect(ids).toContain(id);
    const verdicts = Object.values(VERDICTS);
    const refused = verdicts.filter((v) => 'refused' in v).length;
    const documented = verdicts.length - refused;
    const same = ids.length - verdicts.length;
    console.log(`metadata-action's ${ids.length} tag cases: ${same} same, ${documented} documented differences, ${refused} refused`);
    expect(refused).toBeLessThanOrEqual(5);
    expect({ same, documented, refused }).toEqual({ same: 102, documented: 27, refused: 2 });
  });
});
