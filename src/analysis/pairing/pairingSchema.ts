import { z } from 'zod';
import { FindingSchema } from '../../core/models.js';
import { TraceEventKindSchema } from '../../parsers/tracecmd/core.js';

/** Options and result schemas of allocation pairing (see pairAllocations.ts). */

export const DEFAULT_TRACER_COMMS: readonly string[] = ['trace-cmd', 'bpftrace', 'perf', 'trace-cmd-record'];

export const PairingOptionsSchema = z.object({
  /** Count only allocations by these comms (frees by any task still pair). */
  comms: z.array(z.string()).optional(),
  /** Count only allocations by these pids (or tgids). */
  pids: z.array(z.number().int()).optional(),
  /** Count only allocations of exactly these bytes_alloc (e.g. [4096]). Pages: 4096 << order. */
  bytesAlloc: z.array(z.number()).optional(),
  minBytesAlloc: z.number().optional(),
  maxBytesAlloc: z.number().optional(),
  /** Time window (trace seconds): events after `to` are ignored; allocations before `from` are not counted. */
  from: z.number().optional(),
  to: z.number().optional(),
  /** Allocation event kinds to count (default: all). */
  events: z.array(TraceEventKindSchema).optional(),
  /** Include the tracer's own activity (trace-cmd, bpftrace, perf). Default false. */
  includeTracer: z.boolean().optional(),
  /** Comms excluded unless includeTracer (default DEFAULT_TRACER_COMMS); add the capture shell here. */
  excludeComms: z.array(z.string()).optional(),
  /** Outstanding allocations younger than this at the end of the trace are reported apart. Default 1 s. */
  youngAgeSeconds: z.number().nonnegative().optional(),
  /**
   * What a site is (see PAIRING_GROUPS): `site` (default) the call site across every task, `stack`
   * each distinct stack of it, `comm` the site per task name, `pid` per task (the old keying).
   * Tasks are attributes of a site either way (its top tasks with counts).
   */
  groupBy: z.enum(['site', 'stack', 'comm', 'pid']).optional(),
  /**
   * The noise floor: a site needs at least this many mature outstanding objects to be called a
   * leak (fewer cannot show a steady rise). Default 5.
   */
  minLeakCount: z.number().int().positive().optional(),
  /**
   * The relative size of a culprit: its share of the trace's mature outstanding bytes (default
   * 0.02). A site above the floor with this share is a leak however few objects each task holds;
   * below the share it needs minLeakStrongCount objects (default 50) on its own.
   */
  minLeakShare: z.number().min(0).max(1).optional(),
  minLeakStrongCount: z.number().int().positive().optional(),
  /** Result list lengths. Default 50 sites, 30 stacks, 30 tasks, 20 unmatched-free samples. */
  maxSites: z.number().int().positive().optional(),
  maxStacks: z.number().int().positive().optional(),
  maxTasks: z.number().int().positive().optional(),
  maxSamples: z.number().int().nonnegative().optional(),
  /** Artefact label copied into results and evidence. */
  source: z.string().optional(),
});
export type PairingOptions = z.infer<typeof PairingOptionsSchema>;

export const PAIRING_GROUPS = ['site', 'stack', 'comm', 'pid'] as const;
export type PairingGroup = (typeof PAIRING_GROUPS)[number];

/** Who made an allocation: a task, or an interrupt handler (which only borrowed the interrupted task's comm/pid). */
export const AllocationContextSchema = z.enum(['task', 'softirq', 'hardirq', 'nmi']);
export type AllocationContext = z.infer<typeof AllocationContextSchema>;

