import { z } from 'zod';
import { cycleTroughs, medianStep } from './cycles.js';
import { autocorrelatedSlope } from './neweyWest.js';

/**
 * The leak rate the report prints, with its 95 % interval: the OLS slope of the troughs of the
 * complete cycles (trough to trough, cycles.ts `cycleTroughs`) over the leak's time range, with an
 * interval from the AR(1)/Newey-West standard error and a Student t on the effective number of
 * troughs (neweyWest.ts `autocorrelatedSlope`). The interval is on this very estimator, so its
 * coverage can be measured (bench/trend/coverage.ts: the share of simulated series with a known
 * rate whose interval holds it).
 *
 * Why not the slope of the reduction's bins: bins half a period long alternate between a cycle's
 * floor and its rising flank, and a short window of few cycles then reads up to twice the leak;
 * Sen's rank interval on such bins has zero width when most pairwise slopes coincide (a staircase
 * floor), which excluded the true rate.
 */

export const WholeCycleRateSchema = z.object({
  /** Rate in value units per second and its (1 - alpha) interval. */
  slope: z.number(),
  lower: z.number(),
  upper: z.number(),
  se: z.number(),
  intercept: z.number(),
  /** Troughs used (one per complete cycle or window) and their effective number. */
  troughs: z.number().int(),
  effectiveTroughs: z.number(),
  /** Lag-1 autocorrelation of the trough residuals used by the interval. */
  rho: z.number(),
  /** Window (seconds) the troughs were searched over: the cycle period, else the bin length. */
  window: z.number(),
  /** Time span from the first to the last trough. */
  t0: z.number(),
  t1: z.number(),
});
export type WholeCycleRate = z.infer<typeof WholeCycleRateSchema>;

export interface WholeCycleRateOptions {
  /** Time range of the leak (default: the whole series). */
  from?: number;
  to?: number;
  /** Cycle period (seconds): troughs one per cycle. */
  period?: number | null;
  /** Window (seconds) when there is no period (default: 1/24 of the range, at least 1 sample). */
  window?: number;
  alpha?: number;
}

/** At least this many troughs (else null: the caller keeps its own estimate). */
const MIN_TROUGHS = 4;

/**
 * Rate of the lower envelope over whole cycles, with an autocorrelation-aware interval.
 * @example
 * const t = Array.from({ length: 721 }, (_, i) => i * 10);
 * const v = t.map((x) => 500e3 + (20e3 * x) / 3600 + 200e3 * ((x % 900) / 900));
 * wholeCycleRate(t, v, { period: 900 })!.slope * 3600; // 20000 (20 MB/h in kB)
 */
export function wholeCycleRate(t: readonly number[], v: readonly number[], options: WholeCycleRateOptions = {}): WholeCycleRate | null {
  const n = Math.min(t.length, v.length);
  if (n < MIN_TROUGHS) return null;
  const from = options.from ?? t[0];
  const to = options.to ?? t[n - 1];
  const span = to - from;
  if (!(span > 0)) return null;
  const step = medianStep(t) || span / n;
  let window = options.period && options.period > 0 ? options.period : (options.window ?? span / 24);
  window = Math.max(window, step);
  let idx = cycleTroughs(t, v, window, { from, to });
  if (idx.length < MIN_TROUGHS && !(options.period && options.period > 0) && window > step) {
    idx = cycleTroughs(t, v, Math.max(step, span / (2 * MIN_TROUGHS)), { from, to });
  }
  if (idx.length < MIN_TROUGHS) return null;
  const tt = idx.map((i) => t[i]);
  const vv = idx.map((i) => v[i]);
  const fit = autocorrelatedSlope(tt, vv, { alpha: options.alpha });
  if (fit === null) return null;
  return {
    slope: fit.slope,
    lower: fit.lower,
    upper: fit.upper,
    se: fit.se,
    intercept: fit.intercept,
    troughs: idx.length,
    effectiveTroughs: fit.effectivePoints,
    rho: fit.rho,
    window,
    t0: tt[0],
    t1: tt[tt.length - 1],
  };
}
