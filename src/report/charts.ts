import { z } from 'zod';
import type { Report } from './schema.js';
import { visibleText } from './escape.js';
import { EPOCH_THRESHOLD, formatDuration, formatNumber, formatPValue } from '../core/format.js';
import { isTraceSite, type FragmentationAnalysisRow, type SeriesRow, type StackGrowthRow, type TrendRow } from './sections.js';

/**
 * The chart model: which charts a report has and what each draws, independent of the drawing
 * library. The HTML report draws it with uPlot in the browser; `toVegaLite` turns the same model
 * into Vega-Lite specs. Built from the typed Report alone (pure, JSON-serialisable): each chart
 * reads the fields its analysis writes (trend fit/envelopes/band/projection, pairing survivor
 * curves, stack points, slab bytesSeries, buddyinfo zones), nothing else.
 */

export const ChartLayerRoleSchema = z.enum([
  /** The measured series. */
  'data',
  /** The fitted trend line. */
  'fit',
  /** Trough (lower) envelope: one point per cycle. */
  'envelope',
  /** Peak (upper) envelope: one point per cycle. */
  'upper-envelope',
  /** Lower and upper edge of the 95 % band of the fitted trend. */
  'band-low',
  'band-high',
  /** Projection from the end of the data to the limit. */
  'projection',
  /** A horizontal limit (MemTotal, cgroup limit, --limit). */
  'limit',
  /** Discrete events (OOM kills): drawn as points, not a line. */
  'points',
]);
export type ChartLayerRole = z.infer<typeof ChartLayerRoleSchema>;

export const ChartLayerSchema = z.object({
  label: z.string(),
  role: ChartLayerRoleSchema,
  t: z.array(z.number()),
  v: z.array(z.number().nullable()),
  /** Palette index for data layers (several series in one chart). */
  color: z.number().int().nonnegative().optional(),
});
export type ChartLayer = z.infer<typeof ChartLayerSchema>;

export const ChartMarkerSchema = z.object({
  x: z.number(),
  label: z.string(),
  role: z.enum(['onset', 'time-to-limit', 'oom', 'event']),
});
export type ChartMarker = z.infer<typeof ChartMarkerSchema>;

export const HeatmapSchema = z.object({
  t: z.array(z.number()),
  rows: z.array(z.object({ label: z.string(), v: z.array(z.number().nullable()) })),
  /** What the colour encodes (log scale of `v`). */
  colorLabel: z.string(),
});

export const ChartSpecSchema = z.object({
  id: z.string(),
  group: z.enum(['usage', 'sites', 'slab', 'fragmentation', 'oom', 'series']),
  kind: z.enum(['line', 'heatmap', 'events']),
  title: z.string(),
  /** Unit of the y values (`kB`, `bytes`, `objects`, `index`...). */
  unit: z.string(),
  /** True when x is epoch seconds (drawn as UTC dates), else seconds since start. */
  xEpoch: z.boolean(),
  layers: z.array(ChartLayerSchema),
  markers: z.array(ChartMarkerSchema),
  heatmap: HeatmapSchema.optional(),
  /** Fixed y range (e.g. [0, 1] for an index). */
  yRange: z.tuple([z.number(), z.number()]).optional(),
  /** Sentences shown under the chart (assumed time axis, decimation, verdict...). */
  notes: z.array(z.string()),
  /** The artefact(s) the chart comes from. */
  source: z.string(),
});
export type ChartSpec = z.infer<typeof ChartSpecSchema>;

export const BuildChartsOptionsSchema = z.object({
  /** Series longer than this are reduced for display (min/max per bucket, so peaks and troughs stay). */
  maxPointsPerSeries: z.number().int().min(100).default(200_000),
  /** Sites/stacks/caches drawn per chart. */
  topN: z.number().int().min(1).default(8),
  /** Usage charts at most (one per trend entry, or per series when there are no trends). */
  maxUsageCharts: z.number().int().min(0).default(24),
});
export type BuildChartsOptions = z.input<typeof BuildChartsOptionsSchema>;

/**
 * Reduces a long series for display: per bucket keep the first, min, max and last point in time
 * order (M4), so every peak, trough and step survives. Returns the input when short enough.
 */
