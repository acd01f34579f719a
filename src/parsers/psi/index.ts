import { countHeadLines } from '../../core/lines.js';
import { z } from 'zod';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { SeriesClock, SeriesTimeOptionsSchema, handleFramingLine } from '../series-time.js';

/**
 * Pressure stall information (Documentation/accounting/psi.rst): /proc/pressure/{memory,cpu,io}
 * and a cgroup v2's memory.pressure, one dump or a series of dumps with epoch/date/=== lines:
 *
 *     some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *     full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *
 * `avgN` are the percentages of wall time some (or all) non-idle tasks were stalled over the last
 * N seconds; `total` is the cumulative stall time in microseconds.
 */
export const PsiLineSchema = z.object({
  avg10: z.number(),
  avg60: z.number(),
  avg300: z.number(),
  /** Cumulative stall time, microseconds. */
  totalUs: z.number(),
});
export type PsiLine = z.infer<typeof PsiLineSchema>;

export const PsiPressureSchema = z.object({ some: PsiLineSchema.nullable(), full: PsiLineSchema.nullable() });
export type PsiPressure = z.infer<typeof PsiPressureSchema>;

/** Reads one `some|full avg10=.. avg60=.. avg300=.. total=..` line, or null. */
export function parsePsiLine(text: string): { kind: 'some' | 'full'; value: PsiLine } | null {
  const s = text.trim();
  const kind = s.startsWith('some ') ? 'some' : s.startsWith('full ') ? 'full' : null;
  if (!kind) return null;
  const fields: Record<string, number> = {};
  for (const part of s.slice(5).split(' ')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const v = Number(part.slice(eq + 1));
    if (!Number.isFinite(v) || v < 0) return null;
    fields[part.slice(0, eq)] = v;
  }
  const { avg10, avg60, avg300, total } = fields;
  if (avg10 === undefined || avg60 === undefined || avg300 === undefined || total === undefined) return null;
  return { kind, value: { avg10, avg60, avg300, totalUs: total } };
}

export const PsiSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line of the first PSI line. */
  line: z.number().int().positive(),
  /** The `some` line was there but not the `full` line of a memory/io file (the dump was cut). */
  partial: z.boolean(),
  some: PsiLineSchema.nullable(),
  /** Absent from /proc/pressure/cpu before 5.13, and always zero there since. */
  full: PsiLineSchema.nullable(),
});
export type PsiSnapshot = z.infer<typeof PsiSnapshotSchema>;

export const PsiOptionsSchema = SeriesTimeOptionsSchema;
export type PsiOptions = z.infer<typeof PsiOptionsSchema>;

function createCore(options: Partial<PsiOptions>): ParserCore<PsiSnapshot> {
  const clock = new SeriesClock(options);
  let current: PsiSnapshot | null = null;
  let index = 0;
  let sawFull = false;
  const flush = (emit: Emit<PsiSnapshot>, atEnd: boolean): void => {
    if (!current) return;
    if (atEnd && sawFull && current.full === null) {
      current.partial = true;
      emit.diagnostic('snapshot-partial', 'last PSI dump has its `some` line but not its `full` line (capture cut short)', { line: current.line });
    }
    clock.timeSnapshot(current, emit);
    emit.record(current);
    emit.count('snapshots');
    current = null;
  };
  return {
    line(text, lineNo, emit) {
      const psi = parsePsiLine(text);
      if (psi) {
        // Each dump prints `some` first: a second `some` (or a repeated `full`) starts the next dump.
        if (current && (psi.kind === 'some' || current.full !== null)) flush(emit, false);
        current ??= { index: index++, time: null, timeAssumed: false, line: lineNo, partial: false, some: null, full: null };
        current[psi.kind] = psi.value;
        if (psi.kind === 'full') sawFull = true;
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit, false))) return;
      emit.diagnostic('unrecognized-line', 'not a PSI `some`/`full` line, separator or timestamp', { excerpt: text });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const psiParser: ParserDefinition<PsiSnapshot, PsiOptions> = {
  format: 'psi',
  title: 'Pressure stall information: /proc/pressure/memory (cpu, io) or a cgroup v2 memory.pressure, one dump or a series',
  producedBy: 'cat /proc/pressure/memory (in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: PsiSnapshotSchema,
  sniff(head) {
    const { lines, matches: psi } = countHeadLines(head, 64, parsePsiLine);
    if (psi >= 1 && psi * 3 >= lines) return { score: 0.9, reason: `${psi} PSI some/full avg10= avg60= avg300= total= lines` };
    return { score: 0, reason: 'no PSI lines' };
  },
  createCore,
};

export const { parse: parsePsi, parseAsync: parsePsiAsync } = frontEnds(psiParser);

/**
 * The share of wall time stalled between consecutive dumps (percent), from the cumulative `total`
 * counters: exact over each interval, where avg10 is an exponentially decayed estimate.
 * @example psiStallSeries(parsePsi(text).records) // [{ name: 'PSI some stalled %', ... }]
 */
export function psiStallSeries(snapshots: readonly PsiSnapshot[], source?: string, label = 'PSI'): TimeSeries[] {
  const out: TimeSeries[] = [];
  for (const kind of ['some', 'full'] as const) {
    const t: number[] = [];
    const v: number[] = [];
    let prev: PsiSnapshot | null = null;
    for (const s of snapshots) {
      if (s.partial || s.time === null || s[kind] === null) continue;
      if (prev && prev[kind] && s.time > prev.time!) {
        const dtUs = (s.time - prev.time!) * 1e6;
        const stalled = s[kind]!.totalUs - prev[kind]!.totalUs;
        if (stalled >= 0) {
          t.push(s.time);
          v.push((100 * stalled) / dtUs);
        }
      }
      prev = s;
    }
    if (v.length > 0) out.push({ name: `${label} ${kind} stalled`, unit: '%', t, v, source, timeAssumed: snapshots.some((s) => s.timeAssumed) || undefined });
  }
  return out;
}
