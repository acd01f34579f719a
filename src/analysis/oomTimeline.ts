import { z } from 'zod';
import { FindingSchema, type Evidence, type Finding } from '../core/models.js';
import { formatBytes } from '../core/format.js';
import { BuddyZoneSchema, type OomReport } from '../parsers/oom/index.js';
import { isAllocatorFrame, normalizeSymbol } from './allocatorFrames.js';

/**
 * The OOM timeline: one event per kernel OOM kill, allocation-failure report or Android
 * lmkd / lowmemorykiller kill, with the victim, what the failed allocation asked for, the memcg
 * limit, the largest unreclaimable slab caches, and a judgement of fragmentation at the moment
 * of death (an order-3 allocation failing with gigabytes free is fragmentation, not exhaustion).
 */

export const OomFragmentationSchema = z.object({
  verdict: z.enum(['fragmentation', 'exhaustion', 'memcg-limit', 'inconclusive', 'unknown', 'not-applicable']),
  /** verdict === 'fragmentation' (what the verdict logic reads). */
  fragmented: z.boolean(),
  order: z.number().nullable(),
  /** Free kB in the free lists (all zones). */
  freeKb: z.number().nullable(),
  /** Free kB in blocks of the failed order or larger. */
  freeKbAtOrAbove: z.number().nullable(),
  /** Sum of the zones' high watermarks, kB, when printed. */
  highWatermarkKb: z.number().nullable(),
  detail: z.string(),
});
export type OomFragmentation = z.infer<typeof OomFragmentationSchema>;

export const OomEventEntrySchema = z.object({
  time: z.number().nullable(),
  victimPid: z.number().nullable(),
  victimComm: z.string().nullable(),
  anonRssKb: z.number().nullable(),
  constraint: z.string().nullable(),
  order: z.number().nullable(),
  source: z.string(),
  kind: z.enum(['oom-kill', 'alloc-failure', 'show-mem', 'lmkd-kill', 'lowmemorykiller-kill']),
  timeKind: z.enum(['boot', 'wall', 'wall-no-year']).nullable(),
  line: z.number().int(),
  endLine: z.number().int(),
  complete: z.boolean(),
  triggerComm: z.string().nullable(),
  gfpMask: z.string().nullable(),
  gfpFlags: z.string().nullable(),
  totalVmKb: z.number().nullable(),
  fileRssKb: z.number().nullable(),
  shmemRssKb: z.number().nullable(),
  /** Android kills: the RSS lmkd / lowmemorykiller expected to free; kernel kills: victim's task-table rss × page size. */
  rssKb: z.number().nullable(),
  swapKb: z.number().nullable(),
  reason: z.string().nullable(),
  memcgPath: z.string().nullable(),
  memcgUsageKb: z.number().nullable(),
  memcgLimitKb: z.number().nullable(),
  /** Mem-Info slab_unreclaimable in kB, when printed. */
  slabUnreclaimableKb: z.number().nullable(),
  topUnreclaimableSlab: z.array(z.object({ name: z.string(), usedKb: z.number(), totalKb: z.number() })),
  /** The free lists at the moment of the report (buddyinfo shape). */
  buddy: z.array(BuddyZoneSchema),
  fragmentation: OomFragmentationSchema,
  largestTasks: z.array(z.object({ pid: z.number(), name: z.string(), rssKb: z.number() })),
  /**
   * Who asked for the memory, from the call trace: the first frame outside the OOM / allocator
   * machinery (`my_driver_rx`), `page fault` for a user-space fault, null without a trace.
   */
  allocCaller: z.string().nullable(),
});
export type OomEventEntry = z.infer<typeof OomEventEntrySchema>;

export const OomTimelineResultSchema = z.object({
  events: z.array(OomEventEntrySchema),
  findings: z.array(FindingSchema),
  summary: z.object({
    events: z.number().int(),
    kills: z.number().int(),
    byKind: z.record(z.string(), z.number()),
    /** Victims by comm, most often killed first. */
    victims: z.array(z.object({ comm: z.string(), kills: z.number() })),
    firstTime: z.number().nullable(),
    lastTime: z.number().nullable(),
  }),
  insufficientData: z.boolean(),
});
export type OomTimelineResult = z.infer<typeof OomTimelineResultSchema>;

/** Free memory at or above which an order>0 failure is fragmentation, when no watermark is printed. */
const PLENTY_FREE_KB = 256 * 1024;

