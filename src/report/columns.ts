import type { DiagnosticSummary } from '../core/diagnostics.js';
import { formatBytes, formatDuration, formatMeasured, formatNumber, formatPercent, formatPValue, formatQuantity, formatRate, formatTime, formatTimeToLimit, withAxisMark } from '../core/format.js';
import type { AllocationSiteEntry } from './schema.js';
import type {
  ArtefactRow,
  ComparisonRow,
  KmemleakClusterRow,
  LeakSiteRow,
  MeminfoRow,
  OomEventRow,
  SlabRow,
  StackGrowthRow,
  TrendRow,
  ZoneRow,
} from './sections.js';

/**
 * The report's tables, declared once: per table its columns, each with its header, alignment and
 * the cell it shows, built from the typed section row with the one formatter set (format.ts).
 * The Markdown and the HTML renderer both render these lists; a column marked `htmlOnly` is left
 * out of Markdown, which stays narrow enough for a terminal and a PR comment.
 *
 * A cell says what its content is, and each renderer escapes it its own way: capture strings
 * (`code`, `codes`, `stack`, `preview`) are shown literally; `text` is prose the renderer escapes.
 */
export type Cell =
  /** Words and numbers (may include capture text: escaped as prose). */
  | { kind: 'text'; text: string }
  /** A capture string shown literally (symbol, comm, path, cache), with an optional note after it. */
  | { kind: 'code'; text: string; note?: string }
  /** Several capture strings (comms), `hidden` more not shown. */
  | { kind: 'codes'; items: readonly string[]; hidden: number }
  /** A stack, top frame first. */
  | { kind: 'stack'; frames: readonly string[] }
  /** A verdict word of an analysis (a badge in HTML). */
  | { kind: 'verdict'; text: string }
  /** Object content as text (kmemleak hex dump). */
  | { kind: 'preview'; text: string }
  /** A parse's diagnostics: a summary in Markdown, the list in HTML. */
  | { kind: 'diagnostics'; summary: DiagnosticSummary; error?: { code: string; message: string } }
  /** No value. */
  | { kind: 'none' };

export interface Column<T> {
  head: string;
  align: 'left' | 'right';
  cell: (row: T) => Cell;
  /** Only in the HTML table (detail a terminal does not need). */
  htmlOnly?: boolean;
  /** Long content: the HTML cell may wrap. */
  wrap?: boolean;
}

export interface Table<T> {
  /** Anchor of the HTML section. */
  id: string;
  title: string;
  columns: readonly Column<T>[];
}

const text = (t: string): Cell => ({ kind: 'text', text: t });
const code = (t: string, note?: string): Cell => (note ? { kind: 'code', text: t, note } : { kind: 'code', text: t });
const orNone = <T>(x: T | null | undefined, f: (x: T) => Cell): Cell => (x === null || x === undefined ? { kind: 'none' } : f(x));
const num = (n: number | null | undefined): Cell => text(formatNumber(n));
const yesNo = (b: boolean): Cell => text(b ? 'yes' : 'no');
const perSecond = (bytes: number | null | undefined): Cell => (bytes === null || bytes === undefined ? { kind: 'none' } : text(`${formatBytes(bytes)}/s`));
const source = <T extends { source: string }>(): Column<T> => ({ head: 'Source', align: 'left', cell: (r) => code(r.source), wrap: true });

export const TRENDS: Table<TrendRow> = {
  id: 'trends',
  title: 'Trends',
  columns: [
    { head: 'Series', align: 'left', cell: (r) => code(r.series), wrap: true },
    { head: 'Verdict', align: 'left', cell: (r) => ({ kind: 'verdict', text: r.verdict }) },
    { head: 'Slope', align: 'right', cell: (r) => text(withAxisMark(formatRate(r.slopePerHour, r.unit), r.timeAssumed)) },
    { head: '95 % interval', align: 'right', cell: (r) => orNone(r.ci95, (ci) => text(withAxisMark(`${formatRate(ci[0], r.unit)} … ${formatRate(ci[1], r.unit)}`, r.timeAssumed))) },
    { head: 'p', align: 'right', cell: (r) => text(formatPValue(r.pValue)) },
    { head: 'Period', align: 'right', cell: (r) => text(formatDuration(r.period)), htmlOnly: true },
    { head: 'Onset', align: 'right', cell: (r) => text(r.onsetAtStart ? 'from the start' : formatTime(r.onset)) },
    { head: 'Time to limit', align: 'right', cell: (r) => text(formatTimeToLimit(r.timeToLimitSeconds, r.timeAssumed)) },
    source(),
  ],
};