/** One task (or interrupt context) holding outstanding objects of a site. */
export const SiteTaskSchema = z.object({
  /** The task's comm; `softirq` / `hardirq` / `NMI` for interrupt context. */
  comm: z.string(),
  /** null for interrupt context (the pid printed is the interrupted task's). */
  pid: z.number().int().nullable(),
  context: AllocationContextSchema,
  outstandingCount: z.number().int().nonnegative(),
  outstandingBytes: z.number().nonnegative(),
});
/** A comm holding outstanding objects of a site, over all its pids. */
export const SiteCommSchema = z.object({
  comm: z.string(),
  context: AllocationContextSchema,
  /** Distinct pids of this comm holding objects (0 for interrupt context). */
  pids: z.number().int().nonnegative(),
  outstandingCount: z.number().int().nonnegative(),
  outstandingBytes: z.number().nonnegative(),
});

export const LifetimeStatsSchema = z.object({
  count: z.number().int().nonnegative(),
  meanSeconds: z.number().nullable(),
  minSeconds: z.number().nullable(),
  maxSeconds: z.number().nullable(),
  /** From a log2 histogram: within a factor of 2. */
  medianSeconds: z.number().nullable(),
});
export type LifetimeStats = z.infer<typeof LifetimeStatsSchema>;

/** One ranked site: the report's AllocationSiteEntry fields plus pairing details. */
export const PairedSiteSchema = z.object({
  site: z.string(),
  /** Set when grouped by comm or pid (else null: the site spans tasks; see topComms). */
  comm: z.string().nullable(),
  pid: z.number().int().nullable(),
  /** Distinct tasks (comm+pid, or interrupt context) holding its mature outstanding objects. */
  taskCount: z.number().int().nonnegative(),
  /** The tasks holding the most of them (at most 5), and the same by comm over all pids. */
  topTasks: z.array(SiteTaskSchema),
  topComms: z.array(SiteCommSchema),
  /** Mature outstanding objects allocated in interrupt context (irq flags or softirq/hardirq frames). */
  interruptCount: z.number().int().nonnegative(),
  /** Share of the trace's mature outstanding bytes this site holds (0..1). */
  shareOfOutstanding: z.number().min(0).max(1),
  /** kmalloc | kmem_cache_alloc | mm_page_alloc (the _node variants folded in). */
  event: z.string(),
  cacheName: z.string().nullable(),
  /** Frames of the stack holding the most outstanding objects of this site. */
  stack: z.array(z.string()),
  outstandingCount: z.number().int().nonnegative(),
  outstandingBytes: z.number().nonnegative(),
  /** bytes_req of the outstanding ones; bytesAllocated - bytesRequested is internal fragmentation. */
  bytesRequested: z.number().nonnegative(),
  bytesAllocated: z.number().nonnegative(),
  allocs: z.number().int().nonnegative(),
  frees: z.number().int().nonnegative(),
  inferredFrees: z.number().int().nonnegative(),
  freeRatio: z.number().nullable(),
  /** Slope of the cumulative bytes of the outstanding objects against their allocation time. */
  growthBytesPerSecond: z.number().nullable(),
  /** R² of that line: 1 = outstanding objects accumulated at a steady rate. */
  growthR2: z.number().nullable(),
  /**
   * The chartable curve behind the rate: bytes of the objects still outstanding at the end,
   * accumulated by allocation time (at most SURVIVOR_CURVE_POINTS points). A leak is a ramp.
   */
  points: z.object({ t: z.array(z.number()), v: z.array(z.number()) }),
  /** Share of the trace span over which the outstanding objects were allocated. */
  coverage: z.number(),
  firstOutstandingTs: z.number().nullable(),
  lastOutstandingTs: z.number().nullable(),
  oldestAgeSeconds: z.number().nullable(),
  medianAgeSeconds: z.number().nullable(),
  young: z.object({ count: z.number().int().nonnegative(), bytes: z.number().nonnegative() }),
  lifetime: LifetimeStatsSchema,
  /** Outstanding objects are explained by frees the trace did not see (pointer reuse). */
  untracedFreeExplained: z.boolean(),
  /**
   * Allocated by the slab allocator itself while growing a cache (allocate_slab, alloc_slab_obj_exts):
   * a consequence of another site's growth, not a leak of its own.
   */
  allocatorInternal: z.boolean(),
  leak: z.boolean(),
  score: z.number(),
  firstLine: z.number().int(),
  lastLine: z.number().int(),
  tool: z.literal('trace-cmd'),
  source: z.string(),
});
export type PairedSite = z.infer<typeof PairedSiteSchema>;

