import { z } from 'zod';
import { classifyFramingLine, parseTimeValue } from '../../core/framing.js';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseNum, parseUInt } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema } from '../series-time.js';
import { DayRollover, parseTimeOfDay } from './time-of-day.js';

/**
 * Process RSS series as capture loops write them:
 * - `ps -o rss= -p PID` values, one per line (then the interval option gives the time axis);
 * - a timestamp before the value on the same line: `epoch_s.ms rss_kB` (D3/D4 captures),
 *   `date` output, ISO 8601, a time of day (`date +%T`), or seconds since start;
 * - a timestamp line (`date`, `date +%s`, `epoch=...`) before each value or table;
 * - `ps -o pid,rss,comm` (or any `ps -o` list holding RSS/RSZ, `ps aux`) tables, headers
 *   repeated or not, and header-less `ps -o pid=,rss=,comm=` rows.
 * Values are kB (ps prints RSS in KiB) unless the `unit` option says otherwise.
 */
export const RssSampleSchema = z.object({
  /** Snapshot index: one per value line, or one per ps table (all its rows share it). */
  index: z.number().int().nonnegative(),
  /** Epoch seconds, or seconds since start / since midnight when that is all the file has; null if none. */
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line of the value. */
  line: z.number().int().positive(),
  rssKb: z.number().nonnegative(),
  /** The process, when the line or table names it. */
  pid: z.number().int().nullable(),
  comm: z.string().nullable(),
  /** Other numeric columns of a ps table (VSZ, %MEM, ...), keyed by header name. */
  values: z.record(z.string(), z.number()).optional(),
});
export type RssSample = z.infer<typeof RssSampleSchema>;

export const RssOptionsSchema = SeriesTimeOptionsSchema.extend({
  /** Unit of the values: kB (ps, the default), B, MB or pages (4 KiB). */
  unit: z.enum(['kB', 'B', 'MB', 'pages']).optional(),
  /**
   * How to read `A B` lines whose A is not a clock time: `time` (seconds since start) or `pid`
   * (`ps -o pid=,rss=`). Default: decided from the first two such lines (an unchanged A is a PID).
   */
  firstColumn: z.enum(['time', 'pid']).optional(),
});
export type RssOptions = z.infer<typeof RssOptionsSchema>;

const UNIT_TO_KB = { kB: 1, B: 1 / 1024, MB: 1024, pages: 4 } as const;
/** 1 PiB in kB: anything above is a corrupt value, not an RSS. */
const MAX_KB = 1024 ** 4;

const COMMAND_COLUMNS = new Set(['COMMAND', 'CMD', 'ARGS', 'COMM', 'UCOMM', 'UCMD']);

function isHeaderWord(s: string): boolean {
  if (s.length === 0 || s.length > 12) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 37 || c === 95 || c === 45)) return false;
  }
  return s.charCodeAt(0) >= 65 || s.charCodeAt(0) === 37;
}

/**
 * Reads a ps header holding RSS (or RSZ): `  PID   RSS COMMAND`, `  RSS`,
 * `USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND`; null for any other line.
 * @example parsePsHeader(fields('  PID   RSS COMMAND')) // ['PID', 'RSS', 'COMMAND']
 */
export function parsePsHeader(f: readonly string[]): string[] | null {
  if (f.length === 0 || f.length > 30) return null;
  if (!f.some((x) => x === 'RSS' || x === 'RSZ')) return null;
  return f.every(isHeaderWord) ? [...f] : null;
}

/** A clock time in front of a value: epoch, ISO, `date` output, or a time of day. */
function leadingTime(f: readonly string[], rollover: DayRollover): { time: number; kind: 'clock' | 'day' } | null {
  const n = f.length - 1;
  if (n === 1 || n === 2) {
    const tod = parseTimeOfDay(f[0], n === 2 ? f[1] : undefined);
    if (tod !== null) return { time: rollover.at(tod), kind: 'day' };
  }
  const text = n === 1 ? f[0] : f.slice(0, n).join(' ');
  const t = parseTimeValue(text);
  return t === null ? null : { time: t, kind: 'clock' };
}

interface Pending {
  a: number;
  b: number;
  line: number;
  text: string;
}

