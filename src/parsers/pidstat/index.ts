import { z } from 'zod';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseNum, parseUInt } from '../../core/text.js';
import { DayRollover, parseBannerDate, parseTimeOfDay } from '../rss/time-of-day.js';

/**
 * `pidstat -r` (sysstat) memory reports, every layout sysstat printed:
 * - 12-hour (`10:00:01 AM`) or 24-hour (`10:00:01`) time column, or `-h` (`#      Time` header,
 *   epoch seconds per row, one header for the whole run, other reports' columns on the same row);
 * - with a `UID` column (sysstat 10.0+), `USER` (`-U`), or none (sysstat 9.x);
 * - `-t` threads (`TGID`/`TID` columns with `-` and `|__comm` rows), `-l` command lines with spaces;
 * - `Average:` header and rows at the end (kept, marked `average`);
 * - other reports (`-u`, `-d`, `-w`) interleaved: their rows are skipped.
 * The banner (`Linux 5.15.0 (host)  01/15/2024  _x86_64_  (4 CPU)`) gives the date; without it the
 * time axis is seconds since midnight of the first day.
 */
export const PidstatSampleSchema = z.object({
  /** Report index: rows printed for the same time share it. */
  index: z.number().int().nonnegative(),
  /** Epoch seconds (banner date + time of day, or `-h` epoch); seconds since midnight without a date; null on Average rows. */
  time: z.number().nullable(),
  line: z.number().int().positive(),
  /** An `Average:` row (the whole run's mean), not a sample. */
  average: z.boolean(),
  /** PID, or TGID in `-t` output (null on thread rows, whose TGID is `-`). */
  pid: z.number().int().nullable(),
  /** TID in `-t` output. */
  tid: z.number().int().nullable(),
  uid: z.number().int().nullable(),
  user: z.string().nullable(),
  command: z.string(),
  rssKb: z.number().nonnegative(),
  vszKb: z.number().nonnegative().nullable(),
  memPercent: z.number().nullable(),
  minfltPerSec: z.number().nullable(),
  majfltPerSec: z.number().nullable(),
});
export type PidstatSample = z.infer<typeof PidstatSampleSchema>;

export const PidstatOptionsSchema = z.object({
  /** Epoch seconds of the capture day's midnight, when the banner is missing. */
  date: z.number().optional(),
});
export type PidstatOptions = z.infer<typeof PidstatOptionsSchema>;

const ID_COLUMNS = new Set(['UID', 'USER', 'PID', 'TGID', 'TID']);

interface Header {
  /** Column names after the time prefix. */
  cols: string[];
  /** `-h` layout: one epoch token, not a time of day. */
  epochTime: boolean;
  rss: number;
}

/** Finds a pidstat header in split fields; null when the line is not one. */
function parseHeader(f: readonly string[]): { header: Header | null; average: boolean } | null {
  let start = -1;
  for (let i = 0; i < Math.min(f.length, 4); i++) {
    if (ID_COLUMNS.has(f[i])) {
      start = i;
      break;
    }
  }
  if (start < 0 || !f.includes('Command')) return null;
  const prefix = f.slice(0, start);
  const average = prefix.length === 1 && prefix[0] === 'Average:';
  const epochTime = prefix.length === 2 && prefix[0] === '#' && prefix[1] === 'Time';
  const cols = f.slice(start);
  const rss = cols.indexOf('RSS');
  if (rss < 0) return { header: null, average };
  return { header: { cols, epochTime, rss }, average };
}

function isBanner(f: readonly string[]): boolean {
  return f[0] === 'Linux' && f.length >= 3 && f.some((x) => x.startsWith('_') && x.endsWith('_'));
}

