import { z } from 'zod';
import { normalQuantile, twoSidedP } from './normal.js';
import { olsFit } from './ols.js';

/**
 * Ordinary least-squares slope with a heteroskedasticity- and autocorrelation-consistent (HAC)
 * standard error: Newey & West (1987), "A simple, positive semi-definite, heteroskedasticity and
 * autocorrelation consistent covariance matrix", Econometrica 55:703-708. Bartlett weights
 * w_l = 1 - l/(L+1); default lag L = floor(4 (n/100)^(2/9)) (Newey & West 1994). No small-sample
 * degrees-of-freedom factor (like R sandwich::NeweyWest(adjust = FALSE), statsmodels HAC with
 * use_correction=False). The interval uses the normal quantile (the estimator is asymptotic).
 *
 * O(n L): fine on raw samples, but detectLeakTrend uses it on the reduced series as a cross-check.
 */

export const NeweyWestResultSchema = z.object({
  slope: z.number(),
  intercept: z.number(),
  /** HAC standard error of the slope. */
  se: z.number(),
  /** Plain OLS (iid) standard error of the slope, for comparison. */
  seOls: z.number(),
  lower: z.number(),
  upper: z.number(),
  lag: z.number().int(),
  pValue: z.number(),
});
export type NeweyWestResult = z.infer<typeof NeweyWestResultSchema>;

/**
 * OLS slope of v on t with a Newey-West interval.
 * @example
 * neweyWestSlope([0, 1, 2, 3, 4], [0, 1.1, 1.9, 3.2, 3.9]).slope; // 0.99
 */
export function neweyWestSlope(
  t: readonly number[],
  v: readonly number[],
  options: { lag?: number; alpha?: number } = {},
): NeweyWestResult {
  const n = Math.min(t.length, v.length);
  const alpha = options.alpha ?? 0.05;
  const nan = { slope: NaN, intercept: NaN, se: NaN, seOls: NaN, lower: NaN, upper: NaN, lag: 0, pValue: NaN };
  if (n < 3) return nan;
  const lag = Math.max(0, Math.min(n - 2, options.lag ?? Math.floor(4 * Math.pow(n / 100, 2 / 9))));
  const fit = olsFit(t, v);
  if (fit === null) return nan;
  const { slope, intercept, sxx, meanT: mt } = fit;
  // With centred regressors X'X is diagonal, so the slope's sandwich variance only needs the
  // d_i e_i scores: Var = (sum_l w_l sum_i g_i g_{i-l} (x2 for l > 0)) / sxx^2.
  const g = new Float64Array(n);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const e = v[i] - intercept - slope * t[i];
    rss += e * e;
    g[i] = (t[i] - mt) * e;
  }
  let meat = 0;
  for (let i = 0; i < n; i++) meat += g[i] * g[i];
  for (let l = 1; l <= lag; l++) {
    const w = 1 - l / (lag + 1);
    let acc = 0;
    for (let i = l; i < n; i++) acc += g[i] * g[i - l];
    meat += 2 * w * acc;
  }
  const se = Math.sqrt(Math.max(0, meat)) / sxx;
  const seOls = Math.sqrt(rss / (n - 2) / sxx);
  const q = normalQuantile(1 - alpha / 2);
  const pValue = se > 0 ? twoSidedP(slope / se) : slope === 0 ? 1 : 0;
  return { slope, intercept, se, seOls, lower: slope - q * se, upper: slope + q * se, lag, pValue };
}
