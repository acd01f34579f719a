import { meminfoAttribution } from '../../analysis/meminfoAttribution.js';
import { meminfoParser, meminfoSeries, type MeminfoSnapshot } from '../../parsers/meminfo/index.js';
import { addUsage, limitIn, pushSeries, recordsOf, type UsageRole } from '../context.js';
import type { FormatModule } from './module.js';
import { addFreeMemoryUsage } from './series.js';
import { sumSeries } from '../../analysis/freeMemory.js';

/** The meminfo fields whose series get a trend and a chart, and where their memory lives. */
const MEMINFO_USAGE_FIELDS: Record<string, UsageRole> = {
  Used: 'total',
  AnonPages: 'user',
  Slab: 'kernel',
  SUnreclaim: 'kernel',
  VmallocUsed: 'kernel',
};

export const meminfoModule: FormatModule = {
  format: 'meminfo',
  parser: meminfoParser,
  classifierInput: 'meminfo',
  analyze(a, ctx) {
    const snaps = recordsOf<MeminfoSnapshot>(a);
    const memTotalKb = snaps.find((r) => r.kb.MemTotal !== undefined)?.kb.MemTotal;
    if (memTotalKb !== undefined) ctx.memTotalBytes ??= memTotalKb * 1024;
    const series = meminfoSeries(snaps, a.path);
    const byName = new Map(series.map((s) => [s.name, s]));
    // Without MemTotal there is no Used: free memory's fall is the usage (a `grep MemAvailable` loop).
    if (!byName.has('Used')) {
      const avail = byName.get('MemAvailable');
      const freeCache = sumSeries([byName.get('MemFree'), byName.get('Buffers'), byName.get('Cached')], 'MemFree+Buffers+Cached');
      const free = byName.get('MemFree');
      if (avail) addFreeMemoryUsage(ctx, a.path, { free: avail, label: 'MemAvailable', basis: 'net-of-cache' });
      else if (freeCache) addFreeMemoryUsage(ctx, a.path, { free: freeCache, label: 'MemFree+Buffers+Cached', basis: 'net-of-cache' });
      else if (free) addFreeMemoryUsage(ctx, a.path, { free, label: 'MemFree', basis: 'cache-not-netted' });
    }
    for (const s of series) {
      const role = MEMINFO_USAGE_FIELDS[s.name];
      // meminfoAttribution below reports each component's growth; the trend here feeds charts and the verdict.
      if (role) addUsage(ctx, a.path, s, role, limitIn(ctx, s.unit, memTotalKb !== undefined ? memTotalKb * 1024 : undefined), snaps.length < 2);
      else if (ctx.options.allSeries) pushSeries(ctx, a.path, s);
    }
    if (snaps.length >= 2) {
      const { findings, ...section } = meminfoAttribution(snaps, { source: a.path });
      ctx.sections.meminfo.push(section);
      ctx.findings.push(...findings);
    }
  },
};
