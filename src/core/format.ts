/**
 * The one set of number, size, duration and time formatters: finding titles, the verdict headline, the
 * CLI and the Markdown and HTML renderers all print through these (the HTML report's browser script has
 * its own copy for axis labels). Pure, locale-independent (reports must be byte-identical wherever they
 * are rendered); null, undefined and non-finite values print as `–`.
 */

import { ASSUMED_TIME_AXIS_MARK } from './models.js';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Bytes as a binary size with 3 significant digits: `1.50 MiB`, `-2.00 KiB`, `512 B`; `–` when unknown.
 * @example
 * formatBytes(1536) // '1.50 KiB'
 * formatBytes(157286400) // '150 MiB'
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  let u = 0;
  let v = Math.abs(bytes);
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const sign = bytes < 0 ? '-' : '';
  if (u === 0) return `${sign}${v.toFixed(0)} B`;
  return `${sign}${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${BYTE_UNITS[u]}`;
}

/**
 * How many bytes one unit of a series' unit is, or null when the unit is not a size.
 * @example
 * bytesPerUnit('kB') // 1024
 * bytesPerUnit('objects') // null
 */
export function bytesPerUnit(unit: string | null | undefined): number | null {
  switch ((unit ?? '').trim().toLowerCase()) {
    case 'b':
    case 'byte':
    case 'bytes':
      return 1;
    case 'kb':
    case 'kib':
    case 'kbytes':
      return 1024;
    case 'mb':
    case 'mib':
      return 1024 * 1024;
    case 'gb':
    case 'gib':
      return 1024 * 1024 * 1024;
    case 'pages':
    case 'page':
      return 4096;
    default:
      return null;
  }
}

/**
 * A value in a series' unit, humanised when the unit is a size (`kB` → `1.50 GiB`).
 * @example
 * formatQuantity(2048, 'kB') // '2.00 MiB'
 * formatQuantity(12, 'objects') // '12 objects'
 */
export function formatQuantity(value: number | null | undefined, unit: string | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const scale = bytesPerUnit(unit);
  if (scale !== null && (unit ?? '').toLowerCase() !== 'pages') return formatBytes(value * scale);
  return `${formatNumber(value)}${unit ? ` ${unit}` : ''}`;
}

/**
 * A number with thin grouping and at most 3 significant decimals: `57,600`, `0.0412`, `1.23e-7`.
 * @example
 * formatNumber(57600) // '57,600'
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e15)) return value.toExponential(2);
  if (Number.isInteger(value)) return groupDigits(value.toFixed(0));
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3 - Math.floor(Math.log10(abs));
  return groupDigits(value.toFixed(Math.min(6, digits)));
}

function groupDigits(fixed: string): string {
  const neg = fixed.startsWith('-');
  const body = neg ? fixed.slice(1) : fixed;
  const dot = body.indexOf('.');
  const int = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? '' : body.slice(dot);
  let out = '';
  for (let i = 0; i < int.length; i++) {
    if (i > 0 && (int.length - i) % 3 === 0) out += ',';
    out += int[i];
  }
  return `${neg ? '-' : ''}${out}${frac}`;
}

/** Sub-second units, largest first: a positive duration never prints as `0 s`. */
const SUBSECOND_UNITS = [
  { unit: 'ms', perSecond: 1e3 },
  { unit: 'µs', perSecond: 1e6 },
  { unit: 'ns', perSecond: 1e9 },
] as const;

/**
 * Seconds as a short duration: `45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`; below a second in ms, µs or ns
 * with 3 significant digits (a positive value never prints as `0 s`); `unbounded` for +Infinity.
 * @example
 * formatDuration(12000) // '3 h 20 min'
 * formatDuration(200) // '3 min 20 s'
 * formatDuration(0.0125) // '12.5 ms'
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  if (!Number.isFinite(seconds)) return seconds > 0 ? 'unbounded' : '–';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s === 0) return '0 s';
  if (s < 1) {
    // The largest unit in which the value, at 3 significant digits, is at least 1.
    for (const [i, { unit, perSecond }] of SUBSECOND_UNITS.entries()) {
      const v = Number((s * perSecond).toPrecision(3));
      if (v >= 1000) return `${sign}1 s`; // 0.9996 s
      if (v >= 1 || i === SUBSECOND_UNITS.length - 1) return `${sign}${v} ${unit}`;
    }
  }
  if (s < 9.95) return `${sign}${Number(s.toFixed(1))} s`;
  s = Math.round(s);
  if (s < 60) return `${sign}${s} s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${sign}${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${sign}${h} h${m ? ` ${m} min` : ''}`;
  return `${sign}${m} min${s % 60 && m < 10 ? ` ${s % 60} s` : ''}`;
}

/** Times at or above this are epoch seconds (2001-09-09); below, seconds since the capture started. */
export const EPOCH_THRESHOLD = 1e9;

/**
 * A time on a series axis: epoch seconds as ISO 8601 UTC, otherwise `+1 h 20 min` from start.
 * @example
 * formatTime(1700000000) // '2023-11-14 22:13:20Z'
 * formatTime(4800) // '+1 h 20 min'
 */
export function formatTime(t: number | null | undefined): string {
  if (t === null || t === undefined || !Number.isFinite(t)) return '–';
  if (t >= EPOCH_THRESHOLD) {
    const iso = new Date(t * 1000).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
  }
  return `+${formatDuration(t)}`;
}

/**
 * A rate in a unit per hour, humanised for sizes: `+2.00 MiB/h`.
 * @example
 * formatRate(2048, 'kB') // '+2.00 MiB/h'
 */
export function formatRate(perHour: number | null | undefined, unit: string | null | undefined): string {
  if (perHour === null || perHour === undefined || !Number.isFinite(perHour)) return '–';
  return `${perHour > 0 ? '+' : ''}${formatQuantity(perHour, unit)}/h`;
}

/** A derived rate or time with the assumed-axis mark when its time axis is assumed: `+1.80 GiB/h (time axis assumed)`. */
export function withAxisMark(text: string, timeAxisAssumed: boolean | null | undefined): string {
  return timeAxisAssumed && text !== '–' ? `${text} ${ASSUMED_TIME_AXIS_MARK}` : text;
}

/**
 * A time to limit: `reached` when the projection starts at or above the limit (never `0 s`), the
 * assumed-axis mark when it was projected on an assumed time axis.
 * @example
 * formatTimeToLimit(0) // 'reached'
 * formatTimeToLimit(7200, true) // '2 h (time axis assumed)'
 */
export function formatTimeToLimit(seconds: number | null | undefined, timeAxisAssumed = false): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  return withAxisMark(seconds <= 0 ? 'reached' : formatDuration(seconds), timeAxisAssumed);
}

/** A 0..1 fraction as a percentage: `87 %`. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${Math.round(fraction * 100)} %`;
}

/**
 * A p-value: 4 decimals, or 2 significant digits in exponent form below 1e-4 (`2.2e-37`).
 * @example formatPValue(0.0312) // '0.0312'
 */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/**
 * A value in a unit that may be a rate (`bytes`, `kB`, `bytes/s`, `bytes/h`, `kB/h`): sizes
 * humanised, rates per hour signed as formatRate writes them.
 * @example
 * formatMeasured(40960, 'kB/h') // '+40.0 MiB/h'
 * formatMeasured(1280, 'bytes/s') // '1.25 KiB/s'
 */
export function formatMeasured(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (unit.endsWith('/h')) return formatRate(value, unit.slice(0, -2));
  if (unit.endsWith('/s')) return `${formatQuantity(value, unit.slice(0, -2))}/s`;
  return formatQuantity(value, unit);
}
