import { z } from 'zod';
import { classifyFramingLine, parseTimeValue } from '../../core/framing.js';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseUInt } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema } from '../series-time.js';

/**
 * vmstat output, three shapes in one parser:
 * - the sample table (`vmstat [-a] [-w] [-t] [-S unit] N`): plain, wide, `-a` (inact/active in place
 *   of buff/cache), `-t` (a `-----timestamp-----` group, the time zone as the last token of the
 *   column header, `YYYY-MM-DD HH:MM:SS` at the end of each row), headers repeated every screenful.
 *   Rows are split on whitespace (`id` 100 widens a row). The first row of a run is the average
 *   since boot (marked `sinceBoot`, info diagnostic `vmstat-since-boot`); its memory columns are
 *   instantaneous like every other row, its rate and CPU columns are not.
 * - `vmstat -s` (`  16310020 K total memory`, `  63417 forks`): one `summary` record per block.
 * - /proc/vmstat key-value dumps (`nr_free_pages 12345`), once or as a framed series: one
 *   `counters` record per dump (3.x names like `kswapd_steal` are kept as printed).
 *
 * The sample table does not print its unit: `-S k|K|m|M` must be given as the `unit` option
 * (default K, KiB). `memoryKb` converts the memory columns to KiB whatever the unit.
 */

export const VmstatUnitSchema = z.enum(['k', 'K', 'm', 'M']);
export type VmstatUnit = z.infer<typeof VmstatUnitSchema>;

/** Bytes per unit, as procps defines -S: k=1000, K=1024, m=1000000, M=1048576. */
const UNIT_BYTES: Record<VmstatUnit, number> = { k: 1000, K: 1024, m: 1_000_000, M: 1_048_576 };

export const MEMORY_COLUMNS = ['swpd', 'free', 'buff', 'cache', 'inact', 'active'] as const;
const MEMORY_SET = new Set<string>(MEMORY_COLUMNS);

export const VmstatSampleSchema = z.object({
  kind: z.literal('sample'),
  /** 0-based index among sample rows of the file. */
  index: z.number().int().nonnegative(),
  line: z.number().int().positive(),
  /** Epoch seconds (from the -t column, or an epoch/date line before the row); assumed or null otherwise. */
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** The first row of a run: averages since boot for the rate and CPU columns. */
  sinceBoot: z.boolean(),
  /** Every column as printed, keyed by its header name (r, b, swpd, free, ..., st, gu). */
  values: z.record(z.string(), z.number()),
  /** swpd/free/buff/cache/inact/active converted to KiB using the unit option. */
  memoryKb: z.record(z.string(), z.number()),
});
export type VmstatSample = z.infer<typeof VmstatSampleSchema>;

export const VmstatSummarySchema = z.object({
  kind: z.literal('summary'),
  index: z.number().int().nonnegative(),
  line: z.number().int().positive(),
  /** Lines with a unit letter (`K total memory`), in KiB, keyed by label (`total memory`). */
  kb: z.record(z.string(), z.number()),
  /** Lines without unit (cpu ticks, `forks`, `boot time`), keyed by label. */
  counts: z.record(z.string(), z.number()),
});
export type VmstatSummary = z.infer<typeof VmstatSummarySchema>;

export const VmstatCountersSchema = z.object({
  kind: z.literal('counters'),
  index: z.number().int().nonnegative(),
  line: z.number().int().positive(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** /proc/vmstat `name value` pairs as printed (pages or events). */
  values: z.record(z.string(), z.number()),
  partial: z.boolean(),
});
export type VmstatCounters = z.infer<typeof VmstatCountersSchema>;

export const VmstatRecordSchema = z.discriminatedUnion('kind', [VmstatSampleSchema, VmstatSummarySchema, VmstatCountersSchema]);
export type VmstatRecord = z.infer<typeof VmstatRecordSchema>;

export const VmstatOptionsSchema = SeriesTimeOptionsSchema.extend({
  /** The `-S` unit the table was printed with (the output does not say); default K. */
  unit: VmstatUnitSchema.optional(),
});
export type VmstatOptions = z.infer<typeof VmstatOptionsSchema>;

/** Unambiguous zone abbreviations strftime(%Z) prints, in seconds east of UTC. */
const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0,
  WEST: 3600, BST: 3600, CET: 3600, MET: 3600,
  CEST: 7200, MEST: 7200, EET: 7200, SAST: 7200,
  EEST: 10800, MSK: 10800,
  JST: 32400, KST: 32400,
  AEST: 36000, AEDT: 39600, ACST: 34200, AWST: 28800, NZST: 43200, NZDT: 46800, HKT: 28800, SGT: 28800,
  EST: -18000, EDT: -14400, CDT: -18000, MST: -25200, MDT: -21600, PST: -28800, PDT: -25200,
  AKST: -32400, AKDT: -28800, HST: -36000,
};

