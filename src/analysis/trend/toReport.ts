import type { z } from 'zod';
import type { Finding } from '../../core/models.js';
import type { TrendEntrySchema } from '../../report/schema.js';
import type { LeakTrendResult } from './detectLeakTrend.js';

/** A report `trends` entry (src/report/schema.ts TrendEntrySchema) plus the chart fields. */
export type TrendEntry = z.infer<typeof TrendEntrySchema> & LeakTrendResult;

/**
 * Builds the report's `trends` entry for one analysed series: the named fields of
 * TrendEntrySchema plus everything the charts need (troughs, peaks, fit, band, projection, regimes).
 * @example
 * const entry = toTrendEntry(detectLeakTrend(series), 'captures/D4_leak/rss.txt', 'rss', 'kB');
 */
export function toTrendEntry(result: LeakTrendResult, source: string, series: string, unit: string): TrendEntry {
  return { ...result, source, series, unit: result.unit ?? unit };
}

function human(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/**
 * A `usage-trend` finding for a leaking series (null for any other verdict). Critical when the
 * projected time to the limit is under a day, else a warning.
 * @example
 * const f = toTrendFinding(detectLeakTrend(series, { limit }), 'rss.txt', 'rss');
 */
export function toTrendFinding(result: LeakTrendResult, source: string, series: string): Finding | null {
  if (result.verdict !== 'leak' || result.slopePerHour === null) return null;
  const unit = result.unit ?? '';
  const ttl = result.timeToLimitSeconds;
  const severity = ttl !== null && ttl < 86400 ? 'critical' : 'warning';
  const rate = `${result.slopePerHour.toPrecision(3)} ${unit}/h`;
  const title =
    `${series} grows ${rate}` + (ttl !== null ? `; reaches the limit in ~${human(ttl)}` : '') + (result.onset !== null && !result.onsetAtStart ? ` (since t=${result.onset})` : '');
  return {
    kind: 'usage-trend',
    severity,
    title,
    source,
    score: result.pValue !== null ? Math.min(10, -Math.log10(Math.max(result.pValue, 1e-10))) : undefined,
    space: 'unknown',
    evidence: [
      {
        source,
        detail: `${result.reason}; ${result.method}`,
        values: {
          slopePerHour: result.slopePerHour,
          ci95Low: result.ci95?.[0] ?? null,
          ci95High: result.ci95?.[1] ?? null,
          pValue: result.pValue,
          period: result.period,
          onset: result.onset,
          timeToLimitSeconds: ttl,
          unit,
        },
      },
    ],
  };
}
