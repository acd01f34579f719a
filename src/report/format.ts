/**
 * Number, size, duration and time formatting shared by the Markdown and HTML renderers (the HTML
 * report's browser script has its own copy for axis labels). Pure, locale-independent (reports must
 * be byte-identical wherever they are rendered).
 */
import { bytesPerUnit, formatBytes as formatBytesCore } from '../core/text.js';

/**
 * Bytes as a binary size with 3 significant digits: `1.50 MiB`, `-2.00 KiB`, `512 B`; `–` when unknown.
 * @example
 * formatBytes(1536) // '1.50 KiB'
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  return formatBytesCore(bytes, 'sig3');
}

export { bytesPerUnit };

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

/**
 * Seconds as a short duration: `45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`.
 * @example
 * formatDuration(12000) // '3 h 20 min'
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  if (!Number.isFinite(seconds)) return seconds > 0 ? 'unbounded' : '–';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${s < 10 ? Number(s.toFixed(1)) : Math.round(s)} s`;
  s = Math.round(s);
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