export function decimate(t: readonly number[], v: readonly number[], maxPoints: number): { t: number[]; v: number[] } {
  const n = Math.min(t.length, v.length);
  if (n <= maxPoints) return { t: t.slice(0, n), v: v.slice(0, n) };
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = n / buckets;
  const ot: number[] = [];
  const ov: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(n, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    let iMin = lo;
    let iMax = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (v[i] < v[iMin]) iMin = i;
      if (v[i] > v[iMax]) iMax = i;
    }
    const keep = [...new Set([lo, iMin, iMax, hi - 1])].sort((a, b2) => a - b2);
    for (const i of keep) {
      ot.push(t[i]);
      ov.push(v[i]);
    }
  }
  return { t: ot, v: ov };
}

// ---------------------------------------------------------------------------------------------
// The trend overlays.

/**
 * The overlays of a trend entry, as the trend engine computes them (LeakTrendResult): the fitted
 * lower-envelope line (`fit`), the trough and peak envelopes, the 95 % band of the fit, the limit
 * and the upper-envelope projection to it, the onset and time-to-limit markers.
 */
export function trendOverlays(entry: TrendRow, series: SeriesRow | undefined): { layers: ChartLayer[]; markers: ChartMarker[]; notes: string[] } {
  const layers: ChartLayer[] = [];
  const markers: ChartMarker[] = [];
  const notes: string[] = [];
  const t = series?.t ?? [];
  const tStart = t.length ? t[0] : (entry.analysed?.start ?? null);
  const tEnd = t.length ? t[t.length - 1] : (entry.analysed?.end ?? null);
  if (entry.fit) layers.push({ label: 'fitted trend', role: 'fit', t: [entry.fit.t0, entry.fit.t1], v: [entry.fit.v0, entry.fit.v1] });
  if (entry.troughs.t.length) layers.push({ label: 'trough envelope', role: 'envelope', t: entry.troughs.t, v: entry.troughs.v });
  if (entry.peaks.t.length) layers.push({ label: 'peak envelope', role: 'upper-envelope', t: entry.peaks.t, v: entry.peaks.v });
  if (entry.band) {
    layers.push({ label: '95 % band (low)', role: 'band-low', t: [...entry.band.t], v: [...entry.band.lower] });
    layers.push({ label: '95 % band (high)', role: 'band-high', t: [...entry.band.t], v: [...entry.band.upper] });
  }
  const ttl = entry.timeToLimitSeconds;
  if (entry.projection) layers.push({ label: 'projection to limit', role: 'projection', t: [...entry.projection.t], v: [...entry.projection.v] });
  const tHit = entry.projection ? entry.projection.t[1] : tEnd !== null && ttl !== null ? tEnd + ttl : null;
  if (entry.limit !== null && tStart !== null) {
    const right = Math.max(tEnd ?? tStart, tHit ?? tStart);
    layers.push({ label: 'limit', role: 'limit', t: [tStart, right], v: [entry.limit, entry.limit] });
  }
  if (tHit !== null) markers.push({ x: tHit, label: ttl !== null ? `limit reached (+${formatDuration(ttl)})` : 'limit reached', role: 'time-to-limit' });
  // An onset that is just the start of the data says nothing: no marker.
  if (entry.onset !== null && !entry.onsetAtStart) markers.push({ x: entry.onset, label: 'onset', role: 'onset' });
  if (ttl !== null && !entry.projection) notes.push('The projection to the limit is not in the report: it is not drawn.');
  return { layers, markers, notes };
}

// ---------------------------------------------------------------------------------------------
// Builders per section.

function isEpochAxis(...ts: (readonly number[])[]): boolean {
  for (const t of ts) if (t.length) return t[0] >= EPOCH_THRESHOLD;
  return false;
}

function dataLayer(label: string, t: readonly number[], v: readonly number[], maxPoints: number, color?: number): { layer: ChartLayer; note: string | null } {
  const d = decimate(t, v, maxPoints);
  const note = d.t.length < Math.min(t.length, v.length) ? `${label}: ${formatNumber(t.length)} points shown as ${formatNumber(d.t.length)} (minimum and maximum of each interval kept) to keep the page responsive.` : null;
  return { layer: { label, role: 'data', t: d.t, v: d.v, ...(color !== undefined ? { color } : {}) }, note };
}

function ciText(ci: readonly [number, number]): string {
  return `${formatDuration(ci[0])} to ${formatDuration(ci[1])}`;
}

function verdictNote(entry: TrendRow): string {
  const parts = [`Trend verdict: ${entry.verdict}`, `method ${entry.method}`];
  if (entry.period !== null) parts.push(`cycle period ${formatDuration(entry.period)}`);
  if (entry.pValue !== null) parts.push(`p = ${formatPValue(entry.pValue)}`);
  return `${parts.join(', ')}.`;
}

type Opts = z.output<typeof BuildChartsOptionsSchema>;