/** `UTC`, `PDT`, `+03`, `-0530` -> offset seconds; null when unknown or ambiguous (CST, IST). */
export function zoneOffsetSeconds(zone: string): number | null {
  const known = ZONES[zone.toUpperCase()];
  if (known !== undefined) return known;
  if ((zone[0] === '+' || zone[0] === '-') && (zone.length === 3 || zone.length === 5)) {
    const h = parseUInt(zone.slice(1, 3));
    const m = zone.length === 5 ? parseUInt(zone.slice(3, 5)) : 0;
    if (h === null || m === null || h > 14 || m > 59) return null;
    return (zone[0] === '+' ? 1 : -1) * (h * 3600 + m * 60);
  }
  return null;
}

const KNOWN_COLUMNS = new Set(['r', 'b', 'swpd', 'free', 'buff', 'cache', 'inact', 'active', 'si', 'so', 'bi', 'bo', 'in', 'cs', 'us', 'sy', 'id', 'wa', 'st', 'gu']);

function isColumnHeader(f: string[]): boolean {
  return f.length >= 4 && f[0] === 'r' && f[1] === 'b' && (f[2] === 'swpd' || f[2] === 'free');
}

function isKeyName(s: string): boolean {
  if (s.length === 0 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90))) return false;
  }
  const c0 = s.charCodeAt(0);
  return !(c0 >= 48 && c0 <= 57);
}

