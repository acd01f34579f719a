import { describe, expect, it } from 'vitest';
import { detectLeakTrend } from '../../src/analysis/trend/index.js';
import { namedSuite, prefix, randomLeak, randomNoLeak, type SuiteCase } from '../../bench/trend/suite.js';

/**
 * A small deterministic subset of the synthetic suite (bench/trend/suite.ts, full run:
 * `npx tsx bench/trend/run.ts`, results in bench/RESULTS.md) so regressions show in CI.
 */
const named = new Map(namedSuite().map((c) => [c.id, c]));
const get = (id: string): SuiteCase => {
  const c = named.get(id);
  if (!c) throw new Error(id);
  return c;
};

describe('synthetic suite subset (known truth)', () => {
  it.each(['creep-24h-10s-2KBcycle', 'late-onset-24h-10s', 'seed-512-834-1950'])('%s: leak, rate within 10 percent', (id) => {
    const c = get(id);
    const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' }, { limit: c.limit ?? undefined });
    expect(r.verdict).toBe('leak');
    expect(Math.abs(r.slopePerHour! - c.ratePerHour!) / c.ratePerHour!).toBeLessThan(0.1);
    if (c.onset! > 0) expect(Math.abs(r.onset! - c.onset!)).toBeLessThan(0.05 * (c.t[c.t.length - 1] - c.t[0]));
  });

  it.each([
    ['control-24h-10s', 'no-leak'],
    ['plateau-linear-warmup-24h', 'plateau'],
    ['step-24h-10s', 'step'],
  ])('%s: %s', (id, verdict) => {
    const c = get(id);
    expect(detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' }).verdict).toBe(verdict);
  });

  it.each(['creep-24h-10s-2KBcycle', 'seed-512-834-1950'])('%s: time to OOM within 10 percent once half the run is seen', (id) => {
    const c = get(id);
    const half = prefix(c, c.oomAt! / 2);
    const r = detectLeakTrend({ t: half.t, v: half.v, unit: 'kB' }, { limit: c.limit! });
    const seen = half.t[half.t.length - 1];
    const predicted = seen + r.timeToLimitSeconds!;
    expect(Math.abs(predicted - c.oomAt!) / (c.oomAt! - seen)).toBeLessThan(0.1);
    expect(r.timeToLimitLower!).toBeLessThanOrEqual(r.timeToLimitSeconds!);
  });

  it('no false alarm on 24 random no-leak series (sawtooth, sine, bursts, OU walk, white noise, aliased oscillation)', () => {
    const alarms: string[] = [];
    for (let i = 0; i < 24; i++) {
      const c = randomNoLeak(i);
      const r = detectLeakTrend({ t: c.t, v: c.v });
      if (r.verdict === 'leak') alarms.push(c.id);
    }
    expect(alarms).toEqual([]);
  });

  it('detects most random leaks (growth 0.3x-3x the load amplitude) with the rate within 10 %', () => {
    let hits = 0;
    let rateOk = 0;
    const n = 12;
    for (let i = 0; i < n; i++) {
      const c = randomLeak(i);
      const r = detectLeakTrend({ t: c.t, v: c.v });
      if (r.verdict === 'leak') {
        hits++;
        if (Math.abs(r.slopePerHour! - c.ratePerHour!) <= 0.1 * c.ratePerHour!) rateOk++;
      }
    }
    expect(hits).toBeGreaterThanOrEqual(9);
    expect(rateOk).toBeGreaterThanOrEqual(7);
  });
});
