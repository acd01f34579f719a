import { describe, expect, it } from 'vitest';
import { buildCharts, ChartSpecSchema, decimate } from '../../src/report/charts.js';
import { fragmentationReport, unusableIndex } from '../fixtures/reports/fragmentation.js';
import { LEAK_LIMIT_KB, LEAK_ONSET, LEAK_POINTS, leakReport } from '../fixtures/reports/leak.js';

describe('buildCharts on the leak fixture', () => {
  const report = leakReport();
  const charts = buildCharts(report);
  const trend = report.trends[0] as unknown as { timeToLimitSeconds: number; fit: { v0: number; v1: number } };
  const tEnd = report.series[0].t[LEAK_POINTS - 1];

  it('is valid, JSON-serialisable chart data', () => {
    for (const c of charts) expect(ChartSpecSchema.parse(c)).toEqual(c);
    expect(JSON.parse(JSON.stringify(charts))).toEqual(charts);
  });

  it('draws the usage series with every overlay the trend entry carries, on the data scale', () => {
    const usage = charts.find((c) => c.group === 'usage' && c.title === 'used')!;
    expect(usage.xEpoch).toBe(true);
    const roles = usage.layers.map((l) => l.role);
    expect(roles).toEqual(['data', 'fit', 'envelope', 'upper-envelope', 'band-low', 'band-high']);
    // 57,600 points are drawn as they are (decimation starts above 200,000).
    expect(usage.layers[0].t).toHaveLength(LEAK_POINTS);
    expect(usage.layers[1].t).toEqual([LEAK_ONSET, tEnd]);
    expect(usage.layers[1].v).toEqual([trend.fit.v0, trend.fit.v1]);
    expect(usage.layers[2].t).toHaveLength(96);
    expect(usage.markers).toEqual([{ x: LEAK_ONSET, label: 'onset', role: 'onset' }]);
    expect(usage.notes.join(' ')).toContain('cycle period 600 s');
  });

  it('adds the horizon view: projection to the limit and the time-to-limit marker', () => {
    const horizon = charts.find((c) => c.title === 'used: projection to the limit')!;
    const projection = horizon.layers.find((l) => l.role === 'projection')!;
    expect(projection.t).toEqual([tEnd, tEnd + trend.timeToLimitSeconds]);
    expect(projection.v[1]).toBe(LEAK_LIMIT_KB);
    const limit = horizon.layers.find((l) => l.role === 'limit')!;
    expect(limit.v).toEqual([LEAK_LIMIT_KB, LEAK_LIMIT_KB]);
    const ttl = horizon.markers.find((m) => m.role === 'time-to-limit')!;
    expect(ttl.x).toBe(tEnd + trend.timeToLimitSeconds);
    expect(ttl.label).toMatch(/^limit reached \(\+5 d \d+ h\)$/);
    // The overview of the data is reduced (a 57,600-point series is not needed twice at full size).
    expect(horizon.layers[0].t.length).toBeLessThanOrEqual(2000);
  });

  it('draws outstanding bytes per site and stack, growing slab caches and the OOM kills', () => {
    const sites = charts.find((c) => c.title === 'Outstanding bytes per allocation site')!;
    expect(sites.layers.map((l) => l.label)).toEqual(['alloc_empty_file (kobjleak)', '__d_alloc (kobjleak)', 'do_eventfd (kobjleak)', 'security_file_alloc (kobjleak)', 'ep_alloc (systemd)']);
    expect(sites.layers[2].v.at(-1)).toBe(report.allocationSites[0].outstandingBytes);
    const stacks = charts.find((c) => c.title === 'Outstanding bytes per stack')!;
    expect(stacks.layers[0].label).toBe('kmalloc_trace ← do_eventfd');
    expect(stacks.layers[0].t).toHaveLength(97);
    const slab = charts.find((c) => c.group === 'slab')!;
    expect(slab.layers.map((l) => l.label)).toEqual(['kmalloc-64', 'dentry', 'filp']);
    expect(slab.unit).toBe('bytes');
    // Growth since the first snapshot: kmalloc-64 gains 80 B/s for 50,400 s.
    expect(slab.layers[0].v[0]).toBe(0);
    expect(slab.layers[0].v.at(-1)).toBe(80 * 50_400);
    const oom = charts.find((c) => c.group === 'oom')!;
    expect(oom.markers.map((m) => m.label)).toEqual(['stress-ng-vm (4411)', 'stress-ng-vm (4502)']);
    expect(oom.layers[0].v).toEqual([3_200_000, 3_100_000]);
  });

  it('respects topN', () => {
    const c = buildCharts(report, { topN: 2 });
    expect(c.find((x) => x.group === 'sites')!.layers).toHaveLength(2);
    expect(c.find((x) => x.group === 'slab')!.title).toBe('Slab caches that grow (top 2): growth since the first snapshot');
  });
});

