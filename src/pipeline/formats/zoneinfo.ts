import { vmallocGrowth } from '../../analysis/vmallocGrowth.js';
import { zoneWatermarks } from '../../analysis/zoneWatermarks.js';
import { vmallocinfoParser, type VmallocinfoSnapshot } from '../../parsers/vmallocinfo/index.js';
import { zoneinfoParser, type ZoneinfoSnapshot } from '../../parsers/zoneinfo/index.js';
import { addUsage, limitIn, pushSeries, recordsOf } from '../context.js';
import type { FormatModule } from './module.js';

/** zoneinfo dumps: free pages per zone against its watermarks, charted. */
export const zoneinfoModule: FormatModule = {
  format: 'zoneinfo',
  parser: zoneinfoParser,
  analyze(a, ctx) {
    const r = zoneWatermarks(recordsOf<ZoneinfoSnapshot>(a), { source: a.path });
    for (const s of r.series) pushSeries(ctx, a.path, s);
    ctx.findings.push(...r.findings);
  },
};

/** vmallocinfo dumps: live vmalloc bytes to the trend engine (kernel memory), growth per caller as findings. */
export const vmallocinfoModule: FormatModule = {
  format: 'vmallocinfo',
  parser: vmallocinfoParser,
  analyze(a, ctx) {
    const r = vmallocGrowth(recordsOf<VmallocinfoSnapshot>(a), { source: a.path });
    // The per-caller findings name the culprit; the total's trend feeds the verdict without a second finding.
    if (r.total) addUsage(ctx, a.path, r.total, 'kernel', limitIn(ctx, 'B', ctx.memTotalBytes), false);
    for (const s of r.series) pushSeries(ctx, a.path, s);
    ctx.findings.push(...r.findings);
  },
};
