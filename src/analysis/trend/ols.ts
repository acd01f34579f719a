/** The sums of an ordinary least-squares fit of v over t, with its slope and intercept. */
export interface OlsFit {
  n: number;
  /** Means of t and v. */
  meanT: number;
  meanV: number;
  /** Centred sums of squares and cross-products. */
  sxx: number;
  sxy: number;
  slope: number;
  intercept: number;
}

/**
 * Ordinary least-squares fit of v over t: null when there are fewer than two points or t does
 * not vary. The plain fit that simple rates and the Newey-West interval share.
 * @example olsFit([0, 4, 8], [28672, 61440, 94208])?.slope // 8192
 */
export function olsFit(t: readonly number[], v: readonly number[]): OlsFit | null {
  const n = Math.min(t.length, v.length);
  if (n < 2) return null;
  let meanT = 0;
  let meanV = 0;
  for (let i = 0; i < n; i++) {
    meanT += t[i];
    meanV += v[i];
  }
  meanT /= n;
  meanV /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const d = t[i] - meanT;
    sxx += d * d;
    sxy += d * (v[i] - meanV);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { n, meanT, meanV, sxx, sxy, slope, intercept: meanV - slope * meanT };
}

/**
 * Ordinary least-squares slope of v over t (the plain cross-check every analysis that needs a
 * simple rate shares; the trend engine's robust estimators live beside it).
 * @example olsSlope([0, 4, 8], [28672, 61440, 94208]) // 8192
 */
export function olsSlope(t: readonly number[], v: readonly number[], minPoints = 2): number | null {
  if (Math.min(t.length, v.length) < minPoints) return null;
  return olsFit(t, v)?.slope ?? null;
}