function usageCharts(report: Report, o: Opts): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const used = new Set<SeriesRow>();
  for (const entry of report.trends) {
    if (charts.length >= o.maxUsageCharts) break;
    const series = report.series.find((s) => s.source === entry.source && s.name === entry.series);
    if (series) used.add(series);
    const notes: string[] = [verdictNote(entry)];
    const layers: ChartLayer[] = [];
    if (series) {
      const d = dataLayer(series.name, series.t, series.v, o.maxPointsPerSeries);
      layers.push(d.layer);
      if (d.note) notes.push(d.note);
      if (series.timeAssumed) notes.push('The time axis is assumed (no timestamps in the capture: a sampling interval was used).');
    } else {
      notes.push('The series itself is not in the report (only its trend).');
    }
    const ov = trendOverlays(entry, series);
    // The data view: the measurement and its fit, on the data's own scale (a limit far above
    // would flatten it); the horizon view: the same, zoomed out to the limit and the projection.
    const horizonRoles = new Set<ChartLayerRole>(['projection', 'limit']);
    const dataView = [...layers, ...ov.layers.filter((l) => !horizonRoles.has(l.role))];
    notes.push(...ov.notes);
    if (dataView.length === 0) continue;
    const dataMarkers = ov.markers.filter((m) => m.role !== 'time-to-limit');
    charts.push({
      id: `usage-${charts.length}`,
      group: 'usage',
      kind: 'line',
      title: entry.series,
      unit: entry.unit,
      xEpoch: isEpochAxis(...dataView.map((l) => l.t)),
      layers: dataView,
      markers: dataMarkers,
      notes,
      source: entry.source,
    });
    const horizon = ov.layers.filter((l) => horizonRoles.has(l.role));
    if (horizon.some((l) => l.role === 'projection')) {
      const overview = layers.map((l) => ({ ...l, ...decimate(l.t, l.v.map((x) => x ?? NaN), Math.min(o.maxPointsPerSeries, 2000)) }));
      const fit = ov.layers.filter((l) => l.role === 'fit' || l.role === 'upper-envelope');
      const hl = [...overview, ...fit, ...horizon];
      const ttl = entry.timeToLimitSeconds;
      charts.push({
        id: `usage-${charts.length}`,
        group: 'usage',
        kind: 'line',
        title: `${entry.series}: projection to the limit`,
        unit: entry.unit,
        xEpoch: isEpochAxis(...hl.map((l) => l.t)),
        layers: hl,
        markers: ov.markers,
        notes: [
          `The upper envelope extrapolated at the fitted rate reaches the limit ${ttl !== null ? `in ${formatDuration(ttl)} after the last sample` : 'after the end of the data'}${entry.timeToLimitCi ? ` (95 % interval ${ciText(entry.timeToLimitCi)})` : ''}.`,
        ],
        source: entry.source,
      });
    }
  }
  if (report.trends.length === 0) {
    for (const s of report.series) {
      if (charts.length >= o.maxUsageCharts) break;
      if (used.has(s) || s.t.length === 0) continue;
      const d = dataLayer(s.name, s.t, s.v, o.maxPointsPerSeries);
      charts.push({
        id: `series-${charts.length}`,
        group: 'series',
        kind: 'line',
        title: s.name,
        unit: s.unit,
        xEpoch: isEpochAxis(d.layer.t),
        layers: [d.layer],
        markers: [],
        notes: [...(d.note ? [d.note] : []), ...(s.timeAssumed ? ['The time axis is assumed (no timestamps in the capture: a sampling interval was used).'] : [])],
        source: s.source,
      });
    }
  }
  return charts;
}

interface Curve {
  label: string;
  source: string;
  t: readonly number[];
  v: readonly number[];
}

/** One chart per artefact: tools keep different time axes (epoch, seconds since start), which cannot share an x axis. */
function curveCharts(title: string, unit: string, curves: readonly Curve[], o: Opts, offset: number): ChartSpec[] {
  const bySource = new Map<string, { layers: ChartLayer[]; notes: string[] }>();
  for (const c of curves) {
    if (c.t.length < 2) continue;
    let group = bySource.get(c.source);
    if (!group) bySource.set(c.source, (group = { layers: [], notes: [] }));
    if (group.layers.length >= o.topN) continue;
    const d = dataLayer(c.label, c.t, c.v, o.maxPointsPerSeries, group.layers.length);
    group.layers.push(d.layer);
    if (d.note) group.notes.push(d.note);
  }
  const charts: ChartSpec[] = [];
  for (const [source, { layers, notes }] of bySource) {
    if (charts.length >= o.maxUsageCharts) break;
    charts.push({ id: `sites-${offset + charts.length}`, group: 'sites', kind: 'line', title, unit, xEpoch: isEpochAxis(...layers.map((l) => l.t)), layers, markers: [], notes, source });
  }
  return charts;
}

