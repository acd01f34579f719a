import { ANDROID_HANDLERS as A } from './android.js';
import { BODY_HANDLERS as B } from './body.js';
import { KERNEL_HANDLERS as K } from './kernel.js';
import type { LineHandler } from './state.js';

/**
 * Every kind of message the OOM parser reads, with its handler, in the order they are tried: the
 * first handler that takes a line wins. The order is the precedence among messages that share words
 * (an lmkd `Kill '` line before a kernel `Kill process`, a report's start before its body lines, a
 * section's rows before the Mem-Info shapes that also appear outside any section). A line no handler
 * takes is some other kernel or logcat message.
 */
export const OOM_MESSAGE_HANDLERS = [
  // Android: lmkd logcat, legacy lowmemorykiller (before kernel lines: their kill lines close no kernel report).
  ['lmkd-kill', A.lmkdKill],
  ['lowmemorykiller-killing', A.legacyKilling],
  ['lowmemorykiller-continuation', A.legacyContinuation],
  ['lowmemorykiller-send-sigkill', A.sendSigkill],
  ['lowmemorykiller-select', A.lmkSelect],
  // Report starts.
  ['oom-killer-trigger', K.oomTrigger],
  ['sysrq-manual-oom', K.sysrqManualOom],
  ['page-allocation-failure', K.allocFailure],
  // Kill-side lines.
  ['killed-process', K.killedProcess],
  ['kill-or-sacrifice-child', K.killOrSacrifice],
  ['oom-reaper', K.oomReaper],
  ['oom-kill-summary', K.oomKillSummary],
  ['no-killable-process', K.noKillable],
  // Report header lines and section headers.
  ['cpuset', K.cpuset],
  ['task-header', K.taskHeader],
  ['hardware-name', K.hardwareName],
  ['call-trace-start', K.callTraceStart],
  ['mem-info-start', K.memInfoStart],
  ['unreclaimable-slab-start', K.slabStart],
  ['tasks-state-header', K.tasksStateHeader],
  ['task-table-header', K.taskTableHeader],
  ['memcg-task-in', K.memcgTaskIn],
  ['memcg-counter', K.memcgCounter],
  ['memcg-stats-start', K.memcgStatsStart],
  // Rows of the section a header opened, then Mem-Info shapes.
  ['section-row', B.sectionRow],
  ['free-lists', B.freeLists],
  ['zone-watermarks', B.zoneWatermarks],
  ['node-counters', B.nodeCounters],
  ['hugepages', B.hugepages],
  ['lowmem-reserve', B.lowmemReserve],
  ['per-cpu', B.perCpu],
  ['page-counters', B.pageCounters],
  ['totals', B.totals],
  ['report-detail', B.reportDetail],
] as const satisfies readonly (readonly [string, LineHandler])[];

export type OomMessageKind = (typeof OOM_MESSAGE_HANDLERS)[number][0];
