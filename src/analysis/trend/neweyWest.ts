import { z } from 'zod';
import { normalQuantile, studentTQuantile, twoSidedP } from './normal.js';
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

export const AutocorrelatedSlopeSchema = z.object({
  /** OLS slope, value units per time unit. */
  slope: z.number(),
  intercept: z.number(),
  /** Standard error of the slope under AR(1) errors (never below the Newey-West one). */
  se: z.number(),
  lower: z.number(),
  upper: z.number(),
  /** Lag-1 autocorrelation of the residuals, bias-corrected, clamped to [0, 0.98]. */
  rho: z.number(),
  /** Points, and the effective number of independent points behind the slope. */
  points: z.number().int(),
  effectivePoints: z.number(),
  /** Degrees of freedom of the Student t quantile (effective points - 2, at least 1). */
  df: z.number(),
});
export type AutocorrelatedSlope = z.infer<typeof AutocorrelatedSlopeSchema>;

/**
 * OLS slope with an interval that stays honest on few, autocorrelated points (a trough per cycle,
 * a few dozen bins). Newey-West alone needs many points: on 8 troughs or on strongly
 * autocorrelated noise its lag is too short and the normal quantile too narrow. Here the residuals
 * are modelled as AR(1) over the point index (Cochrane & Orcutt 1949; the effective-sample-size
 * correction of Bayley & Hammersley 1946, Zwiers & von Storch 1995):
 * - rho: the lag-1 autocorrelation of the OLS residuals plus the first-order bias of that estimator
 *   for a fitted mean and trend, (2 + 4 rho) / m (Kendall 1954; Marriott & Pope 1954), clamped to
 *   [0, 0.98] (a negative value is taken as 0, which is conservative);
 * - the slope's variance is exact for AR(1) errors: sigma^2 d'Omega d / Sxx^2 (d = centred times,
 *   Omega_ij = rho^|i-j|), and sigma^2 is estimated without the bias of the residual sum of squares
 *   under correlation: RSS / tr(M Omega), M the OLS residual maker;
 * - the standard error is the larger of that and the Newey-West one (small-sample factor m/(m-2));
 * - the quantile is Student's t with m_eff - 2 degrees of freedom, m_eff = m Sxx / d'Omega d.
 * An interval has zero width only when the points lie exactly on a line.
 * @example
 * autocorrelatedSlope([0, 1, 2, 3, 4, 5], [0, 1.1, 1.9, 3.2, 3.9, 5.1]).slope; // 1.0
 */
export function autocorrelatedSlope(t: readonly number[], v: readonly number[], options: { alpha?: number } = {}): AutocorrelatedSlope | null {
  const m = Math.min(t.length, v.length);
  const alpha = options.alpha ?? 0.05;
  if (m < 3) return null;
  const fit = olsFit(t, v);
  if (fit === null) return null;
  const { slope, intercept, sxx, meanT } = fit;
  const e = new Float64Array(m);
  const d = new Float64Array(m);
  let rss = 0;
  let lag1 = 0;
  for (let i = 0; i < m; i++) {
    e[i] = v[i] - intercept - slope * t[i];
    d[i] = t[i] - meanT;
    rss += e[i] * e[i];
    if (i > 0) lag1 += e[i] * e[i - 1];
  }
  const r1 = rss > 0 ? lag1 / rss : 0;
  const rho = ar1FromResiduals(r1, d, sxx);
  const quad = (x: Float64Array | null, y: Float64Array | null): number => quadAr1(rho, m, x, y);
  const dOd = rho > 0 ? quad(d, d) : sxx;
  const oneOone = rho > 0 ? quad(null, null) : m;
  // E[RSS] = sigma^2 tr(M Omega), tr(M Omega) = m - 1'Omega 1 / m - d'Omega d / Sxx (tr Omega = m).
  const trace = Math.max(1, m - oneOone / m - dOd / sxx);
  const sigma2 = rss / trace;
  const varAr = (sigma2 * dOd) / (sxx * sxx);
  const nw = neweyWestSlope(t, v, { alpha });
  const varNw = Number.isFinite(nw.se) ? (nw.se * nw.se * m) / (m - 2) : 0;
  const se = Math.sqrt(Math.max(varAr, varNw));
  const effectivePoints = Math.min(m, (m * sxx) / dOd);
  const df = Math.max(1, effectivePoints - 2);
  const q = studentTQuantile(1 - alpha / 2, df);
  return { slope, intercept, se, lower: slope - q * se, upper: slope + q * se, rho, points: m, effectivePoints, df };
}

/** (Omega y)_i for Omega_ij = rho^|i-j| (y = null: the ones vector), in O(m). */
function omegaTimes(rho: number, m: number, y: Float64Array | null): Float64Array {
  const out = new Float64Array(m);
  const yi = (i: number) => (y ? y[i] : 1);
  let back = 0;
  for (let i = 0; i < m; i++) {
    if (i > 0) back = rho * (back + yi(i - 1));
    out[i] = yi(i) + back;
  }
  let fwd = 0;
  for (let i = m - 1; i >= 0; i--) {
    if (i < m - 1) fwd = rho * (fwd + yi(i + 1));
    out[i] += fwd;
  }
  return out;
}

/** x' Omega y (null = the ones vector). */
function quadAr1(rho: number, m: number, x: Float64Array | null, y: Float64Array | null): number {
  const oy = omegaTimes(rho, m, y);
  let acc = 0;
  for (let i = 0; i < m; i++) acc += (x ? x[i] : 1) * oy[i];
  return acc;
}

/**
 * AR(1) coefficient whose expected residual lag-1 autocorrelation after an OLS mean-and-trend fit
 * equals the observed one, r1 (moment matching, in the spirit of Andrews 1993, "Exactly
 * median-unbiased estimation of first order autoregressive/unit root models", Econometrica 61:139):
 * the raw r1 is biased down by about (2 + 4 rho) / m, which on 8-40 points makes the interval far
 * too narrow. E[e'Ae] / E[e'e] with A the symmetric lag-1 matrix, M = I - u u' - w w'
 * (u = 1/sqrt(m), w = d/sqrt(Sxx)), both traces in O(m). Bisection on [0, 0.98].
 */
function ar1FromResiduals(r1: number, d: Float64Array, sxx: number): number {
  const m = d.length;
  const u = new Float64Array(m).fill(1 / Math.sqrt(m));
  const w = Float64Array.from(d, (x) => x / Math.sqrt(sxx));
  const shift = (h: Float64Array): Float64Array => {
    // (A h)_i = (h_{i-1} + h_{i+1}) / 2
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) out[i] = 0.5 * ((i > 0 ? h[i - 1] : 0) + (i < m - 1 ? h[i + 1] : 0));
    return out;
  };
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += a[i] * b[i];
    return s;
  };
  const hs = [u, w];
  const ah = hs.map(shift);
  const expected = (rho: number): number => {
    const oh = hs.map((h) => omegaTimes(rho, m, h));
    const trMO = m - dot(u, oh[0]) - dot(w, oh[1]);
    let trAMOM = (m - 1) * rho;
    for (let a = 0; a < 2; a++) trAMOM -= 2 * dot(ah[a], oh[a]);
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) trAMOM += dot(hs[a], ah[b]) * dot(hs[b], oh[a]);
    return trMO > 0 ? trAMOM / trMO : 0;
  };
  if (!(r1 > expected(0))) return 0;
  let lo = 0;
  let hi = 0.98;
  if (expected(hi) <= r1) return hi;
  for (let i = 0; i < 40; i++) {
    const mid = 0.5 * (lo + hi);
    if (expected(mid) < r1) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