/** Timed points of a stack (an untimed exit dump has no place on a time axis). */
function timedPoints(s: StackGrowthRow): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  for (const p of s.points) {
    if (p.t === null) continue;
    t.push(p.t);
    v.push(p.v);
  }
  return { t, v };
}

/**
 * Outstanding bytes over time: per trace pairing site its survivor curve (`points`: bytes of the
 * objects still outstanding at the end, by allocation time); per memleak/bpftrace stack its
 * values per report. Other tools' sites are single snapshots: tables only.
 */
function siteCharts(report: Report, o: Opts): ChartSpec[] {
  const sites = report.allocationSites
    .filter(isTraceSite)
    .sort((a, b) => b.outstandingBytes - a.outstandingBytes)
    .map((s) => {
      // a site across tasks: named by its holder when there is one, else by the site alone
      const who = s.comm ?? (s.topComms.length === 1 ? s.topComms[0].comm : null);
      return { label: who ? `${s.site} (${who})` : s.site, source: s.source, ...s.points };
    });
  const charts = curveCharts('Outstanding bytes per allocation site', 'bytes', sites, o, 0);
  const stacks = [...report.stackGrowth].sort((a, b) => (b.growthBytesPerSecond ?? -Infinity) - (a.growthBytesPerSecond ?? -Infinity));
  const stackCurve = (s: StackGrowthRow) => ({ label: s.culprit ?? (s.stack.length ? s.stack[0] + (s.stack.length > 1 ? ` ← ${s.stack[1]}` : '') : '(empty stack)'), source: s.source, ...timedPoints(s) });
  charts.push(...curveCharts('Outstanding bytes per stack', 'bytes', stacks.filter((s) => s.unit === 'bytes').map(stackCurve), o, charts.length));
  charts.push(...curveCharts('Outstanding allocations per stack', 'allocations', stacks.filter((s) => s.unit === 'count').map(stackCurve), o, charts.length));
  return charts;
}

/** Slab caches' num_objs x objsize over time (slabGrowth keeps `bytesSeries` for its top entries). */
function slabCharts(report: Report, o: Opts): ChartSpec[] {
  const layers: ChartLayer[] = [];
  const notes: string[] = [];
  const sources = new Set<string>();
  for (const entry of report.slabGrowth) {
    if (layers.length >= o.topN) break;
    const pts = entry.bytesSeries;
    // Caches that never rose above their first size have nothing to show here (the table lists them).
    if (!pts || pts.t.length < 2 || entry.peakBytes <= entry.startBytes) continue;
    // Growth since the first snapshot: a 20 MiB dentry cache would flatten a filp cache that leaks.
    const first = pts.v[0];
    const d = dataLayer(entry.cache, pts.t, pts.v.map((x) => x - first), o.maxPointsPerSeries, layers.length);
    layers.push(d.layer);
    if (d.note) notes.push(d.note);
    sources.add(entry.source);
  }
  if (!layers.length) return [];
  notes.unshift('Each cache relative to its size in the first snapshot (start, peak and end sizes are in the table).');
  return [{ id: 'slab-0', group: 'slab', kind: 'line', title: `Slab caches that grow (top ${layers.length}): growth since the first snapshot`, unit: 'bytes', xEpoch: isEpochAxis(...layers.map((l) => l.t)), layers, markers: [], notes, source: [...sources].join(', ') }];
}

/**
 * Fragmentation charts, per buddyinfo analysis and zone (src/analysis/fragmentation.ts): a
 * heatmap of free blocks per order over time, and the unusable free space index of the orders
 * that matter (costly order + 1, the headline high order, the largest).
 */
function fragmentationCharts(report: Report, o: Opts): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const a of report.fragmentation?.analyses ?? []) charts.push(...analysisCharts(a, o, charts.length));
  return charts;
}

