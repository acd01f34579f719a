import { z } from 'zod';
import { normalQuantile } from './normal.js';

/**
 * Sen's slope (Theil 1950; Sen 1968, "Estimates of the regression coefficient based on Kendall's
 * tau", JASA 63:1379-1389): the median of all pairwise slopes (v_j - v_i)/(t_j - t_i), t_j > t_i,
 * with Sen's distribution-free confidence interval (Sen 1968 eq. 2.6; Gilbert 1987 §16.5):
 * C = z(1-alpha/2) * sqrt(Var S) with the tie-corrected Var S, and the bounds are the ordered
 * slopes at 0-based ranks round((N-C)/2)-1 and round((N+C)/2) (N = number of slopes), the same
 * convention as scipy.stats.theilslopes, which the tests use as the reference implementation.
 *
 * O(n^2) memory and time: call it on the reduced series (a few hundred points).
 */

export const SenSlopeResultSchema = z.object({
  /** Median pairwise slope, value units per time unit. */
  slope: z.number(),
  /** Lower and upper confidence bounds of the slope. */
  lower: z.number(),
  upper: z.number(),
  /** median(v) - slope * median(t) (Conover 1980), as scipy does. */
  intercept: z.number(),
  /** Number of pairwise slopes. */
  pairs: z.number().int(),
});
export type SenSlopeResult = z.infer<typeof SenSlopeResultSchema>;

function tieTerm(x: readonly number[]): number {
  const s = Float64Array.from(x).sort();
  let acc = 0;
  for (let i = 0; i < s.length; ) {
    let j = i + 1;
    while (j < s.length && s[j] === s[i]) j++;
    const t = j - i;
    if (t > 1) acc += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  return acc;
}

function medianOf(x: readonly number[]): number {
  const s = Float64Array.from(x).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * Sen's slope of v against t with a (1 - alpha) confidence interval.
 * @example
 * senSlope([0, 1, 2, 3], [1, 3, 2, 5]).slope; // 1.1667 (median of -1, 0.5, 1, 1.33, 2, 3)
 */
export function senSlope(t: readonly number[], v: readonly number[], options: { alpha?: number } = {}): SenSlopeResult {
  const alpha = options.alpha ?? 0.05;
  const n = Math.min(t.length, v.length);
  if (n < 2) return { slope: NaN, lower: NaN, upper: NaN, intercept: NaN, pairs: 0 };
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let m = 0;
  for (let i = 0; i < n - 1; i++) {
    const ti = t[i];
    const vi = v[i];
    for (let j = i + 1; j < n; j++) {
      const dt = t[j] - ti;
      if (dt !== 0) slopes[m++] = (v[j] - vi) / dt;
    }
  }
  const s = slopes.subarray(0, m).sort();
  if (m === 0) return { slope: NaN, lower: NaN, upper: NaN, intercept: NaN, pairs: 0 };
  const slope = m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
  const tt = t.slice(0, n);
  const vv = v.slice(0, n);
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm(tt) - tieTerm(vv)) / 18;
  const c = normalQuantile(1 - alpha / 2) * Math.sqrt(Math.max(0, varS));
  const ru = Math.min(Math.round((m + c) / 2), m - 1);
  const rl = Math.max(Math.round((m - c) / 2) - 1, 0);
  const intercept = medianOf(vv) - slope * medianOf(tt);
  return { slope, lower: s[rl], upper: s[ru], intercept, pairs: m };
}
