import { slabGrowth } from '../../analysis/slabGrowth.js';
import { slabinfoParser, slabtopAsSlabinfo, slabtopParser, type SlabinfoSnapshot, type SlabtopSnapshot } from '../../parsers/slabinfo/index.js';
import { recordsOf, type AnalysisContext, type ParsedArtefact } from '../context.js';
import type { FormatModule } from './module.js';
import { decimatingConsumer } from './snapshots.js';

function analyzeSlab(a: ParsedArtefact, ctx: AnalysisContext, snaps: readonly SlabinfoSnapshot[]): void {
  if (snaps.length < 2) return;
  const result = slabGrowth(snaps, { source: a.path });
  ctx.sections.slabGrowth.push(...result.entries);
  ctx.findings.push(...result.findings);
}

export const slabinfoModule: FormatModule = {
  format: 'slabinfo',
  parser: slabinfoParser,
  analyze: (a, ctx) => analyzeSlab(a, ctx, recordsOf<SlabinfoSnapshot>(a)),
  streaming: (_source, options) => decimatingConsumer(options.maxSnapshots),
};

export const slabtopModule: FormatModule = {
  format: 'slabtop',
  parser: slabtopParser,
  analyze: (a, ctx) => analyzeSlab(a, ctx, slabtopAsSlabinfo(recordsOf<SlabtopSnapshot>(a))),
  streaming: (_source, options) => decimatingConsumer(options.maxSnapshots),
};
