import { z } from 'zod';
import type { DiagnosticSummary } from '../core/diagnostics.js';
import type { Finding, TimeAxis, TimeSeries, UsageRole } from '../core/models.js';
import type { FormatId, ParseResult } from '../core/parser.js';
import { bytesPerUnit } from '../core/format.js';
import { AlertThresholdsSchema } from '../analysis/alerts.js';
import { PairingOptionsSchema, type PairingResult } from '../analysis/pairing/index.js';
import type { LeakTrendResult } from '../analysis/trend/index.js';
import type { Detection } from '../parsers/auto.js';
import type { Artefact, ReportSections } from '../report/schema.js';

/**
 * What the pipeline carries from parsing to the report: the parsed artefacts, the options, and the
 * context every format module's analysis writes its sections and findings into.
 */

/** Results of analyses run while the records streamed out of the parser (see FormatModule.streaming). */
export interface StreamedResults {
  /** A long snapshot series' bounded, evenly spaced subsample (always with the last snapshot). */
  snapshots?: unknown[];
  /** Snapshots the parser produced, of which `snapshots` kept every `snapshotStride`-th. */
  snapshotsSeen?: number;
  snapshotStride?: number;
  /** A trace paired on the fly: a multi-GB trace never holds its records, only the live set. */
  pairing?: PairingResult;
}

/** One input of an analysis: a parsed artefact, or a file that could not be read or placed. */
export interface ParsedArtefact {
  path: string;
  format: FormatId | null;
  detection?: Detection;
  result?: ParseResult<unknown>;
  streamed?: StreamedResults;
  error?: { code: string; message: string };
  bytes?: number;
  /** For a timestamps sidecar (meminfo_epochs.txt), the series file it stamps. */
  sidecarOf?: string;
  /** Why the file was listed but not parsed (e.g. `documentation`). */
  skipped?: string;
  /** How its time axis was built, for a snapshot series (set by resolveTimeAxes). */
  timeAxis?: TimeAxis;
  /** For an epoch log (one timestamp per line, parseEpochLog): its times, a reference for series without their own. */
  epochs?: number[];
}

export const AnalyzeOptionsSchema = z.object({
  /** The memory limit usage is projected to (bytes): MemTotal, a cgroup limit, or `--limit 2GiB`. */
  limitBytes: z.number().positive().optional(),
  /** Include the tracer's own allocations (trace-cmd, bpftrace, perf) in trace pairing. */
  includeTracer: z.boolean().optional(),
  /** Filters and settings of trace pairing (comm, pid, bytes_alloc, time window, event kinds, young age). */
  pairing: PairingOptionsSchema.omit({ source: true }).optional(),
  /** Keep every extracted series in the report (default: only the ones analysed for trends). */
  allSeries: z.boolean().optional(),
  /** Snapshots kept per long series (slabinfo, buddyinfo) while streaming from files (default 2048). */
  maxSnapshots: z.number().int().min(16).optional(),
  /**
   * Seconds between samples of series captured without timestamps (`--interval`): the first source
   * of their time axis, before sidecar epochs, a timestamped sibling capture and cues in the file.
   */
  intervalSeconds: z.number().positive().optional(),
  /** Thresholds of the graded alerts (see alerts.ts). */
  alertThresholds: AlertThresholdsSchema.partial().optional(),
});
export type AnalyzeOptions = z.infer<typeof AnalyzeOptionsSchema>;

export type { UsageRole } from '../core/models.js';

export interface UsageSeries {
  series: TimeSeries;
  role: UsageRole;
  limit?: number;
  /** false when another analysis reports this series' growth (meminfo attribution). */
  emitFinding?: boolean;
  /**
   * A stand-in measure (what falling free memory consumed): its finding is left out when the same
   * capture folder has a direct series of the same role (meminfo Used), which measures the same memory.
   */
  standIn?: boolean;
}

