import { describe, expect, it } from 'vitest';
import { GantryError } from '../../../src/oci/errors.js';
import { DEFAULT_FLAVOR, DEFAULT_TAG_RULES, parseFlavor, parseTagRules, TagError } from '../../../src/plan/tags/index.js';

function caught(f: () => unknown): TagError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TagError);
    expect(e).toBeInstanceOf(GantryError);
    return e as TagError;
  }
  throw new Error('expected a TagError');
}

describe('parseTagRules', () => {
  it('reads every type with its defaults (metadata-action priorities, sha-/pr- prefixes)', () => {
    const rules = parseTagRules(
      [
        '# comment',
        'type=semver,pattern={{version}},value={{tag}},match=v(.*)',
        '',
        'type=ref,event=pr',
        'type=ref,event=branch,prefix=b-,suffix=-x,priority=-5',
        'type=sha,format=long,enable=false',
        '  foo  ',
        'type=edge,branch=dev,enable={{ is_default_branch }}',
        'type=edge,branch=',
        'type=raw,value=x,enable={{is_not_default_branch}}',
      ].join('\r\n'),
    );
    expect(rules).toEqual([
      {
        line: 2,
        source: 'type=semver,pattern={{version}},value={{tag}},match=v(.*)',
        priority: 900,
        enable: true,
        type: 'semver',
        pattern: [{ name: 'version' }],
        value: [{ name: 'tag' }],
        match: 'v(.*)',
      },
      { line: 4, source: 'type=ref,event=pr', priority: 600, enable: true, type: 'ref', event: 'pr', prefix: ['pr-'] },
      {
        line: 5,
        source: 'type=ref,event=branch,prefix=b-,suffix=-x,priority=-5',
        priority: -5,
        enable: true,
        type: 'ref',
        event: 'branch',
        prefix: ['b-'],
        suffix: ['-x'],
      },
      { line: 6, source: 'type=sha,format=long,enable=false', priority: 100, enable: false, type: 'sha', format: 'long', prefix: ['sha-'] },
      { line: 7, source: 'foo', priority: 200, enable: true, type: 'raw', value: ['foo'] },
      {
        line: 8,
        source: 'type=edge,branch=dev,enable={{ is_default_branch }}',
        priority: 700,
        enable: 'is_default_branch',
        type: 'edge',
        branch: 'dev',
      },
      { line: 9, source: 'type=edge,branch=', priority: 700, enable: true, type: 'edge' },
      {
        line: 10,
        source: 'type=raw,value=x,enable={{is_not_default_branch}}',
        priority: 200,
        enable: 'is_not_default_branch',
        type: 'raw',
        value: ['x'],
      },
    ]);
  });

  it('keeps a rule prefix=pr-less pr rule as written, and an explicit empty sha prefix', () => {
    const [pr, sha] = parseTagRules(['type=ref,event=pr,prefix=', 'type=sha,prefix=']);
    expect(pr).toMatchObject({ prefix: [] });
    expect(sha).toMatchObject({ prefix: [], format: 'short' });
  });

  it('reads CSV quoting: commas inside quotes, doubled quotes, keys in any case', () => {
    const [a, b, c] = parseTagRules(['type=raw, \t"value=a,b"', 'TYPE=raw,"VALUE=say ""hi"""', 'type=raw,"value=x"y,,']);
    expect(a).toMatchObject({ value: ['a,b'] });
    expect(b).toMatchObject({ value: ['say "hi"'] });
    expect(c).toMatchObject({ value: ['xy'] });
  });

  it('reads a value with "=" in it, and a field that starts with "=" as a bare value', () => {
    expect(parseTagRules('type=raw,value=a=b')[0]).toMatchObject({ value: ['a=b'] });
    expect(parseTagRules('=x')[0]).toMatchObject({ value: ['=x'] });
  });

  it('numbers lines from firstLine, so errors point into gantry.yml', () => {
    expect(parseTagRules('type=sha', { firstLine: 12 })[0]?.line).toBe(12);
    const e = caught(() => parseTagRules('type=sha\ntype=nope', { firstLine: 12 }));
    expect(e).toMatchObject({ code: 'TAG_RULE_INVALID', line: 13, userError: true });
    expect(e.message).toMatch(/^tag rule at line 13 \(type=nope\): unknown type "nope"/);
  });

  it('has defaults that parse', () => {
    expect(DEFAULT_TAG_RULES.map((r) => r.type)).toEqual(['semver', 'semver', 'semver', 'semver', 'edge', 'ref', 'ref', 'sha']);
  });

  // Each bad rule: the message names its line (3: after a comment and a good rule) and the problem.
  it.each([
    ['type=foo', 'unknown type "foo" (known: semver, pep440, match, schedule, ref, sha, raw, edge)'],
    ['type=pep440', 'type=pep440 needs pattern='],
    ['type=match', 'type=match needs pattern='],
    ['type=match,pattern=v(.*),group=x', 'group must be a whole number'],
    ['type=match,pattern=/v(/i', 'not a valid regular expression'],
    ['type=schedule,pattern={{branch}}', 'pattern: unknown placeholder {{branch}} (known here: {{date}}, {{commit_date}})'],
    ['type=toString', 'unknown type "toString"'],
    [
      'type=semver,patern={{version}}',
      'unknown key "patern" for type=semver (known: type, enable, priority, prefix, suffix, pattern, value, match)',
    ],
    ['type=sha,foo', 'unknown key "value" (a field without "=" is a value) for type=sha'],
    ['type=raw,value=a,value=b', '"value" is given twice'],
    ['type=raw,value=a,b', 'a bare value and value= both set the value'],
    ['type=semver', 'type=semver needs pattern='],
    ['type=semver,pattern=', 'type=semver needs pattern='],
    [
      'type=semver,pattern={{versoin}}',
      'pattern: unknown placeholder {{versoin}} (known here: {{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}})',
    ],
    ['type=semver,pattern={{branch}}', 'pattern: unknown placeholder {{branch}}'],
    ['type=semver,pattern={{version', 'pattern: "{{" is not closed by "}}"'],
    ["type=semver,pattern={{version 'x'}}", 'pattern: {{version}} takes no arguments'],
    ['type=semver,pattern={{version}},match=(', 'not a valid regular expression'],
    ['type=raw,value={{date YYYYMMDD}}', "value: {{date YYYYMMDD}}: quote the format, as in {{date 'YYYYMMDD'}}"],
    ["type=raw,value={{date 'YYYY' locale='fr'}}", 'value: {{date}} takes only tz= (got locale='],
    ['type=raw,value={{constructor}}', 'value: unknown placeholder {{constructor}}'],
    ['type=raw,value={{a b}}', 'value: unknown placeholder {{a b}}'],
    ['type=raw,value={{commit_date}}', "value: {{commit_date}} needs a format, e.g. {{commit_date 'YYYYMMDD'}}"],
    ["type=raw,value={{commit_date 'YYYY' tz='Mars/Olympus'}}", 'value: {{commit_date}}: unknown time zone "Mars/Olympus"'],
    [
      "type=raw,value={{commit_date 'YYYY z' tz='Asia/Tokyo'}}",
      "value: {{commit_date}}: the format token z (zone name) is supported only with tz='UTC'",
    ],
    ['type=sha,prefix={{nope}}', 'prefix: unknown placeholder {{nope}}'],
    ['type=sha,suffix={{tag', 'suffix: "{{" is not closed'],
    ['type=raw,value=x,enable=yes', 'enable must be true, false, {{is_default_branch}} or {{is_not_default_branch}} (got "yes")'],
    ['type=raw,value=x,enable={{branch}}', 'enable must be true, false'],
    ['type=raw,value=x,enable=True', 'enable must be true, false'],
    ['type=raw,value=x,enable=constructor', 'enable must be true, false'],
    ['type=sha,priority=high', 'priority must be a whole number (got "high")'],
    ['type=sha,priority=1.5', 'priority must be a whole number'],
    ['type=ref', 'type=ref needs event=branch, event=tag or event=pr'],
    ['type=ref,event=push', 'event must be branch, tag or pr (got "push")'],
    ['type=sha,format=medium', 'format must be short or long (got "medium")'],
    ['type=raw,enable=true', 'type=raw needs value='],
    ['type=raw,"value=a', 'the quote opened in'],
  ])('refuses %s', (rule, problem) => {
    const e = caught(() => parseTagRules(`# rules\ntype=sha\n${rule}`));
    expect(e).toMatchObject({ code: 'TAG_RULE_INVALID', line: 3, userError: true });
    expect(e.message).toContain(`tag rule at line 3 (${rule}): ${problem}`);
  });
});

