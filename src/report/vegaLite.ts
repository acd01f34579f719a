import { z } from 'zod';
import { buildCharts, decimate, type ChartLayer, type ChartSpec } from './charts.js';
import { bytesPerUnit } from '../core/format.js';
import type { Report } from './schema.js';

/**
 * Vega-Lite v5 specs for the report's charts: the same chart model the HTML report draws
 * (src/report/charts.ts), as plain JSON a notebook displays natively (Jupyter with a
 * TypeScript/Deno kernel: `Deno.jupyter.display({ 'application/vnd.vegalite.v5+json': spec })`;
 * Observable: `vl.render({ spec })`; or any Vega-Lite embed).
 */

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export const ToVegaLiteOptionsSchema = z.object({
  /** Points per series in a spec (notebook payloads stay small); longer series keep their min/max per bucket. */
  maxPointsPerSeries: z.number().int().min(100).default(5000),
  topN: z.number().int().min(1).default(8),
  width: z.number().int().min(100).default(720),
  height: z.number().int().min(60).default(260),
});
export type ToVegaLiteOptions = z.input<typeof ToVegaLiteOptionsSchema>;
type Opts = z.output<typeof ToVegaLiteOptionsSchema>;

/** One chart: its id and group in the chart model, and the Vega-Lite spec (a JSON object). */
export const VegaLiteChartSchema = z.object({
  id: z.string(),
  group: z.string(),
  title: z.string(),
  spec: z.record(z.string(), z.unknown()),
});
export type VegaLiteChart = z.infer<typeof VegaLiteChartSchema>;

type Json = Record<string, unknown>;

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const ROLE_COLOR: Record<ChartLayer['role'], string> = {
  data: '#3b6fb6',
  fit: '#e6550d',
  envelope: '#238b45',
  'upper-envelope': '#807dba',
  'band-low': '#e6550d',
  'band-high': '#e6550d',
  projection: '#cb181d',
  limit: '#525252',
  points: '#cb181d',
};
const MARKER_COLOR: Record<string, string> = { onset: '#238b45', 'time-to-limit': '#cb181d', oom: '#cb181d', event: '#525252' };

/** Display scaling: sizes in MiB (a kB series becomes MiB), other units as they are. */
function yScaling(unit: string): { factor: number; title: string } {
  const b = bytesPerUnit(unit);
  if (b === null || unit.toLowerCase() === 'pages') return { factor: 1, title: unit };
  return { factor: b / (1024 * 1024), title: 'MiB' };
}

function xEncoding(chart: ChartSpec): Json {
  return chart.xEpoch
    ? { field: 'time', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%H:%M', labelFlush: true } }
    : { field: 't', type: 'quantitative', title: 'seconds since start' };
}

function timeRow(chart: ChartSpec, t: number): Json {
  // Vega-Lite temporal fields take milliseconds since the epoch.
  return chart.xEpoch ? { time: Math.round(t * 1000) } : { t };
}

function layerValues(chart: ChartSpec, l: ChartLayer, factor: number, o: Opts): Json[] {
  const d = l.role === 'data' ? decimate(l.t, l.v as number[], o.maxPointsPerSeries) : { t: l.t, v: l.v };
  const rows: Json[] = [];
  for (let i = 0; i < d.t.length; i++) {
    const v = d.v[i];
    if (v === null || v === undefined) continue;
    rows.push({ ...timeRow(chart, d.t[i]), v: v * factor, series: l.label });
  }
  return rows;
}

function lineSpec(chart: ChartSpec, o: Opts): Json {
  const { factor, title } = yScaling(chart.unit);
  const x = xEncoding(chart);
  const labels: string[] = [];
  const colors: string[] = [];
  const colorOf = (l: ChartLayer) => (l.role === 'data' && typeof l.color === 'number' ? PALETTE[l.color % PALETTE.length] : ROLE_COLOR[l.role]);
  for (const l of chart.layers) {
    const label = l.role === 'band-low' || l.role === 'band-high' ? '95 % band' : l.label;
    if (!labels.includes(label)) {
      labels.push(label);
      colors.push(colorOf(l));
    }
  }
  const color = (label: string) => ({ datum: label, type: 'nominal', title: null, scale: { domain: labels, range: colors } });
  const y = { field: 'v', type: 'quantitative', title, ...(chart.yRange ? { scale: { domain: chart.yRange } } : {}) };
  const layers: Json[] = [];
  const low = chart.layers.find((l) => l.role === 'band-low');
  const high = chart.layers.find((l) => l.role === 'band-high');
  if (low && high && low.t.length === high.t.length) {
    const values = low.t.map((t, i) => ({ ...timeRow(chart, t), low: (low.v[i] ?? NaN) * factor, high: (high.v[i] ?? NaN) * factor }));
    layers.push({ data: { values }, mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: { field: 'low', type: 'quantitative', title }, y2: { field: 'high' }, color: color('95 % band') } });
  }
  for (const l of chart.layers) {
    if (l.role === 'band-low' || l.role === 'band-high') continue;
    const values = layerValues(chart, l, factor, o);
    if (!values.length) continue;
    const mark: Json =
      l.role === 'points'
        ? { type: 'point', filled: true, size: 80 }
        : {
            type: 'line',
            strokeWidth: l.role === 'fit' ? 2.5 : l.role === 'data' ? 1 : 1.5,
            ...(l.role === 'projection' ? { strokeDash: [8, 5] } : l.role === 'limit' ? { strokeDash: [3, 4] } : {}),
            ...(l.role === 'envelope' || l.role === 'upper-envelope' ? { point: { size: 18 } } : {}),
          };
    layers.push({ data: { values }, mark, encoding: { x, y, color: color(l.label), tooltip: [{ field: chart.xEpoch ? 'time' : 't', type: chart.xEpoch ? 'temporal' : 'quantitative' }, { field: 'v', type: 'quantitative', title, format: '.4~s' }] } });
  }
  layers.push(...markerLayers(chart));
  return { layer: layers };
}

