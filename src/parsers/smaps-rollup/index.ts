import { z } from 'zod';
import { classifyFramingLine } from '../../core/framing.js';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseUInt } from '../../core/text.js';
import { SeriesClock, SeriesTimeOptionsSchema, snapshotSeries } from '../series-time.js';

/**
 * `/proc/PID/smaps_rollup` (Linux 4.14+), one dump or a series (`date`/epoch/`===` lines between
 * dumps, or nothing: the `[rollup]` line or a repeated field starts the next one). Fields vary by
 * kernel: `Pss_Anon`/`Pss_File`/`Pss_Shmem` (5.7+), `Pss_Dirty` (6.1+); `FilePmdMapped:` is printed
 * one column short (its label is as wide as the padding), so values are read after the colon,
 * never at a fixed column. Unknown fields are kept. `grep -H . /proc/PID/smaps_rollup` prefixes
 * (`/proc/123/smaps_rollup:Rss: 884 kB`) are accepted and give the PID.
 */
export const SmapsRollupSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line where the dump starts. */
  line: z.number().int().positive(),
  /** `55d09aa59000-7ffe9f37e000` from the `[rollup]` line, null when it was not captured. */
  range: z.string().nullable(),
  /** From a `/proc/PID/smaps_rollup:` prefix. */
  pid: z.number().int().nullable(),
  /** Every `Key: N kB` field, in kB (Rss, Pss, Pss_Anon, Private_Dirty, Anonymous, Swap, ...). */
  kb: z.record(z.string(), z.number()),
  /** Fields without a unit. */
  counts: z.record(z.string(), z.number()),
  /** Cut short: fewer fields than the dumps before it. */
  partial: z.boolean(),
});
export type SmapsRollupSnapshot = z.infer<typeof SmapsRollupSnapshotSchema>;

export const SmapsRollupOptionsSchema = SeriesTimeOptionsSchema;
export type SmapsRollupOptions = z.infer<typeof SmapsRollupOptionsSchema>;

function stripProcPrefix(text: string): { pid: number | null; rest: string } {
  if (!text.startsWith('/proc/')) return { pid: null, rest: text };
  const k = text.indexOf('/smaps_rollup:');
  if (k < 0 || k > 40) return { pid: null, rest: text };
  return { pid: parseUInt(text.slice(6, k)), rest: text.slice(k + 14) };
}

function parseField(line: string): { key: string; value: number; unit: 'kB' | '' } | null {
  const colon = line.indexOf(':');
  if (colon <= 0 || colon > 40) return null;
  const key = line.slice(0, colon).trim();
  if (key.length === 0 || key.includes(' ')) return null;
  const f = fields(line.slice(colon + 1));
  if (f.length === 0 || f.length > 2) return null;
  const value = parseUInt(f[0]);
  if (value === null) return null;
  if (f.length === 2 && f[1] !== 'kB') return null;
  return { key, value, unit: f.length === 2 ? 'kB' : '' };
}

/** `00400000-ffffffffff601000 ---p 00000000 00:00 0     [rollup]` */
function parseVmaHeader(line: string): string | null {
  const f = fields(line);
  if (f.length < 5) return null;
  const dash = f[0].indexOf('-');
  if (dash <= 0 || f[0].length > 33) return null;
  const isHex = (s: string) => s.length > 0 && /^[0-9a-f]+$/.test(s);
  if (!isHex(f[0].slice(0, dash)) || !isHex(f[0].slice(dash + 1))) return null;
  return f[0];
}

