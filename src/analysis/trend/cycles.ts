import { z } from 'zod';

/**
 * Cycle detection: the autocorrelation function of the first-differenced series, computed with an
 * FFT (Wiener-Khinchin) on a uniform grid. Differencing removes the trend (a leak must not look like
 * a long period); the first strong ACF peak gives the period (Box & Jenkins; the same idea is used
 * by heap-leak detectors that find the GC cycle before fitting post-GC troughs).
 *
 * Irregular samples are first put on a uniform grid (step = median spacing, block means when the
 * series is longer than `maxGrid`), so the cost is O(n + G log G). A period shorter than two
 * sampling steps cannot be seen (Nyquist): a 1.22-s cycle sampled every 1.01 s shows up aliased,
 * at a false longer period. The reduction step therefore never trusts the period alone (see
 * reduce.ts: the bin size is also chosen from the trough noise).
 */

export const CycleResultSchema = z.object({
  /** Period in time units (seconds), null when no significant cycle was found. */
  period: z.number().nullable(),
  /** Period in grid steps. */
  lag: z.number().nullable(),
  /** ACF value at the chosen lag. */
  strength: z.number(),
  /** Grid step used, time units. */
  step: z.number(),
});
export type CycleResult = z.infer<typeof CycleResultSchema>;

/** In-place iterative radix-2 complex FFT (length a power of two). */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let tmp = re[i];
      re[i] = re[j];
      re[j] = tmp;
      tmp = im[i];
      im[i] = im[j];
      im[j] = tmp;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}

/** Autocorrelation r_0..r_maxLag of x via FFT (biased estimator, r_0 = 1). */
export function acfFft(x: Float64Array, maxLag: number): Float64Array {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = x[i] - m;
  fft(re, im);
  for (let i = 0; i < size; i++) {
    re[i] = re[i] * re[i] + im[i] * im[i];
    im[i] = 0;
  }
  fft(re, im, true);
  const out = new Float64Array(Math.min(maxLag, n - 1) + 1);
  const r0 = re[0];
  for (let k = 0; k < out.length; k++) out[k] = r0 > 0 ? re[k] / r0 : 0;
  return out;
}

