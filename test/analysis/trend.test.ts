import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectLeakTrend,
  DetectLeakTrendOptionsSchema,
  toTrendEntry,
  toTrendFinding,
  LeakTrendResultSchema,
  type LeakTrendResult,
} from '../../src/analysis/trend/index.js';
import { meminfoSeries, parseMeminfo } from '../../src/parsers/meminfo/index.js';
import { parseSlabinfo, slabCacheSeries } from '../../src/parsers/slabinfo/index.js';
import { FindingSchema } from '../../src/core/models.js';
import { TrendEntrySchema } from '../../src/report/schema.js';
import { sample } from '../helpers/samples.js';

/** `epoch_s.ms rss_kB` per line (the D3/D4 rss.txt captures). */
function rssSeries(rel: string): { t: number[]; v: number[]; name: string; unit: string } {
  const t: number[] = [];
  const v: number[] = [];
  for (const line of sample(rel).split('\n')) {
    const [a, b] = line.trim().split(/\s+/);
    if (a && b) {
      t.push(Number(a));
      v.push(Number(b));
    }
  }
  return { t, v, name: 'rss', unit: 'kB' };
}

function meminfoField(dir: string, field: string, withEpochs: boolean) {
  const timestamps = withEpochs ? sample(`${dir}/meminfo_epochs.txt`).trim().split('\n').map(Number) : undefined;
  const { records } = parseMeminfo(sample(`${dir}/meminfo.txt`), timestamps ? { timestamps } : {});
  const s = meminfoSeries(records).find((x) => x.name === field);
  if (!s) throw new Error(`no ${field}`);
  return s;
}

const MEMTOTAL_KB = 24684092; // CAPTURES-README: MemTotal of the capture VM
const KIB_PER_MIN_TO_PER_HOUR = 60;
/** CAPTURES-README D4: floor slope 49.3 MiB/min (1 MiB per cycle at 49.25 cycles/min). */
const D4_RATE_KB_H = 49.3 * 1024 * KIB_PER_MIN_TO_PER_HOUR;

function expectValid(r: LeakTrendResult): void {
  expect(LeakTrendResultSchema.safeParse(r).success).toBe(true);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}

