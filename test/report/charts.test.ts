import { describe, expect, it } from 'vitest';
import { buildCharts, ChartSpecSchema, decimate } from '../../src/report/charts.js';
import { isTraceSite } from '../../src/report/sections.js';
import { FRAG_SNAPSHOTS, fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { LEAK_LIMIT_KB, LEAK_ONSET, LEAK_POINTS, leakReport, TRACE_LEAKS } from '../fixtures/reports/leak.js';

describe('buildCharts on the leak fixture', () => {
  const report = leakReport();
  const charts = buildCharts(report);
  const [trend] = report.trends;
  const tEnd = report.series[0].t[LEAK_POINTS - 1];

  it('is valid, JSON-serialisable chart data', () => {
    for (const c of charts) expect(ChartSpecSchema.parse(c)).toEqual(c);
    expect(JSON.parse(JSON.stringify(charts))).toEqual(charts);
  });

  it('draws the usage series with the trend engine`s overlays, on the data scale', () => {
    const usage = charts.find((c) => c.group === 'usage' && c.title === 'used_kb')!;
    expect(usage.xEpoch).toBe(true);
    expect(usage.layers.map((l) => l.role)).toEqual(['data', 'fit', 'envelope', 'upper-envelope', 'band-low', 'band-high']);
    // 57,600 points are drawn as they are (decimation starts above 200,000).
    expect(usage.layers[0].t).toHaveLength(LEAK_POINTS);
    // The fit runs over the leak's regime: from the onset (2 h in) to the last trough.
    expect(usage.layers[1].t).toEqual([LEAK_ONSET, trend.fit!.t1]);
    expect(usage.layers[1].v).toEqual([trend.fit!.v0, trend.fit!.v1]);
    expect(usage.layers[2].t).toEqual(trend.troughs.t);
    expect(usage.layers[4].v).toEqual(trend.band!.lower);
    expect(usage.markers).toEqual([{ x: LEAK_ONSET, label: 'onset', role: 'onset' }]);
    expect(usage.notes[0]).toMatch(/^Trend verdict: leak, method lower envelope .*, cycle period 10 min, p = 2\.2e-37\.$/);
  });

  it('adds the horizon view: projection to the limit and the time-to-limit marker', () => {
    const horizon = charts.find((c) => c.title === 'used_kb: projection to the limit')!;
    const projection = horizon.layers.find((l) => l.role === 'projection')!;
    expect(projection.t).toEqual([tEnd, tEnd + trend.timeToLimitSeconds!]);
    expect(projection.v[1]).toBe(LEAK_LIMIT_KB);
    const limit = horizon.layers.find((l) => l.role === 'limit')!;
    expect(limit.v).toEqual([LEAK_LIMIT_KB, LEAK_LIMIT_KB]);
    const ttl = horizon.markers.find((m) => m.role === 'time-to-limit')!;
    expect(ttl.x).toBe(tEnd + trend.timeToLimitSeconds!);
    expect(ttl.label).toBe('limit reached (+5 d 18 h)');
    // The overview of the data is reduced (a 57,600-point series is not needed twice at full size).
    expect(horizon.layers[0].t.length).toBeLessThanOrEqual(2000);
  });

  it('draws outstanding bytes per trace site (survivor curves) and per stack, growing slab caches and the OOM kill', () => {
    const sites = charts.find((c) => c.title === 'Outstanding bytes per allocation site')!;
    expect(sites.layers.map((l) => l.label).sort()).toEqual(TRACE_LEAKS.map((l) => `${l.site} (kobjleak)`).sort());
    const doEventfd = report.allocationSites.filter(isTraceSite).find((s) => s.site === 'do_eventfd')!;
    const layer = sites.layers.find((l) => l.label === 'do_eventfd (kobjleak)')!;
    // A leak's survivor curve is a ramp ending at its outstanding bytes.
    expect(layer.v.at(-1)).toBe(doEventfd.outstandingBytes);
    expect(layer.t).toEqual(doEventfd.points.t);
    const stacks = charts.find((c) => c.title === 'Outstanding bytes per stack')!;
    expect(stacks.source).toBe('captures/node7/bpftrace.txt');
    expect(stacks.layers[0].label).toBe('parse_config_entry');
    expect(stacks.layers[0].v).toEqual([32_768, 65_536, 98_304, 131_072]);
    const slab = charts.find((c) => c.group === 'slab')!;
    // names_cache does not grow: not drawn.
    expect(slab.layers.map((l) => l.label)).toEqual(['dentry', 'filp', 'kmalloc-64']);
    // Growth since the first snapshot: kmalloc-64 gains 4,800 objects of 64 B per snapshot for 84 snapshots.
    expect(slab.layers[2].v[0]).toBe(0);
    expect(slab.layers[2].v.at(-1)).toBe(84 * 4800 * 64);
    const oom = charts.find((c) => c.group === 'oom')!;
    expect(oom.markers.map((m) => m.label)).toEqual(['stress (14728)']);
    expect(oom.layers[0].v).toEqual([24_064]);
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
    const charts = buildCharts(leakReport(), { maxPointsPerSeries: 10_000 });
    const usage = charts.find((c) => c.title === 'used_kb')!;
    expect(usage.layers[0].t.length).toBeLessThanOrEqual(10_000);
    expect(usage.notes.join(' ')).toContain('57,600 points shown as');
  });
});

describe('buildCharts on the fragmentation fixture (capture D5)', () => {
  const report = fragmentationReport();
  const charts = buildCharts(report);
  const normal = report.fragmentation!.analyses[0].zones.find((z) => z.zone === 'Normal')!;
  it('draws a heatmap of free blocks per order and the unusable index for the active zone only', () => {
    const frag = charts.filter((c) => c.group === 'fragmentation');
    expect(frag.map((c) => c.title)).toEqual(['Free blocks per order: Node 0, zone Normal', 'Unusable free space index: Node 0, zone Normal']);
    const heat = frag[0].heatmap!;
    expect(heat.rows).toHaveLength(11);
    expect(heat.t).toHaveLength(FRAG_SNAPSHOTS);
    // Order-0 free blocks at the baseline and at the worst snapshot, as in buddyinfo.txt.
    expect(heat.rows[0].v[0]).toBe(8164);
    expect(heat.rows[0].v[normal.worst.index]).toBe(827_603);
    const idx = frag[1];
    expect(idx.yRange).toEqual([0, 1]);
    expect(idx.layers.map((l) => l.label)).toEqual(['order 4', 'order 9', 'order 10']);
    // Order 9: 0.038 at the baseline, 0.251 at the worst point, 0.074 at the end (the kernel's d.ddd).
    const u9 = idx.layers[1].v;
    expect([u9[0], u9[normal.worst.index], u9.at(-1)]).toEqual([0.038, 0.251, 0.074]);
  });
  it('draws every zone when none is active', () => {
    const r = fragmentationReport();
    for (const z of r.fragmentation!.analyses[0].zones) z.active = false;
    expect(buildCharts(r).filter((c) => c.kind === 'heatmap').map((c) => c.title)).toEqual(['Node 0, zone DMA', 'Node 0, zone DMA32', 'Node 0, zone Normal'].map((z) => `Free blocks per order: ${z}`));
  });
  it('a trend without a projection has no horizon chart and no onset marker', () => {
    const usage = charts.filter((c) => c.group === 'usage');
    expect(usage.map((c) => c.title)).toEqual(['AnonPages', 'Slab', 'SUnreclaim', 'VmallocUsed', 'Used']);
    for (const c of usage) expect(c.markers).toEqual([]);
  });
});

describe('partial reports', () => {
  it('a trend without its series, a trend without fit or band, an OOM without a time', () => {
    const report = leakReport();
    report.series = [];
    report.allocationSites = [];
    report.stackGrowth = [];
    report.slabGrowth = [];
    report.oomEvents = [{ ...report.oomEvents[0], time: null }];
    const [trend] = report.trends;
    report.trends = [trend, { ...trend, series: 'flat', fit: null, band: null, projection: null, troughs: { t: [], v: [] }, peaks: { t: [], v: [] }, onset: null, timeToLimitSeconds: null }];
    const charts = buildCharts(report);
    expect(charts.map((c) => c.group)).toEqual(['usage', 'usage']);
    // The first trend still has its overlays, drawn without the series, with a note; the second has nothing to draw.
    expect(charts[0].layers.map((l) => l.role)).toEqual(['fit', 'envelope', 'upper-envelope', 'band-low', 'band-high']);
    expect(charts[0].notes).toContain('The series itself is not in the report (only its trend).');
    expect(charts[1].title).toBe('used_kb: projection to the limit');
  });
});

describe('series without trends', () => {
  it('each series is drawn on its own, with the assumed-time note', () => {
    const report = leakReport();
    report.trends = [];
    report.series[1] = { ...report.series[1], timeAssumed: true };
    const series = buildCharts(report).filter((c) => c.group === 'series');
    expect(series.map((c) => c.title)).toEqual(['used_kb', 'AnonPages', 'Slab', 'SUnreclaim', 'VmallocUsed', 'Used']);
    expect(series[1].notes).toContain('The time axis is assumed (no timestamps in the capture: a sampling interval was used).');
    expect(series[0].layers[0].t).toHaveLength(LEAK_POINTS);
  });
});
