import type { TimeSeries } from '../../core/models.js';
import type { ParserDefinition } from '../../core/parser.js';
import { bytesPerUnit } from '../../core/format.js';
import { csvParser, csvSeries, type CsvRecord } from '../../parsers/csv/index.js';
import { pidstatParser, pidstatSeries, type PidstatSample } from '../../parsers/pidstat/index.js';
import { pmapParser, pmapSeries, type PmapSnapshot } from '../../parsers/pmap/index.js';
import { rssParser, rssSeries, type RssSample } from '../../parsers/rss/index.js';
import { smapsRollupParser, smapsRollupSeries, type SmapsRollupSnapshot } from '../../parsers/smaps-rollup/index.js';
import { vmstatParser, vmstatSeries, type VmstatRecord } from '../../parsers/vmstat/index.js';
import { addUsage, limitIn, pushSeries, recordsOf, type UsageRole } from '../context.js';
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
export const csvModule = seriesModule<CsvRecord>(csvParser, csvSeries, csvRole);

/** vmstat's free and swap columns are charted; its memory is trended through meminfo. */
export const vmstatModule: FormatModule = {
  format: 'vmstat',
  parser: vmstatParser,
  analyze(a, ctx) {
    for (const s of vmstatSeries(recordsOf<VmstatRecord>(a), a.path)) {
      if (ctx.options.allSeries || s.name === 'free' || s.name === 'swpd') pushSeries(ctx, a.path, s);
    }
  },
};