function markerLayers(chart: ChartSpec): Json[] {
  if (!chart.markers.length) return [];
  const x = xEncoding(chart);
  const all = chart.markers.map((m, i) => ({ ...timeRow(chart, m.x), label: m.label, role: m.role, row: i % 4 }));
  const out: Json[] = [];
  // Fixed colours per role (a colour encoding would merge into the series legend's scale).
  for (const role of [...new Set(all.map((m) => m.role))]) {
    const values = all.filter((m) => m.role === role);
    const color = MARKER_COLOR[role] ?? MARKER_COLOR.event;
    out.push({ data: { values }, mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5, color }, encoding: { x } });
    // Labels staggered over four rows (a pixel offset per row) so close markers stay readable.
    for (const row of [0, 1, 2, 3]) {
      const rows = values.filter((v) => v.row === row);
      if (!rows.length) continue;
      out.push({ data: { values: rows }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: row * 14, fontSize: 11, color }, encoding: { x, y: { value: 2 }, text: { field: 'label' } } });
    }
  }
  return out;
}

function heatmapSpec(chart: ChartSpec): Json {
  const hm = chart.heatmap!;
  const values: Json[] = [];
  const step = hm.t.length > 1 ? (hm.t[hm.t.length - 1] - hm.t[0]) / (hm.t.length - 1) : 1;
  hm.rows.forEach((row, order) => {
    for (let i = 0; i < hm.t.length; i++) {
      const v = row.v[i];
      if (v === null || v === undefined) continue;
      const t2 = i + 1 < hm.t.length ? hm.t[i + 1] : hm.t[i] + step;
      values.push({ ...timeRow(chart, hm.t[i]), ...(chart.xEpoch ? { time2: Math.round(t2 * 1000) } : { t2 }), order: row.label, orderIndex: order, free: v });
    }
  });
  const x = xEncoding(chart);
  return {
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x,
      x2: { field: chart.xEpoch ? 'time2' : 't2' },
      y: { field: 'order', type: 'ordinal', title: 'buddy order', sort: { field: 'orderIndex', order: 'descending' } },
      color: { field: 'free', type: 'quantitative', title: hm.colorLabel, scale: { type: 'symlog', scheme: 'viridis', reverse: true } },
      tooltip: [{ field: chart.xEpoch ? 'time' : 't', type: chart.xEpoch ? 'temporal' : 'quantitative' }, { field: 'order', type: 'ordinal' }, { field: 'free', type: 'quantitative', title: 'free blocks' }],
    },
  };
}

/**
 * Vega-Lite v5 specs for every chart of the report (same charts as the HTML report: usage with
 * fit, envelopes, band, projection and markers; sites/stacks; slab caches; buddy heatmap and
 * unusable index; OOM kills). Plain JSON, inline data, no functions.
 * @example
 * for (const c of toVegaLite(report)) Deno.jupyter.display({ 'application/vnd.vegalite.v5+json': c.spec }, { raw: true });
 */
export function toVegaLite(report: Report, options: ToVegaLiteOptions = {}): VegaLiteChart[] {
  const o = ToVegaLiteOptionsSchema.parse(options);
  const charts = buildCharts(report, { topN: o.topN, maxPointsPerSeries: Math.max(o.maxPointsPerSeries, 100) });
  return charts.map((c) => {
    const body = c.kind === 'heatmap' && c.heatmap ? heatmapSpec(c) : lineSpec(c, o);
    const spec: Json = {
      $schema: VEGA_LITE_SCHEMA,
      title: { text: c.title, subtitle: c.source ? [c.source] : [], anchor: 'start' },
      description: c.notes.join(' '),
      width: o.width,
      height: o.height,
      ...body,
      config: { view: { stroke: null }, axis: { grid: true, gridColor: '#eeeeee' }, legend: { orient: 'bottom' } },
    };
    return { id: c.id, group: c.group, title: c.title, spec };
  });
}
