import { readFileSync } from 'node:fs';
import { linearRegression } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  autocorrelation,
  detectCycle,
  fitRegimes,
  mannKendall,
  neweyWestSlope,
  normalQuantile,
  normalSf,
  peltLinear,
  senSlope,
  splitRestarts,
  timeToLimit,
} from '../../src/analysis/trend/index.js';

const here = new URL('.', import.meta.url);
/** Values computed by bench/trend/reference.py with scipy 1.17.1 / numpy 2.4.6 (not by this code). */
const ref = JSON.parse(readFileSync(new URL('fixtures/trend-reference.json', here), 'utf8')) as Record<
  'a' | 'b',
  {
    t: number[];
    v: number[];
    mk: { s: number; varS: number; zNoCC: number; pNoCC: number };
    sen: { slope: number; intercept: number; lower: number; upper: number };
    nw: { slope: number; intercept: number; se: number; lag: number };
  }
>;

/**
 * The Bogra column of pyMannKendall's test data (tests/data/Monthly Rainfall.csv, MIT licence,
 * https://github.com/mmhs013/pyMannKendall), with its original month index (missing months skipped).
 */
function bogra(): { idx: number[]; v: number[] } {
  const rows = readFileSync(new URL('fixtures/monthly-rainfall.csv', here), 'utf8').trim().split('\n').slice(1);
  const idx: number[] = [];
  const v: number[] = [];
  rows.forEach((row, i) => {
    const cell = row.split(',')[2];
    if (cell !== '') {
      idx.push(i);
      v.push(Number(cell));
    }
  });
  return { idx, v };
}

describe('normal distribution helpers', () => {
  it('match textbook quantiles and tails', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 7);
    // scipy.stats.norm.sf(1.96) = 0.024997895148220435; norm.sf(6) = 9.865876450377e-10
    expect(normalSf(1.96)).toBeCloseTo(0.024997895148220435, 7);
    expect(normalSf(6) / 9.865876450377e-10).toBeCloseTo(1, 5);
  });
});

describe('mannKendall', () => {
  it('reproduces pyMannKendall original_test on its Monthly Rainfall (Bogra) test data', () => {
    // pyMannKendall tests/test_pymannkendall.py::test_original_test
    const { v } = bogra();
    const r = mannKendall(v, { correction: 'none' });
    expect(r.s).toBe(-1959);
    expect(r.varS).toBeCloseTo(4889800.333333333, 6);
    expect(r.z).toBeCloseTo(-0.8854562842589916, 10);
    expect(r.pValue).toBeCloseTo(0.37591058740506833, 6);
    expect(r.tau).toBeCloseTo(-0.03153167653875869, 12);
  });

  it('is within 0.3 % of pyMannKendall hamed_rao_modification_test on the same data', () => {
    // pyMannKendall's test values (var_s 257403.38678462413 for all lags, 14226812.425138814 for
    // lag=3) come from a version whose detrending details differ slightly between releases (index
    // base of the Sen slope, abs() of the lag sum), so only closeness is asserted here; the exact
    // check is against bench/trend/reference.py below.
    const { v } = bogra();
    const slope = senSlope(
      v.map((_, i) => i),
      v,
    ).slope;
    expect(slope).toBeCloseTo(-0.0064516129032258064, 15); // pyMannKendall's reported slope
    const all = mannKendall(v, { floorAtOne: false });
    expect(all.varSUsed / 257403.38678462413).toBeCloseTo(1, 2);
    const lag3 = mannKendall(v, { floorAtOne: false, maxLag: 3 });
    expect(lag3.varSUsed / 14226812.425138814).toBeCloseTo(1, 3);
    expect(lag3.pValue).toBeGreaterThan(0.59);
    expect(lag3.pValue).toBeLessThan(0.62);
    // The engine's default floors n/n* at 1: never more eager than the plain test.
    expect(mannKendall(v).varSUsed).toBeCloseTo(4889800.333333333, 6);
  });

  it.each(['a', 'b'] as const)('matches the numpy Hamed-Rao reference (bench/trend/reference.py) on series %s', (k) => {
    const hr = (ref[k] as unknown as { hamedRao: { ratio: number } }).hamedRao;
    const r = mannKendall(ref[k].v, { floorAtOne: false });
    expect(r.nStarRatio).toBeCloseTo(hr.ratio, 10);
  });

  it('matches MannKendall.jl on 1:100 (s = 4950, var_s = 112750, z = 14.73869998208331)', () => {
    const r = mannKendall(Array.from({ length: 100 }, (_, i) => i + 1), { correction: 'none' });
    expect(r.s).toBe(4950);
    expect(r.varS).toBe(112750);
    expect(r.z).toBeCloseTo(14.73869998208331, 10);
  });

  it.each(['a', 'b'] as const)('matches scipy kendalltau S and tie-corrected Var(S) on series %s', (k) => {
    const r = mannKendall(ref[k].v, { correction: 'none' });
    expect(r.s).toBe(ref[k].mk.s);
    expect(r.varS).toBeCloseTo(ref[k].mk.varS, 6);
    expect(r.s / Math.sqrt(r.varS)).toBeCloseTo(ref[k].mk.zNoCC, 8);
  });

  it('handles tiny and constant inputs without throwing', () => {
    expect(mannKendall([]).pValue).toBe(1);
    expect(mannKendall([5, 5, 5, 5, 5]).pValue).toBe(1);
    expect(autocorrelation([1, 1, 1], 2)).toEqual([1, 0, 0]);
  });
});

