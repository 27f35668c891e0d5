import { describe, expect, it } from 'vitest';
import { formatMoment } from '../../../src/plan/tags/moment.js';
import { GLOBAL_PLACEHOLDERS, parseTemplate, placeholderNames, renderTemplate, templateText } from '../../../src/plan/tags/template.js';

const fail = (problem: string): never => {
  throw new Error(problem);
};

describe('templates', () => {
  it('parses literals and placeholders, with spaces and either quote', () => {
    const t = parseTemplate(
      `a-{{ branch }}-{{commit_date "YYYY"}}-{{commit_date 'MM' tz='UTC'}}-{{date 'DD' tz="Asia/Tokyo"}}-{{base_ref}}`,
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
      { name: 'date', format: 'DD', tz: 'Asia/Tokyo' },
      '-',
      { name: 'base_ref' },
    ]);
    expect(placeholderNames(t)).toEqual(new Set(['branch', 'commit_date', 'date', 'base_ref']));
    expect(templateText(t)).toBe("a-{{branch}}-{{commit_date 'YYYY'}}-{{commit_date 'MM'}}-{{date 'DD' tz='Asia/Tokyo'}}-{{base_ref}}");
    expect(renderTemplate(t, (p) => p.format ?? p.name.toUpperCase())).toBe('a-BRANCH-YYYY-MM-DD-BASE_REF');
  });

  it('keeps a lone "}}" as text', () => {
    expect(parseTemplate('a}}b', GLOBAL_PLACEHOLDERS, 'value', fail)).toEqual(['a}}b']);
  });
});

// Expected values as moment.js 2.30 (English locale) formats them; see https://momentjs.com/docs/#/displaying/format/.
describe('moment.js format tokens', () => {
  const d = new Date('2020-01-02T03:04:05.006Z'); // a Thursday
  it.each([
    ['YYYY YY MM M DD D HH H mm m ss s SSS T [at] [] -_.', '2020 20 01 1 02 2 03 3 04 4 05 5 006 T at  -_.'],
    ['YYYYMMDD-HHmmss', '20200102-030405'],
    ['S SS SSS SSSS SSSSSS', '0 00 006 0060 006000'],
    ['MMM MMMM Mo Q Qo', 'Jan January 1st 1 1st'],
    ['Do DDD DDDo DDDD', '2nd 2 2nd 002'],
    ['d do dd ddd dddd e E', '4 4th Th Thu Thursday 4 4'],
    ['w wo ww W Wo WW gggg GGGG gg GG', '1 1st 01 1 1st 01 2020 2020 20 20'],
    ['A a h hh k kk Hmm hmmss', 'AM am 3 03 3 03 304 30405'],
    ['Z ZZ z zz', '+00:00 +0000 UTC UTC'],
    ['X x', '1577934245 1577934245006'],
    ['N NNNN y', 'AD Anno Domini 2020'],
    ['LT L LL', '3:04 AM 01/02/2020 January 2, 2020'],
    ['\\Y [YYYY] q', 'Y YYYY q'],
  ])('%s', (format, expected) => {
    expect(formatMoment(d, format)).toBe(expected);
  });

  it('renders in a time zone: the wall clock there, and its offset', () => {
    expect(formatMoment(new Date('2020-01-10T00:30:00Z'), 'YYYYMMDD-HHmmss Z', 'Asia/Tokyo')).toBe('20200110-093000 +09:00');
    expect(formatMoment(new Date('2020-01-10T00:30:00Z'), 'YYYY-MM-DD HH:mm ZZ', 'America/New_York')).toBe('2020-01-09 19:30 -0500');
    expect(formatMoment(new Date('2020-07-01T12:00:00Z'), 'HH Z', 'Asia/Kolkata')).toBe('17 +05:30');
  });

  it('numbers ISO weeks across the year boundary', () => {
    // 2021-01-01 is a Friday: ISO week 53 of 2020; in the English locale, week 1 of 2021.
    expect(formatMoment(new Date('2021-01-01T12:00:00Z'), 'W GGGG w gggg')).toBe('53 2020 1 2021');
  });
});
