import { z } from 'zod';
import type { Report } from './schema.js';
import { visibleText } from './escape.js';
import { EPOCH_THRESHOLD, formatDuration, formatNumber } from './format.js';

/**
 * The chart model: which charts a report has and what each draws, independent of the drawing
 * library. The HTML report draws it with uPlot in the browser; `toVegaLite` turns the same model
 * into Vega-Lite specs. Built from the Report alone (pure, JSON-serialisable).
 *
 * Analyses add fields to their loose report objects; the readers here accept the shapes listed in
 * each reader's comment and skip what is absent, so a report from an older or partial analysis
 * still renders (with fewer overlays), never throws.
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

// ---------------------------------------------------------------------------------------------
// Tolerant readers for fields analyses add to loose report objects.

type Loose = Record<string, unknown>;

function isObj(x: unknown): x is Loose {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function firstNum(obj: Loose, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = num(obj[k]);
    if (v !== null) return v;
  }
  return null;
}

/** Points in any of the shapes analyses use: `{t[], v[]}`, `[{t|time|x, v|value|y|bytes}]`, `[[t, v]]`. */
export function readPoints(x: unknown): { t: number[]; v: number[] } | null {
  if (isObj(x)) {
    const t = x.t ?? x.time ?? x.times;
    const v = x.v ?? x.value ?? x.values ?? x.bytes;
    if (Array.isArray(t) && Array.isArray(v) && t.length === v.length) {
      const out = { t: [] as number[], v: [] as number[] };
      for (let i = 0; i < t.length; i++) {
        const ti = num(t[i]);
        const vi = num(v[i]);
        if (ti !== null && vi !== null) {
          out.t.push(ti);
          out.v.push(vi);
        }
      }
      return out.t.length ? out : null;
    }
    for (const k of ['points', 'samples', 'series', 'timeline']) {
      if (x[k] !== undefined && x[k] !== x) {
        const inner = readPoints(x[k]);
        if (inner) return inner;
      }
    }
    return null;
  }
  if (!Array.isArray(x) || x.length === 0) return null;
  const out = { t: [] as number[], v: [] as number[] };
  for (const p of x) {
    let ti: number | null = null;
    let vi: number | null = null;
    if (Array.isArray(p)) {
      ti = num(p[0]);
      vi = num(p[1]);
    } else if (isObj(p)) {
      ti = firstNum(p, ['t', 'time', 'x', 'timestamp']);
      vi = firstNum(p, ['v', 'value', 'y', 'bytes', 'outstandingBytes', 'kb']);
    }
    if (ti !== null && vi !== null) {
      out.t.push(ti);
      out.v.push(vi);
    }
  }
  return out.t.length ? out : null;
}

function pointsFrom(obj: Loose, keys: readonly string[]): { t: number[]; v: number[] } | null {
  for (const k of keys) {
    if (obj[k] !== undefined) {
      const p = readPoints(obj[k]);
      if (p) return p;
    }
  }
  return null;
}

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

type TrendEntry = Report['trends'][number];
type SeriesEntry = Report['series'][number];

/**
 * The overlays a trend entry carries. Read in this order (first present wins):
 * - fitted line: `fit: {t0, t1, v0, v1}` (the trend engine's LeakTrendResult), `fitted`/`fittedLine`
 *   points, or `fit: {slopePerSecond|slope, intercept}` (v = intercept + slope x (t - t0), t0 default 0),
 *   or top-level `intercept` with `slopePerHour`;
 * - trough envelope: `troughs`, `lowerEnvelope`, `envelope`, `troughEnvelope`;
 * - peak envelope: `peaks`, `upperEnvelope`, `peakEnvelope`;
 * - 95 % band: `band: {t: [a, b], lower: [..], upper: [..]}` (the trend engine's shape), `band: {low,
 *   high}` points, else the fit line pivoted at its centre with the `ci95` slopes;
 * - limit: `limit`, `limitValue`; projection: `projection` points, else from the limit and
 *   `timeToLimitSeconds` counted from the last sample.
 */