function createCore(options: Partial<SmapsRollupOptions>): ParserCore<SmapsRollupSnapshot> {
  const clock = new SeriesClock(options);
  let current: SmapsRollupSnapshot | null = null;
  let index = 0;
  let maxFields = 0;

  /** The last timestamp line: it stamps every dump after it (`grep -H . /proc/PID1/smaps_rollup /proc/PID2/smaps_rollup`). */
  let groupTime: number | null = null;

  const open = (lineNo: number, range: string | null, pid: number | null): SmapsRollupSnapshot => {
    if (groupTime !== null) clock.stamp(groupTime, index);
    current = { index: index++, time: null, timeAssumed: false, line: lineNo, range, pid, kb: {}, counts: {}, partial: false };
    return current;
  };

  const flush = (emit: Emit<SmapsRollupSnapshot>, atEnd: boolean): void => {
    const s = current;
    if (!s) return;
    current = null;
    const n = Object.keys(s.kb).length + Object.keys(s.counts).length;
    if ((atEnd && maxFields > 0 && n < maxFields) || n === 0) {
      s.partial = true;
      emit.diagnostic('snapshot-partial', `smaps_rollup dump ${s.index} has ${n} of ${maxFields} fields (cut short)`, {
        line: s.line,
      });
    }
    maxFields = Math.max(maxFields, n);
    clock.timeSnapshot(s, emit as Emit<unknown>);
        emit.record(s);
    emit.count('snapshots');
  };

  return {
    line(raw, lineNo, emit) {
      const { pid, rest: text } = stripProcPrefix(raw);
      const f = parseField(text);
      if (f) {
        if (current && (f.key in current.kb || f.key in current.counts || (pid !== null && current.pid !== pid))) {
          flush(emit, false);
        }
        const s = current ?? open(lineNo, null, pid);
        if (f.unit === 'kB') s.kb[f.key] = f.value;
        else s.counts[f.key] = f.value;
        return;
      }
      const range = parseVmaHeader(text);
      if (range) {
        flush(emit, false);
        open(lineNo, range, pid);
        emit.count(text.includes('[rollup]') ? 'rollup-lines' : 'vma-lines');
        return;
      }
      if (text.startsWith('VmFlags:')) {
        emit.skip('vmflags');
        return;
      }
      const framing = classifyFramingLine(text);
      if (framing) {
        if (framing.kind === 'timestamp') {
          flush(emit, false);
          groupTime = framing.time;
          emit.skip('timestamp');
        } else {
          if (framing.kind === 'separator') flush(emit, false);
          emit.skip(framing.kind);
        }
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a smaps_rollup field, [rollup] line, separator or timestamp', {
        excerpt: raw,
      });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const smapsRollupParser: ParserDefinition<SmapsRollupSnapshot, SmapsRollupOptions> = {
  format: 'smaps-rollup',
  title: '/proc/PID/smaps_rollup dump or series of dumps',
  producedBy: 'cat /proc/PID/smaps_rollup (in a loop, with date/epoch lines between dumps)',
  recordSchema: SmapsRollupSnapshotSchema,
  sniff(head) {
    let hits = 0;
    for (const key of ['Rss:', 'Pss:', 'Shared_Clean:', 'Private_Dirty:', 'Referenced:', 'Anonymous:', 'SwapPss:']) {
      if (head.includes(key)) hits++;
    }
    const rollup = head.includes('[rollup]');
    if (rollup && hits >= 2) return { score: 0.9, reason: '[rollup] line and smaps fields' };
    if (hits >= 4 && !head.includes('MemTotal:')) return { score: 0.6 + 0.03 * hits, reason: `${hits} smaps field names` };
    return { score: 0, reason: 'no smaps_rollup fields' };
  },
  createCore,
};

export const { parse: parseSmapsRollup, parseAsync: parseSmapsRollupAsync } = frontEnds(smapsRollupParser);

/**
 * One series per kB field (Rss, Pss, Pss_Anon, Private_Dirty, Anonymous, Swap, ...), cut dumps
 * left out; per PID when the dumps carry `/proc/PID/` prefixes for several processes.
 * @example
 * const rss = smapsRollupSeries(parseSmapsRollup(text).records).find((s) => s.name === 'Rss');
 */
export function smapsRollupSeries(snapshots: readonly SmapsRollupSnapshot[], source?: string): TimeSeries[] {
  return snapshotSeries(
    snapshots,
    (group) => {
      const keys = new Set<string>();
      for (const s of group) for (const k of Object.keys(s.kb)) keys.add(k);
      return [...keys].map((key) => [key, (s: SmapsRollupSnapshot) => s.kb[key]] as [string, (s: SmapsRollupSnapshot) => number | undefined]);
    },
    source,
  );
}
