import { describe, expect, it } from 'vitest';
import { detectLeakTrend, effectFloor, envelopeRise } from '../../src/analysis/trend/index.js';
import { fewCycleLeak } from '../../bench/trend/coverage.js';

describe('effect size before significance', () => {
  it('Mlocked 10,584 -> 10,632 kB over 300 samples (12 pages, significant by Mann-Kendall) is no leak, with the measured bound', () => {
    const t = Array.from({ length: 300 }, (_, i) => i);
    const v = t.map((i) => 10584 + 4 * Math.floor((12 * i) / 300));
    const r = detectLeakTrend({ t, v, unit: 'kB' }, { limit: 24684092 });
    expect(r.verdict).toBe('no-leak');
    expect(r.effect).toMatchObject({ material: false, floor: 64 });
    expect(r.effect!.rise).toBeLessThan(64);
    expect(r.reason).toMatch(/below the floor of 64\.0 KiB \(64\.0 KiB \(16 pages\)\): at most \+?[\d.]+ (KiB|MiB)\/h/);
    expect(r.rateUpperBound).not.toBeNull();
  });

  it('the same move is a leak when the user lowers the floor', () => {
    const t = Array.from({ length: 300 }, (_, i) => i);
    const v = t.map((i) => 10584 + 4 * Math.floor((12 * i) / 300));
    expect(detectLeakTrend({ t, v, unit: 'kB' }, { minRise: 16, minRiseFractionOfLevel: 0 }).verdict).toBe('leak');
  });

  it('floors by unit: pages, sizes, counts', () => {
    expect(effectFloor('pages', 1000, null).floor).toBe(16);
    expect(effectFloor('kB', 10_000_000, null)).toEqual({ floor: 50_000, basis: '0.5 % of its level' });
    expect(effectFloor('objects', 122_409, null).floor).toBe(0);
    expect(effectFloor('kB', 1000, 24_684_092, { minRiseFractionOfLimit: 0.001 }).basis).toBe('0.1 % of the limit');
  });

  it('a slope through equal start and end levels is not a rise', () => {
    const t = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(envelopeRise(t, [5, 9, 9, 9, 9, 9, 9, 5], 0.5)).toBeLessThanOrEqual(0);
    expect(envelopeRise(t, t, 1)).toBe(7);
  });
});

describe('the current regime decides', () => {
  it('three steps up, then flat for longer than they took: not a leak', () => {
    const t = Array.from({ length: 600 }, (_, i) => i);
    const v = t.map((x) => 1000 + 200 * Math.min(3, Math.floor(x / 50)) + ((x * 7919) % 13));
    const r = detectLeakTrend({ t, v, unit: 'kB' });
    expect(r.verdict).not.toBe('leak');
    expect(r.rateScope).toBe('current-regime');
  });
  it('a staircase that continues to the end is a leak', () => {
    const t = Array.from({ length: 600 }, (_, i) => i);
    const v = t.map((x) => 1000 + 200 * Math.floor(x / 50) + ((x * 7919) % 13));
    expect(detectLeakTrend({ t, v, unit: 'kB' }).verdict).toBe('leak');
  });
});

describe('rates on few whole cycles', () => {
  it('the 2-hour, 8-cycle sawtooth shape: rate within 10 % and an interval of non-zero width (coverage: bench/trend/coverage.ts)', () => {
    let checked = 0;
    for (let i = 0; i < 40 && checked < 5; i++) {
      const c = fewCycleLeak(i);
      const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' });
      if (r.verdict !== 'leak') continue;
      checked++;
      expect(Math.abs(r.slopePerHour! - c.ratePerHour!) / c.ratePerHour!).toBeLessThan(0.1);
      expect(r.ci95![1]).toBeGreaterThan(r.ci95![0]);
    }
    expect(checked).toBe(5);
  });
});
