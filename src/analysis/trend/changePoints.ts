import { z } from 'zod';

/**
 * Change points by PELT (Killick, Fearnhead & Eckley 2012, "Optimal detection of changepoints with
 * a linear computational cost", JASA 107:1590-1598) with a piecewise-linear cost: the residual sum
 * of squares of an OLS line in each segment, computed in O(1) from prefix sums. Penalty
 * beta = penaltyFactor * sigma^2 * ln(n) (a BIC-type penalty for 3 parameters per segment: level,
 * slope, position). Exact optimum of the penalised cost; pruning keeps it near-linear.
 *
 * Used for the leak onset (a leak that starts late is a flat regime then a rising one), to tell a
 * warm-up plateau (rising then flat) and a step (a jump between flat regimes) from a leak, and to
 * take the leak rate from the current regime.
 */

export const RegimeFitSchema = z.object({
  start: z.number().int(),
  end: z.number().int(),
  slope: z.number(),
  intercept: z.number(),
  rss: z.number(),
});
export type RegimeFit = z.infer<typeof RegimeFitSchema>;

class Prefix {
  readonly s1: Float64Array;
  readonly st: Float64Array;
  readonly sy: Float64Array;
  readonly stt: Float64Array;
  readonly sty: Float64Array;
  readonly syy: Float64Array;
  readonly t0: number;
  readonly scale: number;
  readonly y0: number;
  constructor(t: readonly number[], y: readonly number[]) {
    const n = t.length;
    this.t0 = n ? t[0] : 0;
    this.scale = n > 1 && t[n - 1] > t[0] ? t[n - 1] - t[0] : 1;
    let m = 0;
    for (const x of y) m += x;
    this.y0 = n ? m / n : 0;
    this.s1 = new Float64Array(n + 1);
    this.st = new Float64Array(n + 1);
    this.sy = new Float64Array(n + 1);
    this.stt = new Float64Array(n + 1);
    this.sty = new Float64Array(n + 1);
    this.syy = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const a = (t[i] - this.t0) / this.scale;
      const b = y[i] - this.y0;
      this.s1[i + 1] = this.s1[i] + 1;
      this.st[i + 1] = this.st[i] + a;
      this.sy[i + 1] = this.sy[i] + b;
      this.stt[i + 1] = this.stt[i] + a * a;
      this.sty[i + 1] = this.sty[i] + a * b;
      this.syy[i + 1] = this.syy[i] + b * b;
    }
  }
  /** OLS on [a, b): slope and intercept in scaled units, and RSS. */
  fit(a: number, b: number): { slope: number; icpt: number; rss: number } {
    const m = this.s1[b] - this.s1[a];
    const st = this.st[b] - this.st[a];
    const sy = this.sy[b] - this.sy[a];
    const sxx = this.stt[b] - this.stt[a] - (st * st) / m;
    const sxy = this.sty[b] - this.sty[a] - (st * sy) / m;
    const syy = this.syy[b] - this.syy[a] - (sy * sy) / m;
    if (!(sxx > 1e-15)) return { slope: 0, icpt: sy / m, rss: Math.max(0, syy) };
    const slope = sxy / sxx;
    return { slope, icpt: sy / m - (slope * st) / m, rss: Math.max(0, syy - (sxy * sxy) / sxx) };
  }
}

export interface PeltOptions {
  /** Penalty per change point, in the squared units of y. */
  penalty: number;
  /** Minimum points per regime (default 3). */
  minSize?: number;
}

/**
 * Optimal partition of (t, y) into linear regimes; returns the start index of each regime after the first.
 * @example
 * const t = Array.from({ length: 40 }, (_, i) => i);
 * peltLinear(t, t.map((x) => (x < 20 ? 0 : x - 20)), { penalty: 1 }); // [20] (or 21)
 */
export function peltLinear(t: readonly number[], y: readonly number[], options: PeltOptions): number[] {
  const n = Math.min(t.length, y.length);
  const minSize = Math.max(2, options.minSize ?? 3);
  const beta = options.penalty;
  if (n < 2 * minSize) return [];
  const p = new Prefix(t, y);
  const F = new Float64Array(n + 1).fill(Infinity);
  const last = new Int32Array(n + 1).fill(-1);
  F[0] = -beta;
  let cand: number[] = [0];
  for (let e = minSize; e <= n; e++) {
    let best = Infinity;
    let arg = -1;
    const vals: number[] = [];
    for (const s of cand) {
      if (e - s < minSize) {
        vals.push(-Infinity);
        continue;
      }
      const c = F[s] + p.fit(s, e).rss;
      vals.push(c);
      if (c + beta < best) {
        best = c + beta;
        arg = s;
      }
    }
    F[e] = best;
    last[e] = arg;
    // PELT pruning: drop s when F(s) + C(s, e) > F(e) (K = 0 for RSS costs).
    const next: number[] = [];
    for (let k = 0; k < cand.length; k++) if (!(vals[k] > best)) next.push(cand[k]);
    if (e + 1 - minSize >= 0 && e >= minSize) next.push(e);
    cand = next;
  }
  const cps: number[] = [];
  let e = n;
  while (e > 0) {
    const s = last[e];
    if (s <= 0) break;
    cps.push(s);
    e = s;
  }
  return cps.reverse();
}

/**
 * OLS fits of each regime given change points (slope in y units per t unit).
 * @example
 * fitRegimes([0, 1, 2, 3], [0, 1, 5, 5], [2]).map((r) => r.slope); // [1, 0]
 */
export function fitRegimes(t: readonly number[], y: readonly number[], changePoints: readonly number[]): RegimeFit[] {
  const n = Math.min(t.length, y.length);
  const p = new Prefix(t, y);
  const bounds = [0, ...changePoints, n];
  const out: RegimeFit[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const a = bounds[k];
    const b = bounds[k + 1];
    const f = p.fit(a, b);
    const slope = f.slope / p.scale;
    const intercept = f.icpt + p.y0 - slope * p.t0;
    out.push({ start: a, end: b, slope, intercept, rss: f.rss });
  }
  return out;
}
