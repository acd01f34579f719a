import { z } from 'zod';
import { medianStep } from './cycles.js';

/**
 * Reduction of a raw series to one point per bin (a bin covers at least one detected cycle):
 * trough (minimum), median and peak (maximum). Fitting the trough series is the lower-envelope
 * method of GC-aware heap-leak detectors (e.g. the post-GC "floor" trend of JVM leak detectors,
 * Jump & McKinley, "Cork: dynamic memory leak detection for garbage-collected languages",
 * POPL 2007; and the long-term heap-after-GC analyses of production APMs): oscillating load moves
 * the peaks, a leak raises the floor.
 *
 * The bin size is chosen, among sizes at least one detected period long, to minimise the
 * slope's standard error proxy sigma_b * sqrt(b), with sigma_b the robust noise of the trough
 * series (MAD of its second differences). This is what makes an aliased, undetectable cycle safe:
 * small bins leave troughs caught at the top of a cycle, which shows up as trough noise.
 * Bins never span a gap (a spacing over `gapFactor` x the median step).
 */

export const BinSeriesSchema = z.object({
  /** Time of each bin's trough / median (bin centre) / peak. */
  tTrough: z.array(z.number()),
  trough: z.array(z.number()),
  tMid: z.array(z.number()),
  median: z.array(z.number()),
  tPeak: z.array(z.number()),
  peak: z.array(z.number()),
  /** Raw index range [start, end) of each bin. */
  start: z.array(z.number().int()),
  end: z.array(z.number().int()),
});
export type BinSeries = z.infer<typeof BinSeriesSchema>;

export interface ReduceOptions {
  /** Detected period (time units) or null. */
  period?: number | null;
  /** At most this many bins (default 120). */
  maxBins?: number;
  /** Try to keep at least this many bins (default 24). */
  minBins?: number;
  /** A spacing larger than gapFactor x the median step is a gap (default 10). */
  gapFactor?: number;
}

export interface Reduction {
  binSize: number;
  step: number;
  bins: BinSeries;
  /** Noise scale of the trough series (max of the MAD-based and the tail-based scale). */
  sigma: number;
  /** Gaps as [t before, t after]. */
  gaps: [number, number][];
}

/** Robust sigma from the MAD of second differences (unbiased for a linear trend + white noise). */
export function robustSigma(x: readonly number[]): number {
  if (x.length < 4) return 0;
  const d: number[] = [];
  for (let i = 2; i < x.length; i++) d.push(Math.abs(x[i] - 2 * x[i - 1] + x[i - 2]));
  d.sort((a, b) => a - b);
  const med = d[Math.floor(d.length / 2)];
  return (1.4826 * med) / Math.sqrt(6);
}

/**
 * Scale of the second differences from their 90th absolute percentile (normal-consistent): unlike
 * the MAD it sees troughs that are occasionally caught at the top of a cycle (>= 10 % of bins),
 * which is exactly what a too-short bin produces.
 */
export function tailSigma(x: readonly number[]): number {
  if (x.length < 4) return 0;
  const d: number[] = [];
  for (let i = 2; i < x.length; i++) d.push(Math.abs(x[i] - 2 * x[i - 1] + x[i - 2]));
  d.sort((a, b) => a - b);
  return d[Math.floor(0.9 * (d.length - 1))] / 1.6449 / Math.sqrt(6);
}

function runs(t: readonly number[], step: number, gapFactor: number): { runStart: number[]; gaps: [number, number][] } {
  const runStart = [0];
  const gaps: [number, number][] = [];
  for (let i = 1; i < t.length; i++) {
    if (t[i] - t[i - 1] > gapFactor * step) {
      runStart.push(i);
      gaps.push([t[i - 1], t[i]]);
    }
  }
  return { runStart, gaps };
}

