import { z } from 'zod';
import { DiagnosticSummarySchema } from '../core/diagnostics.js';
import { EvidenceSchema, FindingSchema, FindingSeveritySchema } from '../core/models.js';
import { FormatIdSchema, ParseStatsSchema } from '../core/parser.js';
import { KmemleakScanStatusSchema } from '../analysis/kmemleakAcrossScans.js';

/**
 * The JSON report: the one data object every renderer (Markdown, JSON, HTML, Vega-Lite) reads.
 * Sections are filled by the analyses that apply; an absent input leaves its section empty.
 * Objects are loose (`z.looseObject`): analyses may add fields, never drop the named ones.
 */
export const SCHEMA_VERSION = 1;

export const VerdictKindSchema = z.enum(['leak', 'fragmentation', 'leak-and-fragmentation', 'no-leak', 'inconclusive']);
export type VerdictKind = z.infer<typeof VerdictKindSchema>;

export const ArtefactSchema = z.looseObject({
  path: z.string(),
  format: FormatIdSchema.nullable(),
  /** How the format was chosen: detection (with confidence) or forced with --format. */
  detection: z
    .object({ method: z.enum(['sniff', 'forced']), confidence: z.number(), reason: z.string() })
    .optional(),
  records: z.number().int().nonnegative(),
  diagnostics: DiagnosticSummarySchema,
  stats: ParseStatsSchema.optional(),
  bytes: z.number().int().nonnegative().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type Artefact = z.infer<typeof ArtefactSchema>;

export const VerdictSchema = z.looseObject({
  kind: VerdictKindSchema,
  severity: FindingSeveritySchema,
  summary: z.string(),
  confidence: z.number().min(0).max(1).optional(),
  /** Seconds until the projected usage reaches its limit, when a limit and a leak are known. */
  timeToLimitSeconds: z.number().nullable().optional(),
  /** Where the growth lives. */
  space: z.enum(['kernel', 'user', 'both', 'unknown']).optional(),
  evidence: z.array(EvidenceSchema).optional(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const ReportSeriesSchema = z.looseObject({
  source: z.string(),
  name: z.string(),
  unit: z.string(),
  points: z.number().int().nonnegative(),
  t: z.array(z.number()),
  v: z.array(z.number()),
  timeAssumed: z.boolean().optional(),
});

export const TrendVerdictSchema = z.enum(['leak', 'no-leak', 'plateau', 'step', 'insufficient-data']);

export const TrendEntrySchema = z.looseObject({
  source: z.string(),
  series: z.string(),
  verdict: TrendVerdictSchema,
  slopePerHour: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  pValue: z.number().nullable(),
  unit: z.string(),
  /** Detected cycle period in seconds, null when the series does not oscillate. */
  period: z.number().nullable(),
  /** Time (same axis as the series) the leak started, null when not found. */
  onset: z.number().nullable(),
  timeToLimitSeconds: z.number().nullable(),
});

export const AllocationSiteEntrySchema = z.looseObject({
  site: z.string(),
  comm: z.string().nullable().optional(),
  stack: z.array(z.string()),
  outstandingCount: z.number(),
  outstandingBytes: z.number(),
  allocs: z.number().nullable().optional(),
  frees: z.number().nullable().optional(),
  growthBytesPerSecond: z.number().nullable(),
  source: z.string(),
});

export const SlabGrowthEntrySchema = z.looseObject({
  cache: z.string(),
  reclaimable: z.boolean(),
  startBytes: z.number(),
  peakBytes: z.number(),
  endBytes: z.number(),
  objectsDelta: z.number(),
  slopeBytesPerHour: z.number().nullable(),
  verdict: z.string(),
  source: z.string(),
});

export const MeminfoComponentSchema = z.looseObject({
  field: z.string(),
  startKb: z.number(),
  peakKb: z.number(),
  endKb: z.number(),
  slopeKbPerHour: z.number().nullable(),
  verdict: z.string(),
});

export const MeminfoSectionSchema = z.looseObject({
  source: z.string(),
  components: z.array(MeminfoComponentSchema),
  /** MemTotal minus every counter that accounts for memory: where buddy-direct drivers show up. */
  unaccounted: z.looseObject({ startKb: z.number(), endKb: z.number(), slopeKbPerHour: z.number().nullable(), verdict: z.string() }).nullable(),
});

export const KmemleakClusterSchema = z.looseObject({
  culprit: z.string(),
  count: z.number(),
  bytes: z.number(),
  backtrace: z.array(z.string()),
  comms: z.array(z.string()),
  contentPreview: z.string().nullable(),
  source: z.string(),
  /** Across several scans (kmemleakAcrossScans): objects and bytes of the cluster's backtrace per scan, oldest first, and its status. */
  scanCounts: z.array(z.number()).optional(),
  scanBytes: z.array(z.number()).optional(),
  scanStatus: KmemleakScanStatusSchema.optional(),
});

export const StackGrowthSchema = z.looseObject({
  stack: z.array(z.string()),
  firstBytes: z.number(),
  lastBytes: z.number(),
  growthBytesPerSecond: z.number().nullable(),
  source: z.string(),
});

export const OomEventSchema = z.looseObject({
  time: z.number().nullable(),
  victimPid: z.number().nullable(),
  victimComm: z.string().nullable(),
  anonRssKb: z.number().nullable(),
  constraint: z.string().nullable(),
  order: z.number().nullable(),
  source: z.string(),
});

export const LeakSiteSchema = z.looseObject({
  site: z.string(),
  stack: z.array(z.string()),
  bytes: z.number(),
  count: z.number(),
  kind: z.enum(['definite', 'indirect', 'possible', 'reachable']),
  source: z.string(),
});

export const ReportSchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('memforensics'), version: z.string() }),
  artefacts: z.array(ArtefactSchema),
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
  fragmentation: z.looseObject({}).nullable(),
  /** Before/after comparison, null unless --baseline was given. */
  comparison: z.looseObject({}).nullable(),
});
export type Report = z.infer<typeof ReportSchema>;