export function trendOverlays(entry: TrendEntry, series: SeriesEntry | undefined): { layers: ChartLayer[]; markers: ChartMarker[]; notes: string[] } {
  const e = entry as Loose;
  const layers: ChartLayer[] = [];
  const markers: ChartMarker[] = [];
  const notes: string[] = [];
  const t = series?.t ?? [];
  const tStart = t.length ? t[0] : null;
  const tEnd = t.length ? t[t.length - 1] : null;
  const slopePerSecond = entry.slopePerHour !== null ? entry.slopePerHour / 3600 : null;

  // Fitted line.
  let fit = pointsFrom(e, ['fitted', 'fittedLine', 'fitLine', 'line']);
  let anchor: { t: number; v: number } | null = null;
  const ends = isObj(e.fit) ? [num(e.fit.t0), num(e.fit.t1), num(e.fit.v0), num(e.fit.v1)] : [];
  if (!fit && ends.length === 4 && ends.every((x) => x !== null)) {
    // The trend engine's shape: the fitted line from (t0, v0) to (t1, v1).
    fit = { t: [ends[0]!, ends[1]!], v: [ends[2]!, ends[3]!] };
  }
  if (!fit && tStart !== null && tEnd !== null) {
    const fitObj = isObj(e.fit) ? e.fit : isObj(e.regression) ? e.regression : e;
    const pts = isObj(e.fit) ? readPoints(e.fit) : null;
    if (pts && pts.t.length >= 2) fit = pts;
    else {
      const slope = num(fitObj.slopePerSecond) ?? (num(fitObj.slopePerHour) !== null ? num(fitObj.slopePerHour)! / 3600 : null) ?? (fitObj !== e ? num(fitObj.slope) : null) ?? slopePerSecond;
      const intercept = num(fitObj.intercept);
      if (slope !== null && intercept !== null) {
        const t0 = firstNum(fitObj, ['interceptT', 't0', 'origin', 'tOrigin']) ?? 0;
        const from = entry.onset !== null && entry.onset > tStart && entry.onset < tEnd ? entry.onset : tStart;
        fit = { t: [from, tEnd], v: [intercept + slope * (from - t0), intercept + slope * (tEnd - t0)] };
      }
    }
  }
  if (fit && fit.t.length >= 2) {
    layers.push({ label: 'fitted trend', role: 'fit', t: fit.t, v: fit.v });
    const mid = Math.floor(fit.t.length / 2);
    anchor = fit.t.length === 2 ? { t: (fit.t[0] + fit.t[1]) / 2, v: (fit.v[0] + fit.v[1]) / 2 } : { t: fit.t[mid], v: fit.v[mid] };
  }

  const troughs = pointsFrom(e, ['troughs', 'lowerEnvelope', 'troughEnvelope', 'envelope', 'lower']);
  if (troughs) layers.push({ label: 'trough envelope', role: 'envelope', t: troughs.t, v: troughs.v });
  const peaks = pointsFrom(e, ['peaks', 'upperEnvelope', 'peakEnvelope', 'upper']);
  if (peaks) layers.push({ label: 'peak envelope', role: 'upper-envelope', t: peaks.t, v: peaks.v });

  // 95 % band.
  const bandObj = isObj(e.band) ? e.band : isObj(e.ci95Band) ? e.ci95Band : null;
  const bandT = bandObj && Array.isArray(bandObj.t) ? bandObj.t : null;
  const bandSide = (keys: string[]) => {
    if (!bandObj) return null;
    for (const k of keys) {
      const side = bandObj[k];
      if (bandT && Array.isArray(side) && side.length === bandT.length && side.every((x) => num(x) !== null) && bandT.every((x) => num(x) !== null)) {
        return { t: bandT as number[], v: side as number[] };
      }
    }
    return pointsFrom(bandObj, keys);
  };
  const bandLow = bandSide(['lower', 'low', 'lo']);
  const bandHigh = bandSide(['upper', 'high', 'hi']);
  if (bandLow && bandHigh) {
    layers.push({ label: '95 % band (low)', role: 'band-low', t: bandLow.t, v: bandLow.v });
    layers.push({ label: '95 % band (high)', role: 'band-high', t: bandHigh.t, v: bandHigh.v });
  } else if (entry.ci95 && anchor && fit) {
    const a = anchor;
    const ts = [fit.t[0], fit.t[fit.t.length - 1]];
    const [lo, hi] = [entry.ci95[0] / 3600, entry.ci95[1] / 3600];
    // The slope's interval drawn as a fan around the fit's centre.
    const low = ts.map((x) => a.v + (x < a.t ? hi : lo) * (x - a.t));
    const high = ts.map((x) => a.v + (x < a.t ? lo : hi) * (x - a.t));
    layers.push({ label: '95 % band (low)', role: 'band-low', t: ts, v: low });
    layers.push({ label: '95 % band (high)', role: 'band-high', t: ts, v: high });
  }

  // Limit, projection and time-to-limit marker.
  const limit = firstNum(e, ['limit', 'limitValue', 'limitBytes', 'limitKb']);
  const ttl = entry.timeToLimitSeconds;
  const projection = pointsFrom(e, ['projection', 'projectionLine', 'upperProjection']);
  const tHit =
    projection && projection.t.length >= 2 && ttl !== null ? projection.t[projection.t.length - 1] : tEnd !== null && ttl !== null && Number.isFinite(ttl) ? tEnd + ttl : null;
  if (projection && projection.t.length >= 2) {
    layers.push({ label: 'projection to limit', role: 'projection', t: projection.t, v: projection.v });
  } else if (limit !== null && tEnd !== null && tHit !== null && slopePerSecond !== null && slopePerSecond > 0) {
    layers.push({ label: 'projection to limit', role: 'projection', t: [tEnd, tHit], v: [limit - slopePerSecond * (tHit - tEnd), limit] });
  }
  if (limit !== null && tStart !== null) {
    const right = Math.max(tEnd ?? tStart, tHit ?? tStart);
    layers.push({ label: 'limit', role: 'limit', t: [tStart, right], v: [limit, limit] });
  }
  if (tHit !== null) markers.push({ x: tHit, label: ttl !== null && Number.isFinite(ttl) ? `limit reached (+${formatDuration(ttl)})` : 'limit reached', role: 'time-to-limit' });
  // An onset that is just the start of the data says nothing: no marker.
  if (entry.onset !== null && e.onsetAtStart !== true) markers.push({ x: entry.onset, label: 'onset', role: 'onset' });
  if (ttl !== null && limit === null && !projection) notes.push('The limit itself is not in the report: the projection is not drawn.');
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

function ciText(ci: unknown): string {
  if (!Array.isArray(ci) || ci.length !== 2) return 'unbounded';
  const [a, b] = ci.map(num);
  return `${formatDuration(a)} to ${b === null ? 'unbounded' : formatDuration(b)}`;
}

function verdictNote(entry: TrendEntry): string {
  const parts = [`Trend verdict: ${entry.verdict}`];
  const method = (entry as Loose).method;
  if (typeof method === 'string') parts.push(`method ${method}`);
  if (entry.period !== null) parts.push(`cycle period ${Math.round(entry.period)} s`);
  if (entry.pValue !== null) parts.push(`p = ${entry.pValue < 1e-4 ? entry.pValue.toExponential(1) : entry.pValue.toFixed(4)}`);
  return `${parts.join(', ')}.`;
}

function usageCharts(report: Report, o: Required<z.output<typeof BuildChartsOptionsSchema>>): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const used = new Set<SeriesEntry>();
  const findSeries = (source: string, name: string) => report.series.find((s) => s.source === source && s.name === name) ?? report.series.find((s) => s.name === name);
  for (const entry of report.trends) {
    if (charts.length >= o.maxUsageCharts) break;
    const series = findSeries(entry.source, entry.series);
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
      const overview = layers.map((l) => ({ ...l, ...decimate(l.t, l.v as number[], Math.min(o.maxPointsPerSeries, 2000)) }));
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
          `The upper envelope extrapolated at the fitted rate reaches the limit ${ttl !== null ? `in ${formatDuration(ttl)} after the last sample` : 'after the end of the data'}${Array.isArray((entry as Loose).timeToLimitCi) ? ` (95 % interval ${ciText((entry as Loose).timeToLimitCi)})` : ''}.`,
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

const SITE_POINT_KEYS = ['timeline', 'outstandingSeries', 'outstandingOverTime', 'history', 'series', 'samples', 'points', 'snapshots'];

function siteCharts(report: Report, o: Required<z.output<typeof BuildChartsOptionsSchema>>): ChartSpec[] {
  const charts: ChartSpec[] = [];
  // One chart per artefact: tools keep different time axes (epoch, seconds since start), which
  // cannot share an x axis.
  const build = (title: string, unit: string, items: { label: string; obj: Loose; source: string }[]) => {
    const bySource = new Map<string, { layers: ChartLayer[]; notes: string[] }>();
    for (const it of items) {
      const pts = pointsFrom(it.obj, SITE_POINT_KEYS) ?? (Array.isArray(it.obj.t) ? readPoints(it.obj) : null);
      if (!pts || pts.t.length < 2) continue;
      let group = bySource.get(it.source);
      if (!group) bySource.set(it.source, (group = { layers: [], notes: [] }));
      if (group.layers.length >= o.topN) continue;
      const d = dataLayer(it.label, pts.t, pts.v, o.maxPointsPerSeries, group.layers.length);
      group.layers.push(d.layer);
      if (d.note) group.notes.push(d.note);
    }
    for (const [source, { layers, notes }] of bySource) {
      if (charts.length >= o.maxUsageCharts) break;
      charts.push({ id: `sites-${charts.length}`, group: 'sites', kind: 'line', title, unit, xEpoch: isEpochAxis(...layers.map((l) => l.t)), layers, markers: [], notes, source });
    }
  };
  build(
    'Outstanding bytes per allocation site',
    'bytes',
    [...report.allocationSites].sort((a, b) => b.outstandingBytes - a.outstandingBytes).map((s) => ({ label: s.comm ? `${s.site} (${s.comm})` : s.site, obj: s as Loose, source: s.source })),
  );
  build(
    'Outstanding bytes per stack',
    'bytes',
    [...report.stackGrowth]
      .sort((a, b) => (b.growthBytesPerSecond ?? -Infinity) - (a.growthBytesPerSecond ?? -Infinity))
      .map((s) => {
        const culprit = (s as Loose).culprit;
        const label = typeof culprit === 'string' && culprit ? culprit : s.stack.length ? s.stack[0] + (s.stack.length > 1 ? ` ← ${s.stack[1]}` : '') : '(empty stack)';
        return { label, obj: s as Loose, source: s.source };
      }),
  );
  return charts;
}

/** Whether a series (by name) is the one of a slab cache. */
function seriesNamesCache(name: string, cache: string): boolean {
  if (name === cache) return true;
  const tokens = name.split(/[\s:/()[\],=]+/);
  return tokens.includes(cache);
}

function slabCharts(report: Report, o: Required<z.output<typeof BuildChartsOptionsSchema>>): ChartSpec[] {
  const layers: ChartLayer[] = [];
  const notes: string[] = [];
  const sources = new Set<string>();
  let unit = 'bytes';
  for (const entry of report.slabGrowth) {
    if (layers.length >= o.topN) break;
    let pts = pointsFrom(entry as Loose, ['bytesSeries', 'series', 'timeline', 'points', 'samples']);
    if (!pts) {
      const candidates = report.series.filter((s) => seriesNamesCache(s.name, entry.cache) && (s.source === entry.source || !report.series.some((x) => x.source === entry.source)));
      const best = candidates.find((s) => bytesLike(s.unit)) ?? candidates[0];
      if (best) {
        pts = { t: best.t, v: best.v };
        if (!bytesLike(best.unit)) unit = best.unit;
      }
    }
    if (!pts || pts.t.length < 2) continue;
    // Growth since the first snapshot: a 20 MiB dentry cache would flatten a filp cache that leaks.
    const first = pts.v[0];
    const d = dataLayer(entry.cache, pts.t, pts.v.map((x) => x - first), o.maxPointsPerSeries, layers.length);
    layers.push(d.layer);
    if (d.note) notes.push(d.note);
    sources.add(entry.source);
  }
  if (!layers.length) return [];
  notes.unshift('Each cache relative to its size in the first snapshot (start, peak and end sizes are in the table).');
  return [{ id: 'slab-0', group: 'slab', kind: 'line', title: `Slab caches that grow (top ${layers.length}): growth since the first snapshot`, unit, xEpoch: isEpochAxis(...layers.map((l) => l.t)), layers, markers: [], notes, source: [...sources].join(', ') }];
}

function bytesLike(unit: string): boolean {
  return /^(b|bytes?)$/i.test(unit.trim());
}

/**
 * Fragmentation charts. Reads `fragmentation.zones` (or `perZone`/`series`): an array of zones
 * `{ node?, zone, source?, t|times[], freeBlocks|orders: number[][] (per snapshot, index = order)
 * or per-order rows, unusable|unusableIndex: number[][] }`; also accepts per-point records
 * `points: [{ time, order, freeBlocks, unusableIndex }]`.
 */
function fragmentationCharts(report: Report, o: Required<z.output<typeof BuildChartsOptionsSchema>>): ChartSpec[] {
  const frag = report.fragmentation as Loose | null;
  if (!frag) return [];
  // One analysis per buddyinfo artefact (`analyses: [...]`), or the analysis itself.
  const analyses = Array.isArray(frag.analyses) ? frag.analyses.filter(isObj) : [frag];
  const charts: ChartSpec[] = [];
  for (const a of analyses) charts.push(...analysisCharts(a, o, charts.length));
  return charts;
}

function analysisCharts(frag: Loose, o: Required<z.output<typeof BuildChartsOptionsSchema>>, offset: number): ChartSpec[] {
  const zonesRaw = [frag.zones, frag.perZone, frag.zoneSeries, frag.series].find(Array.isArray) as unknown[] | undefined;
  if (!zonesRaw) return [];
  const charts: ChartSpec[] = [];
  const highOrder = num(frag.highOrder);
  const costlyOrder = num(frag.costlyOrder);
  // Zones whose free memory did not move (DMA, an idle node) are left out when some did.
  const anyActive = zonesRaw.some((zr) => isObj(zr) && zr.active === true);
  for (const zr of zonesRaw) {
    if (!isObj(zr)) continue;
    if (anyActive && zr.active === false) continue;
    const z0 = readZone(zr);
    if (!z0 || z0.t.length === 0) continue;
    const label = `${z0.node !== null ? `Node ${z0.node}, ` : ''}zone ${z0.zone}`;
    const source = typeof zr.source === 'string' ? zr.source : typeof frag.source === 'string' ? frag.source : '';
    const xEpoch = isEpochAxis(z0.t);
    if (z0.free.length) {
      charts.push({
        id: `frag-${offset + charts.length}`,
        group: 'fragmentation',
        kind: 'heatmap',
        title: `Free blocks per order: ${label}`,
        unit: 'blocks',
        xEpoch,
        layers: [],
        markers: [],
        heatmap: { t: z0.t, rows: z0.free.map((v, order) => ({ label: `order ${order}`, v })), colorLabel: 'free blocks, each order on its own log scale' },
        notes: ['Each row is one buddy order (blocks of 2^order pages), coloured on its own scale from its fewest (light) to its most (dark) free blocks; grey means none. High orders that empty while order 0 fills up is fragmentation. Hover for the counts.'],
        source,
      });
    }
    if (z0.unusable.length) {
      const layers: ChartLayer[] = [];
      const orders = z0.unusable.length;
      const wanted = [costlyOrder !== null ? costlyOrder + 1 : 4, highOrder ?? 9, orders - 1];
      const pick = [...new Set(wanted.map((x) => Math.min(orders - 1, x)))].filter((x) => x > 0).sort((a, b) => a - b);
      for (const order of pick.length ? pick : [orders - 1]) {
        layers.push({ label: `order ${order}`, role: 'data', t: z0.t, v: z0.unusable[order], color: layers.length });
      }
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
        source,
      });
    }
    if (charts.length >= o.topN * 2) break;
  }
  return charts;
}

