import { allocinfoGrowth } from '../../analysis/allocinfoGrowth.js';
import { allocinfoParser, type AllocinfoSnapshot } from '../../parsers/allocinfo/index.js';
import { pushSeries, recordsOf } from '../context.js';
import type { FormatModule } from './module.js';

/** /proc/allocinfo dumps: growth per kernel allocation site, the top sites charted. */
export const allocinfoModule: FormatModule = {
  format: 'allocinfo',
  parser: allocinfoParser,
  analyze(a, ctx) {
    const r = allocinfoGrowth(recordsOf<AllocinfoSnapshot>(a), { source: a.path });
    for (const s of r.series) pushSeries(ctx, a.path, s);
    ctx.findings.push(...r.findings);
  },
};
