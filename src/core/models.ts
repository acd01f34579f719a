import { z } from 'zod';

/**
 * Models that cross formats, defined once. Parsers produce format-specific records; analyses
 * turn them into these shared shapes so a culprit seen by two tools is one finding.
 */

/** A plain numeric series, the currency of the trend engine and the charts. */
export const TimeSeriesSchema = z.object({
  name: z.string(),
  unit: z.string(),
  /** Seconds: epoch seconds when the capture had wall-clock time, else seconds since start. */
  t: z.array(z.number()),
  v: z.array(z.number()),
  /** True when the time axis was built from an assumed sampling interval. */
  timeAssumed: z.boolean().optional(),
  /** The artefact path this series came from. */
  source: z.string().optional(),
});
export type TimeSeries = z.infer<typeof TimeSeriesSchema>;

/**
 * Where a series' time axis comes from, declared once, best first. A series with its own timestamps
 * needs nothing; one without takes its interval, in this order, from `--interval` (the CLI and library
 * option), a sidecar epochs file, a timestamped capture of the same run in the same folder
 * (`sibling-capture`), the cues in the file itself (a few `date` lines); else the axis is `assumed`:
 * 1 sample per second, and every rate and time derived from it is a rate per sample.
 */
export const TIME_AXIS_SOURCES = ['timestamps', 'interval-option', 'sidecar-epochs', 'sibling-capture', 'file-cues', 'assumed'] as const;
export const TimeAxisSourceSchema = z.enum(TIME_AXIS_SOURCES);
export type TimeAxisSource = z.infer<typeof TimeAxisSourceSchema>;

/** How one artefact's time axis was built. */
export const TimeAxisSchema = z.object({
  source: TimeAxisSourceSchema,
  /** Seconds between samples (the median gap for timestamps), null when the series has fewer than two. */
  intervalSeconds: z.number().nullable(),
  /** The file the axis was taken from (the sidecar or the sibling capture). */
  from: z.string().optional(),
  /** One sentence a user can check: what the axis rests on. */
  detail: z.string(),
});
export type TimeAxis = z.infer<typeof TimeAxisSchema>;

/** The mark every rate and time to limit derived from an assumed time axis carries, in every output. */
export const ASSUMED_TIME_AXIS_MARK = '(time axis assumed)';

export const StackFrameSchema = z.object({
  /** The symbol without offset (`do_eventfd`), or the raw address when unsymbolised. */
  symbol: z.string(),
  /** `+0x24/0x60` or `+391` as printed, when present. */
  offset: z.string().optional(),
  /** A module (`[i915]`) or binary (`cfgleak`) when printed. */
  module: z.string().optional(),
  address: z.string().optional(),
  /** `file.c:53` when the tool printed one (LSan, valgrind, syzkaller). */
  location: z.string().optional(),
});
export type StackFrame = z.infer<typeof StackFrameSchema>;

export const StackTraceSchema = z.object({
  frames: z.array(StackFrameSchema),
  kind: z.enum(['kernel', 'user', 'unknown']).default('unknown'),
});
export type StackTrace = z.infer<typeof StackTraceSchema>;

export const EvidenceSchema = z.object({
  /** The artefact (path) this evidence comes from. */
  source: z.string(),
  /** 1-based line range in the artefact, when it points at lines. */
  lines: z.tuple([z.number().int(), z.number().int()]).optional(),
  /** One sentence a human can check against the file. */
  detail: z.string(),
  /** The numbers behind the sentence. */
  values: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** Severities, most severe first: the order is the rank. */
export const FINDING_SEVERITIES = ['critical', 'warning', 'info'] as const;
export const FindingSeveritySchema = z.enum(FINDING_SEVERITIES);
export type FindingSeverity = z.infer<typeof FindingSeveritySchema>;

/** 0 for the most severe. */
export function severityRank(severity: FindingSeverity): number {
  return FINDING_SEVERITIES.indexOf(severity);
}

/** Sorts most severe first. */
export function compareSeverity(a: FindingSeverity, b: FindingSeverity): number {
  return severityRank(a) - severityRank(b);
}

/** The more severe of two severities. */
export function worseSeverity(a: FindingSeverity, b: FindingSeverity): FindingSeverity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

/** What a finding says, declared once: analyses emit these, the verdict and renderers read them. */
export const FINDING_KINDS = [
  /** Trace pairing: a call site whose allocations stay outstanding and grow. */
  'allocation-site-leak',
  /** A slab cache that grows (slabinfo, slabtop). */
  'slab-cache-growth',
  /** kmemleak unreferenced objects clustered by backtrace. */
  'kmemleak-cluster',
  /** A stack whose outstanding bytes grow over repeated reports (bcc memleak, bpftrace). */
  'stack-growth',
  /** A sanitizer or valgrind leak record. */
  'leak-site',
  /** A usage series the trend engine judged. */
  'usage-trend',
  /** A meminfo counter's growth. */
  'meminfo-growth',
  /** MemTotal minus every accounted counter grows: memory taken outside the counters. */
  'unaccounted-memory-growth',
  /** Free memory cut into small blocks. */
  'fragmentation',
  /** The OOM killer or lmkd killed a process. */
  'oom-kill',
  /** The trace's ring buffer lost events. */
  'trace-lost-events',
  /** Kernel-side and user-side growth in the same capture. */
  'kernel-user-link',
] as const;
export const FindingKindSchema = z.enum(FINDING_KINDS);
export type FindingKind = z.infer<typeof FindingKindSchema>;

/** Kinds that say memory is leaking (when graded warning or worse). */
export const LEAK_FINDING_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'allocation-site-leak',
  'slab-cache-growth',
  'kmemleak-cluster',
  'stack-growth',
  'leak-site',
  'usage-trend',
  'meminfo-growth',
  'unaccounted-memory-growth',
]);

