import { describe, expect, it } from 'vitest';
import { autocorrelatedSlope, cycleTroughs, studentTQuantile, wholeCycleRate } from '../../src/analysis/trend/index.js';

describe('studentTQuantile', () => {
  it('matches scipy.stats.t.ppf(0.975, df)', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 6);
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5705818356363146, 7);
    expect(studentTQuantile(0.975, 2.5)).toBeCloseTo(3.5746548420036817, 6);
    expect(studentTQuantile(0.025, 30)).toBeCloseTo(-2.0422724563012378, 7);
  });
});

describe('whole-cycle rate', () => {
  // 2 h, 8 sawtooth cycles of 200 MB on a 20 MB/h leak (kB), 10-s samples, seeded 1-MB noise.
  let seed = 7;
  const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const g = () => Math.sqrt(-2 * Math.log(Math.max(1e-12, u()))) * Math.cos(2 * Math.PI * u());
  const t = Array.from({ length: 721 }, (_, i) => i * 10);
  const v = t.map((x) => 500e3 + (20e3 * x) / 3600 + 200e3 * (((x + 333) % 900) / 900) + 1000 * g());
  it('finds one trough per complete cycle', () => {
    const idx = cycleTroughs(t, v, 900);
    expect(idx.length).toBeGreaterThanOrEqual(7);
    expect(idx.length).toBeLessThanOrEqual(8);
  });
  it('reads the leak within 10 % and its interval covers it with non-zero width', () => {
    const r = wholeCycleRate(t, v, { period: 900 })!;
    expect(Math.abs(r.slope * 3600 - 20e3) / 20e3).toBeLessThan(0.1);
    expect(r.lower * 3600).toBeLessThanOrEqual(20e3);
    expect(r.upper * 3600).toBeGreaterThanOrEqual(20e3);
    expect(r.upper).toBeGreaterThan(r.lower);
  });
});

describe('autocorrelatedSlope', () => {
  it('covers the true slope of white noise in about 95 % of 400 seeded series', () => {
    let seed = 12345;
    const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const g = () => Math.sqrt(-2 * Math.log(Math.max(1e-12, u()))) * Math.cos(2 * Math.PI * u());
    let covered = 0;
    for (let k = 0; k < 400; k++) {
      const t = Array.from({ length: 20 }, (_, i) => i);
      const s = autocorrelatedSlope(t, t.map((x) => 2 * x + g()))!;
      if (s.lower <= 2 && s.upper >= 2) covered++;
    }
    expect(covered / 400).toBeGreaterThan(0.9);
    expect(covered / 400).toBeLessThan(0.99);
  });
});
