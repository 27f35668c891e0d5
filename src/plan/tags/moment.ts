// moment.js's `format()` (https://momentjs.com/docs/#/displaying/format/), English locale, in any
// IANA time zone: what metadata-action's `{{date 'FORMAT' tz='ZONE'}}` and `{{commit_date …}}`
// render with moment-timezone. The tokenizer is moment's own regular expressions; the zone's
// wall-clock time comes from Intl (Node's ICU time zone data).

// moment's `localFormattingTokens` and `formattingTokens` (src/lib/format/format.js).
const LOCAL_TOKENS_RE = /(\[[^[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})/g;
const TOKENS_RE =
  /(\[[^[]*\])|(\\)?([Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)/g;
// The English locale's long date formats.
const LONG_FORMATS: Readonly<Record<string, string>> = {
  LTS: 'h:mm:ss A',
  LT: 'h:mm A',
  L: 'MM/DD/YYYY',
  LL: 'MMMM D, YYYY',
  LLL: 'MMMM D, YYYY h:mm A',
  LLLL: 'dddd, MMMM D, YYYY h:mm A',
  l: 'M/D/YYYY',
  ll: 'MMM D, YYYY',
  lll: 'MMM D, YYYY h:mm A',
  llll: 'ddd, MMM D, YYYY h:mm A',
};
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Throws a RangeError when `zone` is not a time zone Intl knows. */
export function checkTimeZone(zone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone: zone });
}

/** True when `zone` is UTC by another name (moment-timezone's `z` is then `UTC`). */
export function isUtcZone(zone: string): boolean {
  return /^(?:Etc\/)?(?:UTC|UCT|Universal|Zulu|GMT|Greenwich|GMT[+-]?0)$/i.test(zone);
}

/** The format tokens `format` uses (after expanding `L`, `LT`, …), for validation. */
export function formatTokens(format: string): string[] {
  const out: string[] = [];
  for (const m of expandLongFormats(format).matchAll(TOKENS_RE)) if (m[1] === undefined && m[2] === undefined) out.push(m[3]!);
  return out;
}

/** Formats `date` in `zone` as moment.js formats it in the English locale. */
export function formatMoment(date: Date, format: string, zone = 'UTC'): string {
  const t = zoned(date, zone);
  return expandLongFormats(format).replace(TOKENS_RE, (all: string, literal?: string, escaped?: string, token?: string) => {
    if (literal !== undefined) return literal.slice(1, -1);
    if (escaped !== undefined) return all.replace(/\\/g, '');
    return tokenValue(token!, t) ?? token!;
  });
}

function expandLongFormats(format: string): string {
  // moment expands up to five times, for long formats that contain long formats.
  let f = format;
  for (let i = 0; i < 5; i++) {
    const next = f.replace(LOCAL_TOKENS_RE, (all: string, literal?: string, escaped?: string, token?: string) =>
      literal !== undefined || escaped !== undefined ? all : LONG_FORMATS[token!]!,
    );
    if (next === f) break;
    f = next;
  }
  return f;
}

interface Zoned {
  readonly ms: number;
  readonly year: number;
  /** 0-11 */
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday */
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  /** Minutes east of UTC. */
  readonly offset: number;
  readonly zone: string;
}

function zoned(date: Date, zone: string): Zoned {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  }).formatToParts(date);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const bc = parts.find((p) => p.type === 'era')?.value === 'BC';
  const year = bc ? 1 - get('year') : get('year');
  const [month, day, hour, minute, second] = [get('month') - 1, get('day'), get('hour'), get('minute'), get('second')];
  const ms = date.getTime();
  const millisecond = ((ms % 1000) + 1000) % 1000;
  const local = Date.UTC(year, month, day, hour, minute, second, millisecond);
  const shifted = new Date(local);
  shifted.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  return {
    ms,
    year,
    month,
    day,
    weekday: shifted.getUTCDay(),
    hour,
    minute,
    second,
    millisecond,
    offset: Math.round((shifted.getTime() - ms) / 60000),
    zone,
  };
}

const pad = (n: number, w: number): string => (n < 0 ? '-' : '') + String(Math.abs(n)).padStart(w, '0');
const signedPad = (n: number, w: number): string => (n >= 0 ? '+' : '-') + String(Math.abs(n)).padStart(w, '0');

function ordinal(n: number): string {
  const b = n % 10;
  const suffix = Math.floor((n % 100) / 10) === 1 ? 'th' : b === 1 ? 'st' : b === 2 ? 'nd' : b === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** Day of the year, 1-366. */
function dayOfYear(t: Zoned): number {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month, t.day);
  const start = new Date(0);
  start.setUTCFullYear(t.year, 0, 1);
  return Math.round((d.getTime() - start.getTime()) / 86400000) + 1;
}

/**
 * moment's weekOfYear: weeks start on `dow` (0 = Sunday) and week 1 holds January `7 + dow - doy`.
 * ISO: dow 1, doy 4; the English locale: dow 0, doy 6.
 */
function weekOfYear(t: Zoned, dow: number, doy: number): { week: number; year: number } {
  const weekOfYearFor = (year: number, yday: number): { week: number; year: number } => {
    const weekOffset = firstWeekOffset(year, dow, doy);
    const week = Math.floor((yday - weekOffset - 1) / 7) + 1;
    if (week < 1) {
      const prev = year - 1;
      return { week: week + weeksInYear(prev, dow, doy), year: prev };
    }
    if (week > weeksInYear(year, dow, doy)) return { week: week - weeksInYear(year, dow, doy), year: year + 1 };
    return { week, year };
  };
  return weekOfYearFor(t.year, dayOfYear(t));
}