interface ZoneData {
  node: number | null;
  zone: string;
  t: number[];
  /** [order][snapshot] */
  free: (number | null)[][];
  unusable: (number | null)[][];
}

function toRows(x: unknown, n: number): (number | null)[][] {
  if (!Array.isArray(x) || x.length === 0) return [];
  // Per snapshot arrays (x[i][order]) when the outer length is the number of snapshots.
  const matrix = x.map((r) => (Array.isArray(r) ? r.map((c) => num(c)) : isObj(r) ? (readPoints(r)?.v ?? []) : []));
  // Rows per order ([order][snapshot], the fragmentation analysis' shape) unless the outer array
  // clearly runs over snapshots (per-snapshot arrays indexed by order, the BuddyZone shape).
  if (matrix.length === n && n > 0 && matrix[0].length !== n) {
    const orders = matrix.reduce((m, r) => Math.max(m, r.length), 0);
    return Array.from({ length: orders }, (_, order) => matrix.map((r) => r[order] ?? null));
  }
  return matrix;
}

function readZone(zr: Loose): ZoneData | null {
  const zone = typeof zr.zone === 'string' ? zr.zone : typeof zr.name === 'string' ? zr.name : '?';
  const node = num(zr.node);
  const t = (Array.isArray(zr.t) ? zr.t : Array.isArray(zr.times) ? zr.times : Array.isArray(zr.time) ? zr.time : null) as unknown[] | null;
  if (t) {
    const tn = t.map((x) => num(x) ?? NaN);
    const n = tn.length;
    return {
      node,
      zone,
      t: tn,
      free: toRows(zr.freeBlocks ?? zr.orders ?? zr.free, n),
      unusable: toRows(zr.unusable ?? zr.unusableIndex ?? zr.unusableIndices, n),
    };
  }
  const pts = zr.points ?? zr.snapshots;
  if (Array.isArray(pts)) {
    const times: number[] = [];
    const index = new Map<number, number>();
    const free: (number | null)[][] = [];
    const unusable: (number | null)[][] = [];
    for (const p of pts) {
      if (!isObj(p)) continue;
      const time = firstNum(p, ['time', 't']);
      if (time === null) continue;
      let i = index.get(time);
      if (i === undefined) {
        i = times.length;
        index.set(time, i);
        times.push(time);
      }
      const order = num(p.order);
      if (order !== null) {
        const fb = num(p.freeBlocks);
        const ui = num(p.unusableIndex ?? p.unusable);
        if (fb !== null) (free[order] ??= [])[i] = fb;
        if (ui !== null) (unusable[order] ??= [])[i] = ui;
      } else {
        const fbs = p.freeBlocks;
        const uis = p.unusableIndex ?? p.unusable;
        if (Array.isArray(fbs)) fbs.forEach((c, k) => ((free[k] ??= [])[i!] = num(c)));
        if (Array.isArray(uis)) uis.forEach((c, k) => ((unusable[k] ??= [])[i!] = num(c)));
      }
    }
    const fill = (rows: (number | null)[][]) => Array.from({ length: rows.length }, (_, k) => Array.from({ length: times.length }, (_, i) => rows[k]?.[i] ?? null));
    return { node, zone, t: times, free: fill(free), unusable: fill(unusable) };
  }
  return null;
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
  const o = BuildChartsOptionsSchema.parse(options) as Required<z.output<typeof BuildChartsOptionsSchema>>;
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
