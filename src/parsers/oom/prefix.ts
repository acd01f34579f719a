import { parseTimeValue } from '../../core/framing.js';
import { fields } from '../../core/text.js';

/**
 * Log-line prefixes in front of kernel (and Android logcat) messages: kmsg `<6>`, journalctl /
 * syslog `Feb 03 19:57:08 host kernel:`, ISO stamps (`journalctl -o short-iso`, `dmesg
 * --time-format iso`), dmesg `[  804.478288]`, `dmesg -T` `[Thu May  9 14:52:38 2024]` (also
 * localised, e.g. zh_CN `[二 9月  3 05:57:48 2024]`), Samsung per-CPU `[4:  kswapd0: 1209]`,
 * logcat threadtime `02-15 14:25:06.702   106   106 I tag: ` and brief `I/tag(  106): `.
 * All checks are indexOf/charCode based (no backtracking).
 */
export interface LogPrefix {
  /** The message with every prefix removed, blanks trimmed at both ends. */
  body: string;
  /** Seconds: since boot for `boot`, epoch for `wall` (year assumed for `wall-no-year`). */
  time: number | null;
  timeKind: 'boot' | 'wall' | 'wall-no-year' | null;
}

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

function isDigits(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `HH:MM:SS[.frac]` to seconds of day, or null. */
function hmsSeconds(s: string): number | null {
  if (s.length < 8 || s[2] !== ':' || s[5] !== ':') return null;
  if (!isDigits(s, 0, 2) || !isDigits(s, 3, 5) || !isDigits(s, 6, 8)) return null;
  let frac = 0;
  if (s.length > 8) {
    if ((s[8] !== '.' && s[8] !== ',') || !isDigits(s, 9)) return null;
    frac = Number(`0.${s.slice(9)}`);
  }
  return Number(s.slice(0, 2)) * 3600 + Number(s.slice(3, 5)) * 60 + Number(s.slice(6, 8)) + frac;
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** Index just after the n-th blank-separated token starting at i (and the blanks after it). */
function afterTokens(s: string, n: number): number {
  let i = skipBlanks(s, 0);
  for (let k = 0; k < n; k++) {
    while (i < s.length && s[i] !== ' ' && s[i] !== '\t') i++;
    i = skipBlanks(s, i);
  }
  return i;
}

/** `[ ... ]` contents as a dmesg time: boot seconds, English or localised `dmesg -T`. */
function bracketTime(inner: string): { time: number; kind: 'boot' | 'wall' } | null {
  const t = inner.trim();
  const dot = t.indexOf('.');
  if (dot > 0 && isDigits(t, 0, dot) && isDigits(t, dot + 1)) return { time: Number(t), kind: 'boot' };
  if (!t.includes(':')) return null;
  const en = parseTimeValue(t);
  if (en !== null) return { time: en, kind: 'wall' };
  // Localised (zh_CN and similar): weekday word, `9月`, day, HH:MM:SS, year.
  const parts = fields(t);
  let month = -1;
  let day = -1;
  let year = -1;
  let sod: number | null = null;
  for (const p of parts) {
    if (p.endsWith('月') && isDigits(p, 0, p.length - 1)) month = Number(p.slice(0, -1)) - 1;
    else if (p.includes(':')) sod = hmsSeconds(p.length === 7 ? `0${p}` : p);
    else if (p.length === 4 && isDigits(p)) year = Number(p);
    else if (p.length <= 2 && isDigits(p) && day < 0) day = Number(p);
    else if (p.endsWith('日') && isDigits(p, 0, p.length - 1)) day = Number(p.slice(0, -1));
  }
  if (month < 0 || month > 11 || day < 1 || year < 0 || sod === null) return null;
  return { time: Date.UTC(year, month, day) / 1000 + sod, kind: 'wall' };
}

/**
 * Removes log prefixes from one line.
 * @param year the year for stamps printed without one (syslog, logcat); defaults to 2000 (leap).
 * @example stripLogPrefix('[  804.478288] Mem-Info:').body // 'Mem-Info:'
 */
export function stripLogPrefix(line: string, year = 2000): LogPrefix {
  let s = line;
  let time: number | null = null;
  let timeKind: LogPrefix['timeKind'] = null;
  let i = skipBlanks(s, 0);
  // kmsg priority `<6>` (also `<4>` before a Samsung prefix).
  if (s[i] === '<') {
    const close = s.indexOf('>', i);
    if (close > i + 1 && close <= i + 4 && isDigits(s, i + 1, close)) {
      s = s.slice(close + 1);
      i = 0;
    }
  }
  const toks = fields(s.length > 200 ? s.slice(0, 200) : s);
  // syslog / journalctl short: `Feb 03 19:57:08 host ident:`
  if (toks.length >= 5 && MONTHS[toks[0]] !== undefined && toks[1].length <= 2 && isDigits(toks[1])) {
    const sod = hmsSeconds(toks[2]);
    if (sod !== null && toks[4].endsWith(':')) {
      time = Date.UTC(year, MONTHS[toks[0]], Number(toks[1])) / 1000 + sod;
      timeKind = 'wall-no-year';
      s = s.slice(afterTokens(s, 5));
    }
  } else if (toks.length >= 2 && toks[0].length >= 19 && toks[0][4] === '-' && toks[0][10] === 'T') {
    // ISO: journalctl -o short-iso (`... host kernel: msg`) or dmesg --time-format iso (`... msg`).
    const t = parseTimeValue(toks[0]);
    if (t !== null) {
      time = t;
      timeKind = 'wall';
      const journal = toks.length >= 4 && toks[2].endsWith(':') && !toks[1].endsWith(':');
      s = s.slice(afterTokens(s, journal ? 3 : 1));
    }
  } else if (toks.length >= 6 && toks[0].length === 5 && toks[0][2] === '-' && isDigits(toks[0], 0, 2)) {
    // logcat threadtime: `MM-DD HH:MM:SS.mmm pid tid L tag: msg`
    const sod = hmsSeconds(toks[1]);
    if (sod !== null && isDigits(toks[2]) && isDigits(toks[3]) && toks[4].length === 1) {
      const mo = Number(toks[0].slice(0, 2)) - 1;
      const d = Number(toks[0].slice(3, 5));
      time = Date.UTC(year, mo, d) / 1000 + sod;
      timeKind = 'wall-no-year';
      s = s.slice(afterTokens(s, 5));
    }
  } else if (toks.length >= 6 && toks[0].length === 10 && toks[0][4] === '-' && toks[0][7] === '-') {
    // logcat -v year: `YYYY-MM-DD HH:MM:SS.mmm pid tid L tag: msg`
    const sod = hmsSeconds(toks[1]);
    if (sod !== null && isDigits(toks[2]) && isDigits(toks[3]) && toks[4].length === 1) {
      const ms = Date.UTC(Number(toks[0].slice(0, 4)), Number(toks[0].slice(5, 7)) - 1, Number(toks[0].slice(8, 10)));
      if (Number.isFinite(ms)) {
        time = ms / 1000 + sod;
        timeKind = 'wall';
        s = s.slice(afterTokens(s, 5));
      }
    }
  } else if (toks.length >= 2 && toks[0].length >= 3 && toks[0][1] === '/' && 'VDIWEF'.includes(toks[0][0])) {
    // logcat brief: `I/lowmemorykiller(  106): msg`
    const close = s.indexOf('): ');
    if (close > 0 && close < 120) s = `${s.slice(s.indexOf('/') + 1, s.indexOf('('))}: ${s.slice(close + 3)}`;
  }
  // dmesg `[time]` and the Samsung `[cpu: comm: pid]` prefixes (task-table rows `[1234]` stay).
  for (let round = 0; round < 3; round++) {
    i = skipBlanks(s, 0);
    if (s[i] !== '[') break;
    const close = s.indexOf(']', i);
    if (close < 0 || close - i > 64) break;
    const inner = s.slice(i + 1, close).trim();
    const bt = bracketTime(inner);
    if (bt) {
      if (time === null) {
        time = bt.time;
        timeKind = bt.kind;
      }
    } else if (!((inner[0] === 'T' || inner[0] === 'C') && isDigits(inner, 1))) {
      // Not a CONFIG_PRINTK_CALLER `[T1234]` / `[C2]` either: a Samsung `[cpu: comm: pid]` or nothing.
      const colon = inner.indexOf(':');
      if (colon <= 0 || colon > 3 || !isDigits(inner, 0, colon)) break;
    }
    s = s.slice(close + 1);
  }
  // journalctl -o short-monotonic: `[  804.478288] host kernel: msg`.
  if (timeKind === 'boot') {
    const t2 = fields(s.length > 120 ? s.slice(0, 120) : s);
    if (t2.length >= 3 && t2[1] === 'kernel:') s = s.slice(afterTokens(s, 2));
  }
  return { body: s.trim(), time, timeKind };
}
