import { parseTimeValue } from '../../core/framing.js';
import { parseNum } from '../../core/text.js';
import { parseTimeOfDay } from '../rss/time-of-day.js';

/**
 * Header inference for CSV time series: which column is time (and in what form), and the unit of
 * each value column from its name (`used_kb`, `rss(MB)`, `mem_bytes`, `RSS [KiB]`, `swap pct`).
 */

const UNIT_WORDS: Record<string, string> = {
  b: 'B',
  byte: 'B',
  bytes: 'B',
  kb: 'kB',
  kib: 'kB',
  k: 'kB',
  kbytes: 'kB',
  mb: 'MB',
  mib: 'MB',
  gb: 'GB',
  gib: 'GB',
  pages: 'pages',
  pg: 'pages',
  pct: '%',
  percent: '%',
  '%': '%',
  s: 's',
  sec: 's',
  secs: 's',
  seconds: 's',
  ms: 'ms',
  msec: 'ms',
  millis: 'ms',
  milliseconds: 'ms',
};

const TIME_NAMES = new Set([
  'time',
  'timestamp',
  'ts',
  'epoch',
  'date',
  'datetime',
  'date_time',
  'unix_time',
  'unixtime',
  'unix',
  'elapsed',
  'seconds',
  'sec',
  't',
  'uptime',
  'clock',
  '_time',
  'when',
  'sample_time',
  'time_utc',
]);

/**
 * Splits a column name into its base and canonical unit: `used_kb` → kB, `rss(MB)` → MB,
 * `mem_bytes` → B, `RSS [KiB]` → kB, `rssKB` → kB, `mem` → null.
 * @example splitUnit('rss(MB)') // { base: 'rss', unit: 'MB' }
 */
export function splitUnit(name: string): { base: string; unit: string | null } {
  const s = name.trim();
  const last = s[s.length - 1];
  if (last === ')' || last === ']') {
    const open = s.lastIndexOf(last === ')' ? '(' : '[');
    if (open > 0) {
      const unit = UNIT_WORDS[s.slice(open + 1, -1).trim().toLowerCase()];
      if (unit) return { base: s.slice(0, open).trim(), unit };
    }
  }
  let cut = -1;
  for (let i = s.length - 1; i > 0; i--) {
    const c = s[i];
    if (c === '_' || c === ' ' || c === '-' || c === '.') {
      cut = i;
      break;
    }
  }
  if (cut > 0) {
    const unit = UNIT_WORDS[s.slice(cut + 1).toLowerCase()];
    if (unit) return { base: s.slice(0, cut).trim(), unit };
  }
  // `rssKB`, `memMB`: a camel-case unit suffix.
  for (const suf of ['KB', 'KiB', 'MB', 'MiB', 'GB', 'Bytes']) {
    if (s.length > suf.length && s.endsWith(suf)) return { base: s.slice(0, -suf.length), unit: UNIT_WORDS[suf.toLowerCase()] };
  }
  return { base: s, unit: null };
}

export type TimeFormat = 'epoch-s' | 'epoch-ms' | 'relative-s' | 'relative-ms' | 'clock-text' | 'time-of-day';

/**
 * Whether a header name says "time" (`timestamp`, `ts`, `epoch`, `time_ms`, `elapsed_s`, ...).
 * @example isTimeName('time_ms') // true
 */
export function isTimeName(name: string): boolean {
  const { base, unit } = splitUnit(name);
  const b = base.toLowerCase();
  if (TIME_NAMES.has(b)) return true;
  return (unit === 's' || unit === 'ms') && (b.length === 0 || b.endsWith('time') || b === 'epoch' || b === 'elapsed' || b === 't');
}

/**
 * The time format of a column from its name and its first value; null when the value is not a time.
 * @example timeFormatOf('ts', '1795332811232') // 'epoch-ms'
 */
export function timeFormatOf(name: string | null, value: string): TimeFormat | null {
  const unit = name === null ? null : splitUnit(name).unit;
  const n = parseNum(value);
  if (n !== null) {
    if (unit === 'ms') return n >= 1e11 ? 'epoch-ms' : 'relative-ms';
    if (n >= 1e11) return 'epoch-ms';
    if (n >= 1e8) return 'epoch-s';
    return name !== null && isTimeName(name) ? 'relative-s' : null;
  }
  if (parseTimeValue(value) !== null) return 'clock-text';
  if (parseTimeOfDay(value) !== null) return 'time-of-day';
  return null;
}
