import { z } from 'zod';
import { gradeLeak } from './alerts.js';
import { formatBytes } from '../core/format.js';
import type { Finding, TimeSeries } from '../core/models.js';
import { allocinfoSiteKey, type AllocinfoSnapshot } from '../parsers/allocinfo/index.js';
import { detectLeakTrend } from './trend/index.js';

/**
 * /proc/allocinfo dumps diffed and trended per allocation site (file:line, module, function):
 * the kernel keeps, for every allocation call site, the bytes and calls still outstanding, so a
 * site whose bytes only grow over the dumps localises a kernel leak to a source line without any
 * tracing. Two dumps give a diff (reported, not graded as a leak: one step is not a trend); three
 * or more timed dumps give the trend engine's verdict per site.
 */

export const AllocinfoSiteGrowthSchema = z.object({
  site: z.string(),
  file: z.string(),
  lineNo: z.number().int(),
  module: z.string().nullable(),
  func: z.string(),
  firstBytes: z.number(),
  lastBytes: z.number(),
  deltaBytes: z.number(),
  firstCalls: z.number(),
  lastCalls: z.number(),
  /** Dumps the site appears in. */
  points: z.number().int(),
  /** Trend engine verdict over the dumps (null with fewer than 3 timed dumps). */
  trendVerdict: z.string().nullable(),
  bytesPerHour: z.number().nullable(),
  /** Sizes were printed rounded (numfmt / sort -h): the deltas are as exact as the rounding. */
  rounded: z.boolean(),
});
export type AllocinfoSiteGrowth = z.infer<typeof AllocinfoSiteGrowthSchema>;

export interface AllocinfoGrowthResult {
  dumps: number;
  /** Sites that grew between the first and the last dump, largest growth first (at most `top`). */
  growing: AllocinfoSiteGrowth[];
  /** Sites whose bytes went back down to where they started or below (freed: not leaks). */
  returnedToStart: number;
  /** Bytes per site over the dumps, for the top growing sites (charts). */
  series: TimeSeries[];
  findings: Finding[];
  insufficientData: string | null;
}

/**
 * @example
 * allocinfoGrowth(parseAllocinfo(text).records, { source: 'allocinfo.txt' }).growing[0].site
 */
export function allocinfoGrowth(snapshots: readonly AllocinfoSnapshot[], options: { source: string; top?: number }): AllocinfoGrowthResult {
  const dumps = snapshots.filter((s) => !s.partial && s.sites.length > 0);
  const top = options.top ?? 20;
  const out: AllocinfoGrowthResult = { dumps: dumps.length, growing: [], returnedToStart: 0, series: [], findings: [], insufficientData: null };
  if (dumps.length < 2) {
    out.insufficientData = 'one allocinfo dump: growth needs two or more dumps of the same system (cat /proc/allocinfo in a loop)';
    return out;
  }
  const timed = dumps.every((d) => d.time !== null);
  const points = new Map<string, { t: number[]; bytes: number[]; calls: number[]; rounded: boolean; proto: AllocinfoSnapshot['sites'][number] }>();
  for (const d of dumps) {
    for (const s of d.sites) {
      const key = allocinfoSiteKey(s);
      let p = points.get(key);
      if (!p) points.set(key, (p = { t: [], bytes: [], calls: [], rounded: false, proto: s }));
      p.t.push(timed ? d.time! : d.index);
      p.bytes.push(s.bytes);
      p.calls.push(s.calls);
      p.rounded ||= s.bytesRounded;
    }
  }
  const rows: AllocinfoSiteGrowth[] = [];
  for (const [site, p] of points) {
    const delta = p.bytes[p.bytes.length - 1] - p.bytes[0];
    if (p.bytes.length >= 2 && p.bytes[p.bytes.length - 1] <= p.bytes[0] && Math.max(...p.bytes) > p.bytes[0]) out.returnedToStart++;
    if (delta <= 0) continue;
    rows.push({
      site, file: p.proto.file, lineNo: p.proto.lineNo, module: p.proto.module, func: p.proto.func,
      firstBytes: p.bytes[0], lastBytes: p.bytes[p.bytes.length - 1], deltaBytes: delta,
      firstCalls: p.calls[0], lastCalls: p.calls[p.calls.length - 1], points: p.bytes.length,
      trendVerdict: null, bytesPerHour: null, rounded: p.rounded,
    });
  }
  rows.sort((a, b) => b.deltaBytes - a.deltaBytes);
  out.growing = rows.slice(0, top);
  for (const row of out.growing) {
    const p = points.get(row.site)!;
    const series: TimeSeries = { name: `allocinfo ${row.site}`, unit: 'B', t: p.t, v: p.bytes, source: options.source, ...(timed ? {} : { timeAssumed: true }) };
    if (timed && p.bytes.length >= 3) {
      const r = detectLeakTrend(series);
      row.trendVerdict = r.verdict;
      row.bytesPerHour = r.slopePerHour;
    }
    if (out.series.length < 5 && p.bytes.length >= 3) out.series.push(series);
  }
  // Thousands of sites move a little between dumps (page cache, slab pages): findings for the
  // sites the trend engine calls leaks, else for the three largest differences, as info.
  const leaking = out.growing.filter((r) => r.trendVerdict === 'leak');
  for (const row of leaking.length > 0 ? leaking : out.growing.slice(0, 3)) {
    const leak = row.trendVerdict === 'leak';
    const severity = leak ? gradeLeak({ confirmed: true, bytesPerHour: row.bytesPerHour, timeToLimitSeconds: null, limitBytes: null }) : 'info';
    const calls = row.lastCalls - row.firstCalls;
    out.findings.push({
      kind: 'allocation-site-leak',
      severity,
      title: leak
        ? `kernel allocation site ${row.func} (${row.file}:${row.lineNo}${row.module ? `, ${row.module}` : ''}) grows steadily at ${formatBytes(row.bytesPerHour!)}/h in /proc/allocinfo`
        : `kernel allocation site ${row.func} (${row.file}:${row.lineNo}${row.module ? `, ${row.module}` : ''}) holds ${formatBytes(row.deltaBytes)} more at the last allocinfo dump than at the first`,
      evidence: [
        {
          source: options.source,
          detail: `${row.site}: ${formatBytes(row.firstBytes)} in ${row.firstCalls} allocations -> ${formatBytes(row.lastBytes)} in ${row.lastCalls} (${calls >= 0 ? '+' : ''}${calls}) over ${row.points} dumps${
            row.trendVerdict ? `; trend ${row.trendVerdict}` : row.points < 3 ? '; two dumps: a difference, not yet a trend' : '; dumps without times: no rate'
          }${row.rounded ? '; sizes printed rounded' : ''}`,
          values: { firstBytes: row.firstBytes, lastBytes: row.lastBytes, deltaBytes: row.deltaBytes, firstCalls: row.firstCalls, lastCalls: row.lastCalls, bytesPerHour: row.bytesPerHour, points: row.points },
        },
      ],
      source: options.source,
      space: 'kernel',
      culprit: row.func,
      score: leak ? 100 + Math.log10(1 + row.deltaBytes) : Math.log10(1 + row.deltaBytes),
    });
  }
  return out;
}