function createCore(options: Partial<RssOptions>): ParserCore<RssSample> {
  const clock = new SeriesClock(options);
  const factor = UNIT_TO_KB[options.unit ?? 'kB'];
  const rollover = new DayRollover();
  let nextIndex = 0;
  /** The open snapshot (ps table): its index and time, rows seen. */
  let snap: { index: number; time: number | null; assumed: boolean; pids: Set<number> } | null = null;
  let columns: string[] | null = null;
  let firstColumn = options.firstColumn;
  let pending: Pending | null = null;
  let sawInlineTime = false;

  const closeSnapshot = (): void => {
    snap = null;
  };

  const openSnapshot = (emit: Emit<RssSample>): NonNullable<typeof snap> => {
    const index = nextIndex++;
    const { time, assumed } = clock.timeFor(index, emit as Emit<unknown>);
    snap = { index, time, assumed, pids: new Set() };
    emit.count('snapshots');
    return snap;
  };

  const checkValue = (raw: number, emit: Emit<RssSample>, text: string): number | null => {
    const kb = raw * factor;
    if (!(kb >= 0) || kb > MAX_KB) {
      emit.diagnostic('number-out-of-range', `RSS value ${raw} is not a plausible size`, { excerpt: text });
      return null;
    }
    return kb;
  };

  /** One value with its own time (or none): a snapshot of its own. */
  const emitValue = (
    emit: Emit<RssSample>,
    lineNo: number,
    text: string,
    raw: number,
    inlineTime: number | null,
    pid: number | null,
    comm: string | null,
  ): void => {
    const kb = checkValue(raw, emit, text);
    if (kb === null) return;
    closeSnapshot();
    const index = nextIndex;
    if (inlineTime !== null) clock.stamp(inlineTime, index);
    const s = openSnapshot(emit);
    emit.record({ index, time: s.time, timeAssumed: s.assumed, line: lineNo, rssKb: kb, pid, comm });
    closeSnapshot();
  };

  const flushPending = (emit: Emit<RssSample>, mode: 'time' | 'pid'): void => {
    if (!pending) return;
    const p = pending;
    pending = null;
    if (mode === 'time') emitValue(emit, p.line, p.text, p.b, p.a, null, null);
    else emitValue(emit, p.line, p.text, p.b, null, p.a, null);
  };

  /** A ps table row under `columns`, or false when the line is not one. */
  const tableRow = (f: readonly string[], lineNo: number, text: string, emit: Emit<RssSample>): boolean => {
    const cols = columns!;
    const last = cols.length - 1;
    const lastIsText = COMMAND_COLUMNS.has(cols[last]);
    if (lastIsText ? f.length < cols.length - 1 : f.length !== cols.length) return false;
    const rssIdx = cols.findIndex((c) => c === 'RSS' || c === 'RSZ');
    const raw = parseNum(f[rssIdx] ?? '');
    if (raw === null) return false;
    const pidIdx = cols.indexOf('PID');
    const pid = pidIdx >= 0 ? parseUInt(f[pidIdx] ?? '') : null;
    if (pidIdx >= 0 && pid === null) return false;
    let comm: string | null = null;
    const values: Record<string, number> = {};
    for (let i = 0; i < cols.length; i++) {
      if (i === rssIdx || i === pidIdx) continue;
      if (i === last && lastIsText) {
        comm = f.slice(i).join(' ') || null;
        continue;
      }
      const v = parseNum(f[i] ?? '');
      if (v !== null) values[cols[i]] = v;
    }
    const kb = checkValue(raw, emit, text);
    if (kb === null) return true;
    let s = snap;
    if (!s || pid === null || s.pids.has(pid)) s = openSnapshot(emit);
    if (pid !== null) s.pids.add(pid);
    const rec: RssSample = { index: s.index, time: s.time, timeAssumed: s.assumed, line: lineNo, rssKb: kb, pid, comm };
    if (Object.keys(values).length > 0) rec.values = values;
    emit.record(rec);
    return true;
  };

  return {
    line(text, lineNo, emit) {
      const f = fields(text);
      if (f.length > 0 && f.length <= 30) {
        const header = parsePsHeader(f);
        if (header) {
          flushPending(emit, firstColumn ?? 'time');
          columns = header;
          closeSnapshot();
          emit.skip('header');
          return;
        }
        if (columns && tableRow(f, lineNo, text, emit)) return;
      }
      // A value with a clock time in front of it (or alone).
      if (f.length >= 2 && f.length <= 8) {
        const raw = parseNum(f[f.length - 1]);
        if (raw !== null) {
          const lead = leadingTime(f, rollover);
          if (lead !== null) {
            flushPending(emit, firstColumn ?? 'time');
            sawInlineTime = true;
            emitValue(emit, lineNo, text, raw, lead.time, null, null);
            return;
          }
        }
      }
      const framing = classifyFramingLine(text);
      if (framing) {
        if (framing.kind === 'timestamp') {
          if (sawInlineTime) {
            // `epoch` with an empty value: `ps` printed nothing (the process had exited).
            emit.skip('time-without-value');
            return;
          }
          flushPending(emit, firstColumn ?? 'time');
          closeSnapshot();
          clock.stamp(framing.time, nextIndex);
          emit.skip('timestamp');
        } else {
          if (framing.kind === 'separator') closeSnapshot();
          emit.skip(framing.kind);
        }
        return;
      }
      if (f.length === 1) {
        const raw = parseNum(f[0]);
        if (raw !== null) {
          flushPending(emit, firstColumn ?? 'time');
          emitValue(emit, lineNo, text, raw, null, null, null);
          return;
        }
      }
      if (f.length === 2) {
        const a = parseNum(f[0]);
        const b = parseNum(f[1]);
        if (a !== null && b !== null) {
          if (firstColumn === undefined && pending === null) {
            pending = { a, b, line: lineNo, text };
            return;
          }
          if (firstColumn === undefined) {
            firstColumn = pending!.a === a && Number.isInteger(a) ? 'pid' : 'time';
            emit.count(`first-column-${firstColumn}`);
          }
          flushPending(emit, firstColumn);
          if (firstColumn === 'time') emitValue(emit, lineNo, text, b, a, null, null);
          else if (Number.isInteger(a) && a >= 0) emitValue(emit, lineNo, text, b, null, a, null);
          else emit.diagnostic('unrecognized-line', 'expected `PID RSS`', { excerpt: text });
          return;
        }
      }
      // Header-less `ps -o pid=,rss=,comm=` rows.
      if (f.length >= 3) {
        const pid = parseUInt(f[0]);
        const raw = parseNum(f[1]);
        if (pid !== null && raw !== null && parseNum(f[2]) === null) {
          flushPending(emit, firstColumn ?? 'time');
          columns = ['PID', 'RSS', 'COMMAND'];
          if (tableRow(f, lineNo, text, emit)) return;
        }
      }
      emit.diagnostic('unrecognized-line', 'not an RSS value, timestamp + value, ps table row or separator', {
        excerpt: text,
      });
    },
    end(emit) {
      flushPending(emit, firstColumn ?? 'time');
    },
  };
}

