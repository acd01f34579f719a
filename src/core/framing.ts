/**
 * Series framing: the lines that capture loops put between /proc snapshots.
 *
 * Seen in the field: `===` / `---` separator lines, blank lines, an `epoch=1795332545.45` or
 * `epoch 1795333553.31` or bare epoch line before each snapshot, `date` output
 * (`Sun Nov 22 07:25:51 UTC 2026`), ISO 8601 stamps. Every snapshot parser uses this one
 * classifier so a layout supported for meminfo is supported for slabinfo too.
 */
export type FramingLine =
  | { kind: 'separator' }
  | { kind: 'blank' }
  | { kind: 'timestamp'; time: number; text: string };

export function classifyFramingLine(line: string): FramingLine | null {
  const s = line.trim();
  if (s.length === 0) return { kind: 'blank' };
  if (isSeparator(s)) return { kind: 'separator' };
  const time = parseTimestampLine(s);
  return time === null ? null : { kind: 'timestamp', time, text: s };
}

function isSeparator(s: string): boolean {
  if (s.length < 3) return false;
  const c = s[0];
  if (c !== '=' && c !== '-' && c !== '#' && c !== '*' && c !== '~') return false;
  // "=== 2026-11-22 07:00:00 ===" style: a separator carrying a time is a timestamp, not here.
  for (let i = 0; i < s.length; i++) if (s[i] !== c) return false;
  return true;
}

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const WEEKDAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const UTC_ZONES = new Set(['utc', 'gmt', 'z', 'ut']);

/**
 * Parses a line that is only a timestamp (possibly labelled) to epoch seconds.
 * Accepts `epoch=S`, `epoch S`, `time=S`, `ts: S`, a bare epoch (9 or more integer digits,
 * or 12-13 digits read as milliseconds), `date` output, ISO 8601, and separators wrapped
 * around a time (`=== 2026-11-22 07:00:00 ===`). Times without a zone are read as UTC.
 * @example parseTimestampLine('epoch=1795332545.45') // 1795332545.45
 */
export function parseTimestampLine(text: string): number | null {
  let s = text.trim();
  if (s.length === 0 || s.length > 80) return null;
  s = stripDecoration(s);
  const lower = s.toLowerCase();
  for (const label of ['epoch', 'time', 'timestamp', 'ts', 'date']) {
    if (lower.startsWith(label)) {
      const rest = s.slice(label.length).replace(/^\s*[=:]?\s*/, '');
      if (rest.length > 0 && rest.length < s.length) {
        const t = parseTimeValue(rest);
        if (t !== null) return t;
      }
    }
  }
  return parseTimeValue(s);
}

function stripDecoration(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === '=' || s[a] === '-' || s[a] === '#' || s[a] === '*' || s[a] === ' ')) a++;
  while (b > a && (s[b - 1] === '=' || s[b - 1] === '-' || s[b - 1] === '#' || s[b - 1] === '*' || s[b - 1] === ' ')) b--;
  return a > 0 || b < s.length ? s.slice(a, b) : s;
}

/** A time value alone: epoch seconds/ms, ISO 8601, or `date` output. */
export function parseTimeValue(s: string): number | null {
  const epoch = parseEpoch(s);
  if (epoch !== null) return epoch;
  return parseIso(s) ?? parseDateOutput(s);
}

function parseEpoch(s: string): number | null {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const intDigits = i;
  if (intDigits < 9 || intDigits > 13) return null;
  if (i < s.length) {
    if (s[i] !== '.') return null;
    i++;
    const f = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === f || i !== s.length) return null;
  }
  const v = Number(s);
  if (!Number.isFinite(v)) return null;
  return intDigits >= 12 ? v / 1000 : v;
}

function parseIso(s: string): number | null {
  // YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|±HH:MM]
  if (s.length < 19 || s.length > 40) return null;
  if (s[4] !== '-' || s[7] !== '-' || (s[10] !== 'T' && s[10] !== ' ') || s[13] !== ':' || s[16] !== ':') return null;
  const y = Number(s.slice(0, 4));
  const mo = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  const h = Number(s.slice(11, 13));
  const mi = Number(s.slice(14, 16));
  let i = 19;
  const secEnd = (() => {
    let j = 19;
    if (s[j] === '.' || s[j] === ',') {
      j++;
      while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    }
    return j;
  })();
  const sec = Number(s.slice(17, secEnd).replace(',', '.'));
  i = secEnd;
  let offset = 0;
  const zone = s.slice(i).trim();
  if (zone === '' || zone === 'Z' || UTC_ZONES.has(zone.toLowerCase())) offset = 0;
  else if ((zone[0] === '+' || zone[0] === '-') && zone.length >= 3) {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length >= 4 ? Number(digits.slice(2, 4)) : 0;
    if (!Number.isFinite(oh) || !Number.isFinite(om)) return null;
    offset = (zone[0] === '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else return null;
  if (![y, mo, d, h, mi, sec].every(Number.isFinite)) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, 0) + sec * 1000;
  return Number.isFinite(ms) ? ms / 1000 - offset : null;
}

/** `Sun Nov 22 07:25:51 UTC 2026` or `Sun 22 Nov 2026 07:25:51 AM UTC` (locales vary). */
function parseDateOutput(s: string): number | null {
  const parts = s.split(/\s+/);
  if (parts.length < 4 || parts.length > 8) return null;
  let month = -1;
  let day = -1;
  let year = -1;
  let hms: number[] | null = null;
  let pm: boolean | null = null;
  let sawWeekday = false;
  for (const p of parts) {
    const l = p.toLowerCase().replace(/,$/, '');
    if (WEEKDAYS.has(l.slice(0, 3)) && l.length <= 9 && !sawWeekday && month < 0 && day < 0) {
      sawWeekday = true;
    } else if (l.length >= 3 && MONTHS[l.slice(0, 3)] !== undefined && month < 0) {
      month = MONTHS[l.slice(0, 3)];
    } else if (p.includes(':')) {
      const t = p.split(':').map(Number);
      if (t.length < 2 || t.length > 3 || t.some((x) => !Number.isFinite(x))) return null;
      hms = [t[0], t[1], t[2] ?? 0];
    } else if (l === 'am' || l === 'pm') {
      pm = l === 'pm';
    } else if (/^\d{4}$/.test(l)) {
      year = Number(l);
    } else if (/^\d{1,2}$/.test(l) && day < 0) {
      day = Number(l);
    } else if (UTC_ZONES.has(l) || /^[a-z]{3,5}$/.test(l)) {
      // Other zone names cannot be resolved offline; read as UTC (the series stays consistent).
    } else return null;
  }
  if (month < 0 || day < 0 || year < 0 || hms === null) return null;
  let h = hms[0];
  if (pm === true && h < 12) h += 12;
  if (pm === false && h === 12) h = 0;
  return Date.UTC(year, month, day, h, hms[1], 0) / 1000 + hms[2];
}
