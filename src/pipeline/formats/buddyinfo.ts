import { analyzeFragmentation, fragmentationFindings } from '../../analysis/fragmentation.js';
import { buddyinfoParser, buddyinfoSeries, extfragIndexParser, extfragUnusableParser, pagetypeinfoParser, type BuddyinfoSnapshot } from '../../parsers/buddyinfo/index.js';
import { pushSeries, recordsOf } from '../context.js';
import type { FormatModule } from './module.js';
import { decimatingConsumer } from './snapshots.js';

export const buddyinfoModule: FormatModule = {
  format: 'buddyinfo',
  parser: buddyinfoParser,
  classifierInput: 'buddyinfo',
  analyze(a, ctx) {
    const snaps = recordsOf<BuddyinfoSnapshot>(a);
    if (ctx.options.allSeries) for (const s of buddyinfoSeries(snaps, a.path)) pushSeries(ctx, a.path, s);
    const analysis = analyzeFragmentation(snaps);
    const current = ctx.sections.fragmentation ?? { analyses: [], classifications: [] };
    ctx.sections.fragmentation = { ...current, analyses: [...current.analyses, { ...analysis, source: a.path, kernelIndexChecks: [] }] };
    ctx.findings.push(...fragmentationFindings(analysis, a.path));
  },
  streaming: (_source, options) => decimatingConsumer(options.maxSnapshots),
};

/** Read by the leak-or-fragmentation classification of its capture folder (see verdict.ts). */
export const pagetypeinfoModule: FormatModule = {
  format: 'pagetypeinfo',
  parser: pagetypeinfoParser,
  classifierInput: 'pagetypeinfo',
  streaming: (_source, options) => decimatingConsumer(options.maxSnapshots),
};

export const extfragUnusableModule: FormatModule = { format: 'extfrag-unusable', parser: extfragUnusableParser, classifierInput: 'extfragUnusable' };
export const extfragIndexModule: FormatModule = { format: 'extfrag-index', parser: extfragIndexParser, classifierInput: 'extfragIndex' };