export const rssParser: ParserDefinition<RssSample, RssOptions> = {
  format: 'rss',
  title: 'Process RSS series (ps -o rss values, timestamp + value lines, ps tables)',
  producedBy: 'while sleep 1; do echo "$(date +%s.%3N) $(ps -o rss= -p PID)"; done',
  recordSchema: RssSampleSchema,
  sniff(head) {
    const lines = head.split('\n', 41).slice(0, 40);
    if (lines.length > 1 && !head.endsWith('\n')) lines.pop(); // the head may cut the last line
    let values = 0;
    let timed = 0;
    let epochsOnly = 0;
    let tableHeader = false;
    let other = 0;
    const rollover = new DayRollover();
    for (const line of lines) {
      const f = fields(line);
      if (f.length === 0) continue;
      if (parsePsHeader(f)) {
        tableHeader = true;
        continue;
      }
      if (f.length === 1 && parseNum(f[0]) !== null) {
        if (parseTimeValue(f[0]) !== null) epochsOnly++;
        else values++;
        continue;
      }
      if (f.length >= 2 && f.length <= 8 && parseNum(f[f.length - 1]) !== null && leadingTime(f, rollover) !== null) {
        timed++;
        continue;
      }
      if (f.length === 2 && parseNum(f[0]) !== null && parseNum(f[1]) !== null) {
        values++;
        continue;
      }
      // A row under a ps header (`ps aux` rows start with the user name).
      if (tableHeader && f.length >= 2 && f.some((x) => parseUInt(x) !== null)) {
        values++;
        continue;
      }
      if (classifyFramingLine(line) !== null) continue;
      other++;
    }
    if (other > 0) return { score: 0, reason: `${other} lines are not RSS values` };
    if (tableHeader && values > 0) return { score: 0.75, reason: 'ps table with an RSS column' };
    if (timed >= 2) return { score: 0.7, reason: `${timed} timestamp + value lines` };
    if (values >= 2) return { score: 0.6, reason: `${values} lines of bare numbers` };
    if (epochsOnly > 0) return { score: 0.1, reason: 'only epoch timestamps (a sidecar epochs file?)' };
    return { score: 0, reason: 'no RSS values' };
  },
  createCore,
};

export const { parse: parseRss, parseAsync: parseRssAsync } = frontEnds(rssParser);

/**
 * Turns RSS samples into numeric series (kB): one series per PID named `rss pid=N (comm)`, or
 * `rss` for values that name no process.
 * @example
 * const [rss] = rssSeries(parseRss('1795332811.2 1548\n1795332812.2 1560\n').records);
 * rss.v // [1548, 1560]
 */
export function rssSeries(samples: readonly RssSample[], source?: string): TimeSeries[] {
  const groups = new Map<number | null, RssSample[]>();
  for (const s of samples) {
    const g = groups.get(s.pid);
    if (g) g.push(s);
    else groups.set(s.pid, [s]);
  }
  const out: TimeSeries[] = [];
  for (const [pid, group] of groups) {
    const assumed = group.some((s) => s.timeAssumed || s.time === null);
    const comm = group.find((s) => s.comm !== null)?.comm;
    const name = pid === null ? 'rss' : `rss pid=${pid}${comm ? ` (${comm})` : ''}`;
    out.push({
      name,
      unit: 'kB',
      t: group.map((s) => s.time ?? s.index),
      v: group.map((s) => s.rssKb),
      timeAssumed: assumed || undefined,
      source,
    });
  }
  return out;
}