describe('senSlope', () => {
  it.each(['a', 'b'] as const)('matches scipy.stats.theilslopes (slope, intercept, 95-percent bounds) on series %s', (k) => {
    const r = senSlope(ref[k].t, ref[k].v);
    expect(r.slope).toBeCloseTo(ref[k].sen.slope, 12);
    expect(r.intercept).toBeCloseTo(ref[k].sen.intercept, 10);
    expect(r.lower).toBeCloseTo(ref[k].sen.lower, 12);
    expect(r.upper).toBeCloseTo(ref[k].sen.upper, 12);
  });
  it('returns NaN on fewer than two points', () => {
    expect(senSlope([1], [1]).slope).toBeNaN();
  });
});

describe('neweyWestSlope', () => {
  it.each(['a', 'b'] as const)('matches the numpy sandwich reference on series %s', (k) => {
    const r = neweyWestSlope(ref[k].t, ref[k].v);
    expect(r.lag).toBe(ref[k].nw.lag);
    expect(r.slope).toBeCloseTo(ref[k].nw.slope, 12);
    expect(r.intercept).toBeCloseTo(ref[k].nw.intercept, 10);
    expect(r.se / ref[k].nw.se).toBeCloseTo(1, 10);
    // and the OLS line agrees with simple-statistics' linearRegression
    const ols = linearRegression(ref[k].t.map((x, i) => [x, ref[k].v[i]]));
    expect(r.slope).toBeCloseTo(ols.m, 12);
    expect(r.intercept).toBeCloseTo(ols.b, 9);
  });
});

describe('peltLinear', () => {
  it('finds the knee of a flat-then-rising series and fits both regimes', () => {
    const t = Array.from({ length: 100 }, (_, i) => i);
    const y = t.map((x, i) => (x < 60 ? 10 : 10 + 2 * (x - 60)) + ((i * 7919) % 13) / 13 - 0.5);
    const cps = peltLinear(t, y, { penalty: 3 * 0.1 * Math.log(100), minSize: 5 });
    expect(cps.length).toBe(1);
    expect(Math.abs(cps[0] - 60)).toBeLessThanOrEqual(2);
    const fits = fitRegimes(t, y, cps);
    expect(fits[0].slope).toBeCloseTo(0, 1);
    expect(fits[1].slope).toBeCloseTo(2, 1);
  });
  it('does not split a straight noisy line', () => {
    const t = Array.from({ length: 200 }, (_, i) => i);
    const y = t.map((x, i) => 0.5 * x + (((i * 104729) % 17) / 17 - 0.5));
    expect(peltLinear(t, y, { penalty: 6 * (1 / 12) * Math.log(200), minSize: 6 })).toEqual([]);
  });
});

describe('detectCycle', () => {
  it('finds the period of a sine and of a sawtooth on irregular times', () => {
    const t = Array.from({ length: 2000 }, (_, i) => i * 2 + ((i * 37) % 5) * 0.1);
    const sine = detectCycle(t, t.map((x) => 100 * Math.sin((2 * Math.PI * x) / 120)));
    expect(sine.period).not.toBeNull();
    expect(Math.abs(sine.period! - 120)).toBeLessThan(3);
    const saw = detectCycle(t, t.map((x) => 50 * ((x / 300) % 1) + 0.001 * x));
    expect(Math.abs(saw.period! - 300)).toBeLessThan(6);
  });
  it('finds no cycle in a straight line or in too few points', () => {
    const t = Array.from({ length: 500 }, (_, i) => i);
    expect(detectCycle(t, t.map((x) => 3 * x)).period).toBeNull();
    expect(detectCycle([1, 2, 3], [1, 2, 3]).period).toBeNull();
  });
});

describe('splitRestarts', () => {
  it('splits where a grown counter falls back to its start, not on an oscillation', () => {
    const grow = Array.from({ length: 20 }, (_, i) => 100 + 10 * i);
    const segs = splitRestarts([...grow, ...grow], 1);
    expect(segs.map((s) => [s.start, s.reason])).toEqual([
      [0, 'start'],
      [20, 'restart'],
    ]);
    // On raw oscillating samples it would split at every fall: the engine runs it on the reduced
    // troughs (and keeps a restart only after a significant rise), which stay flat.
    const troughs = Array.from({ length: 40 }, (_, i) => 100 + (i % 3));
    expect(splitRestarts(troughs, 1).length).toBe(1);
  });
});

describe('timeToLimit', () => {
  it('projects the upper envelope and gives an interval from the slope bounds', () => {
    const tPeak = [0, 10, 20, 30];
    const peak = [100, 110, 120, 130];
    const r = timeToLimit({ tPeak, peak, slope: 1, lower: 0.5, upper: 2, tNow: 30, limit: 230, quantile: 0.5 });
    expect(r.seconds).toBeCloseTo(100, 9);
    expect(r.levelNow).toBeCloseTo(130, 9);
    expect(r.lower!).toBeLessThan(100);
    expect(r.upper!).toBeGreaterThan(100);
  });
  it('is unbounded above when the lower slope bound is not positive, and 0 when already reached', () => {
    const r = timeToLimit({ tPeak: [0, 10], peak: [10, 20], slope: 1, lower: -0.1, upper: 2, tNow: 10, limit: 100 });
    expect(r.upper).toBeNull();
    expect(r.seconds).toBeGreaterThan(0);
    const done = timeToLimit({ tPeak: [0, 10], peak: [10, 200], slope: 1, lower: 0.5, upper: 2, tNow: 10, limit: 100 });
    expect(done.alreadyReached).toBe(true);
    expect(done.seconds).toBe(0);
  });
});