export const ALLOCATION_SITES: Table<AllocationSiteEntry> = {
  id: 'allocation-sites',
  title: 'Allocation sites',
  columns: [
    { head: 'Site', align: 'left', cell: (r) => code(r.site), wrap: true },
    // a trace site grouped across tasks has no comm of its own: its top holders with their counts
    {
      head: 'Comm',
      align: 'left',
      cell: (r) =>
        r.comm === null && 'topComms' in r && r.topComms.length > 1
          ? { kind: 'codes', items: r.topComms.slice(0, 3).map((c) => `${c.comm} ×${c.outstandingCount}`), hidden: Math.max(0, r.topComms.length - 3) }
          : orNone(r.comm ?? ('topComms' in r && r.topComms.length === 1 ? r.topComms[0].comm : null), (c) => code(c)),
    },
    { head: 'Outstanding', align: 'right', cell: (r) => num(r.outstandingCount) },
    { head: 'Bytes', align: 'right', cell: (r) => text(formatBytes(r.outstandingBytes)) },
    { head: 'Allocs / frees', align: 'right', cell: (r) => (r.allocs === undefined ? { kind: 'none' } : text(`${formatNumber(r.allocs)} / ${formatNumber(r.frees)}`)), htmlOnly: true },
    { head: 'Growth', align: 'right', cell: (r) => perSecond(r.growthBytesPerSecond) },
    { head: 'Stack', align: 'left', cell: (r) => ({ kind: 'stack', frames: r.stack }), wrap: true },
    source(),
  ],
};

export const SLAB_CACHES: Table<SlabRow> = {
  id: 'slab-growth',
  title: 'Slab caches',
  columns: [
    { head: 'Cache', align: 'left', cell: (r) => code(r.cache, r.reclaimable ? 'reclaimable' : undefined), wrap: true },
    { head: 'Verdict', align: 'left', cell: (r) => ({ kind: 'verdict', text: r.verdict }) },
    { head: 'Start', align: 'right', cell: (r) => text(formatBytes(r.startBytes)) },
    { head: 'Peak', align: 'right', cell: (r) => text(formatBytes(r.peakBytes)) },
    { head: 'End', align: 'right', cell: (r) => text(formatBytes(r.endBytes)) },
    { head: 'Objects Δ', align: 'right', cell: (r) => num(r.objectsDelta) },
    { head: 'Slope', align: 'right', cell: (r) => text(withAxisMark(formatRate(r.slopeBytesPerHour, 'bytes'), r.timeAssumed)) },
    source(),
  ],
};

/** A meminfo counter, or the unaccounted remainder (MemTotal minus every counter). */
export interface MeminfoLine {
  field: string;
  verdict: string;
  startKb: number;
  peakKb: number;
  endKb: number;
  slopeKbPerHour: number | null;
  /** The meminfo series' time axis is assumed: its slope is per sample. */
  timeAssumed?: boolean;
}

/** The rows of one meminfo attribution: its components, then the unaccounted remainder. */
export function meminfoLines(m: MeminfoRow): MeminfoLine[] {
  const rows: MeminfoLine[] = m.components.map((c) => ({ field: c.field, verdict: c.verdict, startKb: c.startKb, peakKb: c.peakKb, endKb: c.endKb, slopeKbPerHour: c.slopeKbPerHour, timeAssumed: m.timeAssumed }));
  const u = m.unaccounted;
  if (u) rows.push({ field: 'unaccounted (MemTotal minus every counter)', verdict: u.verdict, startKb: u.startKb, peakKb: u.peakKb, endKb: u.endKb, slopeKbPerHour: u.slopeKbPerHour, timeAssumed: m.timeAssumed });
  return rows;
}