describe('detectLeakTrend on the real captures (ground truth: test/ground-truth/CAPTURES-README.md)', () => {
  it('D4 leak rss: a leak of 49.3 MiB/min on the floor under 80-250 MiB oscillation sampled at ~1 s', () => {
    const s = rssSeries('captures/D4_leak/rss.txt');
    const r = detectLeakTrend(s, { limit: MEMTOTAL_KB });
    expectValid(r);
    expect(r.verdict).toBe('leak');
    expect(Math.abs(r.slopePerHour! - D4_RATE_KB_H) / D4_RATE_KB_H).toBeLessThan(0.02);
    expect(r.ci95![0]).toBeLessThan(r.slopePerHour!);
    expect(r.ci95![1]).toBeGreaterThan(r.slopePerHour!);
    expect(r.pValue!).toBeLessThan(1e-6);
    // The leak runs from the first sample (wavemem start 1795332914.43).
    expect(r.onset).toBeCloseTo(1795332914.439, 1);
    // The 1.22-s cycle is below Nyquist at ~1 s sampling: only an aliased period can be seen, and
    // the bins are long enough to always contain a floor sample.
    expect(r.binSize!).toBeGreaterThanOrEqual(4);
    // Projection: MemTotal minus the upper envelope (~540 MB) at ~3.0 GB/h is ~8 h.
    expect(r.timeToLimitSeconds!).toBeGreaterThan(7.5 * 3600);
    expect(r.timeToLimitSeconds!).toBeLessThan(8.5 * 3600);
    expect(r.projection!.v[1]).toBe(MEMTOTAL_KB);
    // Last floor 301,548 kB at 1795333271.1: the fitted envelope passes within 3 % of it.
    const fitAtLast = r.fit!.intercept + r.fit!.slopePerSecond * 1795333271.1;
    expect(Math.abs(fitAtLast - 301548) / 301548).toBeLessThan(0.03);
  });

  it('D4 control rss: the same oscillation without a leak is no-leak (floor 1,492 kB throughout)', () => {
    const r = detectLeakTrend(rssSeries('captures/D4_control/rss.txt'), { limit: MEMTOTAL_KB });
    expectValid(r);
    expect(r.verdict).toBe('no-leak');
    expect(Math.abs(r.slopePerHour!)).toBeLessThan(1000);
    expect(r.timeToLimitSeconds).toBeNull();
    expect(Math.min(...r.troughs.v)).toBe(1492);
  });

  it('D3 rss: the 8 KiB/s user-space leak (README least squares: 8.6 kB/s)', () => {
    const r = detectLeakTrend(rssSeries('captures/D3_userspace/rss.txt'));
    expectValid(r);
    expect(r.verdict).toBe('leak');
    const perSecond = r.slopePerHour! / 3600;
    // The current-regime Sen slope is the leak itself (8 KiB/s); the whole-run least squares
    // (8.6) includes early heap growth. Both within 10 %.
    expect(Math.abs(perSecond - 8) / 8).toBeLessThan(0.05);
    expect(Math.abs(perSecond - 8.6) / 8.6).toBeLessThan(0.1);
    expect(r.neweyWest!.slope).toBeGreaterThan(7.5);
    expect(r.neweyWest!.slope).toBeLessThan(9.5);
  });

  it('D4 meminfo AnonPages: leak at 49.3 MiB/min in the leak run, none in the control, exit is a restart', () => {
    const leak = detectLeakTrend(meminfoField('captures/D4_leak', 'AnonPages', true), { limit: MEMTOTAL_KB });
    expectValid(leak);
    expect(leak.verdict).toBe('leak');
    expect(Math.abs(leak.slopePerHour! - D4_RATE_KB_H) / D4_RATE_KB_H).toBeLessThan(0.03);
    // AnonPages returns to ~8.4 MB after wavemem exits (1795333275): a new segment.
    expect(leak.segments.length).toBe(2);
    expect(leak.segments[1].reason).toBe('restart');
    expect(leak.segments[1].start).toBeGreaterThan(1795333271);
    expect(leak.analysed!.end).toBeLessThan(1795333276);
    // The sampler started 10 s before wavemem (1795332914.43): the onset is within the first minute.
    expect(leak.onset!).toBeLessThan(1795332914.43 + 60);
    const control = detectLeakTrend(meminfoField('captures/D4_control', 'AnonPages', true), { limit: MEMTOTAL_KB });
    expectValid(control);
    expect(control.verdict).not.toBe('leak');
  });

  it('D4 meminfo Used (MemTotal - MemAvailable): leak in the leak run despite the Cached event, none in the control', () => {
    const leak = detectLeakTrend(meminfoField('captures/D4_leak', 'Used', true));
    expect(leak.verdict).toBe('leak');
    // Used is noisier (MemAvailable moves with the unrelated Cached +1.1 GB at 1795332930-963):
    // the rate is within 20 % of the floor's 49.3 MiB/min.
    expect(Math.abs(leak.slopePerHour! - D4_RATE_KB_H) / D4_RATE_KB_H).toBeLessThan(0.2);
    const control = detectLeakTrend(meminfoField('captures/D4_control', 'Used', true));
    expect(control.verdict).not.toBe('leak');
  });

  it('D2 SUnreclaim: a leak from the leak start, an unrelated drop (snapshots 59-61) and the release at the kill', () => {
    const s = meminfoField('captures/D2_slab_meminfo', 'SUnreclaim', false);
    expect(s.t.length).toBe(80);
    const r = detectLeakTrend(s);
    expectValid(r);
    expect(r.verdict).toBe('leak');
    // Snapshot 7 (leak start) is at s.t[7]; SUnreclaim only moves once partial slabs are full
    // (steps from snapshot 18): the onset lies between the two.
    expect(r.onset!).toBeGreaterThanOrEqual(s.t[7] - 1);
    expect(r.onset!).toBeLessThanOrEqual(s.t[20]);
    // The drop at 59-61 falls below the pre-leak level after a significant rise: a new segment,
    // and the analysed (leak) segment ends before it. After it SUnreclaim is flat (the leak ended
    // at snapshot 67), so the release at the kill (snapshot 73) is not a second restart.
    expect(r.segments.map((g) => g.reason)).toEqual(['start', 'restart']);
    expect(r.segments[1].start).toBeCloseTo(s.t[60], 3);
    expect(r.analysed!.end).toBeLessThan(s.t[60]);
    // 28,780 kB (snapshot 7) -> 29,312 kB (snapshot 59): +532 kB in ~104 s, about 18 MB/h; the
    // step-wise rise gives a rate of the same order.
    expect(r.slopePerHour!).toBeGreaterThan(8000);
    expect(r.slopePerHour!).toBeLessThan(25000);
  });

  it('D2 slabinfo: +16 objects per 2-s snapshot in filp, lsm_file_cache and kmalloc-256; kmalloc-64 (bursts only) no leak', () => {
    // slabinfo.txt has no timestamps: snapshots every ~2.005 s (CAPTURES-README D2).
    const snaps = parseSlabinfo(sample('captures/D2_slab_meminfo/slabinfo.txt.gz'), { intervalSeconds: 2.005 }).records;
    const perSnapshot = (cache: string) => {
      const r = detectLeakTrend(slabCacheSeries(snaps, cache).active);
      return { verdict: r.verdict, per2s: (r.slopePerHour! / 3600) * 2.005 };
    };
    for (const cache of ['filp', 'lsm_file_cache', 'kmalloc-256']) {
      const r = perSnapshot(cache);
      expect(r.verdict, cache).toBe('leak');
      expect(Math.abs(r.per2s - 16), cache).toBeLessThan(2);
    }
    expect(perSnapshot('dentry').verdict).toBe('leak'); // +960 leaked, plus unrelated dentries
    expect(perSnapshot('kmalloc-64').verdict).not.toBe('leak');
  });
});