export const PairedStackSchema = z.object({
  stack: z.array(z.string()),
  site: z.string(),
  comm: z.string().nullable(),
  pid: z.number().int().nullable(),
  event: z.string(),
  cacheName: z.string().nullable(),
  outstandingCount: z.number().int().nonnegative(),
  outstandingBytes: z.number().nonnegative(),
  allocs: z.number().int().nonnegative(),
  frees: z.number().int().nonnegative(),
  inferredFrees: z.number().int().nonnegative(),
  growthBytesPerSecond: z.number().nullable(),
  source: z.string(),
});
export type PairedStack = z.infer<typeof PairedStackSchema>;

export const PairedTaskSchema = z.object({
  comm: z.string(),
  pid: z.number().int().nullable(),
  context: AllocationContextSchema,
  outstandingCount: z.number().int().nonnegative(),
  outstandingBytes: z.number().nonnegative(),
  allocs: z.number().int().nonnegative(),
  frees: z.number().int().nonnegative(),
  inferredFrees: z.number().int().nonnegative(),
});
export type PairedTask = z.infer<typeof PairedTaskSchema>;

export const UnmatchedFreeSampleSchema = z.object({
  line: z.number().int(),
  ts: z.number(),
  event: z.string(),
  comm: z.string(),
  pid: z.number().int(),
  callSite: z.string().nullable(),
  key: z.string(),
});

export const PairingResultSchema = z.object({
  source: z.string(),
  traceStart: z.number().nullable(),
  traceEnd: z.number().nullable(),
  eventCounts: z.record(z.string(), z.number().int().nonnegative()),
  /** Frees whose allocation the trace did not see (objects older than the trace). */
  unmatchedFrees: z.object({
    slab: z.number().int().nonnegative(),
    page: z.number().int().nonnegative(),
    samples: z.array(UnmatchedFreeSampleSchema),
  }),
  /** Allocations over a still-live pointer: the earlier object was freed without a traced free. */
  inferredFrees: z.object({ slab: z.number().int().nonnegative(), page: z.number().int().nonnegative() }),
  /** kfree(NULL), ZERO_SIZE_PTR, failed page allocations: ignored. */
  ignoredNullEvents: z.number().int().nonnegative(),
  /** Totals over counted (filtered) allocations. */
  totals: z.object({
    allocs: z.number().int().nonnegative(),
    frees: z.number().int().nonnegative(),
    outstandingCount: z.number().int().nonnegative(),
    outstandingBytes: z.number().nonnegative(),
    youngCount: z.number().int().nonnegative(),
    youngBytes: z.number().nonnegative(),
    /** Per allocation class (kmalloc, kmem_cache_alloc, mm_page_alloc): allocations and traced frees. */
    byEvent: z.record(z.string(), z.object({ allocs: z.number().int().nonnegative(), frees: z.number().int().nonnegative() })),
  }),
  /** Live set at the end, for memory accounting. */
  liveAtEnd: z.number().int().nonnegative(),
  allocationSites: z.array(PairedSiteSchema),
  stacks: z.array(PairedStackSchema),
  tasks: z.array(PairedTaskSchema),
  /** Sites with allocations younger than youngAgeSeconds at the end (may just not be freed yet). */
  youngAllocations: z.array(z.object({ site: z.string(), comm: z.string().nullable(), pid: z.number().int().nullable(), count: z.number().int(), bytes: z.number() })),
  findings: z.array(FindingSchema),
  options: z.object({
    youngAgeSeconds: z.number(),
    excludedComms: z.array(z.string()),
    groupBy: z.enum(PAIRING_GROUPS),
    minLeakCount: z.number().int(),
    minLeakShare: z.number(),
    minLeakStrongCount: z.number().int(),
  }),
});
export type PairingResult = z.infer<typeof PairingResultSchema>;