describe('decimation for display', () => {
  it('keeps first, min, max and last of every bucket', () => {
    const n = 300_000;
    const t = Array.from({ length: n }, (_, i) => i);
    const v = t.map((i) => (i === 123_457 ? 1e9 : i === 200_001 ? -1e9 : i % 100));
    const d = decimate(t, v, 200_000);
    expect(d.t.length).toBeLessThanOrEqual(200_000);
    expect(d.v).toContain(1e9);
    expect(d.v).toContain(-1e9);
    expect(d.t[0]).toBe(0);
    expect(d.t.at(-1)).toBe(n - 1);
    let increasing = true;
    for (let i = 1; i < d.t.length; i++) if (!(d.t[i] > d.t[i - 1])) increasing = false;
    expect(increasing).toBe(true);
  });
  it('a series above the limit is decimated and the chart says so', () => {
    const report = leakReport();
    const charts = buildCharts(report, { maxPointsPerSeries: 10_000 });
    const usage = charts.find((c) => c.title === 'used')!;
    expect(usage.layers[0].t.length).toBeLessThanOrEqual(10_000);
    expect(usage.notes.join(' ')).toContain('57,600 points shown as');
  });
});

describe('buildCharts on the fragmentation fixture', () => {
  const charts = buildCharts(fragmentationReport());
  it('draws a heatmap of free blocks per order and the unusable index for the active zone only', () => {
    const frag = charts.filter((c) => c.group === 'fragmentation');
    expect(frag.map((c) => c.title)).toEqual(['Free blocks per order: Node 0, zone Normal', 'Unusable free space index: Node 0, zone Normal']);
    const heat = frag[0].heatmap!;
    expect(heat.rows).toHaveLength(11);
    expect(heat.t).toHaveLength(71);
    expect(heat.rows[0].v[0]).toBe(300_000);
    expect(heat.rows[9].v[30]).toBe(3200);
    const idx = frag[1];
    expect(idx.yRange).toEqual([0, 1]);
    expect(idx.layers.map((l) => l.label)).toEqual(['order 4', 'order 9', 'order 10']);
    // Order 9 goes from the baseline to the fragmented hold and back only partly.
    const u9 = idx.layers[1].v as number[];
    expect(u9[0]).toBeLessThan(0.1);
    expect(u9[30]).toBeGreaterThan(0.2);
    expect(u9[30]).toBe(unusableIndex((fragmentationReport().fragmentation as any).analyses[0].zones[1].freeBlocks.map((r: number[]) => r[30]), 9));
  });
  it('reads the analysis directly as the section too (no `analyses` wrapper)', () => {
    const report = fragmentationReport();
    report.fragmentation = (report.fragmentation as any).analyses[0];
    expect(buildCharts(report).filter((c) => c.group === 'fragmentation').map((c) => c.id)).toEqual(['frag-0', 'frag-1']);
  });
  it('the step trend has no fit, band or projection, and no onset marker', () => {
    const usage = charts.find((c) => c.group === 'usage')!;
    expect(usage.layers.map((l) => l.role)).toEqual(['data']);
    expect(usage.markers).toEqual([]);
    expect(charts.filter((c) => c.group === 'usage')).toHaveLength(1);
  });
});

describe('degrades on partial reports', () => {
  it('a trend without its series, a site without a timeline, an OOM without a time: no throw', () => {
    const report = leakReport();
    report.series = [];
    report.allocationSites = report.allocationSites.map(({ timeline: _t, ...s }) => s);
    report.stackGrowth = [];
    report.oomEvents = [{ ...report.oomEvents[0], time: null }];
    report.trends = [
      { ...report.trends[0], band: null, projection: null, troughs: 'garbage', peaks: [[1, 'x']] } as never,
      { ...report.trends[0], series: 'nothing at all', fit: undefined, band: null, projection: null, troughs: undefined, peaks: undefined } as never,
    ];
    const charts = buildCharts(report);
    expect(charts.some((c) => c.group === 'sites')).toBe(false);
    expect(charts.some((c) => c.group === 'oom')).toBe(false);
    expect(charts.some((c) => c.group === 'slab')).toBe(false);
    // The first trend still has its fit: drawn alone, with a note; the second has nothing to draw.
    const usage = charts.filter((c) => c.group === 'usage');
    expect(usage).toHaveLength(1);
    // band: null, so the band is the ci95 fan around the fit's centre.
    expect(usage[0].layers.map((l) => l.role)).toEqual(['fit', 'band-low', 'band-high']);
    expect(usage[0].notes).toContain('The series itself is not in the report (only its trend).');
  });
});

describe('series without trends', () => {
  it('each series is drawn on its own, with the assumed-time note', () => {
    const report = leakReport();
    report.trends = [];
    report.series[1] = { ...report.series[1], timeAssumed: true };
    const series = buildCharts(report).filter((c) => c.group === 'series');
    expect(series.map((c) => c.title)).toEqual(['used', 'kmalloc-64', 'dentry', 'filp']);
    expect(series[1].notes).toContain('The time axis is assumed (no timestamps in the capture: a sampling interval was used).');
    expect(series[0].layers[0].t).toHaveLength(LEAK_POINTS);
  });
});