function createCore(options: Partial<PidstatOptions>): ParserCore<PidstatSample> {
  const rollover = new DayRollover(options.date ?? 0);
  let header: Header | null = null;
  /** Rows under a header of another report (-u, -d, -w) are skipped. */
  let otherReport = false;
  let index = -1;
  let lastTime: number | null | undefined;

  return {
    line(text, lineNo, emit) {
      const f = fields(text);
      if (f.length === 0) {
        emit.skip('blank');
        return;
      }
      if (isBanner(f)) {
        for (const x of f) {
          const d = parseBannerDate(x);
          if (d !== null) {
            rollover.setBase(d);
            break;
          }
        }
        emit.skip('banner');
        return;
      }
      const h = parseHeader(f);
      if (h) {
        if (h.header) {
          header = h.header;
          otherReport = false;
        } else otherReport = true;
        emit.skip('header');
        return;
      }
      if (otherReport) {
        emit.skip('other-report');
        return;
      }
      if (!header) {
        emit.diagnostic('unrecognized-line', 'pidstat row before any header with an RSS column', { excerpt: text });
        return;
      }
      // The time prefix: `Average:`, an epoch (-h), `HH:MM:SS [AM|PM]`.
      let prefix: number;
      let time: number | null = null;
      const average = f[0] === 'Average:';
      if (average) prefix = 1;
      else if (header.epochTime) {
        prefix = 1;
        time = parseNum(f[0]);
      } else {
        const mer = f[1] === 'AM' || f[1] === 'PM' ? f[1] : undefined;
        prefix = mer ? 2 : 1;
        const tod = parseTimeOfDay(f[0], mer);
        time = tod === null ? null : rollover.at(tod);
      }
      const cols = header.cols;
      const cmdIdx = cols.indexOf('Command');
      if ((!average && time === null) || f.length < prefix + cols.length) {
        emit.diagnostic('unrecognized-line', `expected a time and ${cols.length} pidstat columns`, { excerpt: text });
        return;
      }
      const cell = (name: string): string | null => {
        const i = cols.indexOf(name);
        if (i < 0) return null;
        if (i === cmdIdx) return f.slice(prefix + i, f.length - (cols.length - 1 - i)).join(' ');
        // Columns after Command (none in practice) count from the end.
        return i < cmdIdx ? f[prefix + i] : f[f.length - (cols.length - i)];
      };
      const num = (name: string): number | null => {
        const c = cell(name);
        return c === null ? null : parseNum(c);
      };
      const id = (name: string): number | null => {
        const c = cell(name);
        return c === null || c === '-' ? null : parseUInt(c);
      };
      const rss = num('RSS');
      if (rss === null || rss < 0) {
        emit.diagnostic('number-out-of-range', 'RSS is not a number', { excerpt: text });
        return;
      }
      if (!average && time !== lastTime) {
        index++;
        lastTime = time;
        emit.count('reports');
      }
      if (average) emit.count('average-rows');
      const user = cell('USER');
      emit.record({
        index: Math.max(index, 0),
        time: average ? null : time,
        line: lineNo,
        average,
        pid: id('PID') ?? id('TGID'),
        tid: id('TID'),
        uid: id('UID'),
        user,
        command: cell('Command') ?? '',
        rssKb: rss,
        vszKb: num('VSZ'),
        memPercent: num('%MEM'),
        minfltPerSec: num('minflt/s'),
        majfltPerSec: num('majflt/s'),
      });
    },
    end() {},
  };
}

export const pidstatParser: ParserDefinition<PidstatSample, PidstatOptions> = {
  format: 'pidstat',
  title: 'sysstat pidstat -r per-process memory reports',
  producedBy: 'pidstat -r -p PID 1 (also -h, -t, -U, -l)',
  recordSchema: PidstatSampleSchema,
  sniff(head) {
    const hasMem = head.includes('minflt/s') && head.includes('RSS');
    const hasCmd = head.includes('Command') && (head.includes('PID') || head.includes('TGID'));
    if (hasMem && hasCmd) return { score: 0.85, reason: 'pidstat -r header (minflt/s ... RSS ... Command)' };
    return { score: 0, reason: 'no pidstat -r header' };
  },
  createCore,
};

export const { parse: parsePidstat, parseAsync: parsePidstatAsync } = frontEnds(pidstatParser);

/**
 * One RSS series (kB) per process (per thread in `-t` output), Average rows left out; plus a
 * VSZ series per process.
 * @example
 * const [rss] = pidstatSeries(parsePidstat(text).records);
 */
export function pidstatSeries(samples: readonly PidstatSample[], source?: string): TimeSeries[] {
  const groups = new Map<string, PidstatSample[]>();
  for (const s of samples) {
    if (s.average || s.time === null) continue;
    const key = `${s.pid ?? '-'}/${s.tid ?? '-'}`;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  const out: TimeSeries[] = [];
  for (const group of groups.values()) {
    const s0 = group[0];
    const who = `${s0.tid !== null ? `tid=${s0.tid}` : `pid=${s0.pid ?? '?'}`} (${s0.command})`;
    const t = group.map((s) => s.time as number);
    out.push({ name: `rss ${who}`, unit: 'kB', t, v: group.map((s) => s.rssKb), source });
    if (group.every((s) => s.vszKb !== null)) {
      out.push({ name: `vsz ${who}`, unit: 'kB', t, v: group.map((s) => s.vszKb as number), source });
    }
  }
  return out;
}
