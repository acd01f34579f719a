import { z } from 'zod';
import { normalQuantile, normalSf } from './normal.js';
import { senSlope } from './senSlope.js';

/**
 * Mann-Kendall trend test (Mann 1945; Kendall 1975) with the tie-corrected variance of S, and the
 * Hamed & Rao (1998) variance correction for autocorrelated data ("A modified Mann-Kendall trend
 * test for autocorrelated data", J. Hydrology 204:182-196): the series is detrended with Sen's
 * slope, ranked, and Var(S) is inflated by n/n* = 1 + 2/(n(n-1)(n-2)) * sum over significant
 * lags k of (n-k)(n-k-1)(n-k-2) r_k, r_k the lag-k autocorrelation of the ranks (significant:
 * |r_k| > z(1-alpha/2)/sqrt(n)). The ratio is floored at 1 (a conservative choice: negative
 * autocorrelation never makes the test more eager).
 *
 * O(n^2) in the series length: call it on the reduced (per-cycle / binned) series, never on raw
 * samples (detectLeakTrend reduces to at most a few hundred points).
 */

export const MannKendallResultSchema = z.object({
  n: z.number().int(),
  /** Kendall's S: concordant minus discordant pairs. */
  s: z.number(),
  /** Var(S) with the tie correction, before any autocorrelation correction. */
  varS: z.number(),
  /** Var(S) actually used (times nStarRatio). */
  varSUsed: z.number(),
  /** n / n* of Hamed & Rao (1 when uncorrected). */
  nStarRatio: z.number(),
  /** Kendall's tau-a = S / (n(n-1)/2). */
  tau: z.number(),
  /** Continuity-corrected z = (S - sign(S)) / sqrt(VarS used). */
  z: z.number(),
  /** Two-sided p-value. */
  pValue: z.number(),
  correction: z.enum(['none', 'hamed-rao']),
});
export type MannKendallResult = z.infer<typeof MannKendallResultSchema>;

export interface MannKendallOptions {
  /** Autocorrelation correction (default 'hamed-rao'). */
  correction?: 'none' | 'hamed-rao';
  /** Significance level for choosing the lags of the Hamed-Rao correction (default 0.05). */
  alpha?: number;
  /** Highest lag used by Hamed-Rao (default n - 1, all lags, as in the paper). */
  maxLag?: number;
  /** Floor n/n* at 1 (default true: conservative). false reproduces pyMannKendall exactly. */
  floorAtOne?: boolean;
  /** Slope (per index) used to detrend before ranking; default Sen's slope over the index. */
  detrendSlope?: number;
}

/** Kendall's S and the tie-corrected Var(S) of a sequence (order = time order). */
export function mannKendallScore(v: readonly number[]): { s: number; varS: number } {
  const n = v.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const vi = v[i];
    for (let j = i + 1; j < n; j++) {
      const d = v[j] - vi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  const sorted = Float64Array.from(v).sort();
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  return { s, varS };
}

/** Average ranks (1-based, ties get the mean rank). */
export function ranks(v: readonly number[]): number[] {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && v[idx[j]] === v[idx[i]]) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) r[idx[k]] = avg;
    i = j;
  }
  return r;
}

/** Sample autocorrelation r_k = sum (x_i - m)(x_{i+k} - m) / sum (x_i - m)^2 for k = 0..maxLag. */
export function autocorrelation(x: readonly number[], maxLag: number): number[] {
  const n = x.length;
  let m = 0;
  for (const xi of x) m += xi;
  m /= n;
  let den = 0;
  for (const xi of x) den += (xi - m) * (xi - m);
  const out: number[] = [];
  for (let k = 0; k <= maxLag; k++) {
    if (den === 0) {
      out.push(k === 0 ? 1 : 0);
      continue;
    }
    let num = 0;
    for (let i = 0; i + k < n; i++) num += (x[i] - m) * (x[i + k] - m);
    out.push(num / den);
  }
  return out;
}

/**
 * Mann-Kendall test of a time-ordered sequence.
 * @example
 * mannKendall([1, 2, 3, 5, 4, 6, 7]).pValue; // ~0.0069 with correction: 'none'
 */
export function mannKendall(v: readonly number[], options: MannKendallOptions = {}): MannKendallResult {
  const correction = options.correction ?? 'hamed-rao';
  const alpha = options.alpha ?? 0.05;
  const n = v.length;
  if (n < 3) {
    return { n, s: 0, varS: 0, varSUsed: 0, nStarRatio: 1, tau: 0, z: 0, pValue: 1, correction };
  }
  const { s, varS } = mannKendallScore(v);
  let ratio = 1;
  if (correction === 'hamed-rao') {
    // Hamed & Rao 1998, eq. 18 on the ranks of the Sen-detrended series (index as time).
    const idx = Array.from({ length: n }, (_, i) => i);
    const beta = options.detrendSlope ?? senSlope(idx, v, { alpha }).slope;
    const detrended = v.map((x, i) => x - beta * i);
    const r = ranks(detrended);
    const maxLag = Math.min(n - 1, options.maxLag ?? n - 1);
    const acf = autocorrelation(r, maxLag);
    const bound = normalQuantile(1 - alpha / 2) / Math.sqrt(n);
    let sum = 0;
    for (let k = 1; k <= Math.min(maxLag, n - 3); k++) {
      if (Math.abs(acf[k]) > bound) sum += (n - k) * (n - k - 1) * (n - k - 2) * acf[k];
    }
    ratio = 1 + (2 / (n * (n - 1) * (n - 2))) * sum;
    if (options.floorAtOne ?? true) ratio = Math.max(1, ratio);
  }
  const varSUsed = varS * ratio;
  const zs = varSUsed > 0 ? (s > 0 ? (s - 1) / Math.sqrt(varSUsed) : s < 0 ? (s + 1) / Math.sqrt(varSUsed) : 0) : 0;
  const pValue = Math.min(1, 2 * normalSf(Math.abs(zs)));
  return { n, s, varS, varSUsed, nStarRatio: ratio, tau: s / ((n * (n - 1)) / 2), z: zs, pValue, correction };
}