/** Chunk boundaries of size b inside each gap-free run; a short tail (< b/2) joins the previous bin. */
function chunks(n: number, runStart: readonly number[], b: number): { start: number[]; end: number[] } {
  const start: number[] = [];
  const end: number[] = [];
  for (let r = 0; r < runStart.length; r++) {
    const a = runStart[r];
    const z = r + 1 < runStart.length ? runStart[r + 1] : n;
    for (let i = a; i < z; i += b) {
      const e = Math.min(z, i + b);
      if (e - i < b / 2 && start.length > 0 && end[end.length - 1] === i && i !== a) end[end.length - 1] = e;
      else {
        start.push(i);
        end.push(e);
      }
    }
  }
  return { start, end };
}

function troughsOf(v: readonly number[], start: readonly number[], end: readonly number[]): number[] {
  const out = new Array<number>(start.length);
  for (let k = 0; k < start.length; k++) {
    let m = Infinity;
    for (let i = start[k]; i < end[k]; i++) if (v[i] < m) m = v[i];
    out[k] = m;
  }
  return out;
}

/**
 * Reduces a time-sorted series to per-bin troughs, medians and peaks.
 * @example
 * const t = Array.from({ length: 1000 }, (_, i) => i);
 * reduceSeries(t, t.map((x) => x + 100 * (x % 10 < 5 ? 1 : 0)), { period: 10 }).bins.trough.length; // ~110 (bins of ~9 samples)
 */
export function reduceSeries(t: readonly number[], v: readonly number[], options: ReduceOptions = {}): Reduction {
  const n = Math.min(t.length, v.length);
  const maxBins = options.maxBins ?? 120;
  const minBins = options.minBins ?? 24;
  const step = medianStep(t) || 1;
  const { runStart, gaps } = runs(t, step, options.gapFactor ?? 10);
  // Half a period is the shortest bin that always reaches the bottom half of a cycle; whether the
  // troughs are clean is then judged by their noise (a bin missing the trough alternates, which the
  // second differences see).
  const fromPeriod = options.period ? Math.ceil(options.period / step / 2 - 1e-9) : 1;
  // A long period in a short capture must still leave enough bins for the tests (>= 12).
  const bMin = Math.max(1, Math.min(fromPeriod, Math.floor(n / 12)), Math.ceil(n / maxBins));
  const bMax = Math.max(bMin, Math.floor(n / minBins));
  let best = bMin;
  let bestScore = Infinity;
  for (let b = bMin; b <= bMax; b = Math.max(b + 1, Math.round(b * 1.4))) {
    const c = chunks(n, runStart, b);
    const sigma = tailSigma(troughsOf(v, c.start, c.end));
    const score = sigma * Math.sqrt(b);
    if (score < bestScore * 0.95) {
      bestScore = score;
      best = b;
    }
  }
  const c = chunks(n, runStart, best);
  const bins: BinSeries = { tTrough: [], trough: [], tMid: [], median: [], tPeak: [], peak: [], start: c.start, end: c.end };
  for (let k = 0; k < c.start.length; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    let tlo = t[c.start[k]];
    let thi = tlo;
    const vals = new Float64Array(c.end[k] - c.start[k]);
    for (let i = c.start[k]; i < c.end[k]; i++) {
      const x = v[i];
      vals[i - c.start[k]] = x;
      if (x < lo) {
        lo = x;
        tlo = t[i];
      }
      if (x > hi) {
        hi = x;
        thi = t[i];
      }
    }
    vals.sort();
    const m = vals.length;
    bins.tTrough.push(tlo);
    bins.trough.push(lo);
    bins.tPeak.push(thi);
    bins.peak.push(hi);
    bins.tMid.push((t[c.start[k]] + t[c.end[k] - 1]) / 2);
    bins.median.push(m % 2 ? vals[(m - 1) / 2] : (vals[m / 2 - 1] + vals[m / 2]) / 2);
  }
  return { binSize: best, step, bins, sigma: Math.max(robustSigma(bins.trough), tailSigma(bins.trough)), gaps };
}
