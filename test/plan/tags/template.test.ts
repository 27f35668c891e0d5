import { describe, expect, it } from 'vitest';
import {
  formatUtcDate,
  GLOBAL_PLACEHOLDERS,
  parseTemplate,
  placeholderNames,
  renderTemplate,
  templateText,
} from '../../../src/plan/tags/template.js';

const fail = (problem: string): never => {
  throw new Error(problem);
};

describe('templates', () => {
  it('parses literals and placeholders, with spaces and either quote', () => {
    const t = parseTemplate(
      `a-{{ branch }}-{{commit_date "YYYY"}}-{{commit_date 'MM' tz='UTC'}}-{{commit_date 'DD' tz="UTC"}}`,
      GLOBAL_PLACEHOLDERS,
      'value',
      fail,
    );
    expect(t).toEqual([
      'a-',
      { name: 'branch' },
      '-',
      { name: 'commit_date', format: 'YYYY' },
      '-',
      { name: 'commit_date', format: 'MM' },
      '-',
      { name: 'commit_date', format: 'DD' },
    ]);
    expect(placeholderNames(t)).toEqual(new Set(['branch', 'commit_date']));
    expect(templateText(t)).toBe("a-{{branch}}-{{commit_date 'YYYY'}}-{{commit_date 'MM'}}-{{commit_date 'DD'}}");
    expect(renderTemplate(t, (p) => p.format ?? p.name.toUpperCase())).toBe('a-BRANCH-YYYY-MM-DD');
  });

  it('keeps a lone "}}" as text', () => {
    expect(parseTemplate('a}}b', GLOBAL_PLACEHOLDERS, 'value', fail)).toEqual(['a}}b']);
  });

  it('formats commit dates with moment tokens, in UTC', () => {
    const d = new Date('2020-01-02T03:04:05.006Z');
    expect(formatUtcDate(d, 'YYYY YY MM M DD D HH H mm m ss s SSS T [at] [] -_.')).toBe('2020 20 01 1 02 2 03 3 04 4 05 5 006 T at  -_.');
    expect(formatUtcDate(new Date('2021-11-23T14:35:56.789Z'), 'YYYYMMDD-HHmmss')).toBe('20211123-143556');
  });

  it('copies tokens it does not know (the parser refuses them first)', () => {
    expect(formatUtcDate(new Date(0), 'dddd [')).toBe('dddd [');
  });
});
