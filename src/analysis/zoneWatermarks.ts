import { z } from 'zod';
import type { Finding, TimeSeries } from '../core/models.js';
import type { ZoneinfoSnapshot } from '../parsers/zoneinfo/index.js';

/**
 * Per zone: free pages against the zone's own watermarks over the dumps. Below `low` kswapd is
 * woken to reclaim; below `min` allocations enter direct reclaim and only GFP_ATOMIC / PF_MEMALLOC
 * may dip further (mm/page_alloc.c zone_watermark_ok): how close each zone came to them.
 */
export const ZoneWatermarkSummarySchema = z.object({
  node: z.number().int(),
  zone: z.string(),
  managedPages: z.number().nullable(),
  minPages: z.number().nullable(),
  lowPages: z.number().nullable(),
  highPages: z.number().nullable(),
  firstFreePages: z.number(),
  lastFreePages: z.number(),
  lowestFreePages: z.number(),
  /** Dumps with free below low (kswapd reclaiming) and below min (direct reclaim). */
  dumpsBelowLow: z.number().int(),
  dumpsBelowMin: z.number().int(),
  dumps: z.number().int(),
});
export type ZoneWatermarkSummary = z.infer<typeof ZoneWatermarkSummarySchema>;

export interface ZoneWatermarkResult {
  zones: ZoneWatermarkSummary[];
  /** Free pages per populated zone, for charts. */
  series: TimeSeries[];
  findings: Finding[];
}

export function zoneWatermarks(snapshots: readonly ZoneinfoSnapshot[], options: { source: string }): ZoneWatermarkResult {
  const out: ZoneWatermarkResult = { zones: [], series: [], findings: [] };
  const dumps = snapshots.filter((s) => !s.partial);
  const keys = new Map<string, { node: number; zone: string }>();
  for (const d of dumps) for (const z0 of d.zones) keys.set(`${z0.node}\u0000${z0.zone}`, { node: z0.node, zone: z0.zone });
  for (const { node, zone } of keys.values()) {
    const rows = dumps.flatMap((d) => d.zones.filter((z0) => z0.node === node && z0.zone === zone).map((z0) => ({ d, z0 })));
    const last = rows[rows.length - 1].z0;
    if ((last.pages.managed ?? 0) === 0) continue; // empty zone (Movable, Device without memory)
    const free = rows.map((r) => r.z0.pages.free ?? 0);
    const below = (key: 'low' | 'min') => rows.filter((r) => r.z0.pages[key] !== undefined && (r.z0.pages.free ?? 0) < r.z0.pages[key]!).length;
    const summary: ZoneWatermarkSummary = {
      node, zone,
      managedPages: last.pages.managed ?? null,
      minPages: last.pages.min ?? null,
      lowPages: last.pages.low ?? null,
      highPages: last.pages.high ?? null,
      firstFreePages: free[0],
      lastFreePages: free[free.length - 1],
      lowestFreePages: Math.min(...free),
      dumpsBelowLow: below('low'),
      dumpsBelowMin: below('min'),
      dumps: rows.length,
    };
    out.zones.push(summary);
    if (rows.length >= 2) {
      out.series.push({ name: `zone ${node}/${zone} free`, unit: 'pages', t: rows.map((r) => r.d.time ?? r.d.index), v: free, source: options.source, ...(rows.some((r) => r.d.time === null) ? { timeAssumed: true } : {}) });
    }
    if (summary.dumpsBelowLow > 0) {
      const atMin = summary.dumpsBelowMin > 0;
      out.findings.push({
        kind: 'fragmentation',
        severity: atMin ? 'warning' : 'info',
        title: `zone ${zone} (node ${node}) free pages fell below its ${atMin ? 'min' : 'low'} watermark in ${atMin ? summary.dumpsBelowMin : summary.dumpsBelowLow} of ${rows.length} zoneinfo dumps (${atMin ? 'direct reclaim' : 'kswapd reclaim'})`,
        evidence: [
          {
            source: options.source,
            lines: [rows[0].z0.line, last.line],
            detail: `free ${summary.firstFreePages} -> ${summary.lastFreePages} pages (lowest ${summary.lowestFreePages}); watermarks min ${summary.minPages} low ${summary.lowPages} high ${summary.highPages}; managed ${summary.managedPages}`,
            values: { lowestFreePages: summary.lowestFreePages, minPages: summary.minPages, lowPages: summary.lowPages, highPages: summary.highPages, dumpsBelowLow: summary.dumpsBelowLow, dumpsBelowMin: summary.dumpsBelowMin },
          },
        ],
        source: options.source,
        space: 'kernel',
        score: summary.dumpsBelowMin * 10 + summary.dumpsBelowLow,
      });
    }
  }
  return out;
}