function createCore(options: Partial<VmstatOptions>): ParserCore<VmstatRecord> {
  // Sample rows and /proc/vmstat dumps are numbered apart; a stamp line applies to whichever comes next.
  const clock = new SeriesClock(options);
  const dumpClock = new SeriesClock(options);
  let pendingStamp: number | null = null;
  const unitFactor = UNIT_BYTES[options.unit ?? 'K'] / 1024;
  let columns: string[] | null = null;
  let hasTimestamp = false;
  let zoneOffset = 0;
  let sawGroupLine = false;
  let groupHasTimestamp = false;
  let runStart = true; // the next header starts a new run (its first row is since boot)
  let expectSinceBoot = true;
  let lastWasFraming = true;
  let sampleIndex = 0;
  let recordIndex = 0;
  let counters: VmstatCounters | null = null;
  let countersPrevSize = 0;
  let countersTerminated = false;
  let summary: VmstatSummary | null = null;
  let countersIndex = 0;

  const flushSummary = (emit: Emit<VmstatRecord>): void => {
    if (!summary) return;
    emit.record(summary);
    emit.count('summaries');
    summary = null;
  };
  const flushCounters = (emit: Emit<VmstatRecord>, atEnd: boolean): void => {
    if (!counters) return;
    const n = Object.keys(counters.values).length;
    if (atEnd && !countersTerminated && countersPrevSize > 0 && n < countersPrevSize) {
      counters.partial = true;
      emit.diagnostic('snapshot-partial', `last /proc/vmstat dump has ${n} of ${countersPrevSize} counters (capture cut short)`, { line: counters.line });
    }
    countersPrevSize = n;
    const { time, assumed } = dumpClock.timeFor(counters.index, emit as Emit<unknown>);
    counters.time = time;
    counters.timeAssumed = assumed;
    emit.record(counters);
    emit.count('counter-dumps');
    counters = null;
  };
  const flushAll = (emit: Emit<VmstatRecord>): void => {
    flushSummary(emit);
    flushCounters(emit, false);
  };

  const sampleRow = (f: string[], text: string, lineNo: number, emit: Emit<VmstatRecord>): void => {
    if (!columns) {
      emit.diagnostic('vmstat-row-without-header', 'sample row before any vmstat column header', { excerpt: text });
      return;
    }
    const expected = columns.length + (hasTimestamp ? 2 : 0);
    if (f.length !== expected) {
      emit.diagnostic('vmstat-column-mismatch', `row has ${f.length} fields, header has ${expected}`, { excerpt: text });
      return;
    }
    const values: Record<string, number> = {};
    const memoryKb: Record<string, number> = {};
    for (let i = 0; i < columns.length; i++) {
      const v = parseUInt(f[i]);
      if (v === null) {
        emit.diagnostic('number-out-of-range', `column ${columns[i]} value ${f[i].slice(0, 20)} is not a count`, { excerpt: text });
        return;
      }
      values[columns[i]] = v;
      if (MEMORY_SET.has(columns[i])) memoryKb[columns[i]] = v * unitFactor;
    }
    const idx = sampleIndex++;
    if (pendingStamp !== null) {
      clock.stamp(pendingStamp, idx);
      pendingStamp = null;
    }
    if (hasTimestamp) {
      const stamp = `${f[columns.length]} ${f[columns.length + 1]}`;
      const t = parseTimeValue(stamp);
      // Reject out-of-range fields (month 13, hour 99) that Date.UTC would silently roll over.
      if (t === null || !(Math.abs(t) < 8.64e12) || new Date(t * 1000).toISOString().slice(0, 19) !== stamp.replace(' ', 'T')) {
        sampleIndex--;
        emit.diagnostic('unrecognized-line', 'vmstat -t row with an unreadable timestamp', { excerpt: text });
        return;
      }
      clock.stamp(t - zoneOffset, idx);
    }
    const { time, assumed } = clock.timeFor(idx, emit as Emit<unknown>);
    const sinceBoot = expectSinceBoot;
    if (sinceBoot) {
      emit.diagnostic('vmstat-since-boot', 'first sample of the run: rate and CPU columns are averages since boot');
      emit.count('runs');
    }
    expectSinceBoot = false;
    emit.record({ kind: 'sample', index: idx, line: lineNo, time, timeAssumed: assumed, sinceBoot, values, memoryKb });
    emit.count('samples');
  };

  return {
    line(text, lineNo, emit) {
      const wasFraming = lastWasFraming;
      lastWasFraming = false;
      const f = fields(text);
      // Group line: `procs -----------memory---------- ... -----timestamp-----`.
      if (f.length > 0 && f[0] === 'procs') {
        flushAll(emit);
        sawGroupLine = true;
        groupHasTimestamp = text.includes('timestamp');
        runStart = runStart || wasFraming;
        lastWasFraming = wasFraming;
        emit.skip('header');
        return;
      }
      if (isColumnHeader(f)) {
        flushAll(emit);
        let cols = f;
        let ts = sawGroupLine ? groupHasTimestamp : false;
        // Without the group line (pasted), a trailing token that is no column is the -t time zone.
        if (!sawGroupLine && !KNOWN_COLUMNS.has(f[f.length - 1])) ts = true;
        if (ts) {
          const zone = f[f.length - 1];
          cols = f.slice(0, -1);
          const off = zoneOffsetSeconds(zone);
          if (off === null) {
            emit.diagnostic('vmstat-timezone-assumed', `time zone ${zone.slice(0, 12)} is ambiguous or unknown; timestamps read as UTC`, { excerpt: text });
          }
          zoneOffset = off ?? 0;
        }
        const newRun = runStart || wasFraming || columns === null;
        columns = cols;
        hasTimestamp = ts;
        sawGroupLine = false;
        if (newRun) expectSinceBoot = true;
        runStart = false;
        emit.count('headers');
        emit.skip('header');
        return;
      }
      const framing = classifyFramingLine(text);
      if (framing) {
        lastWasFraming = true;
        if (framing.kind === 'timestamp') {
          if (counters) {
            countersTerminated = true;
            flushCounters(emit, false);
          }
          flushSummary(emit);
          pendingStamp = framing.time;
          emit.skip('timestamp');
        } else {
          if (framing.kind === 'separator') {
            flushSummary(emit);
            if (counters) countersTerminated = true;
            flushCounters(emit, false);
          }
          emit.skip(framing.kind);
        }
        return;
      }
      if (f.length === 0) return;
      const first = parseUInt(f[0]);
      // /proc/vmstat: `name value`.
      if (f.length === 2 && first === null && isKeyName(f[0])) {
        const v = parseUInt(f[1]);
        if (v === null) {
          emit.diagnostic('number-out-of-range', `counter ${f[0]} value is not a count`, { excerpt: text });
          return;
        }
        flushSummary(emit);
        if (counters && Object.prototype.hasOwnProperty.call(counters.values, f[0])) flushCounters(emit, false);
        if (!counters) {
          countersTerminated = false;
          if (pendingStamp !== null) {
            dumpClock.stamp(pendingStamp, countersIndex);
            pendingStamp = null;
          }
          counters = { kind: 'counters', index: countersIndex++, line: lineNo, time: null, timeAssumed: false, values: {}, partial: false };
        }
        counters.values[f[0]] = v;
        return;
      }
      if (first !== null && f.length >= 2) {
        const second = parseUInt(f[1]);
        if (second === null) {
          // vmstat -s: `<n> [unit] label words`.
          const hasUnit = f.length >= 3 && (f[1] === 'K' || f[1] === 'k' || f[1] === 'M' || f[1] === 'm');
          const label = f.slice(hasUnit ? 2 : 1).join(' ');
          flushCounters(emit, false);
          if (summary && (label in summary.kb || label in summary.counts)) flushSummary(emit);
          summary ??= { kind: 'summary', index: recordIndex++, line: lineNo, kb: {}, counts: {} };
          if (hasUnit) summary.kb[label] = (first * UNIT_BYTES[f[1] as VmstatUnit]) / 1024;
          else summary.counts[label] = first;
          return;
        }
        flushAll(emit);
        sampleRow(f, text, lineNo, emit);
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a vmstat header, sample row, -s line or /proc/vmstat counter', { excerpt: text });
    },
    end(emit) {
      flushSummary(emit);
      flushCounters(emit, true);
    },
  };
}

export const vmstatParser: ParserDefinition<VmstatRecord, VmstatOptions> = {
  format: 'vmstat',
  title: 'vmstat sample table (plain, -a, -w, -t, -S), vmstat -s, or /proc/vmstat dumps',
  producedBy: 'vmstat [-a] [-w] [-t] [-S unit] INTERVAL; vmstat -s; cat /proc/vmstat',
  recordSchema: VmstatRecordSchema,
  sniff(head) {
    if (head.includes('procs -') && head.includes('-memory-')) return { score: 0.95, reason: 'vmstat group header' };
    for (const line of head.slice(0, 4096).split('\n', 50)) {
      if (isColumnHeader(fields(line))) return { score: 0.85, reason: 'vmstat column header' };
    }
    if (head.includes(' K total memory') || head.includes(' K used memory')) return { score: 0.9, reason: 'vmstat -s lines' };
    let hits = 0;
    for (const k of ['nr_free_pages ', 'pgpgin ', 'pgfault ', 'nr_dirty ', 'pswpin ', 'pgmajfault ']) if (head.includes(k)) hits++;
    if (hits >= 3) return { score: 0.6 + 0.05 * hits, reason: `${hits} /proc/vmstat counter names` };
    return { score: 0, reason: 'no vmstat header, -s lines or /proc/vmstat counters' };
  },
  createCore,
};

export const { parse: parseVmstat, parseAsync: parseVmstatAsync } = frontEnds(vmstatParser);

const RATE_COLUMNS = new Set(['si', 'so', 'bi', 'bo', 'in', 'cs', 'us', 'sy', 'id', 'wa', 'st', 'gu']);
const CPU_COLUMNS = new Set(['us', 'sy', 'id', 'wa', 'st', 'gu']);

function columnUnit(col: string): string {
  if (MEMORY_SET.has(col)) return 'kB';
  if (col === 'r' || col === 'b') return 'processes';
  if (CPU_COLUMNS.has(col)) return '%';
  return 'per-second';
}

/**
 * Sample-table columns as numeric series named after the column (`free`, `cache`, `si`, ...).
 * Memory columns are in kB (converted from the -S unit) and keep the since-boot row (memory is
 * instantaneous); rate and CPU columns drop it (averages since boot, not interval values).
 * /proc/vmstat dumps give one series per counter, named as printed (`nr_free_pages`, unit pages
 * for `nr_*`, else count). vmstat prints no MemTotal, so no "used" series is derived here.
 * @example
 * const free = vmstatSeries(parseVmstat(text).records).find((s) => s.name === 'free');
 */
export function vmstatSeries(records: readonly VmstatRecord[], source?: string): TimeSeries[] {
  const samples = records.filter((r): r is VmstatSample => r.kind === 'sample');
  const assumed = samples.some((s) => s.timeAssumed || s.time === null);
  const cols = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.values)) cols.add(k);
  const out: TimeSeries[] = [];
  for (const col of cols) {
    const mem = MEMORY_SET.has(col);
    const t: number[] = [];
    const v: number[] = [];
    for (const s of samples) {
      if (s.sinceBoot && RATE_COLUMNS.has(col)) continue;
      const x = mem ? s.memoryKb[col] : s.values[col];
      if (x === undefined) continue;
      t.push(s.time ?? s.index);
      v.push(x);
    }
    out.push({ name: col, unit: columnUnit(col), t, v, timeAssumed: assumed || undefined, source });
  }
  const dumps = records.filter((r): r is VmstatCounters => r.kind === 'counters' && !r.partial);
  const dumpAssumed = dumps.some((d) => d.timeAssumed || d.time === null);
  const keys = new Set<string>();
  for (const d of dumps) for (const k of Object.keys(d.values)) keys.add(k);
  for (const key of keys) {
    const t: number[] = [];
    const v: number[] = [];
    for (const d of dumps) {
      const x = d.values[key];
      if (x === undefined) continue;
      t.push(d.time ?? d.index);
      v.push(x);
    }
    out.push({ name: key, unit: key.startsWith('nr_') ? 'pages' : 'count', t, v, timeAssumed: dumpAssumed || undefined, source });
  }
  return out;
}