function firstWeekOffset(year: number, dow: number, doy: number): number {
  const fwd = 7 + dow - doy;
  const d = new Date(0);
  d.setUTCFullYear(year, 0, fwd);
  const fwdlw = (7 + d.getUTCDay() - dow) % 7;
  return -fwdlw + fwd - 1;
}

function weeksInYear(year: number, dow: number, doy: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const weekOffset = firstWeekOffset(year, dow, doy);
  const weekOffsetNext = firstWeekOffset(year + 1, dow, doy);
  return ((leap ? 366 : 365) - weekOffset + weekOffsetNext) / 7;
}

function tokenValue(token: string, t: Zoned): string | undefined {
  const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const offset = (sep: string): string =>
    (t.offset < 0 ? '-' : '+') + pad(Math.trunc(Math.abs(t.offset) / 60), 2) + sep + pad(Math.abs(t.offset) % 60, 2);
  if (/^S{1,9}$/.test(token)) return String(t.millisecond).padStart(3, '0').padEnd(token.length, '0').slice(0, token.length);
  // prettier-ignore
  switch (token) {
    case 'M': return String(t.month + 1);
    case 'Mo': return ordinal(t.month + 1);
    case 'MM': return pad(t.month + 1, 2);
    case 'MMM': return MONTHS[t.month]!.slice(0, 3);
    case 'MMMM': return MONTHS[t.month]!;
    case 'Q': return String(Math.floor(t.month / 3) + 1);
    case 'Qo': return ordinal(Math.floor(t.month / 3) + 1);
    case 'D': return String(t.day);
    case 'Do': return ordinal(t.day);
    case 'DD': return pad(t.day, 2);
    case 'DDD': return String(dayOfYear(t));
    case 'DDDo': return ordinal(dayOfYear(t));
    case 'DDDD': return pad(dayOfYear(t), 3);
    case 'd': return String(t.weekday);
    case 'do': return ordinal(t.weekday);
    case 'dd': return DAYS[t.weekday]!.slice(0, 2);
    case 'ddd': return DAYS[t.weekday]!.slice(0, 3);
    case 'dddd': return DAYS[t.weekday]!;
    case 'e': return String(t.weekday); // English locale: the week starts on Sunday
    case 'E': return String(t.weekday === 0 ? 7 : t.weekday);
    case 'w': return String(weekOfYear(t, 0, 6).week);
    case 'wo': return ordinal(weekOfYear(t, 0, 6).week);
    case 'ww': return pad(weekOfYear(t, 0, 6).week, 2);
    case 'W': return String(weekOfYear(t, 1, 4).week);
    case 'Wo': return ordinal(weekOfYear(t, 1, 4).week);
    case 'WW': return pad(weekOfYear(t, 1, 4).week, 2);
    case 'YY': return pad(((t.year % 100) + 100) % 100, 2);
    case 'YYYY': return pad(t.year, 4);
    case 'YYYYY': return pad(t.year, 5);
    case 'YYYYYY': return signedPad(t.year, 6);
    case 'Y': return t.year <= 9999 ? pad(t.year, 4) : `+${t.year}`;
    case 'y': case 'yyyy': return String(t.year > 0 ? t.year : 1 - t.year);
    case 'yy': return pad(t.year > 0 ? t.year : 1 - t.year, 2);
    case 'yyy': return String(t.year > 0 ? t.year : 1 - t.year).padStart(3, '0');
    case 'yo': return ordinal(t.year > 0 ? t.year : 1 - t.year);
    case 'N': case 'NN': case 'NNN': return t.year > 0 ? 'AD' : 'BC';
    case 'NNNN': return t.year > 0 ? 'Anno Domini' : 'Before Christ';
    case 'NNNNN': return t.year > 0 ? 'AD' : 'BC';
    case 'gg': return pad(weekOfYear(t, 0, 6).year % 100, 2);
    case 'gggg': return pad(weekOfYear(t, 0, 6).year, 4);
    case 'ggggg': return pad(weekOfYear(t, 0, 6).year, 5);
    case 'GG': return pad(weekOfYear(t, 1, 4).year % 100, 2);
    case 'GGGG': return pad(weekOfYear(t, 1, 4).year, 4);
    case 'GGGGG': return pad(weekOfYear(t, 1, 4).year, 5);
    case 'A': return t.hour < 12 ? 'AM' : 'PM';
    case 'a': return t.hour < 12 ? 'am' : 'pm';
    case 'H': return String(t.hour);
    case 'HH': return pad(t.hour, 2);
    case 'h': return String(h12);
    case 'hh': return pad(h12, 2);
    case 'k': return String(t.hour === 0 ? 24 : t.hour);
    case 'kk': return pad(t.hour === 0 ? 24 : t.hour, 2);
    case 'hmm': return `${h12}${pad(t.minute, 2)}`;
    case 'hmmss': return `${h12}${pad(t.minute, 2)}${pad(t.second, 2)}`;
    case 'Hmm': return `${t.hour}${pad(t.minute, 2)}`;
    case 'Hmmss': return `${t.hour}${pad(t.minute, 2)}${pad(t.second, 2)}`;
    case 'm': return String(t.minute);
    case 'mm': return pad(t.minute, 2);
    case 's': return String(t.second);
    case 'ss': return pad(t.second, 2);
    case 'Z': return offset(':');
    case 'ZZ': return offset('');
    case 'z': case 'zz': return 'UTC'; // the parser allows z only with a UTC zone (see template.ts)
    case 'X': return String(Math.floor(t.ms / 1000));
    case 'x': return String(t.ms);
    default: return undefined; // any other character is itself
  }
}
