import { z } from 'zod';
import { worseSeverity, type FindingSeverity } from '../core/models.js';

/**
 * Graded alerts: the documented rules that turn a leak's numbers into critical / warning / info.
 *
 * - critical: a confirmed leak whose projected time to the limit is under `criticalHoursToLimit`,
 *   or whose rate is at least `criticalFractionPerHour` of the limit per hour;
 * - warning: any other confirmed leak (significant trend, a culprit whose outstanding memory grows),
 *   or a leak with no limit to project to whose rate is at least `warningBytesPerHour`;
 * - info: growth that did not pass the tests (plateau, step, too few points), bounded usage,
 *   and leaks below `warningBytesPerHour` with no limit known.
 * A culprit seen without a rate (LSan, valgrind, kmemleak: what leaked by exit or scan time) is a
 * warning, critical from `criticalLeakedBytes` on. A proven leak (evidence value `leak: 'proven'`:
 * objects kmemleak still lists unreferenced scan after scan) is graded by its rate when it has one
 * (across timed scans), but never below what it would be without the rate: the objects are leaked
 * whatever the rate, unlike growth a trend infers. A culprit with a rate but no usage series
 * projects its time to the limit as limit / rate (the most optimistic case: nothing else in use).
 * Confidence below `minConfidence` lowers a grade by one step.
 */
export const AlertThresholdsSchema = z.object({
  criticalHoursToLimit: z.number().positive().default(24),
  criticalFractionPerHour: z.number().positive().default(0.05),
  warningBytesPerHour: z.number().nonnegative().default(1024 * 1024),
  minConfidence: z.number().min(0).max(1).default(0.6),
  criticalLeakedBytes: z.number().positive().default(64 * 1024 * 1024),
});
export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = AlertThresholdsSchema.parse({});

export interface LeakSignal {
  /** A leak confirmed by its analysis (trend verdict leak, site flagged, stack growing). */
  confirmed: boolean;
  bytesPerHour: number | null;
  timeToLimitSeconds: number | null;
  limitBytes: number | null;
  confidence?: number;
}

/** The evidence value `leak` of a culprit whose objects are proven leaked (see the rules above). */
export const PROVEN_LEAK = 'proven';

const LOWER: Record<FindingSeverity, FindingSeverity> = { critical: 'warning', warning: 'info', info: 'info' };

/**
 * Grades one leak signal by the rules above.
 * @example
 * gradeLeak({ confirmed: true, bytesPerHour: 5e7, timeToLimitSeconds: 16 * 3600, limitBytes: 2 ** 31 }) // 'critical'
 */
export function gradeLeak(signal: LeakSignal, thresholds: Partial<AlertThresholds> = {}): FindingSeverity {
  const th = { ...DEFAULT_ALERT_THRESHOLDS, ...thresholds };
  let grade: FindingSeverity = 'info';
  if (signal.confirmed) {
    const rate = signal.bytesPerHour ?? 0;
    const soon = signal.timeToLimitSeconds !== null && signal.timeToLimitSeconds <= th.criticalHoursToLimit * 3600;
    const fast = signal.limitBytes !== null && signal.limitBytes > 0 && rate >= th.criticalFractionPerHour * signal.limitBytes;
    if (soon || fast) grade = 'critical';
    else if (signal.limitBytes !== null || rate >= th.warningBytesPerHour || signal.bytesPerHour === null) grade = 'warning';
  }
  if (signal.confidence !== undefined && signal.confidence < th.minConfidence) grade = LOWER[grade];
  return grade;
}

/**
 * Grades a culprit finding (allocation site, stack, leak site, kmemleak cluster, slab cache) from
 * the numbers in its first evidence, by the rules above.
 * @example
 * gradeCulprit({ growthBytesPerSecond: 8192 }, 24 * 2 ** 30) // 'warning'
 */
export function gradeCulprit(
  values: Record<string, number | string | null> | undefined,
  limitBytes: number | null,
  thresholds: Partial<AlertThresholds> = {},
): FindingSeverity {
  const th = { ...DEFAULT_ALERT_THRESHOLDS, ...thresholds };
  const v = values ?? {};
  const bytes = [v.bytes, v.outstandingBytes, v.lastBytes].find((x): x is number => typeof x === 'number');
  const withoutRate: FindingSeverity = bytes !== undefined && bytes >= th.criticalLeakedBytes ? 'critical' : 'warning';
  const perSecond = typeof v.growthBytesPerSecond === 'number' ? v.growthBytesPerSecond : null;
  if (perSecond !== null && perSecond > 0) {
    const bytesPerHour = perSecond * 3600;
    const byRate = gradeLeak({ confirmed: true, bytesPerHour, timeToLimitSeconds: limitBytes ? limitBytes / perSecond : null, limitBytes }, th);
    return v.leak === PROVEN_LEAK ? worseSeverity(byRate, withoutRate) : byRate;
  }
  return withoutRate;
}
