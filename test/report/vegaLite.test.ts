import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/report/charts.js';
import { toVegaLite, VEGA_LITE_SCHEMA, VegaLiteChartSchema } from '../../src/report/vegaLite.js';
import { fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { hostileReport } from '../fixtures/reports/hostile.js';
import { LEAK_LIMIT_KB, LEAK_ONSET, leakReport } from '../fixtures/reports/leak.js';

type Json = Record<string, any>;

/** Every layer (recursively) of a spec. */
function layers(spec: Json): Json[] {
  return spec.layer ? spec.layer.flatMap(layers) : [spec];
}

describe('toVegaLite', () => {
  const report = leakReport();
  const charts = toVegaLite(report);

  it('one Vega-Lite v5 spec per chart of the chart model, plain JSON', () => {
    expect(charts.map((c) => c.id)).toEqual(buildCharts(report).map((c) => c.id));
    for (const c of charts) {
      VegaLiteChartSchema.parse(c);
      expect(c.spec.$schema).toBe(VEGA_LITE_SCHEMA);
      expect(JSON.parse(JSON.stringify(c.spec))).toEqual(c.spec);
      for (const l of layers(c.spec)) {
        expect(['area', 'line', 'point', 'rect', 'rule', 'text']).toContain(typeof l.mark === 'string' ? l.mark : l.mark?.type);
        expect((l.encoding?.x ?? l.encoding?.y)?.type).toMatch(/^(temporal|quantitative|ordinal)$/);
        expect(Array.isArray(l.data?.values ?? (c.spec as Json).data?.values)).toBe(true);
      }
    }
  });

  it('usage chart: data decimated to the notebook budget, fit, band area, onset rule; sizes in MiB, UTC time', () => {
    const used = charts.find((c) => c.title === 'used_kb')!.spec as Json;
    const ls = layers(used);
    const data = ls.find((l) => l.encoding.color?.datum === 'used_kb')!;
    expect(data.data.values.length).toBeLessThanOrEqual(5000);
    expect(data.data.values.length).toBeGreaterThan(4000);
    expect(data.encoding.x).toMatchObject({ field: 'time', type: 'temporal', scale: { type: 'utc' } });
    expect(data.encoding.y.title).toBe('MiB');
    // kB → MiB: the first sample 2,000,000 kB ± noise is about 1953 MiB.
    expect(data.data.values[0].v).toBeCloseTo(1953, -1);
    const fit = ls.find((l) => l.encoding.color?.datum === 'fitted trend')!;
    expect(fit.data.values[0]).toMatchObject({ time: LEAK_ONSET * 1000, v: report.trends[0].fit!.v0 / 1024 });
    const band = ls.find((l) => l.mark.type === 'area')!;
    expect(band.encoding.y2).toEqual({ field: 'high' });
    const onset = ls.find((l) => l.mark.type === 'rule')!;
    expect(onset.data.values[0]).toMatchObject({ time: LEAK_ONSET * 1000, label: 'onset' });
    expect(used.description).toContain('57,600 points shown as');
  });

  it('horizon chart: projection to the limit and the limit line', () => {
    const spec = charts.find((c) => c.title === 'used_kb: projection to the limit')!.spec as Json;
    const limit = layers(spec).find((l) => l.encoding?.color?.datum === 'limit')!;
    expect(limit.data.values.map((v: Json) => v.v)).toEqual([LEAK_LIMIT_KB / 1024, LEAK_LIMIT_KB / 1024]);
    expect(layers(spec).find((l) => l.encoding?.color?.datum === 'projection to limit')!.mark.strokeDash).toEqual([8, 5]);
  });

  it('fragmentation: a rect heatmap over time x order, 71 x 11 cells', () => {
    const specs = toVegaLite(fragmentationReport());
    const heat = specs.find((c) => c.title.startsWith('Free blocks per order'))!.spec as Json;
    expect(heat.mark.type).toBe('rect');
    expect(heat.data.values).toHaveLength(71 * 11);
    expect(heat.encoding.color.scale).toMatchObject({ type: 'symlog', scheme: 'viridis' });
    const idx = specs.find((c) => c.title.startsWith('Unusable'))!.spec as Json;
    expect(layers(idx)[0].encoding.y.scale).toEqual({ domain: [0, 1] });
  });

  it('hostile strings stay data (Vega-Lite renders text as text); bidi overrides are made visible', () => {
    const specs = toVegaLite(hostileReport());
    const json = JSON.stringify(specs);
    expect(json).not.toMatch(/[\u202e\u2028]/);
    expect(json).toContain('evil<U+202E>gnp.exe');
  });
});
