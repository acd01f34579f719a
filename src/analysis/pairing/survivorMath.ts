/** Order-independent exact sums and survivor-curve fits used by allocation pairing (pure numerics). */

/**
 * Adds x to an exact sum kept as non-overlapping partials (Shewchuk; Python's math.fsum). The
 * rounded total does not depend on the order of the additions, so pieces of a trace paired
 * apart and merged give the serial mean lifetime to the last bit.
 */
export function addExact(parts: number[], x: number): void {
  let n = 0;
  for (let j = 0; j < parts.length; j++) {
    let y = parts[j];
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) parts[n++] = lo;
    x = hi;
  }
  // parts[0..n) are the partials kept; x goes to parts[n] (changing an array's length is a slow call)
  if (n < parts.length) {
    parts[n] = x;
    if (n + 1 < parts.length) parts.length = n + 1;
  } else parts.push(x);
}

/** The correctly rounded value of an exact sum (math.fsum's final step). */
export function exactValue(parts: readonly number[]): number {
  let n = parts.length;
  if (n === 0) return 0;
  let hi = parts[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = parts[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && parts[n - 1] < 0) || (lo > 0 && parts[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** Points kept in a site's survivor curve (evenly spaced over its survivors, always the last). */
export const SURVIVOR_CURVE_POINTS = 120;

/** Cumulative bytes of time-sorted survivors, thinned to at most SURVIVOR_CURVE_POINTS points. */
export function survivorCurve(ts: readonly number[], bytes: readonly number[]): { t: number[]; v: number[] } {
  const n = ts.length;
  const step = Math.max(1, Math.ceil(n / SURVIVOR_CURVE_POINTS));
  const t: number[] = [];
  const v: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += bytes[i];
    if ((i + 1) % step === 0 || i === n - 1) {
      t.push(ts[i]);
      v.push(sum);
    }
  }
  return { t, v };
}

/** Least squares of cumulative bytes against time: slope (bytes/s) and R². */
export function cumulativeFit(ts: readonly number[], bytes: readonly number[]): { slope: number | null; r2: number | null } {
  const n = ts.length;
  if (n < 3) return { slope: null, r2: null };
  const t0 = ts[0];
  let sx = 0;
  let sy = 0;
  let cum = 0;
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    cum += bytes[i];
    ys[i] = cum;
    sx += ts[i] - t0;
    sy += cum;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = ts[i] - t0 - mx;
    const dy = ys[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx <= 0) return { slope: null, r2: null };
  const slope = sxy / sxx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { slope, r2 };
}
