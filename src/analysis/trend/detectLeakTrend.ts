import { median } from 'simple-statistics';
import { z } from 'zod';
import { fitRegimes, peltLinear } from './changePoints.js';
import { detectCycle } from './cycles.js';
import { mannKendall, MannKendallResultSchema } from './mannKendall.js';
import { neweyWestSlope, NeweyWestResultSchema } from './neweyWest.js';
import { reduceSeries, robustSigma, tailSigma } from './reduce.js';
import { splitRestarts, type Segment } from './segments.js';
import { senSlope } from './senSlope.js';
import { timeToLimit } from './timeToLimit.js';
import { effectFloor, envelopeRise } from './effect.js';
import { wholeCycleRate } from './rate.js';
import { formatDuration, formatQuantity, formatTime } from '../../core/format.js';

/**
 * detectLeakTrend: is this series leaking, how fast, since when, and when does it hit its limit?
 *
 * Pipeline (each step in its own file, sources cited there):
 * 1. clean (finite values, time-sorted);
 * 2. cycle detection (ACF of the differenced series, cycles.ts);
 * 3. reduction to per-bin troughs/medians/peaks, bins at least one cycle long (reduce.ts): the
 *    leak is judged on the lower envelope, as GC-aware heap-leak detectors fit post-GC troughs;
 * 4. restarts (a fall back to the start after a significant rise) split segments (segments.ts);
 *    the last segment covering >= 25 % of the time is analysed (else the longest); regular
 *    restarts without a limit in reach are a sawtooth: the data is re-reduced with that period;
 * 5. PELT piecewise-linear change points on the troughs (changePoints.ts) give regimes;
 * 6. each regime: Mann-Kendall with Hamed-Rao correction (mannKendall.ts) and Sen's slope with its
 *    rank interval (senSlope.ts); OLS + Newey-West as a cross-check (neweyWest.ts);
 * 7. verdict: `leak` when the current regime (with the rising regimes before it) rises
 *    significantly (p < alpha, Sen lower bound > 0, growth above the noise) over >= 15 % of the
 *    segment, and, after earlier falls, reaches new highs or covers half the data; also `leak` when
 *    the rise continues at a similar slope in a last regime too short to be significant on its own,
 *    and for a staircase (>= 3 level steps up, none down, significant overall); `plateau` when the
 *    series rose by a ramp and is now flat; `step` when the rise came as level jumps between flat
 *    regimes; else `no-leak`;
 * 8. the rate is Sen's slope of that leak regime; the onset its start; the time to limit comes from
 *    the upper envelope (timeToLimit.ts).
 *
 * Slopes are reported per hour in the series' unit; every time is on the series' own axis.
 */

export const LeakTrendVerdictSchema = z.enum(['leak', 'no-leak', 'plateau', 'step', 'insufficient-data']);
export type LeakTrendVerdict = z.infer<typeof LeakTrendVerdictSchema>;

export const DetectLeakTrendOptionsSchema = z.object({
  /** Limit in the series' unit (MemTotal, cgroup limit...): enables the time-to-limit projection. */
  limit: z.number().positive().optional(),
  /** Significance level of the tests (default 0.05). */
  alpha: z.number().gt(0).lt(0.5).optional(),
  /** Fewer raw points than this gives `insufficient-data` (default 12). */
  minPoints: z.number().int().min(2).optional(),
  /** A shorter series (seconds) gives `insufficient-data` (default 0). */
  minDurationSeconds: z.number().nonnegative().optional(),
  /** Known cycle period (seconds), skipping detection. */
  period: z.number().positive().optional(),
  /** Maximum number of reduced points (default 120; bounds the O(m^2) rank statistics). */
  maxBins: z.number().int().min(16).max(5000).optional(),
  /** PELT penalty factor (x sigma^2 x ln m; default 6). */
  penaltyFactor: z.number().positive().optional(),
  /** A leak must grow by at least this many trough-noise sigmas over its regime (default 2). */
  minGrowthSigmas: z.number().nonnegative().optional(),
  /** A leak regime must cover at least this fraction of the analysed segment's duration (default 0.15). */
  minLeakFraction: z.number().min(0).max(1).optional(),
  /** Quantile of detrended peaks defining the upper envelope for the projection (default 0.95). */
  envelopeQuantile: z.number().min(0.5).max(1).optional(),
  /**
   * Effect-size floor: a leak must raise its lower envelope by at least the largest of these (below
   * it the answer is `no-leak` with the measured bound). `minRise` is in the series' unit (default
   * by unit: 64 KiB (16 pages) for sizes, 16 pages, else 0); the fractions are of the series' median level
   * (default 0.005) and of `limit` (default 0).
   */
  minRise: z.number().nonnegative().optional(),
  minRiseFractionOfLevel: z.number().min(0).max(1).optional(),
  minRiseFractionOfLimit: z.number().min(0).max(1).optional(),
});
export type DetectLeakTrendOptions = z.infer<typeof DetectLeakTrendOptionsSchema>;