export const MEMINFO: Table<MeminfoLine> = {
  id: 'meminfo',
  title: 'Meminfo',
  columns: [
    { head: 'Field', align: 'left', cell: (r) => code(r.field) },
    { head: 'Verdict', align: 'left', cell: (r) => ({ kind: 'verdict', text: r.verdict }) },
    { head: 'Start', align: 'right', cell: (r) => text(formatQuantity(r.startKb, 'kB')) },
    { head: 'Peak', align: 'right', cell: (r) => text(formatQuantity(r.peakKb, 'kB')) },
    { head: 'End', align: 'right', cell: (r) => text(formatQuantity(r.endKb, 'kB')) },
    { head: 'Slope', align: 'right', cell: (r) => text(withAxisMark(formatRate(r.slopeKbPerHour, 'kB'), r.timeAssumed)) },
  ],
};

export const KMEMLEAK_CLUSTERS: Table<KmemleakClusterRow> = {
  id: 'kmemleak',
  title: 'kmemleak clusters',
  columns: [
    { head: 'Culprit', align: 'left', cell: (r) => code(r.culprit), wrap: true },
    { head: 'Objects', align: 'right', cell: (r) => num(r.count) },
    { head: 'Bytes', align: 'right', cell: (r) => text(formatBytes(r.bytes)) },
    { head: 'Comms', align: 'left', cell: (r) => (r.comms.length ? { kind: 'codes', items: r.comms.slice(0, 4), hidden: Math.max(0, r.comms.length - 4) } : { kind: 'none' }), wrap: true },
    { head: 'Content', align: 'left', cell: (r) => orNone(r.contentPreview, (t) => ({ kind: 'preview', text: t })) },
    { head: 'Backtrace', align: 'left', cell: (r) => ({ kind: 'stack', frames: r.backtrace }), wrap: true },
    source(),
  ],
};

export const STACK_GROWTH: Table<StackGrowthRow> = {
  id: 'stack-growth',
  title: 'Stacks that grow',
  columns: [
    { head: 'Stack', align: 'left', cell: (r) => ({ kind: 'stack', frames: r.stack }), wrap: true },
    { head: 'Verdict', align: 'left', cell: (r) => ({ kind: 'verdict', text: r.verdict }), htmlOnly: true },
    { head: 'First', align: 'right', cell: (r) => text(r.unit === 'bytes' ? formatBytes(r.firstBytes) : formatNumber(r.firstBytes)) },
    { head: 'Last', align: 'right', cell: (r) => text(r.unit === 'bytes' ? formatBytes(r.lastBytes) : formatNumber(r.lastBytes)) },
    { head: 'Growth', align: 'right', cell: (r) => (r.unit === 'bytes' ? perSecond(r.growthBytesPerSecond) : orNone(r.growthBytesPerSecond, (g) => text(`${formatNumber(g)}/s`))) },
    source(),
  ],
};

export const LEAK_SITES: Table<LeakSiteRow> = {
  id: 'leak-sites',
  title: 'Leak sites',
  columns: [
    { head: 'Site', align: 'left', cell: (r) => code(r.site, r.siteLocation ?? undefined), wrap: true },
    { head: 'Kind', align: 'left', cell: (r) => text(r.kind) },
    { head: 'Bytes', align: 'right', cell: (r) => text(formatBytes(r.bytes)) },
    { head: 'Blocks', align: 'right', cell: (r) => num(r.count) },
    { head: 'Stack', align: 'left', cell: (r) => ({ kind: 'stack', frames: r.stack }), wrap: true },
    source(),
  ],
};

export const OOM_KILLS: Table<OomEventRow> = {
  id: 'oom-events',
  title: 'OOM kills',
  columns: [
    // Kernel log times are seconds since boot unless the log printed wall-clock time.
    { head: 'Time', align: 'right', cell: (r) => text(r.time !== null && r.timeKind === 'boot' ? `${formatDuration(r.time)} after boot` : formatTime(r.time)) },
    { head: 'Victim', align: 'left', cell: (r) => (r.victimComm === null ? (r.victimPid === null ? { kind: 'none' } : text(`pid ${r.victimPid}`)) : code(r.victimComm, r.victimPid === null ? undefined : `pid ${r.victimPid}`)) },
    { head: 'anon-rss', align: 'right', cell: (r) => text(formatQuantity(r.anonRssKb, 'kB')) },
    { head: 'Constraint', align: 'left', cell: (r) => orNone(r.constraint, text) },
    { head: 'Order', align: 'right', cell: (r) => num(r.order) },
    { head: 'At the time', align: 'left', cell: (r) => text(`${r.fragmentation.verdict}: ${r.fragmentation.detail}`), htmlOnly: true, wrap: true },
    source(),
  ],
};