export interface AnalysisContext {
  readonly options: AnalyzeOptions;
  readonly sections: ReportSections;
  readonly findings: Finding[];
  /** Series the trend engine should look at, with what they measure. */
  readonly usageSeries: UsageSeries[];
  /** The trend engine's full results, for the verdict (filled by runUsageTrends). */
  readonly trendResults: { source: string; name: string; role: UsageRole; result: LeakTrendResult }[];
  /** Trace pairings, for linking kernel findings in time. */
  readonly traces: { source: string; pairing: PairingResult }[];
  /** Each snapshot series' time axis, by artefact path (see timeAxis.ts). */
  readonly timeAxes: Map<string, TimeAxis>;
  /** MemTotal seen in any meminfo artefact: the default limit for projections. */
  memTotalBytes?: number;
}

export function emptySections(): ReportSections {
  return {
    series: [],
    trends: [],
    allocationSites: [],
    slabGrowth: [],
    meminfo: [],
    kmemleakClusters: [],
    stackGrowth: [],
    oomEvents: [],
    leakSites: [],
    fragmentation: null,
    comparison: null,
  };
}

export function createContext(options: AnalyzeOptions): AnalysisContext {
  return { options, sections: emptySections(), findings: [], usageSeries: [], trendResults: [], traces: [], timeAxes: new Map() };
}

/** The capture folder of a path: artefacts of one folder are one run. */
export function folderOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? '.' : p.slice(0, i);
}

/** The artefact's records, or the bounded subsample kept while streaming a long series. */
export function recordsOf<T>(a: ParsedArtefact): T[] {
  return (a.streamed?.snapshots ?? a.result?.records ?? []) as T[];
}

/** Adds a series to the report's charts (no trend). */
export function pushSeries(ctx: AnalysisContext, source: string, s: TimeSeries): void {
  ctx.sections.series.push({ source, name: s.name, unit: s.unit, points: s.t.length, t: s.t, v: s.v, ...(s.timeAssumed ? { timeAssumed: true } : {}) });
}

/** Registers a usage series for charts and the trend engine. */
export function addUsage(ctx: AnalysisContext, source: string, s: TimeSeries, role: UsageRole, limit?: number, emitFinding = true, standIn = false): void {
  // A single snapshot has no trend: it stays in the artefact's records, not in the charts.
  if (s.t.length < 3) return;
  pushSeries(ctx, source, s);
  ctx.usageSeries.push({ series: { ...s, source }, role, ...(limit !== undefined ? { limit } : {}), emitFinding, ...(standIn ? { standIn } : {}) });
}

/** The limit in a series' unit: --limit when given, else a fallback (MemTotal) in the same unit. */
export function limitIn(ctx: AnalysisContext, unit: string, fallbackBytes?: number): number | undefined {
  const perUnit = bytesPerUnit(unit);
  const bytes = ctx.options.limitBytes ?? fallbackBytes;
  return perUnit !== null && bytes !== undefined ? bytes / perUnit : undefined;
}

const EMPTY_DIAGNOSTICS: DiagnosticSummary = {
  total: 0,
  bySeverity: { info: 0, warning: 0, 'data-loss': 0, error: 0 },
  byCode: {},
  items: [],
};

/** The report's row for one artefact. */
export function artefactEntry(a: ParsedArtefact): Artefact {
  return {
    path: a.path,
    format: a.format,
    ...(a.detection ? { detection: a.detection } : {}),
    records: a.result?.stats.records ?? 0,
    diagnostics: a.result?.diagnostics ?? EMPTY_DIAGNOSTICS,
    ...(a.result ? { stats: a.result.stats } : {}),
    ...(a.bytes !== undefined ? { bytes: a.bytes } : {}),
    ...(a.error ? { error: a.error } : {}),
    ...(a.sidecarOf ? { sidecarOf: a.sidecarOf } : {}),
    ...(a.skipped ? { skipped: a.skipped } : {}),
    ...(a.timeAxis ? { timeAxis: a.timeAxis } : {}),
  };
}
