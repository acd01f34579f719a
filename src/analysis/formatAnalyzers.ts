import type { FormatId } from '../core/parser.js';
import { meminfoSeries, type MeminfoSnapshot } from '../parsers/meminfo/index.js';
import type { AnalysisContext, FormatAnalyzer, ParsedArtefact } from './analyze.js';

/** The meminfo fields whose series are worth a trend and a chart. */
const MEMINFO_USAGE_FIELDS: Record<string, 'user' | 'kernel' | 'total'> = {
  Used: 'total',
  AnonPages: 'user',
  Slab: 'kernel',
  SUnreclaim: 'kernel',
  VmallocUsed: 'kernel',
};

function analyzeMeminfo(a: ParsedArtefact, ctx: AnalysisContext): void {
  const records = a.result!.records as MeminfoSnapshot[];
  const series = meminfoSeries(records, a.path);
  for (const s of series) {
    const role = MEMINFO_USAGE_FIELDS[s.name];
    if (role || ctx.options.allSeries) {
      ctx.sections.series.push({ source: a.path, name: s.name, unit: s.unit, points: s.t.length, t: s.t, v: s.v, ...(s.timeAssumed ? { timeAssumed: true } : {}) });
    }
    if (role) {
      const memTotal = records.find((r) => r.kb.MemTotal !== undefined)?.kb.MemTotal;
      ctx.usageSeries.push({ series: s, role, limit: ctx.options.limitBytes ? ctx.options.limitBytes / 1024 : memTotal });
    }
  }
}

/** Per-format analyses: what the pipeline runs for each parsed artefact. */
export const FORMAT_ANALYZERS: Partial<Record<FormatId, FormatAnalyzer>> = {
  meminfo: analyzeMeminfo,
};