const Pair = z.tuple([z.number(), z.number()]);

export const TrendRegimeSchema = z.object({
  start: z.number(),
  end: z.number(),
  points: z.number().int(),
  slopePerHour: z.number(),
  ci95: Pair,
  pValue: z.number(),
  /** Fitted (OLS) level at the regime's start and end. */
  levelStart: z.number(),
  levelEnd: z.number(),
  rising: z.boolean(),
});
export type TrendRegime = z.infer<typeof TrendRegimeSchema>;

/** The effect size a leak verdict was held to: the rise of the lower envelope against the floor. */
export const TrendEffectSchema = z.object({
  /** Rise of the lower envelope over the rate's regime (series unit). */
  rise: z.number(),
  /** The floor it had to reach, and the rule that set it. */
  floor: z.number(),
  floorBasis: z.string(),
  material: z.boolean(),
});
export type TrendEffect = z.infer<typeof TrendEffectSchema>;

/** What the reported slope belongs to: the leak's regime, or (no leak) the current, last regime. */
export const RateScopeSchema = z.enum(['leak', 'current-regime']);

export const LeakTrendResultSchema = z.object({
  name: z.string().optional(),
  unit: z.string().optional(),
  verdict: LeakTrendVerdictSchema,
  /** Sentence for humans. */
  reason: z.string(),
  /** Current growth rate in the series' unit per hour (Sen's slope of the lower envelope). */
  slopePerHour: z.number().nullable(),
  ci95: Pair.nullable(),
  /** Mann-Kendall (Hamed-Rao) two-sided p-value of the rate's regime. */
  pValue: z.number().nullable(),
  /** What the slope measures, and since when (series axis); null without a slope. */
  rateScope: RateScopeSchema.nullable(),
  rateSince: z.number().nullable(),
  /** Upper 95 % bound of the rate (per hour): for a no-leak series, "at most this much". */
  rateUpperBound: z.number().nullable(),
  /** Effect size against the floor (null when no rise was tested). */
  effect: TrendEffectSchema.nullable(),
  method: z.string(),
  /** Detected cycle period, seconds (null when none). */
  period: z.number().nullable(),
  /** When the leak started (series axis), null unless verdict is leak. */
  onset: z.number().nullable(),
  /** True when the onset is simply the start of the analysed data. */
  onsetAtStart: z.boolean(),
  limit: z.number().nullable(),
  timeToLimitSeconds: z.number().nullable(),
  /** [early, late] interval, null when unbounded (lower slope bound not positive) or no projection. */
  timeToLimitCi: Pair.nullable(),
  /** Early and late bounds separately (late null = unbounded). */
  timeToLimitLower: z.number().nullable(),
  timeToLimitUpper: z.number().nullable(),
  /** Raw points used and the time span analysed. */
  points: z.number().int(),
  analysed: z.object({ start: z.number(), end: z.number() }).nullable(),
  /** Samples per bin and the envelope used. */
  binSize: z.number().int().nullable(),
  /** Reduced points for charts: the lower envelope (troughs) and upper envelope (peaks) of the analysed segment. */
  troughs: z.object({ t: z.array(z.number()), v: z.array(z.number()) }),
  peaks: z.object({ t: z.array(z.number()), v: z.array(z.number()) }),
  /** The fitted lower-envelope line over the rate's regime: v = intercept + slope * t (slope per second). */
  fit: z
    .object({ slopePerSecond: z.number(), intercept: z.number(), t0: z.number(), t1: z.number(), v0: z.number(), v1: z.number() })
    .nullable(),
  /** 95 % band of the fitted line at t0 and t1 (lines through the median point with the CI slopes). */
  band: z.object({ t: Pair, lower: Pair, upper: Pair }).nullable(),
  /** Upper-envelope projection from the last sample to the limit. */
  projection: z.object({ t: Pair, v: Pair }).nullable(),
  /** Change points (times) and regimes of the analysed segment. */
  changePoints: z.array(z.number()),
  regimes: z.array(TrendRegimeSchema),
  /** Segments split at restarts, times. */
  segments: z.array(z.object({ start: z.number(), end: z.number(), reason: z.enum(['start', 'restart']), points: z.number().int() })),
  gaps: z.array(Pair),
  /** Cross-checks over the rate's regime. */
  mannKendall: MannKendallResultSchema.nullable(),
  neweyWest: NeweyWestResultSchema.nullable(),
  /** Robust noise of the trough series (series unit). */
  noise: z.number().nullable(),
});
export type LeakTrendResult = z.infer<typeof LeakTrendResultSchema>;

