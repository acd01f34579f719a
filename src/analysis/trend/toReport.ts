import { z } from 'zod';
import { TimeAxisSourceSchema, UsageRoleSchema, type Finding } from '../../core/models.js';
import { LeakTrendResultSchema, type LeakTrendResult } from './detectLeakTrend.js';
import { formatBytes, formatQuantity, formatTimeToLimit } from '../../core/format.js';
import { gradeLeak, type AlertThresholds } from '../alerts.js';

/** A report `trends` entry: the trend engine's result for one series, named and placed. */
export const TrendEntrySchema = LeakTrendResultSchema.extend({
  source: z.string(),
  series: z.string(),
  unit: z.string(),
  /** What the series measures, set by the pipeline. */
  role: UsageRoleSchema.optional(),
  /** The time axis was built from an assumed sampling interval. */
  timeAssumed: z.boolean().optional(),
  /** Where the series' time axis comes from (set by the pipeline). */
  timeAxis: TimeAxisSourceSchema.optional(),
});
export type TrendEntry = z.infer<typeof TrendEntrySchema>;

/**
 * Builds the report's `trends` entry for one analysed series: the named fields of
 * TrendEntrySchema plus everything the charts need (troughs, peaks, fit, band, projection, regimes).
 * @example
 * const entry = toTrendEntry(detectLeakTrend(series), 'captures/D4_leak/rss.txt', 'rss', 'kB');
 */
export function toTrendEntry(result: LeakTrendResult, source: string, series: string, unit: string): TrendEntry {
  return { ...result, source, series, unit: result.unit ?? unit };
}

export interface TrendFindingOptions {
  /** Where the series' memory lives (user: AnonPages/RSS; kernel: Slab/SUnreclaim). */
  space?: 'kernel' | 'user' | 'unknown';
  /** Bytes per unit of the series (1024 for kB), to grade by bytes; null for non-memory units. */
  bytesPerUnit?: number | null;
  thresholds?: Partial<AlertThresholds>;
}

/**
 * The evidence sentence of a trend, for people: the series, what it does at what rate (sizes
 * humanised), the 95 % interval when it says more than the rate, the time to the limit, the method.
 */
function trendEvidenceSentence(result: LeakTrendResult, series: string): string {
  const unit = result.unit ?? undefined;
  const perHour = (x: number) => `${formatQuantity(x, unit ?? 'units')}/h`;
  const ci = result.ci95 && perHour(result.ci95[0]) !== perHour(result.ci95[1]) ? `; 95 % interval ${perHour(result.ci95[0])} to ${perHour(result.ci95[1])}` : '';
  const t = result.timeToLimitSeconds;
  // Never "0 s": a limit already passed reads as reached (formatTimeToLimit).
  const ttl = result.verdict === 'leak' && t !== null ? (t <= 0 ? '; has reached the limit' : `; reaches the limit in ${formatTimeToLimit(t)}`) : '';
  return `${series}: ${result.reason}${ci}${ttl}. Method: ${result.method}.`;
}

/**
 * A `usage-trend` finding: graded by the alert rules for a leak (alerts.ts), info for a warm-up
 * plateau or a step (reported so nobody mistakes them for leaks), null otherwise.
 * @example
 * const f = toTrendFinding(detectLeakTrend(series, { limit }), 'rss.txt', 'rss', { bytesPerUnit: 1024 });
 */
export function toTrendFinding(result: LeakTrendResult, source: string, series: string, options: TrendFindingOptions = {}): Finding | null {
  if (result.verdict !== 'leak' && result.verdict !== 'plateau' && result.verdict !== 'step') return null;
  const unit = result.unit ?? '';
  const perUnit = options.bytesPerUnit ?? null;
  const bytesPerHour = perUnit !== null && result.slopePerHour !== null ? result.slopePerHour * perUnit : null;
  const limitBytes = perUnit !== null && result.limit !== null ? result.limit * perUnit : null;
  const ttl = result.timeToLimitSeconds;
  const severity =
    result.verdict === 'leak' ? gradeLeak({ confirmed: true, bytesPerHour, timeToLimitSeconds: ttl, limitBytes }, options.thresholds) : 'info';
  const rate = bytesPerHour !== null ? `${formatBytes(bytesPerHour)}/h` : `${formatQuantity(result.slopePerHour, unit || 'units')}/h`;
  const title =
    result.verdict === 'leak'
      ? `${series} grows steadily at ${rate}` + (ttl === null ? '' : ttl <= 0 ? ': has reached the limit' : `: reaches the limit in ${formatTimeToLimit(ttl)}`)
      : result.verdict === 'plateau'
        ? `${series} rose during warm-up and then levelled off (not a leak)`
        : `${series} jumped to a new level without a slope (a step, not a leak)`;
  return {
    kind: 'usage-trend',
    severity,
    title,
    source,
    space: options.space ?? 'unknown',
    score: result.verdict === 'leak' ? 100 + Math.min(100, -Math.log10(Math.max(result.pValue ?? 1, 1e-100))) : 10,
    evidence: [
      {
        source,
        detail: trendEvidenceSentence(result, series),
        values: {
          slopePerHour: result.slopePerHour,
          ci95Low: result.ci95?.[0] ?? null,
          ci95High: result.ci95?.[1] ?? null,
          pValue: result.pValue,
          periodSeconds: result.period,
          onset: result.onset,
          timeToLimitSeconds: ttl,
          unit,
          points: result.points,
        },
      },
    ],
  };
}
