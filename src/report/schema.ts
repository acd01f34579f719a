import { z } from 'zod';
import { DiagnosticSummarySchema } from '../core/diagnostics.js';
import { AllocationSiteSchema, EvidenceSchema, FindingSchema, FindingSeveritySchema, TimeAxisSchema, VerdictKindSchema } from '../core/models.js';
import { FormatIdSchema, ParseStatsSchema } from '../core/parser.js';
import { KmemleakClusterResultSchema } from '../analysis/clusterKmemleak.js';
import { FragmentationAnalysisSchema, KernelIndexCheckSchema } from '../analysis/fragmentation.js';
import { MemoryGrowthClassificationSchema } from '../analysis/classifyMemoryGrowth.js';
import { LeakSiteEntrySchema } from '../analysis/leakSites.js';
import { MeminfoAttributionResultSchema } from '../analysis/meminfoAttribution.js';
import { OomEventEntrySchema } from '../analysis/oomTimeline.js';
import { PairedSiteSchema } from '../analysis/pairing/index.js';
import { SlabGrowthResultEntrySchema } from '../analysis/slabGrowth.js';
import { StackGrowthEntrySchema } from '../analysis/stackGrowth.js';
import { TrendEntrySchema } from '../analysis/trend/toReport.js';
import { ComparisonSchema } from '../analysis/comparison.js';
import { KmemleakScanStatusSchema } from '../analysis/kmemleakAcrossScans.js';

/**
 * The JSON report: the one data object every renderer (Markdown, JSON, HTML, Vega-Lite) reads.
 * Composed from the analyses' own result schemas: a section holds exactly what its analysis
 * produces, and a report that parses changes nothing (test/report/schema.test.ts checks every
 * real capture's report round-trips unchanged), so a renderer cannot read a field nobody writes.
 * Sections are filled by the analyses that apply; an absent input leaves its section empty.
 */
export const SCHEMA_VERSION = 2;

export const ArtefactSchema = z.strictObject({
  path: z.string(),
  format: FormatIdSchema.nullable(),
  /** How the format was chosen: detection (with confidence) or forced with --format. */
  detection: z.strictObject({ method: z.enum(['sniff', 'forced']), confidence: z.number(), reason: z.string() }).optional(),
  records: z.number().int().nonnegative(),
  diagnostics: DiagnosticSummarySchema,
  stats: ParseStatsSchema.optional(),
  bytes: z.number().int().nonnegative().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
  /** For a timestamps sidecar, the series file it stamps. */
  sidecarOf: z.string().optional(),
  /** Why the file was listed but not parsed (e.g. `documentation`). */
  skipped: z.string().optional(),
  /** How a snapshot series' time axis was built: its own timestamps, --interval, a sidecar, a sibling capture, cues, or assumed. */
  timeAxis: TimeAxisSchema.optional(),
});
export type Artefact = z.infer<typeof ArtefactSchema>;

/**
 * Files that are no capture (unrecognised, binary, empty), counted by why and by file kind
 * (extension) instead of one artefact row each: a folder of 100,000 logs is one line, not 100,000.
 */
export const UnplacedFilesSchema = z.strictObject({
  code: z.string(),
  /** The file kind: its extension (`.log`), or `(none)`. */
  kind: z.string(),
  count: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  /** The first few paths, to look at. */
  examples: z.array(z.string()),
});
export type UnplacedFiles = z.infer<typeof UnplacedFilesSchema>;