describe('parseFlavor', () => {
  it('has metadata-action defaults', () => {
    expect(parseFlavor('')).toEqual(DEFAULT_FLAVOR);
    expect(DEFAULT_FLAVOR).toEqual({ latest: 'auto', prefix: [], prefixLatest: false, suffix: [], suffixLatest: false });
  });

  it('reads latest, prefix, suffix and onlatest; later lines win', () => {
    expect(parseFlavor(['latest=true', 'prefix=app-{{branch}}-,onlatest=true', 'suffix=-alpine,onlatest=false', 'latest=false'])).toEqual({
      latest: 'false',
      prefix: ['app-', { name: 'branch' }, '-'],
      prefixLatest: true,
      suffix: ['-alpine'],
      suffixLatest: false,
    });
  });

  it('applies onlatest to the prefix or suffix just before it on its line', () => {
    expect(parseFlavor('prefix=a-,suffix=-b,onlatest=true')).toMatchObject({ prefixLatest: false, suffixLatest: true });
  });

  it.each([
    ['latest=maybe', 'latest must be auto, true or false (got "maybe")'],
    ['prefix=a,onlatest=yes', 'onlatest must be true or false (got "yes")'],
    ['onlatest=true', 'onlatest must follow prefix= or suffix= on the same line'],
    ['foo=bar', 'unknown flavor key "foo" (known: latest, prefix, suffix, onlatest)'],
    ['auto', 'unknown flavor key "value" (a field without "=" is read as value=)'],
    ['prefix={{nope}}', 'prefix: unknown placeholder {{nope}}'],
    ['latest=auto,latest=true', '"latest" is given twice'],
  ])('refuses %s', (line, problem) => {
    const e = caught(() => parseFlavor(`latest=auto\n${line}`, { firstLine: 40 }));
    expect(e).toMatchObject({ code: 'TAG_RULE_INVALID', line: 41 });
    expect(e.message).toContain(`flavor at line 41 (${line}): ${problem}`);
  });
});
