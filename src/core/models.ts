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

export const FindingSeveritySchema = z.enum(['critical', 'warning', 'info']);
export type FindingSeverity = z.infer<typeof FindingSeveritySchema>;

/** The one ranking of severities: 0 is the worst (sorting by rank puts critical first). */
export const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = { critical: 0, warning: 1, info: 2 };

/**
 * Orders severities worst first, for sort.
 * @example (['info', 'critical', 'warning'] as const).slice().sort(compareSeverity) // ['critical', 'warning', 'info']
 */
export function compareSeverity(a: FindingSeverity, b: FindingSeverity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

/**
 * The worse of two severities.
 * @example worseSeverity('info', 'warning') // 'warning'
 */
export function worseSeverity(a: FindingSeverity, b: FindingSeverity): FindingSeverity {
  return SEVERITY_RANK[b] < SEVERITY_RANK[a] ? b : a;
}

export const FindingSchema = z.object({
  /** A stable kind, e.g. `allocation-site-leak`, `slab-cache-growth`, `usage-trend`, `fragmentation`. */
  kind: z.string(),
  severity: FindingSeveritySchema,
  title: z.string(),
  evidence: z.array(EvidenceSchema),
  /** The artefact(s) that produced it, comma-joined for multi-source findings. */
  source: z.string(),
  /** Higher ranks first; findings are sorted by severity, then score. */
  score: z.number().optional(),
  /** Where the memory lives: kernel or user space. */
  space: z.enum(['kernel', 'user', 'unknown']).optional(),
  /** The culprit (a function or cache) when one is named: joins findings across tools. */
  culprit: z.string().optional(),
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