export const VerdictSchema = z.strictObject({
  kind: VerdictKindSchema,
  severity: FindingSeveritySchema,
  summary: z.string(),
  confidence: z.number().min(0).max(1).optional(),
  /** Seconds until the projected usage reaches its limit, when a limit and a leak are known. */
  timeToLimitSeconds: z.number().nullable().optional(),
  /** Where the growth lives. */
  space: z.enum(['kernel', 'user', 'both', 'unknown']).optional(),
  evidence: z.array(EvidenceSchema).optional(),
  /** The artefacts whose time axis is assumed (1 sample per second): every rate and time above is per sample. */
  assumedTimeAxes: z.array(z.string()).optional(),
  /** The time to limit was projected on an assumed time axis: it counts samples, not seconds. */
  timeToLimitAxisAssumed: z.boolean().optional(),
  /** What to capture next when the data cannot tell (commands). */
  suggestedCaptures: z.array(z.string()).optional(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** A chartable series. */
export const ReportSeriesSchema = z.strictObject({
  source: z.string(),
  name: z.string(),
  unit: z.string(),
  points: z.number().int().nonnegative(),
  t: z.array(z.number()),
  v: z.array(z.number()),
  timeAssumed: z.boolean().optional(),
});
export type ReportSeries = z.infer<typeof ReportSeriesSchema>;

/** A trace pairing site; `flagged` when pairing judged it a leak. */
export const TraceSiteEntrySchema = PairedSiteSchema.extend({ flagged: z.boolean() });
/** Every other tool's culprit in the shared allocation-site model. */
export const ToolSiteEntrySchema = AllocationSiteSchema.extend({ growthBytesPerSecond: z.number().nullable() });
/** One table of allocation sites across tools (trace pairing, kmemleak, memleak, bpftrace, LSan, valgrind). */
export const AllocationSiteEntrySchema = z.union([TraceSiteEntrySchema, ToolSiteEntrySchema]);
export type AllocationSiteEntry = z.infer<typeof AllocationSiteEntrySchema>;

export { TrendEntrySchema };
export const SlabGrowthEntrySchema = SlabGrowthResultEntrySchema;
export const MeminfoSectionSchema = MeminfoAttributionResultSchema.omit({ findings: true });
/** A kmemleak cluster of the latest scan; across several scans, its backtrace's objects and bytes per scan (oldest first) and status. */
export const KmemleakClusterSchema = KmemleakClusterResultSchema.extend({
  scanCounts: z.array(z.number()).optional(),
  scanBytes: z.array(z.number()).optional(),
  scanStatus: KmemleakScanStatusSchema.optional(),
});
export const StackGrowthSchema = StackGrowthEntrySchema;
export const OomEventSchema = OomEventEntrySchema;
export const LeakSiteSchema = LeakSiteEntrySchema;

/** buddyinfo analyses and, per capture folder, the leak-or-fragmentation classification. */
export const FragmentationSectionSchema = z.strictObject({
  analyses: z.array(FragmentationAnalysisSchema.extend({ source: z.string(), kernelIndexChecks: z.array(KernelIndexCheckSchema.extend({ source: z.string() })) })),
  classifications: z.array(MemoryGrowthClassificationSchema.extend({ group: z.string() })),
});
export type FragmentationSection = z.infer<typeof FragmentationSectionSchema>;

export const ReportSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.strictObject({ name: z.literal('memforensics'), version: z.string() }),
  artefacts: z.array(ArtefactSchema),
  /** Unplaced files summarised by kind and count (groups of UNPLACED_SUMMARY_MIN or more), absent when none. */
  unplaced: z.array(UnplacedFilesSchema).optional(),
  verdict: VerdictSchema,
  findings: z.array(FindingSchema),
  series: z.array(ReportSeriesSchema),
  trends: z.array(TrendEntrySchema),
  allocationSites: z.array(AllocationSiteEntrySchema),
  slabGrowth: z.array(SlabGrowthEntrySchema),
  meminfo: z.array(MeminfoSectionSchema),
  kmemleakClusters: z.array(KmemleakClusterSchema),
  stackGrowth: z.array(StackGrowthSchema),
  oomEvents: z.array(OomEventSchema),
  leakSites: z.array(LeakSiteSchema),
  /** Fragmentation analysis (buddyinfo & co.), null without buddy data. */
  fragmentation: FragmentationSectionSchema.nullable(),
  /** Before/after comparison, null unless --baseline was given. */
  comparison: ComparisonSchema.nullable(),
});
export type Report = z.infer<typeof ReportSchema>;

/** The report's analysis sections: what the format modules and the verdict fill. */
export type ReportSections = Pick<
  Report,
  'series' | 'trends' | 'allocationSites' | 'slabGrowth' | 'meminfo' | 'kmemleakClusters' | 'stackGrowth' | 'oomEvents' | 'leakSites' | 'fragmentation' | 'comparison'
>;
