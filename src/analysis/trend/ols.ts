/**
 * Ordinary least-squares slope of v over t (the plain cross-check every analysis that needs a
 * simple rate shares; the trend engine's robust estimators live beside it).
 * @example olsSlope([0, 4, 8], [28672, 61440, 94208]) // 8192
 */
export function olsSlope(t: readonly number[], v: readonly number[], minPoints = 2): number | null {
  const n = Math.min(t.length, v.length);
  if (n < minPoints || n < 2) return null;
  let mt = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i];
    mv += v[i];
  }
  mt /= n;
  mv /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (t[i] - mt) * (v[i] - mv);
    den += (t[i] - mt) ** 2;
  }
  return den === 0 ? null : num / den;
}