/**
 * Judges a report's free lists: exhaustion (little free at all), fragmentation (plenty free, none
 * of it in blocks of the failed order), a memcg limit (the host's free memory is irrelevant).
 * @example judgeOomFragmentation(report).verdict // 'fragmentation'
 */
export function judgeOomFragmentation(r: OomReport): OomFragmentation {
  const j = judge(r);
  return { ...j, fragmented: j.verdict === 'fragmentation' };
}

function judge(r: OomReport): Omit<OomFragmentation, 'fragmented'> {
  const order = r.trigger?.order ?? null;
  const base = { order, freeKb: null, freeKbAtOrAbove: null, highWatermarkKb: null };
  if (r.kind === 'lmkd-kill' || r.kind === 'lowmemorykiller-kill') {
    return { ...base, verdict: 'not-applicable', detail: 'Android low-memory-killer kill: no allocation failed' };
  }
  if (r.constraint === 'CONSTRAINT_MEMCG' || (r.memcg?.memory && r.memcg.memory.usageKb >= 0.95 * r.memcg.memory.limitKb)) {
    const m = r.memcg?.memory;
    return {
      ...base,
      verdict: 'memcg-limit',
      detail: m
        ? `memory cgroup at its limit (usage ${formatBytes(m.usageKb * 1024)} of ${formatBytes(m.limitKb * 1024)}): not a host-wide shortage`
        : 'memory cgroup OOM: the cgroup hit its limit, not the host',
    };
  }
  if (r.buddy.length === 0) return { ...base, verdict: 'unknown', detail: 'the report has no per-zone free lists' };
  let freeKb = 0;
  let atOrAbove = 0;
  for (const z0 of r.buddy) {
    z0.freeBlocks.forEach((n, k) => {
      const kb = n * r.pageKb * 2 ** k;
      freeKb += kb;
      if (order !== null && order >= 0 && k >= order) atOrAbove += kb;
    });
  }
  const highs = r.zones.map((z0) => z0.kb.high).filter((x): x is number => x !== undefined);
  const mins = r.zones.map((z0) => z0.kb.min).filter((x): x is number => x !== undefined);
  const highWatermarkKb = highs.length > 0 ? highs.reduce((a, b) => a + b, 0) : null;
  const minKb = mins.length > 0 ? mins.reduce((a, b) => a + b, 0) : null;
  const out = { order, freeKb, freeKbAtOrAbove: order !== null && order >= 0 ? atOrAbove : null, highWatermarkKb };
  const low = highWatermarkKb !== null ? freeKb < highWatermarkKb : minKb !== null ? freeKb < 2 * minKb : freeKb < 64 * 1024;
  if (low) {
    return {
      ...out,
      verdict: 'exhaustion',
      detail: `only ${formatBytes(freeKb * 1024)} free${highWatermarkKb !== null ? `, below the high watermarks (${formatBytes(highWatermarkKb * 1024)})` : ''}: memory is exhausted`,
    };
  }
  const plenty = freeKb >= Math.max(PLENTY_FREE_KB, 2 * (highWatermarkKb ?? 0));
  if (order !== null && order > 0 && plenty && atOrAbove < 0.05 * freeKb) {
    return {
      ...out,
      verdict: 'fragmentation',
      detail: `order-${order} allocation failed with ${formatBytes(freeKb * 1024)} free, only ${formatBytes(atOrAbove * 1024)} of it in blocks of order >= ${order}: fragmentation, not exhaustion`,
    };
  }
  return {
    ...out,
    verdict: 'inconclusive',
    detail: `${formatBytes(freeKb * 1024)} free${order !== null ? `, ${formatBytes(atOrAbove * 1024)} in blocks of order >= ${order}` : ''}: neither clearly exhausted nor fragmented (zone, cpuset or mempolicy limits?)`,
  };
}

/**
 * Builds the OOM timeline of one artefact: events in time order, a summary, and `oom-kill`
 * findings (one per victim comm and constraint, the events as evidence).
 * @example
 * const t = oomTimeline(parseOom(dmesg).records, 'dmesg.txt');
 * t.events[0].victimComm // 'stress'
 */
