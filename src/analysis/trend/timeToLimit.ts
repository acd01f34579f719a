import { z } from 'zod';

/**
 * Time until a growing series reaches a limit (MemTotal, a cgroup limit, an explicit --limit).
 * The OOM killer fires when the *peaks* reach the limit, so the projection starts from the upper
 * envelope: for a slope b, the envelope level now is b * tNow + q_hi(peak_i - b * t_i), a high
 * quantile of the detrended peaks (default 0.95). The interval uses the slope's confidence bounds
 * (each with its own envelope level); the far bound is unbounded (null) when the lower slope bound
 * is not positive.
 */

export const TimeToLimitResultSchema = z.object({
  /** Seconds from the last sample until the projected upper envelope reaches the limit. */
  seconds: z.number().nullable(),
  /** [early, late] bounds; late is null when unbounded. */
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  /** Projected upper-envelope level at tNow. */
  levelNow: z.number().nullable(),
  /** Time (series axis) at which the limit is reached. */
  at: z.number().nullable(),
  alreadyReached: z.boolean(),
});
export type TimeToLimitResult = z.infer<typeof TimeToLimitResultSchema>;

export interface TimeToLimitInput {
  /** Peak (upper-envelope) points of the leak regime. */
  tPeak: readonly number[];
  peak: readonly number[];
  /** Slope and its confidence bounds, value units per time unit. */
  slope: number;
  lower: number;
  upper: number;
  tNow: number;
  limit: number;
  /** Quantile of the detrended peaks that defines the envelope (default 0.95). */
  quantile?: number;
}

function quantile(x: number[], q: number): number {
  x.sort((a, b) => a - b);
  const pos = (x.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return x[lo] + (x[hi] - x[lo]) * (pos - lo);
}

/** Upper-envelope level at tNow for a given slope. */
export function envelopeLevel(tPeak: readonly number[], peak: readonly number[], slope: number, tNow: number, q = 0.95): number {
  const r: number[] = [];
  for (let i = 0; i < Math.min(tPeak.length, peak.length); i++) r.push(peak[i] - slope * (tPeak[i] - tNow));
  return r.length ? quantile(r, q) : NaN;
}

/**
 * Projects when the upper envelope reaches `limit`.
 * @example
 * timeToLimit({ tPeak: [0, 10], peak: [10, 20], slope: 1, lower: 0.5, upper: 2, tNow: 10, limit: 30 }).seconds; // 10
 */
export function timeToLimit(input: TimeToLimitInput): TimeToLimitResult {
  const q = input.quantile ?? 0.95;
  const level = envelopeLevel(input.tPeak, input.peak, input.slope, input.tNow, q);
  const none: TimeToLimitResult = { seconds: null, lower: null, upper: null, levelNow: Number.isFinite(level) ? level : null, at: null, alreadyReached: false };
  if (!Number.isFinite(level)) return none;
  if (level >= input.limit) return { seconds: 0, lower: 0, upper: 0, levelNow: level, at: input.tNow, alreadyReached: true };
  if (!(input.slope > 0)) return none;
  const at = (b: number): number | null => {
    if (!(b > 0)) return null;
    const l = envelopeLevel(input.tPeak, input.peak, b, input.tNow, q);
    return Math.max(0, (input.limit - l) / b);
  };
  const seconds = (input.limit - level) / input.slope;
  const early = at(input.upper);
  const late = at(input.lower);
  return {
    seconds,
    lower: early === null ? seconds : Math.min(early, seconds),
    upper: late === null ? null : Math.max(late, seconds),
    levelNow: level,
    at: input.tNow + seconds,
    alreadyReached: false,
  };
}
