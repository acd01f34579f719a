import { folderOf, type AnalysisContext } from './context.js';
import { detectLeakTrend, toTrendEntry, toTrendFinding } from '../analysis/trend/index.js';

import { bytesPerUnit } from '../core/format.js';

function timeAxisOf(ctx: AnalysisContext, source: string) {
  const axis = ctx.timeAxes.get(source);
  return axis ? { timeAxis: axis.source } : {};
}

/**
 * Qualify: runs the trend engine on every usage series the format analyses registered and
 * adds a `trends` entry for each and a finding for each that is not flat.
 * @example
 * runUsageTrends(ctx); ctx.sections.trends[0].verdict // 'leak'
 */
export function runUsageTrends(ctx: AnalysisContext): void {
  const direct = new Set(ctx.usageSeries.filter((u) => !u.standIn).map((u) => `${folderOf(u.series.source ?? '')}\u0000${u.role}`));
  for (const { series, role, limit, emitFinding, standIn } of ctx.usageSeries) {
    const r = detectLeakTrend(series, limit !== undefined && limit > 0 ? { limit } : {});
    const source = series.source ?? '';
    ctx.trendResults.push({ source, name: series.name, role, result: r });
    ctx.sections.trends.push({ ...toTrendEntry(r, source, series.name, series.unit), role, timeAssumed: series.timeAssumed ?? false, ...timeAxisOf(ctx, source) });
    if (emitFinding === false) continue;
    // Falling free memory is the same memory a direct usage series of the folder measures.
    if (standIn && direct.has(`${folderOf(source)}\u0000${role}`)) continue;
    const finding = toTrendFinding(r, source, series.name, {
      space: role === 'user' ? 'user' : role === 'kernel' ? 'kernel' : 'unknown',
      bytesPerUnit: bytesPerUnit(series.unit),
      thresholds: ctx.options.alertThresholds,
    });
    if (finding) ctx.findings.push(finding);
  }
}