export function oomTimeline(reports: readonly OomReport[], source: string, options: { topSlab?: number } = {}): OomTimelineResult {
  const topSlab = options.topSlab ?? 5;
  const events: OomEventEntry[] = reports.map((r) => eventOf(r, source, topSlab));
  // Times of different kinds (seconds since boot vs epoch) do not compare: then the log order stands.
  const kinds = new Set(events.map((e) => e.timeKind));
  if (kinds.size === 1 && !kinds.has(null)) events.sort((x, y) => (x.time ?? 0) - (y.time ?? 0) || x.line - y.line);
  else events.sort((x, y) => x.line - y.line);
  const byKind: Record<string, number> = {};
  const victims = new Map<string, number>();
  let kills = 0;
  for (const e of events) {
    byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    if (e.victimComm !== null) {
      kills++;
      victims.set(e.victimComm, (victims.get(e.victimComm) ?? 0) + 1);
    }
  }
  const times = events.map((e) => e.time).filter((t): t is number => t !== null);
  return {
    events,
    findings: oomFindings(events, source),
    summary: {
      events: events.length,
      kills,
      byKind,
      victims: [...victims].map(([comm, n]) => ({ comm, kills: n })).sort((a, b) => b.kills - a.kills || a.comm.localeCompare(b.comm)),
      firstTime: times.length > 0 ? Math.min(...times) : null,
      lastTime: times.length > 0 ? Math.max(...times) : null,
    },
    insufficientData: events.length === 0,
  };
}

/** The OOM killer's and the reporting path's own frames. */
const OOM_FRAMES = new Set([
  'dump_stack', 'dump_stack_lvl', 'show_stack', 'dump_header', 'oom_kill_process', 'out_of_memory', '__alloc_pages_slowpath',
  '__alloc_pages_may_oom', 'warn_alloc', 'warn_alloc_failed', 'show_mem', 'mem_cgroup_out_of_memory', 'try_charge', 'try_charge_memcg',
  'mem_cgroup_oom', 'mem_cgroup_oom_synchronize', 'pagefault_out_of_memory', 'obj_cgroup_charge', 'charge_memcg', '__mem_cgroup_charge',
  'mem_cgroup_charge', 'mem_cgroup_try_charge', 'mem_cgroup_charge_common', 'oom_kill_process.cold', 'moom_callback', 'sysrq_handle_moom',
  'process_one_work', 'worker_thread', 'kthread', 'ret_from_fork',
]);
const FAULT_FRAMES = new Set([
  'mm_fault_error', 'handle_mm_fault', '__handle_mm_fault', 'do_page_fault', '__do_page_fault', 'exc_page_fault', 'asm_exc_page_fault',
  'page_fault', 'do_user_addr_fault', 'do_anonymous_page', 'handle_pte_fault', 'do_fault', 'filemap_fault', '__do_fault',
]);

/**
 * The frame that asked for memory in an OOM call trace (see OomEventEntry.allocCaller).
 * @example oomAllocCaller(['dump_stack', 'out_of_memory', '__alloc_pages', 'kmalloc_large_node', 'my_driver_rx']) // 'my_driver_rx'
 */
export function oomAllocCaller(callTrace: readonly string[]): string | null {
  for (const f of callTrace) {
    const s = normalizeSymbol(f);
    if (OOM_FRAMES.has(s) || s.startsWith('__alloc_pages') || isAllocatorFrame(f)) continue;
    if (FAULT_FRAMES.has(s)) return 'page fault';
    return s;
  }
  return null;
}

function eventOf(r: OomReport, source: string, topSlab: number): OomEventEntry {
  const v = r.victim;
  const victimRow = v ? r.tasks.find((t) => t.pid === v.pid) : undefined;
  const rssKb = r.android?.rssKb ?? (victimRow?.rssPages != null ? victimRow.rssPages * r.pageKb : null);
  const slabPages = r.memInfoPages.slab_unreclaimable;
  return {
    time: r.time,
    timeKind: r.timeKind,
    victimPid: v?.pid ?? null,
    victimComm: v?.comm ?? null,
    anonRssKb: v?.anonRssKb ?? null,
    constraint: r.constraint,
    order: r.trigger?.order ?? null,
    source,
    kind: r.kind,
    line: r.line,
    endLine: r.endLine,
    complete: r.complete,
    triggerComm: r.trigger?.comm ?? r.task?.comm ?? null,
    gfpMask: r.trigger?.gfpMask ?? null,
    gfpFlags: r.trigger?.gfpFlags ?? null,
    totalVmKb: v?.totalVmKb ?? null,
    fileRssKb: v?.fileRssKb ?? null,
    shmemRssKb: v?.shmemRssKb ?? null,
    rssKb,
    swapKb: r.android?.swapKb ?? null,
    reason: r.android?.reason ?? null,
    memcgPath: r.memcg?.limitPath ?? r.oomKill?.oom_memcg ?? r.memcg?.statsPath ?? null,
    memcgUsageKb: r.memcg?.memory?.usageKb ?? null,
    memcgLimitKb: r.memcg?.memory?.limitKb ?? null,
    slabUnreclaimableKb: slabPages !== undefined ? slabPages * r.pageKb : null,
    topUnreclaimableSlab: [...r.unreclaimableSlab].sort((a, b) => b.usedKb - a.usedKb).slice(0, topSlab),
    buddy: r.buddy.map((z0) => ({ node: z0.node, zone: z0.zone, freeBlocks: [...z0.freeBlocks] })),
    fragmentation: judgeOomFragmentation(r),
    largestTasks: [...r.tasks]
      .filter((t) => t.rssPages !== null)
      .sort((a, b) => (b.rssPages ?? 0) - (a.rssPages ?? 0))
      .slice(0, 3)
      .map((t) => ({ pid: t.pid, name: t.name, rssKb: (t.rssPages ?? 0) * r.pageKb })),
    allocCaller: oomAllocCaller(r.callTrace),
  };
}