export interface TrendSeriesInput {
  t: readonly number[];
  v: readonly number[];
  name?: string;
  unit?: string;
}

const H = 3600;
/** Stands for the printed rate in a leak's reason until the rate is final (whole-cycle or Sen). */
const RATE = '\u0000rate\u0000';

function medianOf(x: readonly number[]): number {
  return x.length ? median([...x]) : 0;
}

function clean(series: TrendSeriesInput): { t: number[]; v: number[] } {
  const n = Math.min(series.t.length, series.v.length);
  const t: number[] = [];
  const v: number[] = [];
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const a = series.t[i];
    const b = series.v[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (t.length && a < t[t.length - 1]) sorted = false;
    t.push(a);
    v.push(b);
  }
  if (sorted) return { t, v };
  const idx = t.map((_, i) => i).sort((x, y) => t[x] - t[y] || x - y);
  return { t: idx.map((i) => t[i]), v: idx.map((i) => v[i]) };
}

function baseResult(series: TrendSeriesInput, limit: number | null): LeakTrendResult {
  return {
    name: series.name,
    unit: series.unit,
    verdict: 'insufficient-data',
    reason: '',
    slopePerHour: null,
    ci95: null,
    pValue: null,
    rateScope: null,
    rateSince: null,
    rateUpperBound: null,
    effect: null,
    method: 'none',
    period: null,
    onset: null,
    onsetAtStart: false,
    limit,
    timeToLimitSeconds: null,
    timeToLimitCi: null,
    timeToLimitLower: null,
    timeToLimitUpper: null,
    points: 0,
    analysed: null,
    binSize: null,
    troughs: { t: [], v: [] },
    peaks: { t: [], v: [] },
    fit: null,
    band: null,
    projection: null,
    changePoints: [],
    regimes: [],
    segments: [],
    gaps: [],
    mannKendall: null,
    neweyWest: null,
    noise: null,
  };
}

/** A rate for the reason sentence, as the report prints it (sizes humanised: `2.89 GiB/h`). */
function fmtRate(perHour: number, unit: string | undefined): string {
  return `${formatQuantity(perHour, unit ?? 'units')}/h`;
}

function attachProjection(
  r: LeakTrendResult,
  tPeak: readonly number[],
  peak: readonly number[],
  slope: number,
  lower: number,
  upper: number,
  tNow: number,
  limit: number | null,
  q: number,
): void {
  if (limit === null) return;
  const p = timeToLimit({ tPeak, peak, slope, lower, upper, tNow, limit, quantile: q });
  r.timeToLimitSeconds = p.seconds;
  r.timeToLimitLower = p.lower;
  r.timeToLimitUpper = p.upper;
  r.timeToLimitCi = p.lower !== null && p.upper !== null ? [p.lower, p.upper] : null;
  if (p.seconds !== null && p.levelNow !== null && p.at !== null) r.projection = { t: [tNow, p.at], v: [p.levelNow, limit] };
}

/** Restarts (segments.ts) kept only when the segment before them rose significantly (a fall after growth). */
function confirmedRestarts(trough: readonly number[], sigma: number, alpha: number): Segment[] {
  const raw = splitRestarts(trough, sigma);
  const out: Segment[] = [];
  for (const s of raw) {
    const prev = out[out.length - 1];
    if (prev && s.reason === 'restart') {
      const seg = trough.slice(prev.start, s.start);
      const mk = mannKendall(seg, { alpha });
      if (!(seg.length >= 6 && mk.s > 0 && mk.pValue < alpha)) {
        prev.end = s.end;
        continue;
      }
    }
    out.push({ ...s });
  }
  return out;
}