/** unusable_index at the analysis' high order (decimal), as the kernel prints it. */
const index3 = (x: number): string => x.toFixed(3);
const trio = (z: ZoneRow, f: (p: ZoneRow['baseline']) => string): string => `${f(z.baseline)} → ${f(z.worst)} → ${f(z.end)}`;

/** Zones of one buddyinfo analysis: baseline → worst → end. */
export function fragmentationZones(highOrder: number, pageSize: number): Table<ZoneRow> {
  return {
    id: 'fragmentation-zones',
    title: 'Zones',
    columns: [
      { head: 'Zone', align: 'left', cell: (z) => code(`Node ${z.node}, ${z.zone}`) },
      { head: 'Fragmented', align: 'left', cell: (z) => yesNo(z.fragmented) },
      { head: 'Still at end', align: 'left', cell: (z) => yesNo(z.persistent) },
      { head: `Unusable index (order ${highOrder})`, align: 'right', cell: (z) => text(trio(z, (p) => index3(p.unusableHigh))) },
      { head: 'Order-0 blocks', align: 'right', cell: (z) => text(trio(z, (p) => formatNumber(p.order0Blocks))) },
      { head: 'Free memory', align: 'right', cell: (z) => text(trio(z, (p) => formatBytes(p.freePages * pageSize))), htmlOnly: true },
      { head: 'After release', align: 'left', cell: (z) => orNone(z.idleWindow, (w) => text(`${w.recovered} recovery`)), htmlOnly: true },
    ],
  };
}

const SECTION_NAMES: Record<ComparisonRow['section'], string> = {
  allocationSites: 'allocation site',
  kmemleakClusters: 'kmemleak cluster',
  stackGrowth: 'stack',
  leakSites: 'leak site',
  slabGrowth: 'slab cache',
  trends: 'usage trend',
};

/** The before/after table of a `--baseline` comparison. */
export const COMPARISON: Table<ComparisonRow> = {
  id: 'comparison',
  title: 'Before and after',
  columns: [
    { head: 'Status', align: 'left', cell: (r) => ({ kind: 'verdict', text: r.status }) },
    { head: 'What', align: 'left', cell: (r) => text(SECTION_NAMES[r.section]) },
    { head: 'Item', align: 'left', cell: (r) => code(r.key), wrap: true },
    { head: 'Before', align: 'right', cell: (r) => text(formatMeasured(r.before, r.unit)) },
    { head: 'After', align: 'right', cell: (r) => text(formatMeasured(r.after, r.unit)) },
    { head: 'Measure', align: 'left', cell: (r) => text(r.measure) },
  ],
};

export const ARTEFACTS: Table<ArtefactRow> = {
  id: 'artefacts',
  title: 'Artefacts',
  columns: [
    { head: 'Path', align: 'left', cell: (r) => code(r.path), wrap: true },
    { head: 'Format', align: 'left', cell: (r) => text(`${r.format ?? 'unknown'}${r.sidecarOf !== undefined ? `: the timestamps of ${r.sidecarOf}` : ''}${r.skipped !== undefined ? ` (not parsed: ${r.skipped})` : ''}`) },
    { head: 'Detection', align: 'left', cell: (r) => orNone(r.detection, (d) => text(`${d.method} ${formatPercent(d.confidence)}: ${d.reason}`)), htmlOnly: true, wrap: true },
    { head: 'Records', align: 'right', cell: (r) => num(r.records) },
    { head: 'Time axis', align: 'left', cell: (r) => orNone(r.timeAxis, (a) => text(`${a.source}: ${a.detail}`)), htmlOnly: true, wrap: true },
    { head: 'Lines read / parsed / skipped / diagnosed', align: 'right', cell: (r) => orNone(r.stats, (s) => text([s.linesRead, s.linesParsed, s.linesSkipped, s.linesDiagnosed].map(formatNumber).join(' / '))), htmlOnly: true },
    { head: 'Size', align: 'right', cell: (r) => text(formatBytes(r.bytes)), htmlOnly: true },
    { head: 'Diagnostics', align: 'left', cell: (r) => ({ kind: 'diagnostics', summary: r.diagnostics, ...(r.error ? { error: r.error } : {}) }), wrap: true },
  ],
};
