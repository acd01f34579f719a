import { z } from 'zod';
import { gradeLeak } from './alerts.js';
import { formatBytes } from '../core/format.js';
import type { Finding, TimeSeries } from '../core/models.js';
import { vmallocCallerFunction, type VmallocinfoSnapshot } from '../parsers/vmallocinfo/index.js';
import { detectLeakTrend } from './trend/index.js';

/**
 * vmalloc usage per caller over /proc/vmallocinfo dumps: live areas (unpurged ones are freed
 * and only wait for a lazy TLB purge, so they are left out) counted and summed per calling
 * function; a caller whose areas keep growing is the vmalloc leak's site.
 */
export const VmallocCallerGrowthSchema = z.object({
  caller: z.string(),
  firstAreas: z.number().int(),
  lastAreas: z.number().int(),
  firstBytes: z.number(),
  lastBytes: z.number(),
  deltaBytes: z.number(),
  dumps: z.number().int(),
  trendVerdict: z.string().nullable(),
  bytesPerHour: z.number().nullable(),
});
export type VmallocCallerGrowth = z.infer<typeof VmallocCallerGrowthSchema>;

export interface VmallocGrowthResult {
  dumps: number;
  /** Live vmalloc bytes per dump (all callers, unpurged areas excluded). */
  total: TimeSeries | null;
  growing: VmallocCallerGrowth[];
  series: TimeSeries[];
  findings: Finding[];
  insufficientData: string | null;
}

export function vmallocGrowth(snapshots: readonly VmallocinfoSnapshot[], options: { source: string; top?: number }): VmallocGrowthResult {
  const dumps = snapshots.filter((s) => !s.partial && s.areas.length > 0);
  const out: VmallocGrowthResult = { dumps: dumps.length, total: null, growing: [], series: [], findings: [], insufficientData: null };
  if (dumps.length < 2) {
    out.insufficientData = 'one vmallocinfo dump: growth per caller needs two or more dumps';
    return out;
  }
  const timed = dumps.every((d) => d.time !== null);
  const t = dumps.map((d) => (timed ? d.time! : d.index));
  const perCaller = new Map<string, { areas: number[]; bytes: number[] }>();
  const total: number[] = [];
  dumps.forEach((d, i) => {
    let sum = 0;
    for (const a of d.areas) {
      if (a.kinds.includes('unpurged')) continue;
      sum += a.bytes;
      const key = vmallocCallerFunction(a.caller);
      let c = perCaller.get(key);
      if (!c) perCaller.set(key, (c = { areas: new Array(dumps.length).fill(0), bytes: new Array(dumps.length).fill(0) }));
      c.areas[i]++;
      c.bytes[i] += a.bytes;
    }
    total.push(sum);
  });
  out.total = { name: 'vmalloc live bytes', unit: 'B', t, v: total, source: options.source, ...(timed ? {} : { timeAssumed: true }) };
  const rows: VmallocCallerGrowth[] = [];
  for (const [caller, c] of perCaller) {
    const delta = c.bytes[c.bytes.length - 1] - c.bytes[0];
    if (delta <= 0) continue;
    rows.push({ caller, firstAreas: c.areas[0], lastAreas: c.areas[c.areas.length - 1], firstBytes: c.bytes[0], lastBytes: c.bytes[c.bytes.length - 1], deltaBytes: delta, dumps: dumps.length, trendVerdict: null, bytesPerHour: null });
  }
  rows.sort((a, b) => b.deltaBytes - a.deltaBytes);
  out.growing = rows.slice(0, options.top ?? 20);
  for (const row of out.growing) {
    const series: TimeSeries = { name: `vmalloc ${row.caller}`, unit: 'B', t, v: perCaller.get(row.caller)!.bytes, source: options.source, ...(timed ? {} : { timeAssumed: true }) };
    if (timed && dumps.length >= 3) {
      const r = detectLeakTrend(series);
      row.trendVerdict = r.verdict;
      row.bytesPerHour = r.slopePerHour;
    }
    if (out.series.length < 5) out.series.push(series);
  }
  const leaking = out.growing.filter((r) => r.trendVerdict === 'leak');
  for (const row of leaking.length > 0 ? leaking : out.growing.slice(0, 1)) {
    const leak = row.trendVerdict === 'leak';
    out.findings.push({
      kind: 'allocation-site-leak',
      severity: leak ? gradeLeak({ confirmed: true, bytesPerHour: row.bytesPerHour, timeToLimitSeconds: null, limitBytes: null }) : 'info',
      title: leak
        ? `vmalloc caller ${row.caller} grows steadily at ${formatBytes(row.bytesPerHour!)}/h (${row.firstAreas} -> ${row.lastAreas} areas)`
        : `vmalloc caller ${row.caller} holds ${formatBytes(row.deltaBytes)} more at the last dump than at the first (${row.firstAreas} -> ${row.lastAreas} areas)`,
      evidence: [
        {
          source: options.source,
          detail: `${row.caller}: ${row.firstAreas} areas ${formatBytes(row.firstBytes)} -> ${row.lastAreas} areas ${formatBytes(row.lastBytes)} over ${row.dumps} vmallocinfo dumps${row.trendVerdict ? `; trend ${row.trendVerdict}` : ''} (unpurged areas left out)`,
          values: { firstAreas: row.firstAreas, lastAreas: row.lastAreas, firstBytes: row.firstBytes, lastBytes: row.lastBytes, deltaBytes: row.deltaBytes, bytesPerHour: row.bytesPerHour },
        },
      ],
      source: options.source,
      space: 'kernel',
      culprit: row.caller,
      score: leak ? 100 + Math.log10(1 + row.deltaBytes) : Math.log10(1 + row.deltaBytes),
    });
  }
  return out;
}
