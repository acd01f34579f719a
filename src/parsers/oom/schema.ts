import { z } from 'zod';
import { BuddyZoneSchema } from '../buddyinfo/index.js';

/** The record schemas of the OOM parser: one `OomReport` per kernel report or Android kill. */

const KbRecord = z.record(z.string(), z.number());

export const OomTaskSchema = z.object({
  pid: z.number().int(),
  uid: z.number().nullable(),
  tgid: z.number().nullable(),
  totalVmPages: z.number().nullable(),
  rssPages: z.number().nullable(),
  pgtablesBytes: z.number().nullable(),
  nrPtes: z.number().nullable(),
  swapents: z.number().nullable(),
  oomScoreAdj: z.number().nullable(),
  name: z.string(),
});
export type OomTask = z.infer<typeof OomTaskSchema>;

export const OomVictimSchema = z.object({
  pid: z.number().int(),
  comm: z.string(),
  totalVmKb: z.number().nullable(),
  anonRssKb: z.number().nullable(),
  fileRssKb: z.number().nullable(),
  shmemRssKb: z.number().nullable(),
  uid: z.number().nullable(),
  pgtablesKb: z.number().nullable(),
  oomScoreAdj: z.number().nullable(),
  /** `score S` of the older `Kill process N (x) score S or sacrifice child` line. */
  score: z.number().nullable(),
});
export type OomVictim = z.infer<typeof OomVictimSchema>;

export const OomZoneSchema = z.object({
  node: z.number().int(),
  zone: z.string(),
  /** Every `key:NkB` of the zone line (free, min, low, high, present, managed, ...). */
  kb: KbRecord,
});

export const MemcgCounterSchema = z.object({ usageKb: z.number(), limitKb: z.number(), failcnt: z.number().nullable() });

export const OomReportSchema = z.object({
  /** `show-mem`: a Mem-Info dump with no trigger and no kill (SysRq-m, a cut log): its free lists still tell. */
  kind: z.enum(['oom-kill', 'alloc-failure', 'show-mem', 'lmkd-kill', 'lowmemorykiller-kill']),
  /** 1-based first and last line of the report. */
  line: z.number().int().positive(),
  endLine: z.number().int().positive(),
  /** Seconds: since boot (`boot`), epoch (`wall`), epoch with an assumed year (`wall-no-year`). */
  time: z.number().nullable(),
  timeKind: z.enum(['boot', 'wall', 'wall-no-year']).nullable(),
  /** The kill line's time, when it differs from the report's first line. */
  killTime: z.number().nullable(),
  /** True when the report has its trigger and its kill (or, for allocation failures, the trigger). */
  complete: z.boolean(),
  trigger: z
    .object({
      comm: z.string(),
      gfpMask: z.string().nullable(),
      gfpFlags: z.string().nullable(),
      order: z.number().nullable(),
      oomScoreAdj: z.number().nullable(),
      sysrq: z.boolean(),
    })
    .nullable(),
  cpuset: z.string().nullable(),
  /** `CPU: 0 PID: 14726 Comm: stress Not tainted 3.10.0-693.el7.x86_64 #1`. */
  task: z.object({ pid: z.number().nullable(), comm: z.string().nullable(), kernel: z.string().nullable() }).nullable(),
  callTrace: z.array(z.string()),
  constraint: z.string().nullable(),
  /** The `oom-kill:` line's key=value pairs (nodemask, cpuset, oom_memcg, task_memcg, task, pid, uid). */
  oomKill: z.record(z.string(), z.string()).nullable(),
  victim: OomVictimSchema.nullable(),
  reaped: z.object({ pid: z.number(), anonRssKb: z.number().nullable(), fileRssKb: z.number().nullable(), shmemRssKb: z.number().nullable() }).nullable(),
  memcg: z
    .object({
      taskPath: z.string().nullable(),
      limitPath: z.string().nullable(),
      memory: MemcgCounterSchema.nullable(),
      memsw: MemcgCounterSchema.nullable(),
      kmem: MemcgCounterSchema.nullable(),
      swap: MemcgCounterSchema.nullable(),
      /** `Memory cgroup stats for`: v1 inline `cache:64KB` (kB) or v2 `anon 1234` lines (bytes), as printed. */
      stats: KbRecord,
      statsPath: z.string().nullable(),
    })
    .nullable(),
  /** Mem-Info counters in pages (`active_anon:88690` ...). */
  memInfoPages: KbRecord,
  /** Per-node `Node 0 active_anon:354760kB ...` counters in kB, summed over nodes. */
  nodeKb: KbRecord,
  zones: z.array(OomZoneSchema),
  /** The per-zone free lists as a buddy snapshot at the moment of the report. */
  buddy: z.array(BuddyZoneSchema),
  /** kB of one order-0 block in the free lists (4 unless the first size says otherwise). */
  pageKb: z.number(),
  /** Free kB per zone as printed after `=` on the free-list line. */
  buddyFreeKb: z.array(z.number()),
  /** `N pages RAM`, `N pages reserved`, `N total pagecache pages`, `Free swap = NkB` (kB) ... */
  totals: KbRecord,
  unreclaimableSlab: z.array(z.object({ name: z.string(), usedKb: z.number(), totalKb: z.number() })),
  /** The task table: its rows (the largest by rss when more than `maxTasks`) and how many there were. */
  tasks: z.array(OomTaskSchema),
  taskCount: z.number().int().nonnegative(),
  /** Android kills: what lmkd / lowmemorykiller printed. */
  android: z
    .object({
      uid: z.number().nullable(),
      oomScoreAdj: z.number().nullable(),
      rssKb: z.number().nullable(),
      anonRssKb: z.number().nullable(),
      swapKb: z.number().nullable(),
      dmabufPssKb: z.number().nullable(),
      dmabufRssKb: z.number().nullable(),
      reason: z.string().nullable(),
      /** Legacy lowmemorykiller: cache kB below limit kB, free kB above reserved, on behalf of. */
      cacheKb: z.number().nullable(),
      cacheLimitKb: z.number().nullable(),
      freeKb: z.number().nullable(),
      onBehalfOf: z.string().nullable(),
    })
    .nullable(),
});
export type OomReport = z.infer<typeof OomReportSchema>;

export const OomOptionsSchema = z.object({
  /** The year for syslog/logcat stamps that print none (default 2000; the time is then marked `wall-no-year`). */
  year: z.number().int().optional(),
  /** Rows of the task table kept per report (largest rss first), default 20. */
  maxTasks: z.number().int().nonnegative().optional(),
});
export type OomOptions = z.infer<typeof OomOptionsSchema>;

/** An empty report of `kind` opened at `line`. */
export function newReport(kind: OomReport['kind'], line: number, time: number | null, timeKind: OomReport['timeKind']): OomReport {
  return {
    kind, line, endLine: line, time, timeKind, killTime: null, complete: false, trigger: null, cpuset: null, task: null,
    callTrace: [], constraint: null, oomKill: null, victim: null, reaped: null, memcg: null, memInfoPages: {}, nodeKb: {},
    zones: [], buddy: [], pageKb: 4, buddyFreeKb: [], totals: {}, unreclaimableSlab: [], tasks: [], taskCount: 0, android: null,
  };
}
