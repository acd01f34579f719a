import type { TimeSeries } from '../../core/models.js';
import type { ParserDefinition } from '../../core/parser.js';
import { bytesPerUnit } from '../../core/format.js';
import { csvParser, csvSeries, type CsvRecord } from '../../parsers/csv/index.js';
import { pidstatParser, pidstatSeries, type PidstatSample } from '../../parsers/pidstat/index.js';
import { pmapParser, pmapSeries, type PmapSnapshot } from '../../parsers/pmap/index.js';
import { rssParser, rssSeries, type RssSample } from '../../parsers/rss/index.js';
import { smapsRollupParser, smapsRollupSeries, type SmapsRollupSnapshot } from '../../parsers/smaps-rollup/index.js';
import { vmstatParser, vmstatSeries, type VmstatRecord } from '../../parsers/vmstat/index.js';
import { freeMemoryConsumption, sumSeries, type FreeMemoryInput } from '../../analysis/freeMemory.js';
import { addUsage, limitIn, pushSeries, recordsOf, type AnalysisContext, type UsageRole } from '../context.js';
import type { FormatModule } from './module.js';

/** A format whose records become series; `role` says which of them are usage to trend. */
function seriesModule<R>(parser: ParserDefinition<R, any>, toSeries: (records: R[], source: string) => TimeSeries[], role: (s: TimeSeries) => UsageRole | null): FormatModule {
  return {
    format: parser.format,
    parser,
    analyze(a, ctx) {
      for (const s of toSeries(recordsOf<R>(a), a.path)) {
        const r = bytesPerUnit(s.unit) !== null ? role(s) : null;
        if (r) addUsage(ctx, a.path, s, r, limitIn(ctx, s.unit, ctx.memTotalBytes));
        else if (ctx.options.allSeries) pushSeries(ctx, a.path, s);
      }
    },
  };
}

/**
 * A process's resident memory is its usage: one headline series per process (RSS, or PSS when
 * smaps_rollup gives it), not its address space (VSZ, Kbytes) nor every sub-counter.
 */
function processUsageRole(s: TimeSeries): UsageRole | null {
  const n = s.name.toLowerCase();
  return n.startsWith('rss') || n === 'pss' || n.startsWith('pmap rss') ? 'user' : null;
}

function csvRole(s: TimeSeries): UsageRole | null {
  const n = s.name.toLowerCase();
  if (n.includes('rss') || n.includes('pss') || n.includes('heap') || n.includes('anon')) return 'user';
  if (n.includes('slab') || n.includes('kernel')) return 'kernel';
  if (n.includes('free') || n.includes('avail')) return null;
  return 'total';
}

export const rssModule = seriesModule<RssSample>(rssParser, rssSeries, () => 'user');
export const pidstatModule = seriesModule<PidstatSample>(pidstatParser, pidstatSeries, processUsageRole);
export const pmapModule = seriesModule<PmapSnapshot>(pmapParser, pmapSeries, processUsageRole);
export const smapsRollupModule = seriesModule<SmapsRollupSnapshot>(smapsRollupParser, smapsRollupSeries, processUsageRole);
/** Trends what a falling free-memory series consumed, with its limit where nothing is left. */
export function addFreeMemoryUsage(ctx: AnalysisContext, source: string, input: FreeMemoryInput): void {
  const c = freeMemoryConsumption(input);
  if (c) addUsage(ctx, source, c.series, 'total', c.limit, true, true);
}

const csvBase = seriesModule<CsvRecord>(csvParser, csvSeries, csvRole);

/**
 * CSV columns are usage by name; a free or available column (`free_kb`, `available`) is trended
 * as what its fall consumed: the available column when there is one (net of page cache).
 */
export const csvModule: FormatModule = {
  ...csvBase,
  analyze(a, ctx) {
    csvBase.analyze!(a, ctx);
    const bytes = csvSeries(recordsOf<CsvRecord>(a), a.path).filter((s) => bytesPerUnit(s.unit) !== null);
    const avail = bytes.find((s) => s.name.toLowerCase().includes('avail'));
    const free = bytes.find((s) => s.name.toLowerCase().includes('free'));
    if (avail) addFreeMemoryUsage(ctx, a.path, { free: avail, label: avail.name, basis: 'net-of-cache' });
    else if (free) addFreeMemoryUsage(ctx, a.path, { free, label: free.name, basis: 'cache-not-netted' });
  },
};

/**
 * vmstat's free and swap columns are charted; falling free memory is trended as consumption,
 * net of page cache as free + buff + cache when those columns are printed (vmstat -a prints
 * inact/active instead: free alone, and the series says the cache is not netted out).
 */
export const vmstatModule: FormatModule = {
  format: 'vmstat',
  parser: vmstatParser,
  analyze(a, ctx) {
    const all = vmstatSeries(recordsOf<VmstatRecord>(a), a.path);
    const byName = new Map(all.map((s) => [s.name, s]));
    for (const s of all) {
      if (ctx.options.allSeries || s.name === 'swpd' || (s.name === 'free' && s.v.length < 3)) pushSeries(ctx, a.path, s);
    }
    const free = byName.get('free');
    if (!free) return;
    const available = sumSeries([free, byName.get('buff'), byName.get('cache')], 'free+buff+cache');
    addFreeMemoryUsage(ctx, a.path, available ? { free: available, label: 'free+buff+cache', basis: 'net-of-cache' } : { free, label: 'free', basis: 'cache-not-netted' });
  },
};