/** Median of positive consecutive spacings (sampled when the series is long). */
export function medianStep(t: readonly number[]): number {
  const n = t.length;
  if (n < 2) return NaN;
  const stride = Math.max(1, Math.floor((n - 1) / 20000));
  const d: number[] = [];
  for (let i = 1; i < n; i += stride) {
    const x = t[i] - t[i - 1];
    if (x > 0) d.push(x);
  }
  if (d.length === 0) return NaN;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

export interface CycleOptions {
  /** Largest grid length for the FFT (default 2^15); longer series are block-averaged. */
  maxGrid?: number;
  /** Minimum ACF peak height (default 0.3). */
  minStrength?: number;
  /** A period needs at least this many repetitions in the data (default 3). */
  minCycles?: number;
}

/**
 * Detects the dominant cycle of a (possibly irregularly sampled, time-sorted) series.
 * @example
 * const t = Array.from({ length: 600 }, (_, i) => i);
 * detectCycle(t, t.map((x) => Math.sin((2 * Math.PI * x) / 60))).period; // ~59.7
 */
export function detectCycle(t: readonly number[], v: readonly number[], options: CycleOptions = {}): CycleResult {
  const n = Math.min(t.length, v.length);
  const step0 = medianStep(t);
  const none = (step: number, strength = 0): CycleResult => ({ period: null, lag: null, strength, step });
  if (n < 12 || !(step0 > 0)) return none(step0 > 0 ? step0 : 0);
  const maxGrid = options.maxGrid ?? 1 << 15;
  const minStrength = options.minStrength ?? 0.3;
  const minCycles = options.minCycles ?? 3;
  const span = t[n - 1] - t[0];
  let step = step0;
  let g = Math.floor(span / step) + 1;
  if (g > maxGrid) {
    step = span / (maxGrid - 1);
    g = maxGrid;
  }
  if (g < 12) return none(step);
  // Uniform grid: block mean of the samples in each cell, linear fill of empty cells.
  const sum = new Float64Array(g);
  const cnt = new Uint32Array(g);
  for (let i = 0; i < n; i++) {
    const k = Math.min(g - 1, Math.max(0, Math.round((t[i] - t[0]) / step)));
    sum[k] += v[i];
    cnt[k]++;
  }
  const grid = new Float64Array(g);
  let last = -1;
  for (let k = 0; k < g; k++) {
    if (cnt[k] === 0) continue;
    grid[k] = sum[k] / cnt[k];
    if (last >= 0 && k - last > 1) {
      for (let j = last + 1; j < k; j++) grid[j] = grid[last] + ((grid[k] - grid[last]) * (j - last)) / (k - last);
    }
    last = k;
  }
  const maxLag = Math.floor((g - 1) / minCycles);
  if (maxLag < 2) return none(step);
  // Three views, the strongest first peak wins: the ACF of the differences (short cycles), the same
  // with the differences winsorised at their 95th percentile (one unrelated jump cannot hide a
  // cycle), and the ACF of the linearly detrended level (long, smooth cycles whose differences
  // drown in sample noise).
  const diff = new Float64Array(g - 1);
  for (let k = 1; k < g; k++) diff[k - 1] = grid[k] - grid[k - 1];
  const abs = Float64Array.from(diff, Math.abs).sort();
  const clip = abs[Math.floor(0.95 * (abs.length - 1))];
  const wins = Float64Array.from(diff, (d) => (clip > 0 ? Math.max(-clip, Math.min(clip, d)) : d));
  const level = detrend(grid);
  let best: CycleResult = none(step);
  for (const series of [diff, wins, level]) {
    const found = firstPeak(acfFft(series, maxLag), Math.max(minStrength, 4 / Math.sqrt(series.length)));
    if (found && found.strength > best.strength) best = { period: found.lag * step, lag: found.lag, strength: found.strength, step };
    else if (!found && best.period === null) best = { ...best, strength: Math.max(best.strength, 0) };
  }
  return best;
}

function detrend(x: Float64Array): Float64Array {
  const n = x.length;
  const mt = (n - 1) / 2;
  let mv = 0;
  for (let i = 0; i < n; i++) mv += x[i];
  mv /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (i - mt) * (i - mt);
    sxy += (i - mt) * (x[i] - mv);
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return Float64Array.from(x, (v, i) => v - mv - b * (i - mt));
}

/** First local ACF maximum (lag >= 2) at least `threshold` high and 0.8 x the highest one. */
function firstPeak(acf: Float64Array, threshold: number): { lag: number; strength: number } | null {
  let globalMax = -Infinity;
  for (let k = 2; k < acf.length - 1; k++) if (acf[k] > acf[k - 1] && acf[k] >= acf[k + 1] && acf[k] > globalMax) globalMax = acf[k];
  if (!(globalMax >= threshold)) return null;
  for (let k = 2; k < acf.length - 1; k++) {
    if (acf[k] > acf[k - 1] && acf[k] >= acf[k + 1] && acf[k] >= Math.max(threshold, 0.8 * globalMax)) {
      // Parabolic interpolation of the peak for a sub-step period.
      const a = acf[k - 1];
      const b = acf[k];
      const c = acf[k + 1];
      const den = a - 2 * b + c;
      const off = den !== 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
      return { lag: k + off, strength: b };
    }
  }
  return null;
}

/**
 * The troughs of the complete cycles of a time-sorted series, trough to trough: the first trough is
 * the minimum of the first `window` seconds from `from`, each next one the minimum of the samples
 * between half a window and one and a half windows after the previous trough, so the search
 * follows the cycles actually present even when `window` (a detected period) is slightly off. A
 * search window that the data does not cover completely (the last, partial cycle) ends the list:
 * a partial cycle's minimum is taken on its rising flank and would bias the rate upwards (a 2-h
 * window of 8 sawtooth cycles read 2x its leak from half-cycle bins). Returns raw sample indices.
 * @example
 * const t = Array.from({ length: 100 }, (_, i) => i);
 * cycleTroughs(t, t.map((x) => x / 10 + (x % 10)), 10); // [0, 10, 20, ..., 80]
 */
export function cycleTroughs(
  t: readonly number[],
  v: readonly number[],
  window: number,
  options: { from?: number; to?: number } = {},
): number[] {
  const n = Math.min(t.length, v.length);
  if (n === 0 || !(window > 0)) return [];
  const from = options.from ?? t[0];
  const to = Math.min(options.to ?? t[n - 1], t[n - 1]);
  // A search window counts as complete when it ends within half a sampling step of the data's end.
  const slack = 0.5 * (medianStep(t) || 0);
  let i = 0;
  while (i < n && t[i] < from) i++;
  const out: number[] = [];
  let lo = from;
  let hi = from + window;
  while (hi <= to + slack) {
    while (i < n && t[i] < lo) i++;
    let best = -1;
    for (let j = i; j < n && t[j] < hi; j++) if (best < 0 || v[j] < v[best]) best = j;
    if (best < 0) {
      // No sample in this window (a gap): look again one window later.
      lo = hi;
      hi = lo + window;
      continue;
    }
    out.push(best);
    lo = t[best] + 0.5 * window;
    hi = t[best] + 1.5 * window;
  }
  return out;
}
