import type { Finding } from '../core/models.js';
import { formatBytes, formatDuration } from '../core/text.js';
import type { AnalysisContext } from './analyze.js';
import { gradeLeak } from './alerts.js';
import { detectLeakTrend } from './trend/index.js';

const UNIT_BYTES: Record<string, number> = { B: 1, bytes: 1, kB: 1024, KiB: 1024, MB: 1024 ** 2, MiB: 1024 ** 2, GB: 1024 ** 3, GiB: 1024 ** 3, pages: 4096 };

/** Bytes per unit of a series, null for units that are not memory (objects, percent). */
export function bytesPerUnit(unit: string): number | null {
  return UNIT_BYTES[unit] ?? null;
}

/**
 * Qualify: runs the trend engine on every usage series the format analyses registered and
 * adds a `trends` entry for each and a finding for each that is not flat.
 * @example
 * runUsageTrends(ctx); ctx.sections.trends[0].verdict // 'leak'
 */
export function runUsageTrends(ctx: AnalysisContext): void {
  for (const { series, role, limit, emitFinding } of ctx.usageSeries) {
    const r = detectLeakTrend(series, limit !== undefined && limit > 0 ? { limit } : {});
    const source = series.source ?? '';
    ctx.trendResults.push({ source, name: series.name, role, result: r });
    const { troughs, peaks, fit, band, projection, regimes, changePoints, segments, gaps, reason, method, onsetAtStart, timeToLimitCi, noise } = r;
    ctx.sections.trends.push({
      source,
      series: series.name,
      verdict: r.verdict,
      slopePerHour: r.slopePerHour,
      ci95: r.ci95,
      pValue: r.pValue,
      unit: series.unit,
      period: r.period,
      onset: r.onset,
      timeToLimitSeconds: r.timeToLimitSeconds,
      role,
      limit: r.limit,
      timeToLimitCi,
      reason,
      method,
      onsetAtStart,
      noise,
      fit,
      band,
      projection,
      troughs,
      peaks,
      regimes,
      changePoints,
      segments,
      gaps,
      timeAssumed: series.timeAssumed ?? false,
    });
    if (r.verdict === 'no-leak' || r.verdict === 'insufficient-data' || emitFinding === false) continue;
    const perUnit = bytesPerUnit(series.unit);
    const bytesPerHour = perUnit !== null && r.slopePerHour !== null ? r.slopePerHour * perUnit : null;
    const limitBytes = perUnit !== null && r.limit !== null ? r.limit * perUnit : null;
    const severity = r.verdict === 'leak' ? gradeLeak({ confirmed: true, bytesPerHour, timeToLimitSeconds: r.timeToLimitSeconds, limitBytes }, ctx.options.alertThresholds) : 'info';
    const rate = bytesPerHour !== null ? `${formatBytes(bytesPerHour)}/h` : `${r.slopePerHour?.toPrecision(3)} ${series.unit}/h`;
    const title =
      r.verdict === 'leak'
        ? `${series.name} grows steadily at ${rate}` + (r.timeToLimitSeconds !== null ? `: reaches the limit in ${formatDuration(r.timeToLimitSeconds)}` : '')
        : r.verdict === 'plateau'
          ? `${series.name} rose during warm-up and then levelled off (not a leak)`
          : `${series.name} jumped to a new level without a slope (a step, not a leak)`;
    const finding: Finding = {
      kind: 'usage-trend',
      severity,
      title,
      source,
      space: role === 'user' ? 'user' : role === 'kernel' ? 'kernel' : 'unknown',
      score: r.verdict === 'leak' ? 100 + Math.min(100, -Math.log10(Math.max(r.pValue ?? 1, 1e-100))) : 10,
      evidence: [
        {
          source,
          detail: `${r.reason} (${r.method})`,
          values: {
            slopePerHour: r.slopePerHour,
            ci95Low: r.ci95?.[0] ?? null,
            ci95High: r.ci95?.[1] ?? null,
            pValue: r.pValue,
            periodSeconds: r.period,
            onset: r.onset,
            timeToLimitSeconds: r.timeToLimitSeconds,
            unit: series.unit,
            points: r.points,
          },
        },
      ],
    };
    ctx.findings.push(finding);
  }
}
