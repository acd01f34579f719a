import { z } from 'zod';
import type { DiagnosticSummary } from '../core/diagnostics.js';
import type { Finding, TimeSeries } from '../core/models.js';
import type { FormatId, ParseResult } from '../core/parser.js';
import type { Detection } from '../parsers/auto.js';
import { buildReport, emptySections, type ReportSections } from '../report/buildReport.js';
import type { Artefact, Report, Verdict } from '../report/schema.js';
import { runUsageTrends } from './usageTrends.js';
import { AlertThresholdsSchema } from './alerts.js';
import type { LeakTrendResult } from './trend/index.js';
import { PairingOptionsSchema, type PairingResult } from './pairing/index.js';

/** One input of an analysis: a parsed artefact, or a file that could not be read or placed. */
export interface ParsedArtefact {
  path: string;
  format: FormatId | null;
  detection?: Detection;
  result?: ParseResult<unknown>;
  /** Analyses already run while streaming the records (a multi-GB trace is paired on the fly). */
  streamed?: Record<string, unknown>;
  error?: { code: string; message: string };
  bytes?: number;
  /** For a timestamps sidecar (meminfo_epochs.txt), the series file it stamps. */
  sidecarOf?: string;
  /** Why the file was listed but not parsed (e.g. `documentation`). */
  skipped?: string;
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
  /** Thresholds of the graded alerts (see alerts.ts). */
  alertThresholds: AlertThresholdsSchema.partial().optional(),
});
export type AnalyzeOptions = z.infer<typeof AnalyzeOptionsSchema>;

export interface AnalysisContext {
  options: AnalyzeOptions;
  sections: ReportSections;
  findings: Finding[];
  /** Series the trend engine should look at, with what they measure. */
  usageSeries: { series: TimeSeries; role: UsageRole; limit?: number; /** false when another analysis reports this series' growth (meminfo attribution) */ emitFinding?: boolean }[];
  /** The trend engine's full results, for the verdict (filled by runUsageTrends). */
  trendResults: { source: string; name: string; role: UsageRole; result: LeakTrendResult }[];
  /** Trace pairings, for linking kernel findings in time. */
  traces: { source: string; pairing: PairingResult }[];
  /** MemTotal seen in any meminfo artefact: the default limit for projections. */
  memTotalBytes?: number;
}

/** What a usage series measures, for the verdict's "where does it live" question. */
export type UsageRole = 'user' | 'kernel' | 'total' | 'other';

const EMPTY_DIAGNOSTICS: DiagnosticSummary = {
  total: 0,
  bySeverity: { info: 0, warning: 0, 'data-loss': 0, error: 0 },
  byCode: {},
  items: [],
};

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
  };
}

export type FormatAnalyzer = (artefact: ParsedArtefact, ctx: AnalysisContext) => void;

/**
 * Runs every analysis that applies to a set of parsed artefacts and builds the report.
 * Pure: parsing and I/O happen before (see `analyzeTexts` and the Node `analyzePaths`).
 * @example
 * const report = analyzeArtefacts([{ path: 'meminfo.txt', format: 'meminfo', result: parseMeminfo(text) }]);
 */
export function analyzeArtefacts(
  artefacts: readonly ParsedArtefact[],
  options: AnalyzeOptions = {},
  analyzers: Partial<Record<FormatId, FormatAnalyzer>> = {},
  conclude: (ctx: AnalysisContext, artefacts: readonly ParsedArtefact[]) => Verdict = () => ({
    kind: 'inconclusive',
    severity: 'info',
    summary: 'no analysis applied',
  }),
): Report {
  const ctx: AnalysisContext = { options, sections: emptySections(), findings: [], usageSeries: [], trendResults: [], traces: [] };
  for (const a of artefacts) {
    if (!a.format || !a.result) continue;
    analyzers[a.format]?.(a, ctx);
  }
  runUsageTrends(ctx);
  const verdict = conclude(ctx, artefacts);
  return buildReport({ artefacts: artefacts.map(artefactEntry), findings: ctx.findings, verdict, sections: ctx.sections });
}
