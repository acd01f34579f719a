import { z } from 'zod';
import type { TimeSeries } from '../../core/models.js';
import { frontEnds, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { parseUInt } from '../../core/text.js';
import { SeriesTimeOptionsSchema, SeriesClock, handleFramingLine, snapshotSeries } from '../series-time.js';

/**
 * /proc/meminfo, one dump or a series of dumps (separated by `===`, blank lines, epoch or `date`
 * lines, or nothing: a repeated MemTotal starts the next snapshot). Unknown fields are kept.
 */
export const MeminfoSnapshotSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Epoch seconds when the capture had time; seconds since start when assumed; null if neither. */
  time: z.number().nullable(),
  timeAssumed: z.boolean(),
  /** 1-based line of the first field. */
  line: z.number().int().positive(),
  /** Every `Key: N kB` field, in kB, as printed (unknown keys kept). */
  kb: z.record(z.string(), z.number()),
  /** Fields printed without a unit (HugePages_Total, HugePages_Free, ...). */
  counts: z.record(z.string(), z.number()),
  /** The snapshot was cut short (fewer fields than the snapshots before it). */
  partial: z.boolean(),
});
export type MeminfoSnapshot = z.infer<typeof MeminfoSnapshotSchema>;

export const MeminfoOptionsSchema = SeriesTimeOptionsSchema;
export type MeminfoOptions = z.infer<typeof MeminfoOptionsSchema>;

function parseField(line: string): { key: string; value: number; unit: 'kB' | '' } | null {
  const colon = line.indexOf(':');
  if (colon <= 0 || colon > 40) return null;
  const key = line.slice(0, colon).trim();
  if (key.length === 0 || key.includes(' ')) return null;
  const rest = line.slice(colon + 1).trim();
  const sp = rest.indexOf(' ');
  const num = parseUInt(sp < 0 ? rest : rest.slice(0, sp));
  if (num === null) return null;
  const unit = sp < 0 ? '' : rest.slice(sp + 1).trim();
  if (unit !== '' && unit !== 'kB') return null;
  return { key, value: num, unit };
}

function createCore(options: Partial<MeminfoOptions>): ParserCore<MeminfoSnapshot> {
  const clock = new SeriesClock(options);
  let current: MeminfoSnapshot | null = null;
  let index = 0;
  let maxFields = 0;

  const flush = (emit: Parameters<ParserCore<MeminfoSnapshot>['line']>[2], atEnd: boolean): void => {
    if (!current) return;
    const n = Object.keys(current.kb).length + Object.keys(current.counts).length;
    if (atEnd && maxFields > 0 && n < maxFields) {
      current.partial = true;
      emit.diagnostic('snapshot-partial', `last snapshot has ${n} of ${maxFields} fields (capture cut short)`, {
        line: current.line,
      });
    }
    maxFields = Math.max(maxFields, n);
    clock.timeSnapshot(current, emit);
        emit.record(current);
    emit.count('snapshots');
    current = null;
  };

  return {
    line(text, lineNo, emit) {
      const f = parseField(text);
      if (f) {
        if (current && (f.key in current.kb || f.key in current.counts)) flush(emit, false);
        if (!current) {
          current = { index: index++, time: null, timeAssumed: false, line: lineNo, kb: {}, counts: {}, partial: false };
        }
        if (f.unit === 'kB') current.kb[f.key] = f.value;
        else current.counts[f.key] = f.value;
        return;
      }
      if (handleFramingLine(text, emit, clock, index, () => flush(emit, false))) return;
      const trimmed = text.trim();
      // Linux 2.4 printed a byte-unit table before the kB lines; the kB lines carry the same data.
      if (trimmed.startsWith('total:') || trimmed.startsWith('Mem:') || trimmed.startsWith('Swap:')) {
        emit.skip('legacy-2.4-byte-table');
        return;
      }
      emit.diagnostic('unrecognized-line', 'not a meminfo field, separator or timestamp', { excerpt: text });
    },
    end(emit) {
      flush(emit, true);
    },
  };
}

export const meminfoParser: ParserDefinition<MeminfoSnapshot, MeminfoOptions> = {
  format: 'meminfo',
  title: '/proc/meminfo dump or series of dumps',
  producedBy: 'cat /proc/meminfo (in a loop, with date/epoch/=== lines between dumps)',
  recordSchema: MeminfoSnapshotSchema,
  sniff(head) {
    let hits = 0;
    for (const key of ['MemTotal:', 'MemFree:', 'Buffers:', 'Cached:', 'SwapTotal:', 'Active:', 'Slab:']) {
      if (head.includes(key)) hits++;
    }
    if (hits >= 3) return { score: 0.6 + 0.05 * hits, reason: `${hits} /proc/meminfo field names` };
    return { score: 0, reason: 'no meminfo fields' };
  },
  createCore,
};

export const { parse: parseMeminfo, parseAsync: parseMeminfoAsync } = frontEnds(meminfoParser);

/**
 * Turns meminfo snapshots into one numeric series per field (kB), plus `Used` =
 * MemTotal - MemAvailable (MemFree undercounts reclaimable cache), skipping partial snapshots.
 * @example
 * const used = meminfoSeries(parseMeminfo(text).records).find((s) => s.name === 'Used');
 */
export function meminfoSeries(snapshots: readonly MeminfoSnapshot[], source?: string): TimeSeries[] {
  return snapshotSeries(
    snapshots,
    (group) => {
      const keys = new Set<string>();
      for (const s of group) for (const k of Object.keys(s.kb)) keys.add(k);
      const fields: [string, (s: MeminfoSnapshot) => number | undefined][] = [...keys].map((key) => [key, (s) => s.kb[key]]);
      fields.push(['Used', (s) => (s.kb.MemTotal !== undefined && s.kb.MemAvailable !== undefined ? s.kb.MemTotal - s.kb.MemAvailable : undefined)]);
      return fields;
    },
    source,
  );
}