function analysisCharts(a: FragmentationAnalysisRow, o: Opts, offset: number): ChartSpec[] {
  const charts: ChartSpec[] = [];
  // Zones whose free memory did not move (DMA, an idle node) are left out when some did.
  const anyActive = a.zones.some((z) => z.active);
  for (const z of a.zones) {
    if ((anyActive && !z.active) || z.t.length === 0) continue;
    const label = `Node ${z.node}, zone ${z.zone}`;
    const xEpoch = isEpochAxis(z.t);
    if (z.freeBlocks.length) {
      charts.push({
        id: `frag-${offset + charts.length}`,
        group: 'fragmentation',
        kind: 'heatmap',
        title: `Free blocks per order: ${label}`,
        unit: 'blocks',
        xEpoch,
        layers: [],
        markers: [],
        heatmap: { t: z.t, rows: z.freeBlocks.map((v, order) => ({ label: `order ${order}`, v })), colorLabel: 'free blocks, each order on its own log scale' },
        notes: ['Each row is one buddy order (blocks of 2^order pages), coloured on its own scale from its fewest (light) to its most (dark) free blocks; grey means none. High orders that empty while order 0 fills up is fragmentation. Hover for the counts.'],
        source: a.source,
      });
    }
    if (z.unusable.length > 1) {
      const orders = z.unusable.length;
      const wanted = [a.costlyOrder + 1, a.highOrder, orders - 1];
      const pick = [...new Set(wanted.map((x) => Math.min(orders - 1, x)))].filter((x) => x > 0).sort((x, y) => x - y);
      const layers: ChartLayer[] = pick.map((order, k) => ({ label: `order ${order}`, role: 'data', t: z.t, v: z.unusable[order], color: k }));
      charts.push({
        id: `frag-${offset + charts.length}`,
        group: 'fragmentation',
        kind: 'line',
        title: `Unusable free space index: ${label}`,
        unit: 'index',
        xEpoch,
        layers,
        markers: [],
        yRange: [0, 1],
        notes: ['Fraction of free memory unusable for an allocation of that order (0 = all usable, 1 = none), as the kernel computes it in mm/vmstat.c.'],
        source: a.source,
      });
    }
    if (charts.length >= o.topN * 2) break;
  }
  return charts;
}

function oomCharts(report: Report): ChartSpec[] {
  const events = report.oomEvents.filter((e) => e.time !== null);
  if (!events.length) return [];
  const sorted = [...events].sort((a, b) => a.time! - b.time!);
  const withRss = sorted.filter((e) => e.anonRssKb !== null);
  const layers: ChartLayer[] = withRss.length ? [{ label: 'victim anon-rss', role: 'points', t: withRss.map((e) => e.time!), v: withRss.map((e) => e.anonRssKb!) }] : [];
  const markers: ChartMarker[] = sorted.map((e) => ({ x: e.time!, label: `${e.victimComm ?? '?'}${e.victimPid !== null ? ` (${e.victimPid})` : ''}`, role: 'oom' }));
  const notes = [`${events.length} OOM kill${events.length === 1 ? '' : 's'} with a time${report.oomEvents.length > events.length ? `; ${report.oomEvents.length - events.length} without a time are only in the table` : ''}.`];
  return [{ id: 'oom-0', group: 'oom', kind: 'events', title: 'OOM kills', unit: 'kB', xEpoch: isEpochAxis(sorted.map((e) => e.time!)), layers, markers, notes, source: [...new Set(events.map((e) => e.source))].join(', ') }];
}

/**
 * Every chart the report supports, in reading order: usage series with their trends, outstanding
 * bytes per site/stack, growing slab caches, fragmentation (heatmap + unusable index), OOM kills.
 * @example
 * const charts = buildCharts(report, { topN: 5 });
 * charts.map((c) => c.title); // ['MemAvailable used', 'Outstanding bytes per allocation site', ...]
 */
export function buildCharts(report: Report, options: BuildChartsOptions = {}): ChartSpec[] {
  const o = BuildChartsOptionsSchema.parse(options);
  const charts = [...usageCharts(report, o), ...siteCharts(report, o), ...slabCharts(report, o), ...fragmentationCharts(report, o), ...oomCharts(report)];
  return charts.map(visibleChart);
}

/**
 * Chart strings are drawn on canvas and in legends, where bidi overrides and control characters
 * would reorder or hide text: they are made visible (`<U+202E>`) once, here.
 */
function visibleChart(c: ChartSpec): ChartSpec {
  return {
    ...c,
    title: visibleText(c.title),
    source: visibleText(c.source),
    notes: c.notes.map(visibleText),
    layers: c.layers.map((l) => ({ ...l, label: visibleText(l.label) })),
    markers: c.markers.map((m) => ({ ...m, label: visibleText(m.label) })),
    ...(c.heatmap ? { heatmap: { ...c.heatmap, colorLabel: visibleText(c.heatmap.colorLabel), rows: c.heatmap.rows.map((r) => ({ ...r, label: visibleText(r.label) })) } } : {}),
  };
}