describe('golden summary of the real captures', () => {
  it('matches test/golden/trend-real-captures.json', async () => {
    const cases: [string, { t: number[]; v: number[]; unit?: string }][] = [
      ['D4_leak/rss.txt', rssSeries('captures/D4_leak/rss.txt')],
      ['D4_control/rss.txt', rssSeries('captures/D4_control/rss.txt')],
      ['D3_userspace/rss.txt', rssSeries('captures/D3_userspace/rss.txt')],
      ['D4_leak/meminfo.txt AnonPages', meminfoField('captures/D4_leak', 'AnonPages', true)],
      ['D4_control/meminfo.txt AnonPages', meminfoField('captures/D4_control', 'AnonPages', true)],
      ['D4_leak/meminfo.txt Used', meminfoField('captures/D4_leak', 'Used', true)],
      ['D4_control/meminfo.txt Used', meminfoField('captures/D4_control', 'Used', true)],
      ['D2_slab_meminfo/meminfo.txt SUnreclaim', meminfoField('captures/D2_slab_meminfo', 'SUnreclaim', false)],
    ];
    const round = (x: number | null, d = 0) => (x === null ? null : Number(x.toFixed(d)));
    const summary = cases.map(([name, s]) => {
      const r = detectLeakTrend(s, { limit: MEMTOTAL_KB });
      return {
        name,
        verdict: r.verdict,
        slopePerHour: round(r.slopePerHour),
        ci95: r.ci95 && r.ci95.map((x) => round(x)),
        pValueLog10: r.pValue === null ? null : round(Math.log10(Math.max(r.pValue, 1e-300)), 1),
        onsetAfterStart: r.onset === null ? null : round(r.onset - s.t[0], 1),
        period: round(r.period, 2),
        binSize: r.binSize,
        segments: r.segments.map((g) => `${g.reason}@${round(g.start - s.t[0], 1)}`),
        regimes: r.regimes.length,
        timeToLimitHours: r.timeToLimitSeconds === null ? null : round(r.timeToLimitSeconds / 3600, 2),
      };
    });
    await expect(JSON.stringify(summary, null, 2)).toMatchFileSnapshot('../golden/trend-real-captures.json');
  });
});