/** Estimates from too few points: Sen's slope over the raw points, flagged insufficient. */
function fewPoints(r: LeakTrendResult, t: number[], v: number[], alpha: number, limit: number | null, q: number, why: string): LeakTrendResult {
  r.points = t.length;
  r.reason = why;
  if (t.length < 2 || t[t.length - 1] === t[0]) return r;
  const sen = senSlope(t, v, { alpha });
  r.method = 'sen-raw (too few points for a test)';
  r.slopePerHour = sen.slope * H;
  r.ci95 = [sen.lower * H, sen.upper * H];
  r.analysed = { start: t[0], end: t[t.length - 1] };
  r.troughs = { t: [...t], v: [...v] };
  r.peaks = { t: [...t], v: [...v] };
  const tNow = t[t.length - 1];
  // Anchor the few-point projection at the last point with the most recent pairwise slope bounds.
  attachProjection(r, [tNow], [v[v.length - 1]], sen.slope, sen.lower, sen.upper, tNow, limit, q);
  return r;
}

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);
const finitePair = (p: [number, number] | null): [number, number] | null =>
  p && Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
const allFinite = (o: unknown): boolean =>
  typeof o === 'number' ? Number.isFinite(o) : Array.isArray(o) ? o.every(allFinite) : o && typeof o === 'object' ? Object.values(o).every(allFinite) : true;

/** Degenerate input (overflowing slopes, zero spans) must give nulls, never Infinity/NaN: results are JSON. */
function sanitize(r: LeakTrendResult): LeakTrendResult {
  r.slopePerHour = finite(r.slopePerHour);
  r.ci95 = finitePair(r.ci95);
  r.pValue = finite(r.pValue);
  r.period = finite(r.period);
  r.onset = finite(r.onset);
  r.noise = finite(r.noise);
  r.timeToLimitSeconds = finite(r.timeToLimitSeconds);
  r.timeToLimitLower = finite(r.timeToLimitLower);
  r.timeToLimitUpper = finite(r.timeToLimitUpper);
  r.timeToLimitCi = finitePair(r.timeToLimitCi);
  if (!allFinite(r.fit)) r.fit = null;
  if (!allFinite(r.band)) r.band = null;
  if (!allFinite(r.projection)) r.projection = null;
  if (!allFinite(r.neweyWest)) r.neweyWest = null;
  if (!allFinite(r.mannKendall)) r.mannKendall = null;
  if (!allFinite(r.regimes)) r.regimes = [];
  return r;
}

/**
 * Detects a memory leak trend in a (possibly oscillating, irregular) series.
 * @example
 * const t = Array.from({ length: 600 }, (_, i) => i * 10);
 * const v = t.map((x, i) => 1000 + x * 0.5 + (i % 6 < 3 ? 300 : 0));
 * const r = detectLeakTrend({ t, v, unit: 'kB' }, { limit: 10000 });
 * r.verdict; // 'leak'
 * r.slopePerHour; // ~1800 (kB/h)
 */
export function detectLeakTrend(series: TrendSeriesInput, options: DetectLeakTrendOptions = {}): LeakTrendResult {
  return sanitize(detect(series, options));
}