function oomFindings(events: readonly OomEventEntry[], source: string): Finding[] {
  const groups = new Map<string, OomEventEntry[]>();
  for (const e of events) {
    const key = `${e.kind}\u0000${e.victimComm ?? ''}\u0000${e.constraint ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const out: Finding[] = [];
  for (const g of groups.values()) {
    const e = g[0];
    const android = e.kind === 'lmkd-kill' || e.kind === 'lowmemorykiller-kill';
    const frag = g.find((x) => x.fragmentation.verdict === 'fragmentation');
    // When unreclaimable slab dwarfs the victim, the kernel cache is the suspect, not the victim.
    const slab = e.topUnreclaimableSlab[0];
    const slabCulprit = slab && (e.anonRssKb === null || slab.usedKb > e.anonRssKb) ? slab.name : undefined;
    const what =
      e.kind === 'show-mem'
        ? 'memory report (Mem-Info) without an OOM kill'
        : e.kind === 'alloc-failure'
        ? `page allocation failure${e.order !== null && e.order >= 0 ? ` (order ${e.order})` : ''} in ${e.triggerComm ?? 'unknown task'}`
        : `${android ? 'low-memory killer' : 'OOM killer'} killed ${e.victimComm ?? 'an unknown process'}${e.victimPid !== null ? ` (pid ${e.victimPid})` : ''}`;
    const size = e.anonRssKb !== null ? `, anon-rss ${formatBytes(e.anonRssKb * 1024)}` : e.rssKb !== null ? `, rss ${formatBytes(e.rssKb * 1024)}` : '';
    const why = e.constraint === 'CONSTRAINT_MEMCG' ? ' at its memory cgroup limit' : frag ? ' (fragmentation)' : '';
    const evidence: Evidence[] = g.slice(0, 10).map((x) => ({
      source,
      lines: [x.line, x.endLine],
      detail: `${x.kind} at ${x.time ?? '?'}${x.timeKind === 'boot' ? ' s after boot' : ''}: victim ${x.victimComm ?? '?'} (${x.victimPid ?? '?'}), constraint ${
        x.constraint ?? 'none'
      }, order ${x.order ?? '?'}; ${x.fragmentation.detail}${x.topUnreclaimableSlab[0] ? `; largest unreclaimable slab ${x.topUnreclaimableSlab[0].name} ${formatBytes(x.topUnreclaimableSlab[0].usedKb * 1024)}` : ''}`,
      values: {
        time: x.time, victimPid: x.victimPid, anonRssKb: x.anonRssKb, rssKb: x.rssKb, order: x.order, gfpMask: x.gfpMask,
        memcgUsageKb: x.memcgUsageKb, memcgLimitKb: x.memcgLimitKb, fragmentation: x.fragmentation.verdict,
      },
    }));
    out.push({
      kind: 'oom-kill',
      severity: e.kind === 'show-mem' ? 'info' : e.kind === 'alloc-failure' ? 'warning' : 'critical',
      title: `${what}${size}${why}${g.length > 1 ? `, ${g.length} times` : ''}`,
      evidence,
      source,
      score: g.length,
      space: slabCulprit ? 'kernel' : e.kind === 'alloc-failure' ? 'kernel' : e.kind === 'show-mem' ? 'unknown' : 'user',
      ...(slabCulprit ? { culprit: slabCulprit } : {}),
    });
  }
  return out.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
}