describe('detectLeakTrend: the seed case and messy input', () => {
  it('three points 512 MB -> 834 MB (15 min) -> 1950 MB (50 min) with a 2 GB limit: OOM within minutes, flagged as too few points', () => {
    const r = detectLeakTrend({ t: [0, 900, 3000], v: [512, 834, 1950], unit: 'MB' }, { limit: 2048 });
    expectValid(r);
    expect(r.verdict).toBe('insufficient-data');
    expect(r.slopePerHour).toBeCloseTo(((1950 - 512) / 3000) * 3600, 6); // the median of the 3 pairwise slopes
    expect(r.timeToLimitSeconds!).toBeGreaterThan(120);
    expect(r.timeToLimitSeconds!).toBeLessThan(300);
    expect(r.timeToLimitLower!).toBeLessThanOrEqual(r.timeToLimitSeconds!);
  });

  it.each([
    ['empty', { t: [], v: [] }],
    ['one point', { t: [1], v: [1] }],
    ['NaN and Infinity', { t: [0, 1, 2, NaN, 4], v: [1, NaN, 3, 4, Infinity] }],
    ['same time everywhere', { t: Array(30).fill(5), v: Array.from({ length: 30 }, (_, i) => i) }],
    ['constant', { t: Array.from({ length: 50 }, (_, i) => i), v: Array(50).fill(7) }],
    ['mismatched lengths', { t: Array.from({ length: 40 }, (_, i) => i), v: [1, 2, 3] }],
  ])('%s: no throw, a valid insufficient-data or no-leak result', (_name, series) => {
    const r = detectLeakTrend(series, { limit: 100 });
    expectValid(r);
    expect(['insufficient-data', 'no-leak']).toContain(r.verdict);
  });

  it('unsorted input gives the same answer as sorted input, and the input is not mutated', () => {
    const t = Array.from({ length: 300 }, (_, i) => i * 10);
    const v = t.map((x, i) => 1000 + 0.5 * x + (i % 5) * 50);
    const perm = t.map((_, i) => (i * 7) % 300);
    const ts = perm.map((i) => t[i]);
    const vs = perm.map((i) => v[i]);
    const copy = [...ts];
    const a = detectLeakTrend({ t, v });
    const b = detectLeakTrend({ t: ts, v: vs });
    expect(ts).toEqual(copy);
    expect(b.verdict).toBe('leak');
    expect(b.slopePerHour).toBeCloseTo(a.slopePerHour!, 6);
    expect(a.slopePerHour).toBeCloseTo(1800, 0);
  });

  it('a CSV of timestamp,used_kb is enough: the result fills a report trends entry', () => {
    const csv = 'timestamp,used_kb\n' + Array.from({ length: 120 }, (_, i) => `${1700000000 + 60 * i},${500000 + 100 * i + (i % 4) * 30000}`).join('\n');
    const rows = csv.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const r = detectLeakTrend({ t: rows.map((x) => x[0]), v: rows.map((x) => x[1]), name: 'used_kb', unit: 'kB' }, { limit: 2_000_000 });
    expect(r.verdict).toBe('leak');
    expect(r.slopePerHour).toBeCloseTo(6000, -1);
    const entry = TrendEntrySchema.parse(toTrendEntry(r, 'usage.csv', 'used_kb', 'kB'));
    expect(entry.timeToLimitSeconds).toBeCloseTo(r.timeToLimitSeconds!, 6);
    expect(entry.period).toBe(r.period);
    expect(entry.source).toBe('usage.csv');
    const finding = FindingSchema.parse(toTrendFinding(r, 'usage.csv', 'used_kb'));
    expect(finding.kind).toBe('usage-trend');
    expect(finding.severity).toBe('warning'); // ~10 days to the limit
    expect(finding.evidence[0].values?.slopePerHour).toBeCloseTo(r.slopePerHour!, 6);
    expect(toTrendFinding(detectLeakTrend({ t: [0, 1, 2], v: [1, 1, 1] }), 'x', 'y')).toBeNull();
  });

  it('gaps in the sampling are reported and do not break the fit; an OOM restart starts a new segment', () => {
    const t: number[] = [];
    const v: number[] = [];
    // 10 h at 30 s, leaking 36 MB/h (10 kB/s) under a 50-150 MB oscillation, with a 2 h hole and
    // an OOM kill at 7 h after which the process starts again from its base and leaks on.
    for (let x = 0; x <= 36000; x += 30) {
      if (x > 10800 && x < 18000) continue;
      const base = x < 25200 ? 200000 + 10 * x : 200000 + 10 * (x - 25200);
      const osc = ((x / 30) % 7) < 3 ? 0 : 50000 + ((x * 7919) % 100000);
      t.push(x);
      v.push(base + osc);
    }
    const r = detectLeakTrend({ t, v, unit: 'kB' }, { limit: 600000 });
    expectValid(r);
    expect(r.gaps).toEqual([[10800, 18000]]);
    expect(r.segments.map((g) => g.reason)).toEqual(['start', 'restart']);
    // Segments are made of bins (here a few samples each): the restart is found within one bin.
    expect(Math.abs(r.segments[1].start - 25200)).toBeLessThanOrEqual(300);
    expect(r.analysed!.start).toBe(r.segments[1].start);
    expect(r.verdict).toBe('leak');
    expect(Math.abs(r.slopePerHour! - 36000) / 36000).toBeLessThan(0.1);
    // Envelope now ~ 200000 + 10*10800 + 150000 = 458000 kB: (600000 - 458000) / 10 kB/s ~ 14200 s.
    expect(r.timeToLimitSeconds!).toBeGreaterThan(12000);
    expect(r.timeToLimitSeconds!).toBeLessThan(16000);
  });

  it('never throws and always returns a valid result on arbitrary series (fast-check)', () => {
    const num = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -1e6, max: 1e6 }));
    fc.assert(
      fc.property(fc.array(num, { maxLength: 300 }), fc.array(num, { maxLength: 300 }), fc.option(fc.double({ min: 1, max: 1e9, noNaN: true })), (t, v, limit) => {
        const r = detectLeakTrend({ t, v }, limit === null ? {} : { limit });
        expect(LeakTrendResultSchema.safeParse(r).success).toBe(true);
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('validates its options schema', () => {
    expect(DetectLeakTrendOptionsSchema.safeParse({ limit: 2 * 1024 ** 3, alpha: 0.01 }).success).toBe(true);
    expect(DetectLeakTrendOptionsSchema.safeParse({ limit: -1 }).success).toBe(false);
    expect(DetectLeakTrendOptionsSchema.safeParse({ alpha: 0.7 }).success).toBe(false);
  });
});