function detect(series: TrendSeriesInput, options: DetectLeakTrendOptions): LeakTrendResult {
  const alpha = options.alpha ?? 0.05;
  const minPoints = options.minPoints ?? 12;
  const limit = options.limit ?? null;
  const q = options.envelopeQuantile ?? 0.95;
  const r = baseResult(series, limit);
  const { t, v } = clean(series);
  const n = t.length;
  if (n < minPoints) return fewPoints(r, t, v, alpha, limit, q, `only ${n} usable points (need ${minPoints})`);
  const duration = t[n - 1] - t[0];
  if (!(duration > 0) || duration < (options.minDurationSeconds ?? 0)) {
    return fewPoints(r, t, v, alpha, limit, q, `only ${duration} s of data`);
  }

  // 2-3: cycle and reduction.
  const cycle = options.period !== undefined ? { period: options.period } : detectCycle(t, v);
  let period = cycle.period;
  let red = reduceSeries(t, v, { period, maxBins: options.maxBins });
  let segs = confirmedRestarts(red.bins.trough, red.sigma, alpha);
  // Regular restarts are a sawtooth the ACF missed (a cache that fills and is flushed, a periodic
  // job): re-reduce with that period. Restarts caused by OOM kills at a known limit are kept.
  if (segs.length >= 4 && options.period === undefined) {
    const B0 = red.bins;
    const inner = segs.slice(1, -1).map((g) => B0.tTrough[g.end - 1] - B0.tTrough[g.start]);
    const mean = inner.reduce((a, b) => a + b, 0) / inner.length;
    const sd = Math.sqrt(inner.reduce((a, b) => a + (b - mean) * (b - mean), 0) / inner.length);
    const peaksNearLimit =
      limit !== null && segs.slice(0, -1).every((g) => Math.max(...B0.peak.slice(g.start, g.end)) >= 0.9 * limit);
    if (mean > 0 && sd / mean < 0.25 && !peaksNearLimit) {
      period = medianOf(segs.slice(1, -1).map((g) => B0.tTrough[g.end] - B0.tTrough[g.start]));
      red = reduceSeries(t, v, { period, maxBins: options.maxBins });
      segs = confirmedRestarts(red.bins.trough, red.sigma, alpha);
    }
  }
  r.period = period;
  r.binSize = red.binSize;
  r.gaps = red.gaps;
  const B = red.bins;

  // 4: restarts, analysed segment = last one covering >= 25 % of the time, else the longest.
  r.segments = segs.map((s) => ({
    start: t[B.start[s.start]],
    end: t[B.end[s.end - 1] - 1],
    reason: s.reason,
    points: B.end[s.end - 1] - B.start[s.start],
  }));
  let chosen = segs[segs.length - 1];
  const spanOf = (s: { start: number; end: number }) => t[B.end[s.end - 1] - 1] - t[B.start[s.start]];
  if (segs.length > 1) {
    const okLast = [...segs].reverse().find((s) => spanOf(s) >= 0.25 * duration && s.end - s.start >= 8);
    chosen = okLast ?? segs.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
  }
  const T = B.tTrough.slice(chosen.start, chosen.end);
  const Y = B.trough.slice(chosen.start, chosen.end);
  const TP = B.tPeak.slice(chosen.start, chosen.end);
  const P = B.peak.slice(chosen.start, chosen.end);
  const rawPoints = B.end[chosen.end - 1] - B.start[chosen.start];
  r.points = rawPoints;
  r.analysed = { start: t[B.start[chosen.start]], end: t[B.end[chosen.end - 1] - 1] };
  r.troughs = { t: T, v: Y };
  r.peaks = { t: TP, v: P };
  const m = T.length;
  const envName = red.binSize > 1 ? `lower envelope (trough of every ${red.binSize} samples)` : 'raw samples';
  r.method = `${envName}; Mann-Kendall (Hamed-Rao) + Sen slope; PELT piecewise-linear change points; OLS/Newey-West cross-check`;
  if (m < 8) {
    return fewPoints(r, T, Y, alpha, limit, q, `only ${m} reduced points in the analysed segment`);
  }

  // 5: change points.
  // Noise scale for the penalty and the materiality thresholds: the tail-based scale (not the MAD),
  // so that a bimodal or heavy-tailed envelope does not make every wiggle a change point.
  let sigma = Math.max(robustSigma(Y), tailSigma(Y));
  const range = Math.max(...Y) - Math.min(...Y);
  if (!(sigma > 0)) sigma = Math.max(1e-9 * Math.max(range, Math.abs(Y[0]), 1), 1e-12);
  r.noise = sigma;
  const minSize = Math.max(6, Math.ceil(0.08 * m));
  const penalty = (options.penaltyFactor ?? 6) * sigma * sigma * Math.log(m);
  const cps = peltLinear(T, Y, { penalty, minSize });
  r.changePoints = cps.map((i) => T[i]);
  const fits = fitRegimes(T, Y, cps);
  const minGrowth = (options.minGrowthSigmas ?? 2) * sigma;

  const analyse = (a: number, b: number) => {
    const tt = T.slice(a, b);
    const yy = Y.slice(a, b);
    const sen = senSlope(tt, yy, { alpha });
    const mk = mannKendall(yy, { alpha });
    const growth = sen.slope * (tt[tt.length - 1] - tt[0]);
    const rising = mk.pValue < alpha && mk.s > 0 && sen.lower > 0 && growth >= minGrowth;
    return { sen, mk, rising, growth };
  };
  const stats = fits.map((f) => analyse(f.start, f.end));
  r.regimes = fits.map((f, k) => ({
    start: T[f.start],
    end: T[f.end - 1],
    points: f.end - f.start,
    slopePerHour: stats[k].sen.slope * H,
    ci95: [stats[k].sen.lower * H, stats[k].sen.upper * H] as [number, number],
    pValue: stats[k].mk.pValue,
    levelStart: f.intercept + f.slope * T[f.start],
    levelEnd: f.intercept + f.slope * T[f.end - 1],
    rising: stats[k].rising,
  }));

  const K = fits.length;
  const last = stats[K - 1];
  let rateFrom = fits[K - 1].start;
  let rateStats = last;
  let verdict: LeakTrendVerdict;
  let reason = '';
  // Up and down moves: rising/falling regimes and level jumps between regimes.
  const jump = (k: number) => r.regimes[k].levelStart - r.regimes[k - 1].levelEnd;
  const falling = (k: number) => stats[k].mk.pValue < alpha && stats[k].mk.s < 0 && stats[k].sen.upper < 0 && -stats[k].growth >= minGrowth;
  // Regimes are fitted separately, so small discontinuities between them are noise: a level jump
  // counts only beyond 3x the growth threshold.
  const jumpTol = 3 * minGrowth;
  const ups: number[] = [];
  let downs = 0;
  for (let k = 0; k < K; k++) {
    if (k > 0 && jump(k) > jumpTol) ups.push(k);
    else if (stats[k].rising) ups.push(k);
    if (ups.length && ((k > 0 && jump(k) < -jumpTol) || falling(k))) downs++;
  }
  const amplitude = medianOf(P.map((p, i) => p - Y[i]));
  // The rising suffix: the last regime and the rising ones right before it.
  let k = K - 1;
  while (k > 0 && stats[k - 1].rising && jump(k) > -minGrowth) k--;
  const suffixSpan = T[m - 1] - T[fits[k].start];
  const segSpan = T[m - 1] - T[0];
  // A wandering series (a random walk, load drifting up and down) has rising and falling regimes:
  // a rise after falls only counts when it is long and reaches new highs (or covers half the data).
  let fellBefore = false;
  for (let j = 1; j <= k; j++) if (jump(j) < -minGrowth || falling(j - 1)) fellBefore = true;
  const priorMax = k > 0 ? Math.max(...Y.slice(0, fits[k].start)) : -Infinity;
  const longEnough = suffixSpan >= (options.minLeakFraction ?? 0.15) * segSpan;
  const newHighs = !fellBefore || r.regimes[K - 1].levelEnd > priorMax + minGrowth || suffixSpan >= 0.5 * segSpan;
  // The last regime is not significant on its own (short, noisy) but keeps the slope of the rise
  // that preceded it: a leak that continues, not a plateau. Judged on everything since the first
  // rising regime, with no fall in between.
  const continuing = (): boolean => {
    const k0 = stats.findIndex((x) => x.rising);
    if (k0 < 0 || k0 === K - 1 || downs > 0) return false;
    const all = analyse(fits[k0].start, m);
    if (!(all.mk.pValue < alpha && all.sen.lower > 0 && all.growth >= minGrowth)) return false;
    if (!(last.sen.slope >= 0.5 * all.sen.slope && last.sen.upper > 0)) return false;
    if (T[m - 1] - T[fits[k0].start] < (options.minLeakFraction ?? 0.15) * segSpan) return false;
    // After an earlier fall (a wandering level), only new highs count.
    let fell = false;
    for (let j = 0; j < k0; j++) if (falling(j) || (j > 0 && jump(j) < -minGrowth)) fell = true;
    if (k0 > 0 && jump(k0) < -minGrowth) fell = true;
    if (fell && !(r.regimes[K - 1].levelEnd > Math.max(...Y.slice(0, fits[k0].start)) + minGrowth)) return false;
    rateFrom = fits[k0].start;
    rateStats = all;
    r.onsetAtStart = k0 === 0;
    r.onset = r.onsetAtStart ? r.analysed!.start : T[fits[k0].start];
    reason = `lower envelope rises ${RATE} (p=${all.mk.pValue.toPrecision(2)}) since ${formatTime(r.onset)}, still rising in the last regime`;
    return true;
  };
  // A staircase is a leak only while it continues: the time since its last step must not exceed
  // the usual spacing of its steps by much. Steps that stopped long ago (a cache filled in steps
  // during warm-up, then flat for longer than it rose) are judged as a plateau or step below.
  const staircaseContinues = (): boolean => {
    const at = ups.map((j) => T[fits[j].start]);
    const gaps = at.slice(1).map((x, i) => x - at[i]);
    const since = T[m - 1] - at[at.length - 1];
    return since <= 1.5 * Math.max(medianOf(gaps), (at[at.length - 1] - at[0]) / Math.max(1, gaps.length));
  };
  if (last.rising && longEnough && newHighs) {
    if (k < K - 1) {
      // Several rising regimes: use them all when the slope is consistent, else the current one.
      const all = analyse(fits[k].start, m);
      if (all.sen.slope >= last.sen.lower && all.sen.slope <= last.sen.upper) {
        rateFrom = fits[k].start;
        rateStats = all;
      }
    }
    verdict = 'leak';
    r.onsetAtStart = fits[k].start === 0;
    r.onset = r.onsetAtStart ? r.analysed.start : T[fits[k].start];
    reason = `lower envelope rises ${RATE} (p=${rateStats.mk.pValue.toPrecision(2)})${r.onsetAtStart ? '' : ` since ${formatTime(r.onset)}`}`;
  } else if (continuing()) {
    verdict = 'leak';
  } else if (ups.length >= 3 && downs === 0 && staircaseContinues()) {
    // A staircase: repeated level jumps with no way down is a leak that grows in steps (slab pages,
    // pool chunks, per-job leaks). Rate over the stairs, from half a flat regime before the first jump.
    const k0 = ups[0];
    const from = k0 > 0 ? Math.max(fits[k0 - 1].start, fits[k0].start - Math.ceil((fits[k0].end - fits[k0].start) / 2)) : 0;
    const st = analyse(from, m);
    if (st.mk.pValue < alpha && st.sen.lower > 0) {
      verdict = 'leak';
      rateFrom = from;
      rateStats = st;
      r.onsetAtStart = from === 0;
      r.onset = r.onsetAtStart ? r.analysed.start : T[fits[k0].start];
      reason = `lower envelope rises in ${ups.length} steps, ${RATE} on average (p=${st.mk.pValue.toPrecision(2)})`;
    } else {
      verdict = 'step';
      reason = `${ups.length} level steps up without a significant overall trend`;
    }
  } else {
    const startLevel = r.regimes[0].levelStart;
    const endLevel = r.regimes[K - 1].levelEnd;
    const rise = endLevel - startLevel;
    if (K > 1 && rise > Math.max(minGrowth, 0.05 * amplitude) && ups.length > 0) {
      let jumps = 0;
      let ramps = 0;
      for (let k = 0; k < K; k++) {
        if (k > 0) jumps += Math.max(0, jump(k));
        if (stats[k].sen.slope > 0) ramps += Math.max(0, r.regimes[k].levelEnd - r.regimes[k].levelStart);
      }
      verdict = jumps >= ramps ? 'step' : 'plateau';
      reason =
        verdict === 'step'
          ? `level jumped by ${formatQuantity(rise, series.unit)} and is flat since ${formatTime(T[fits[K - 1].start])}`
          : `rose by ${formatQuantity(rise, series.unit)} in ${formatDuration(T[fits[K - 1].start] - T[0])}, then flat for ${formatDuration(T[m - 1] - T[fits[K - 1].start])}: warm-up, not a leak`;
    } else {
      verdict = 'no-leak';
      reason = `no significant rise of the lower envelope (p=${last.mk.pValue.toPrecision(2)})`;
    }
  }
  const tEnd = t[B.end[chosen.end - 1] - 1];
  // Few whole cycles (4-24) make few reduction bins that alternate between a cycle's floor and its
  // flank; the rank test then loses a leak the cycle floors show plainly. Judge those on the floors.
  if (verdict === 'no-leak' && period !== null && period > 0) {
    const cycles = (tEnd - r.analysed.start) / period;
    const wc = cycles >= 4 && cycles <= 24 ? wholeCycleRate(t, v, { from: r.analysed.start, to: tEnd, period, alpha }) : null;
    if (wc && wc.lower > 0) {
      const half = wholeCycleRate(t, v, { from: (wc.t0 + wc.t1) / 2, to: tEnd, period, alpha });
      // Growth against the floors' own scatter (the bins' noise is inflated by the flanks).
      const floorNoise = wc.se * Math.sqrt(((wc.t1 - wc.t0) ** 2 * (wc.troughs + 1)) / (12 * Math.max(1, wc.troughs - 1)));
      if (half && half.slope >= 0.5 * wc.slope && wc.slope * (wc.t1 - wc.t0) >= 2 * floorNoise) {
        verdict = 'leak';
        rateFrom = 0;
        rateStats = analyse(0, m);
        r.onsetAtStart = true;
        r.onset = r.analysed.start;
        reason = `the floors of ${wc.troughs} whole cycles rise ${RATE}`;
      }
    }
  }
  const sen = rateStats.sen;
  let slope = sen.slope;
  let lower = sen.lower;
  let upper = sen.upper;
  if (verdict === 'leak') {
    // The printed rate: whole cycles' troughs with an autocorrelation-aware interval (rate.ts);
    // Sen's slope of the bins stays the test statistic and the fallback.
    const from = t[B.start[chosen.start + rateFrom]];
    // Only with a load cycle: without one the window minima of a smooth rise (a leak beside cache
    // churn) read up to 12 % off, where Sen's slope of the bins is within 1 %.
    const wc = period !== null && period > 0 ? wholeCycleRate(t, v, { from, to: tEnd, period, alpha }) : null;
    if (wc && wc.troughs >= 6) {
      slope = wc.slope;
      lower = wc.lower;
      upper = wc.upper;
      r.method += `; rate: OLS of ${wc.troughs} whole-cycle troughs, AR(1)-aware 95 % interval`;
    }
    // Effect size before significance: the rise must be material.
    const level = medianOf(Y);
    const { floor, basis } = effectFloor(series.unit, level, limit, options);
    const rise = envelopeRise(T.slice(rateFrom), Y.slice(rateFrom), Math.max(slope, 0));
    r.effect = { rise, floor, floorBasis: basis, material: rise >= floor };
    if (rise < floor) {
      verdict = 'no-leak';
      reason = `lower envelope rose ${formatQuantity(rise, series.unit)}, below the floor of ${formatQuantity(floor, series.unit)} (${basis}): at most ${fmtRate(Math.max(upper, 0) * H, series.unit)}`;
    }
  }
  r.verdict = verdict;
  r.reason = reason.split(RATE).join(fmtRate(slope * H, series.unit)).trim();
  r.rateScope = verdict === 'leak' ? 'leak' : 'current-regime';
  r.rateSince = verdict === 'leak' ? T[rateFrom] : T[fits[K - 1].start];
  if (verdict !== 'leak' && r.effect === null) {
    rateFrom = fits[K - 1].start;
    rateStats = last;
    slope = last.sen.slope;
    lower = last.sen.lower;
    upper = last.sen.upper;
  }
  r.slopePerHour = slope * H;
  r.ci95 = [lower * H, upper * H];
  r.rateUpperBound = upper * H;
  r.pValue = rateStats.mk.pValue;
  r.mannKendall = rateStats.mk;
  const tt = T.slice(rateFrom);
  const yy = Y.slice(rateFrom);
  r.neweyWest = neweyWestSlope(tt, yy, { alpha });
  // Fitted line through the median point with Sen's slope (Conover 1980 intercept).
  const t0 = tt[0];
  const t1 = tt[tt.length - 1];
  const tm = (t0 + t1) / 2;
  const vm = sen.intercept + sen.slope * tm;
  r.fit = { slopePerSecond: sen.slope, intercept: sen.intercept, t0, t1, v0: sen.intercept + sen.slope * t0, v1: sen.intercept + sen.slope * t1 };
  r.band = {
    t: [t0, t1],
    lower: [vm + (t0 - tm) * sen.upper, vm + (t1 - tm) * sen.lower],
    upper: [vm + (t0 - tm) * sen.lower, vm + (t1 - tm) * sen.upper],
  };
  if (verdict === 'leak') {
    attachProjection(r, TP.slice(rateFrom), P.slice(rateFrom), slope, lower, upper, tEnd, limit, q);
  }
  return r;
}