/** Kinds that name a culprit (a function or a cache), as opposed to a usage counter. */
export const CULPRIT_FINDING_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>(['allocation-site-leak', 'kmemleak-cluster', 'stack-growth', 'leak-site', 'slab-cache-growth']);

/** The bundle's answer, declared once (the verdict and the leak-or-fragmentation classification). */
export const VERDICT_KINDS = ['leak', 'fragmentation', 'leak-and-fragmentation', 'no-leak', 'inconclusive'] as const;
export const VerdictKindSchema = z.enum(VERDICT_KINDS);
export type VerdictKind = z.infer<typeof VerdictKindSchema>;

/** What a usage series measures, for the verdict's "where does it live" question. */
export const UsageRoleSchema = z.enum(['user', 'kernel', 'total', 'other']);
export type UsageRole = z.infer<typeof UsageRoleSchema>;

/** Where memory lives. */
export const MemorySpaceSchema = z.enum(['kernel', 'user', 'unknown']);
export type MemorySpace = z.infer<typeof MemorySpaceSchema>;

export const FindingSchema = z.object({
  kind: FindingKindSchema,
  /** Other tools' findings of the same culprit merged into this one (the verdict's mergeByCulprit). */
  confirmedBy: z.array(FindingKindSchema).optional(),
  severity: FindingSeveritySchema,
  title: z.string(),
  evidence: z.array(EvidenceSchema),
  /** The artefact(s) that produced it, comma-joined for multi-source findings. */
  source: z.string(),
  /** Higher ranks first; findings are sorted by severity, then score. */
  score: z.number().optional(),
  /** Where the memory lives: kernel or user space. */
  space: MemorySpaceSchema.optional(),
  /** The culprit (a function or cache) when one is named: joins findings across tools. */
  culprit: z.string().optional(),
  /** The growth is a cache the kernel reclaims under pressure (page cache, reclaimable slab): load, not a leak. */
  reclaimable: z.boolean().optional(),
  /** Where the time axis of the finding's rates comes from; `assumed` caps its grade at warning. */
  timeAxis: TimeAxisSourceSchema.optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

/**
 * The shared leak-site model: trace pairing, kmemleak, bcc memleak, bpftrace, LSan and valgrind
 * all reduce to it. `site` is the first frame outside the allocator.
 */
export const AllocationSiteSchema = z.object({
  site: z.string(),
  comm: z.string().optional(),
  pid: z.number().int().optional(),
  stack: z.array(z.string()),
  outstandingCount: z.number().int().nonnegative(),
  outstandingBytes: z.number().nonnegative(),
  allocs: z.number().int().nonnegative().optional(),
  frees: z.number().int().nonnegative().optional(),
  growthBytesPerSecond: z.number().nullable().optional(),
  /** Which tool saw it: trace-cmd, kmemleak, bcc-memleak, bpftrace, lsan, valgrind. */
  tool: z.string(),
  source: z.string(),
});
export type AllocationSite = z.infer<typeof AllocationSiteSchema>;

/** A timestamped snapshot of named numbers, what every /proc series parser emits. */
export const SnapshotSchema = z.object({
  /** Seconds (epoch when known), or null when the capture had no time at all. */
  time: z.number().nullable(),
  /** 1-based line where the snapshot starts. */
  line: z.number().int(),
  index: z.number().int().nonnegative(),
});
