import { z } from 'zod';
import { frontEnds, type Emit, type ParserCore, type ParserDefinition } from '../../core/parser.js';
import { fields, parseUInt } from '../../core/text.js';
import { BuddyZoneSchema } from '../buddyinfo/index.js';
import { stripLogPrefix } from './prefix.js';
import { markerLines } from './sniff-lines.js';

export { stripLogPrefix, type LogPrefix } from './prefix.js';

/**
 * Kernel OOM-killer reports (dmesg, `dmesg -T`, journalctl, /dev/kmsg, syslog), page-allocation
 * failure reports (same Mem-Info body, no kill), and Android kills: userspace lmkd logcat lines
 * (three generations) and the legacy in-kernel lowmemorykiller. One record per report, streamed
 * when the next report starts or the input ends. Lines of other kernel messages are skipped.
 */

/** The per-zone free lists use the shape shared with the buddyinfo parser (`freeBlocks[k]` = free blocks of order k). */
export { BuddyZoneSchema, type BuddyZone } from '../buddyinfo/index.js';

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

type E = Emit<OomReport>;

function newReport(kind: OomReport['kind'], line: number, time: number | null, timeKind: OomReport['timeKind']): OomReport {
  return {
    kind, line, endLine: line, time, timeKind, killTime: null, complete: false, trigger: null, cpuset: null, task: null,
    callTrace: [], constraint: null, oomKill: null, victim: null, reaped: null, memcg: null, memInfoPages: {}, nodeKb: {},
    zones: [], buddy: [], pageKb: 4, buddyFreeKb: [], totals: {}, unreclaimableSlab: [], tasks: [], taskCount: 0, android: null,
  };
}

/** Signed decimal integer. */
function parseInt10(s: string): number | null {
  if (s.startsWith('-')) {
    const v = parseUInt(s.slice(1));
    return v === null ? null : -v;
  }
  return parseUInt(s.startsWith('+') ? s.slice(1) : s);
}

/** `123kB`, `123KB`, `123kb` → 123; null otherwise. */
function parseKb(s: string): number | null {
  const t = s.endsWith(',') ? s.slice(0, -1) : s;
  if (t.length < 3) return null;
  const u = t.slice(-2).toLowerCase();
  if (u !== 'kb') return null;
  return parseUInt(t.slice(0, -2));
}

function isHexDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** `key:NkB` pairs of a line into `out`; returns how many tokens were such pairs and how many were not. */
function kbPairs(toks: readonly string[], out: Record<string, number>, sum = false): { hit: number; miss: number } {
  let hit = 0;
  let miss = 0;
  for (const t of toks) {
    const c = t.indexOf(':');
    if (c <= 0) {
      miss++;
      continue;
    }
    const v = parseKb(t.slice(c + 1));
    if (v === null) {
      miss++;
      continue;
    }
    const k = t.slice(0, c);
    out[k] = sum ? (out[k] ?? 0) + v : v;
    hit++;
  }
  return { hit, miss };
}

/** `3` or `4-7`: the tail of a node list printed with %*pbl. */
function isNodeList(piece: string): boolean {
  const t = piece.trim();
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 45)) return false;
  }
  return true;
}

/** Splits `a=1,b=x,y,c=(null)` on commas, gluing pieces without `=` (nodemask `0,2`) to the previous value. */
function commaPairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | null = null;
  for (const piece of s.split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) {
      last = piece.slice(0, eq).trim();
      out[last] = piece.slice(eq + 1).trim();
    } else if (last !== null && isNodeList(piece)) out[last] += `,${piece}`;
    else if (piece.trim().length > 0) {
      // A bare flag (`global_oom`).
      last = null;
      out[piece.trim()] = 'true';
    }
  }
  return out;
}

/** `12*4kB` → [12, 4]. */
function parseStarSize(t: string): [number, number] | null {
  const star = t.indexOf('*');
  if (star <= 0) return null;
  const n = parseUInt(t.slice(0, star));
  const kb = parseKb(t.slice(star + 1));
  return n === null || kb === null || kb === 0 ? null : [n, kb];
}

const ZONE_NAMES = new Set(['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device']);

/** `Node 0 Normal` / `Normal` at the start of tokens: [node, zone, tokensUsed]. */
function zoneHead(toks: readonly string[]): [number, string, number] | null {
  if (toks.length >= 3 && toks[0] === 'Node') {
    const n = parseUInt(toks[1]);
    if (n === null) return null;
    return [n, toks[2].endsWith(':') ? toks[2].slice(0, -1) : toks[2], 3];
  }
  if (toks.length >= 1) {
    const z0 = toks[0].endsWith(':') ? toks[0].slice(0, -1) : toks[0];
    if (ZONE_NAMES.has(z0)) return [0, z0, 1];
  }
  return null;
}

/** Parses `Killed process N (comm) total-vm:..kB, anon-rss:..kB, ...` starting at `at`. */
function parseKilled(body: string, at: number): OomVictim | null {
  let i = at + 'Killed process '.length;
  let j = i;
  while (j < body.length && body.charCodeAt(j) >= 48 && body.charCodeAt(j) <= 57) j++;
  const pid = parseUInt(body.slice(i, j));
  if (pid === null) return null;
  i = body.indexOf('(', j);
  if (i < 0 || i > j + 20) return null;
  let close = -1;
  for (const marker of [') total-vm:', ') vsz:', '), UID ', ') UID ']) {
    close = body.indexOf(marker, i);
    if (close >= 0) break;
  }
  if (close < 0) close = body.lastIndexOf(')');
  if (close < i) return null;
  const comm = body.slice(i + 1, close);
  const v: OomVictim = {
    pid, comm, totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null, pgtablesKb: null, oomScoreAdj: null, score: null,
  };
  for (const raw of fields(body.slice(close + 1))) {
    const t = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    const c = t.indexOf(':');
    if (c <= 0) continue;
    const key = t.slice(0, c);
    const val = t.slice(c + 1);
    if (key === 'total-vm' || key === 'vsz') v.totalVmKb = parseKb(val);
    else if (key === 'anon-rss') v.anonRssKb = parseKb(val);
    else if (key === 'file-rss') v.fileRssKb = parseKb(val);
    else if (key === 'shmem-rss') v.shmemRssKb = parseKb(val);
    else if (key === 'UID') v.uid = parseUInt(val);
    else if (key === 'pgtables') v.pgtablesKb = parseKb(val);
    else if (key === 'oom_score_adj') v.oomScoreAdj = parseInt10(val);
  }
  return v;
}

/** `... usage 53824kB, limit 102400kB, failcnt 20427` */
function parseMemcgCounter(rest: string): z.infer<typeof MemcgCounterSchema> | null {
  const toks = fields(rest.replaceAll(',', ' '));
  let usage: number | null = null;
  let limit: number | null = null;
  let failcnt: number | null = null;
  for (let k = 0; k + 1 < toks.length; k++) {
    if (toks[k] === 'usage') usage = parseKb(toks[k + 1]);
    else if (toks[k] === 'limit') limit = parseKb(toks[k + 1]);
    else if (toks[k] === 'failcnt') failcnt = parseUInt(toks[k + 1]);
  }
  return usage === null || limit === null ? null : { usageKb: usage, limitKb: limit, failcnt };
}

type Mode = 'none' | 'trace' | 'meminfo' | 'slab' | 'tasks' | 'memcg-stats';

function createCore(options: Partial<OomOptions>): ParserCore<OomReport> {
  const year = options.year ?? 2000;
  const maxTasks = options.maxTasks ?? 20;
  let cur: OomReport | null = null;
  /** The report has its kill line: later body lines start a new report. */
  let closed = false;
  let mode: Mode = 'none';
  let taskCols: string[] = [];
  let lmk: OomReport | null = null;

  const ensureMemcg = (r: OomReport): NonNullable<OomReport['memcg']> =>
    (r.memcg ??= { taskPath: null, limitPath: null, memory: null, memsw: null, kmem: null, swap: null, stats: {}, statsPath: null });

  const flush = (emit: E): void => {
    if (!cur) return;
    const r = cur;
    cur = null;
    mode = 'none';
    closed = false;
    // A report that starts mid-way (no trigger line) but whose call trace passes warn_alloc is an allocation failure.
    if (r.kind === 'oom-kill' && r.trigger === null && r.victim === null && r.oomKill === null && r.callTrace.includes('warn_alloc')) {
      r.kind = 'alloc-failure';
    }
    const killEvidence = r.victim !== null || r.oomKill !== null || r.constraint !== null || r.memcg !== null || r.taskCount > 0;
    if (r.kind === 'oom-kill' && r.trigger === null && !killEvidence) r.kind = 'show-mem';
    if (r.kind === 'oom-kill' && r.victim === null) {
      emit.diagnostic('oom-incomplete-block', 'OOM-killer report without its `Killed process` line (log cut or interleaved)', { line: r.line });
    }
    if (r.kind === 'oom-kill' && r.victim === null && r.oomKill?.pid !== undefined) {
      const pid = parseUInt(r.oomKill.pid);
      if (pid !== null) {
        r.victim = {
          pid, comm: r.oomKill.task ?? '', totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null,
          uid: r.oomKill.uid !== undefined ? parseUInt(r.oomKill.uid) : null, pgtablesKb: null, oomScoreAdj: null, score: null,
        };
      }
    }
    r.complete = r.kind === 'alloc-failure' ? r.trigger !== null : r.trigger !== null && r.victim !== null;
    if (r.tasks.length > maxTasks) {
      r.tasks = [...r.tasks].sort((a, b) => (b.rssPages ?? 0) - (a.rssPages ?? 0)).slice(0, maxTasks);
    }
    emit.record(r);
    emit.count(r.kind);
  };

  const flushLmk = (emit: E): void => {
    if (!lmk) return;
    emit.record(lmk);
    emit.count(lmk.kind);
    lmk = null;
  };

  /** The open report, starting an incomplete one when a body line arrives outside any. */
  const body = (emit: E, lineNo: number, time: number | null, timeKind: OomReport['timeKind']): OomReport => {
    if (cur && !closed) return cur;
    flush(emit);
    cur = newReport('oom-kill', lineNo, time, timeKind);
    return cur;
  };

  const malformed = (emit: E, what: string, text: string): void => {
    emit.diagnostic('oom-malformed-line', `${what}: fields could not be read`, { excerpt: text });
  };

  /** Android lmkd: `Kill 'pkg' (pid), uid N, oom_score_adj N to free NkB rss, [NkB anon rss, ]NkB swap[, ...]; reason: ...` */
  const lmkd = (b: string, at: number, lineNo: number, time: number | null, timeKind: OomReport['timeKind'], emit: E, text: string): void => {
    const q1 = at + "Kill '".length;
    const q2 = b.indexOf("' (", q1);
    const p2 = q2 < 0 ? -1 : b.indexOf(')', q2 + 3);
    const pid = p2 < 0 ? null : parseUInt(b.slice(q2 + 3, p2));
    if (pid === null) return malformed(emit, 'lmkd kill line', text);
    const r = newReport('lmkd-kill', lineNo, time, timeKind);
    const a: NonNullable<OomReport['android']> = {
      uid: null, oomScoreAdj: null, rssKb: null, anonRssKb: null, swapKb: null, dmabufPssKb: null, dmabufRssKb: null, reason: null,
      cacheKb: null, cacheLimitKb: null, freeKb: null, onBehalfOf: null,
    };
    let rest = b.slice(p2 + 1);
    const semi = rest.indexOf('; reason: ');
    if (semi >= 0) {
      a.reason = rest.slice(semi + '; reason: '.length).trim();
      rest = rest.slice(0, semi);
    }
    for (const segRaw of rest.split(',')) {
      const toks = fields(segRaw);
      for (let k = 0; k < toks.length; k++) {
        const t = toks[k];
        if (t === 'uid' && k + 1 < toks.length) a.uid = parseUInt(toks[++k]);
        else if ((t === 'oom_score_adj' || t === 'oom_adj' || t === 'adj') && k + 1 < toks.length) a.oomScoreAdj = parseInt10(toks[++k]);
        else {
          const kb = parseKb(t);
          if (kb === null) continue;
          const label = toks.slice(k + 1).join(' ');
          if (label === 'rss') a.rssKb = kb;
          else if (label === 'anon rss') a.anonRssKb = kb;
          else if (label === 'swap') a.swapKb = kb;
          else if (label === 'dmabuf_pss') a.dmabufPssKb = kb;
          else if (label === 'dmabuf_rss') a.dmabufRssKb = kb;
          break;
        }
      }
    }
    if (a.rssKb === null) return malformed(emit, 'lmkd kill line', text);
    r.android = a;
    r.victim = {
      pid, comm: b.slice(q1, q2), totalVmKb: null, anonRssKb: a.anonRssKb, fileRssKb: null, shmemRssKb: null, uid: a.uid,
      pgtablesKb: null, oomScoreAdj: a.oomScoreAdj, score: null,
    };
    r.complete = true;
    r.killTime = time;
    emit.record(r);
    emit.count('lmkd-kill');
  };

  /** Legacy in-kernel lowmemorykiller `Killing 'x' (pid)[ (tgid N)], adj N[, score_adj N],` and its continuation lines. */
  const legacyLmk = (b: string, at: number, lineNo: number, time: number | null, timeKind: OomReport['timeKind'], emit: E, text: string): void => {
    flushLmk(emit);
    const q1 = at + "Killing '".length;
    const q2 = b.indexOf("' (", q1);
    const p2 = q2 < 0 ? -1 : b.indexOf(')', q2 + 3);
    const pid = p2 < 0 ? null : parseUInt(b.slice(q2 + 3, p2));
    if (pid === null) return malformed(emit, 'lowmemorykiller kill line', text);
    const r = newReport('lowmemorykiller-kill', lineNo, time, timeKind);
    r.android = {
      uid: null, oomScoreAdj: null, rssKb: null, anonRssKb: null, swapKb: null, dmabufPssKb: null, dmabufRssKb: null, reason: null,
      cacheKb: null, cacheLimitKb: null, freeKb: null, onBehalfOf: null,
    };
    r.victim = {
      pid, comm: b.slice(q1, q2), totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null, pgtablesKb: null,
      oomScoreAdj: null, score: null,
    };
    r.complete = true;
    r.killTime = time;
    lmk = r;
    lmkContinuation(b.slice(p2 + 1), lineNo);
  };

  /** Reads whatever lowmemorykiller facts a (continuation) text holds; true when it held one. */
  const lmkContinuation = (t: string, lineNo: number): boolean => {
    if (!lmk?.android) return false;
    const a = lmk.android;
    let hit = false;
    const toks = fields(t.replaceAll(',', ' '));
    for (let k = 0; k < toks.length; k++) {
      const w = toks[k];
      if ((w === 'adj' || w === 'score_adj') && k + 1 < toks.length) {
        // `adj 15, score_adj 1000` (old oom_adj scale first): score_adj wins.
        const v = parseInt10(toks[k + 1]);
        if (v !== null && (w === 'score_adj' || a.oomScoreAdj === null)) a.oomScoreAdj = v;
        hit ||= v !== null;
      } else if (w === 'free' && toks[k - 1] === 'to' && k + 1 < toks.length) {
        a.rssKb = parseKb(toks[k + 1]);
        hit = true;
      } else if (w === 'behalf' && toks[k + 1] === 'of' && k + 2 < toks.length) {
        a.onBehalfOf = toks[k + 2].replaceAll("'", '');
        hit = true;
      } else if (w === 'cache' && k + 1 < toks.length && parseKb(toks[k + 1]) !== null) {
        a.cacheKb = parseKb(toks[k + 1]);
        hit = true;
      } else if (w === 'limit' && k + 1 < toks.length && parseKb(toks[k + 1]) !== null) {
        a.cacheLimitKb = parseKb(toks[k + 1]);
        hit = true;
      } else if (w === 'memory' && toks[k - 1] === 'Free' && toks[k + 1] === 'is' && k + 2 < toks.length) {
        a.freeKb = parseKb(toks[k + 2]);
        hit = true;
      } else if (toks[k - 1] === 'is' && parseKb(w) !== null) hit = true; // Free CMA is / Total reserve is ...
      else if (w === 'mask' && toks[k + 1] === 'is') hit = true;
    }
    if (hit) lmk.endLine = lineNo;
    return hit;
  };

  return {
    line(text, lineNo, emit) {
      if (text.trim().length === 0) {
        emit.skip('blank');
        return;
      }
      const { body: b, time, timeKind } = stripLogPrefix(text, year);
      if (b.length === 0) {
        emit.skip('blank');
        return;
      }
      // ---- Android: lmkd logcat, legacy lowmemorykiller ----
      const kill = b.indexOf("Kill '");
      const lmkTag = (at: number): boolean => {
        const pre = b.slice(0, at).trimEnd();
        return at === 0 || pre.endsWith('lowmemorykiller:') || pre.endsWith('lmkd:') || pre.endsWith('lowmemorykiller');
      };
      if (kill >= 0 && lmkTag(kill)) {
        // Android kills are independent of kernel reports: close any open one so records keep log order.
        flush(emit);
        flushLmk(emit);
        lmkd(b, kill, lineNo, time, timeKind, emit, text);
        return;
      }
      const killing = b.indexOf("Killing '");
      if (killing >= 0 && lmkTag(killing)) {
        flush(emit);
        legacyLmk(b, killing, lineNo, time, timeKind, emit, text);
        return;
      }
      if (lmk) {
        const cont = b.startsWith('lowmemorykiller: ') ? b.slice(17).trimStart() : b;
        if (
          (cont.startsWith('to free ') || cont.startsWith('cache ') || cont.startsWith('Free ') || cont.startsWith('Total ') ||
            cont.startsWith('GFP mask') || cont.startsWith('cma free')) &&
          lmkContinuation(cont, lineNo)
        ) {
          return;
        }
        flushLmk(emit);
      }
      const sendSig = b.indexOf('send sigkill to ');
      if (sendSig >= 0) {
        // 2.6/3.0 lowmemorykiller: `send sigkill to PID (comm), adj N, size N` (size in pages).
        const toks = fields(b.slice(sendSig + 16).replaceAll(',', ' '));
        const pid = parseUInt(toks[0] ?? '');
        const open = b.indexOf('(', sendSig);
        const close = b.indexOf(')', open);
        const size = toks.indexOf('size');
        const adj = toks.indexOf('adj');
        if (pid === null || open < 0 || close < 0 || size < 0) return malformed(emit, 'lowmemorykiller kill line', text);
        flush(emit);
        flushLmk(emit);
        const r = newReport('lowmemorykiller-kill', lineNo, time, timeKind);
        const pages = parseUInt(toks[size + 1] ?? '');
        r.android = {
          uid: null, oomScoreAdj: adj >= 0 ? parseInt10(toks[adj + 1] ?? '') : null, rssKb: pages === null ? null : pages * 4, anonRssKb: null,
          swapKb: null, dmabufPssKb: null, dmabufRssKb: null, reason: null, cacheKb: null, cacheLimitKb: null, freeKb: null, onBehalfOf: null,
        };
        r.victim = {
          pid, comm: b.slice(open + 1, close), totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null,
          pgtablesKb: null, oomScoreAdj: r.android.oomScoreAdj, score: null,
        };
        r.complete = true;
        r.killTime = time;
        emit.record(r);
        emit.count('lowmemorykiller-kill');
        return;
      }
      if (b.startsWith('lowmemorykiller: select ') || (b.startsWith('select ') && b.endsWith('to kill'))) {
        emit.skip('lowmemorykiller-select');
        return;
      }

      // ---- report starts ----
      const inv = b.indexOf(' invoked oom-killer: ');
      if (inv > 0 || b.startsWith('oom-killer: gfp_mask=')) {
        // `sysrq: Manual OOM execution` is followed by the trigger line of the same report.
        const sysrq = cur !== null && !closed && cur.trigger?.sysrq === true && cur.victim === null;
        if (!sysrq) flush(emit);
        const r = sysrq && cur ? cur : (cur = newReport('oom-kill', lineNo, time, timeKind));
        const rest = inv > 0 ? b.slice(inv + ' invoked oom-killer: '.length) : b.slice('oom-killer: '.length);
        const kv = commaPairs(rest);
        const gfp = kv.gfp_mask ?? null;
        const paren = gfp === null ? -1 : gfp.indexOf('(');
        const mask = gfp === null ? null : paren >= 0 ? gfp.slice(0, paren) : gfp;
        const order = kv.order !== undefined ? parseInt10(kv.order) : null;
        const adjText = kv.oom_score_adj ?? kv.oomkilladj;
        r.trigger = {
          comm: inv > 0 ? b.slice(0, inv) : '',
          gfpMask: mask,
          gfpFlags: gfp !== null && paren >= 0 && gfp.endsWith(')') ? gfp.slice(paren + 1, -1) : null,
          order,
          oomScoreAdj: adjText !== undefined ? parseInt10(adjText) : null,
          sysrq,
        };
        if (mask === null || (mask.startsWith('0x') && !isHexDigits(mask.slice(2))) || (kv.order !== undefined && order === null)) {
          malformed(emit, 'oom-killer trigger line', text);
        }
        return;
      }
      if (b.includes('Manual OOM execution')) {
        flush(emit);
        const r = (cur = newReport('oom-kill', lineNo, time, timeKind));
        r.trigger = { comm: 'sysrq', gfpMask: null, gfpFlags: null, order: -1, oomScoreAdj: null, sysrq: true };
        return;
      }
      const paf = b.indexOf(': page allocation failure');
      if (paf > 0) {
        flush(emit);
        const r = (cur = newReport('alloc-failure', lineNo, time, timeKind));
        const rest = b.slice(paf + ': page allocation failure'.length).replace(/^[.:]\s*/, '');
        const kv: Record<string, string> = {};
        for (const piece of rest.split(', ')) {
          const c = piece.indexOf(':');
          if (c > 0) kv[piece.slice(0, c).trim()] = piece.slice(c + 1).trim();
          else {
            const eq = piece.indexOf('=');
            if (eq > 0) kv[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
          }
        }
        const mode0 = kv.mode ?? null;
        const paren = mode0 === null ? -1 : mode0.indexOf('(');
        const order = kv.order !== undefined ? parseUInt(kv.order) : null;
        r.trigger = {
          comm: b.slice(0, paf),
          gfpMask: mode0 === null ? null : paren >= 0 ? mode0.slice(0, paren) : mode0,
          gfpFlags: mode0 !== null && paren >= 0 && mode0.endsWith(')') ? mode0.slice(paren + 1, -1) : null,
          order,
          oomScoreAdj: null,
          sysrq: false,
        };
        if (order === null) malformed(emit, 'page allocation failure line', text);
        return;
      }

      const toks = fields(b);
      const t0 = toks[0];

      // ---- kill-side lines (close the report) ----
      const killed = b.indexOf('Killed process ');
      if (killed >= 0 && (killed === 0 || b.lastIndexOf(': ', killed) === killed - 2)) {
        const v = parseKilled(b, killed);
        if (!v) return malformed(emit, 'Killed process line', text);
        const r = cur && !closed ? cur : body(emit, lineNo, time, timeKind);
        const score = r.victim?.pid === v.pid ? r.victim.score : null;
        r.victim = { ...v, score };
        if (b.startsWith('Memory cgroup out of memory') && r.constraint === null) r.constraint = 'CONSTRAINT_MEMCG';
        r.killTime = time;
        r.endLine = lineNo;
        closed = true;
        mode = 'none';
        return;
      }
      const killProc = b.indexOf('Kill process ');
      if (killProc >= 0 && b.includes(' or sacrifice child')) {
        const r = body(emit, lineNo, time, timeKind);
        const ktoks = fields(b.slice(killProc + 13));
        const pid = parseUInt(ktoks[0] ?? '');
        const open = b.indexOf('(', killProc);
        const close = b.lastIndexOf(') score ');
        const si = ktoks.indexOf('score');
        if (pid === null || open < 0 || close < open) return malformed(emit, 'Kill process line', text);
        r.victim = {
          pid, comm: b.slice(open + 1, close), totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null,
          pgtablesKb: null, oomScoreAdj: null, score: si >= 0 ? parseUInt(ktoks[si + 1] ?? '') : null,
        };
        if (b.startsWith('Memory cgroup out of memory')) r.constraint ??= 'CONSTRAINT_MEMCG';
        r.endLine = lineNo;
        mode = 'none';
        return;
      }
      if (b.startsWith('oom_reaper: reaped process ')) {
        const rtoks = fields(b.slice(27).replaceAll(',', ' '));
        const pid = parseUInt(rtoks[0] ?? '');
        if (pid === null) return malformed(emit, 'oom_reaper line', text);
        const get = (k: string): number | null => {
          const t = rtoks.find((x) => x.startsWith(`${k}:`));
          return t ? parseKb(t.slice(k.length + 1)) : null;
        };
        if (cur && cur.victim?.pid === pid) {
          cur.reaped = { pid, anonRssKb: get('anon-rss'), fileRssKb: get('file-rss'), shmemRssKb: get('shmem-rss') };
          cur.endLine = lineNo;
        } else emit.count('reaper-unmatched');
        return;
      }
      if (b.startsWith('oom-kill:')) {
        const r = body(emit, lineNo, time, timeKind);
        r.oomKill = commaPairs(b.slice(9));
        if (r.oomKill.constraint === undefined) return malformed(emit, 'oom-kill line', text);
        r.constraint = r.oomKill.constraint;
        r.endLine = lineNo;
        mode = 'none';
        return;
      }
      if (b.startsWith('Out of memory and no killable processes')) {
        const r = body(emit, lineNo, time, timeKind);
        r.endLine = lineNo;
        closed = true;
        emit.count('no-killable-process');
        return;
      }

      // ---- body lines: only when they belong to a report shape ----
      if (b.includes(' cpuset=') && b.includes(' mems_allowed=')) {
        const r = body(emit, lineNo, time, timeKind);
        const c = b.indexOf(' cpuset=');
        r.cpuset = fields(b.slice(c + 8))[0] ?? null;
        r.endLine = lineNo;
        return;
      }
      if (t0 === 'CPU:' && toks.includes('PID:') && toks.includes('Comm:') && cur && !closed) {
        const ci = toks.indexOf('Comm:');
        const ti = toks.indexOf('tainted');
        const ki = ti >= 0 ? ti + 1 : toks.indexOf('Tainted:') >= 0 ? -1 : ci + 2;
        let kernel: string | null = null;
        if (ki > 0 && ki < toks.length) kernel = toks[ki];
        else {
          // `Tainted: G        W       4.14.113-...`: the first token after the taint letters with a digit and a dot.
          for (let k = toks.indexOf('Tainted:') + 1; k < toks.length; k++) {
            if (toks[k].includes('.') && /^\d/.test(toks[k])) {
              kernel = toks[k];
              break;
            }
          }
        }
        cur.task = { pid: parseUInt(toks[toks.indexOf('PID:') + 1] ?? ''), comm: ci >= 0 ? (toks[ci + 1] ?? null) : null, kernel };
        cur.endLine = lineNo;
        return;
      }
      if (b.startsWith('Hardware name:') && cur && !closed) {
        emit.skip('hardware-name');
        return;
      }
      if ((b === 'Call Trace:' || b === 'Call trace:' || b === 'Backtrace:') && cur && !closed) {
        mode = 'trace';
        return;
      }
      if (b === 'Mem-Info:' || b === 'Mem-info:') {
        body(emit, lineNo, time, timeKind);
        mode = 'meminfo';
        return;
      }
      if (b.startsWith('Unreclaimable slab info:')) {
        body(emit, lineNo, time, timeKind);
        mode = 'slab';
        return;
      }
      if (b.startsWith('Tasks state (memory values in pages)')) {
        body(emit, lineNo, time, timeKind);
        return;
      }
      if (t0 === '[' || (t0 !== undefined && t0.startsWith('[') && (b.includes('pid ]') || b.includes('pid  ]') || b.includes('pid]')))) {
        const close = b.indexOf(']');
        if (close > 0 && b.slice(1, close).trim() === 'pid') {
          const r = body(emit, lineNo, time, timeKind);
          taskCols = fields(b.slice(close + 1));
          mode = 'tasks';
          r.endLine = lineNo;
          return;
        }
      }
      if (b.startsWith('Task in ') && b.includes(' killed as a result of limit of ')) {
        const r = body(emit, lineNo, time, timeKind);
        const k = b.indexOf(' killed as a result of limit of ');
        const m = ensureMemcg(r);
        m.taskPath = b.slice(8, k);
        m.limitPath = b.slice(k + ' killed as a result of limit of '.length).trim();
        r.constraint ??= 'CONSTRAINT_MEMCG';
        r.endLine = lineNo;
        return;
      }
      for (const [label, key] of [['memory:', 'memory'], ['memory+swap:', 'memsw'], ['kmem:', 'kmem'], ['swap:', 'swap']] as const) {
        if (t0 === label && toks[1] === 'usage') {
          const r = body(emit, lineNo, time, timeKind);
          const c = parseMemcgCounter(b.slice(label.length));
          if (!c) return malformed(emit, `memcg ${label} line`, text);
          ensureMemcg(r)[key] = c;
          r.endLine = lineNo;
          return;
        }
      }
      if (b.startsWith('Memory cgroup stats for ')) {
        const r = body(emit, lineNo, time, timeKind);
        const m = ensureMemcg(r);
        const colon = b.indexOf(':', 24);
        m.statsPath = colon > 0 ? b.slice(24, colon) : b.slice(24);
        const rest = colon > 0 ? b.slice(colon + 1).trim() : '';
        if (rest.length > 0) kbPairs(fields(rest), m.stats);
        else mode = 'memcg-stats';
        r.endLine = lineNo;
        return;
      }

      // ---- mode-dependent body lines ----
      if (cur && !closed) {
        const r = cur;
        if (mode === 'trace') {
          if (b === '<TASK>' || b === '</TASK>' || b === '<IRQ>' || b === '</IRQ>' || b === '<NMI>' || b === '</NMI>') {
            emit.skip('trace-marker');
            return;
          }
          // Address columns: x86 `[<ffffffff8178219b>]`, powerpc `[c000000fe3a2f8d0] [c000000000ac6a4c]`.
          let k = 0;
          while (k < 2 && toks[k]?.startsWith('[') && toks[k].endsWith(']')) k++;
          if (toks[k] === '?') {
            // Unreliable `?` frames are kept out of the call trace.
            emit.skip('unreliable-frame');
            return;
          }
          // ARM32 `[<c0012fcc>] (dump_backtrace) from [<c00131a4>] (show_stack+0x20/0x24)`: the function is the first one.
          if (k === 1 && toks[k]?.startsWith('(') && toks[k + 1] === 'from') {
            const inner = toks[k].slice(1, toks[k].endsWith(')') ? -1 : undefined);
            const plus = inner.indexOf('+');
            r.callTrace.push(plus > 0 ? inner.slice(0, plus) : inner);
            r.endLine = lineNo;
            return;
          }
          if (t0 !== undefined && /^r\d{1,2}:[0-9a-f]+$/.test(t0)) {
            emit.skip('registers'); // ARM32 ` r6:00000000 r5:ffffffff ...`
            return;
          }
          const f = toks[k];
          if (f !== undefined && (f.includes('+0x') || (k === 1 && toks.length === 2))) {
            const plus = f.indexOf('+');
            r.callTrace.push(plus > 0 ? f.slice(0, plus) : f);
            r.endLine = lineNo;
            return;
          }
          if (t0 !== undefined && t0.length <= 4 && t0.endsWith(':') && t0 === t0.toUpperCase()) {
            emit.skip('registers'); // RIP: RSP: RAX: ... R13: FS: CS: CR2:
            return;
          }
          if (b.startsWith('Code: ') || b.startsWith('Modules linked in:')) {
            emit.skip('registers');
            return;
          }
        }
        if (mode === 'slab') {
          if (t0 === 'Name' && toks[1] === 'Used') {
            emit.skip('header');
            return;
          }
          if (toks.length >= 3) {
            const used = parseKb(toks[toks.length - 2]);
            const total = parseKb(toks[toks.length - 1]);
            if (used !== null && total !== null) {
              r.unreclaimableSlab.push({ name: toks.slice(0, -2).join(' '), usedKb: used, totalKb: total });
              r.endLine = lineNo;
              return;
            }
          }
        }
        if (mode === 'tasks' && t0 !== undefined && t0.startsWith('[')) {
          // `[14575]` or `[  38886]`: the pid may sit in its own token.
          const close = b.indexOf(']');
          const pid = close > 0 ? parseUInt(b.slice(1, close).trim()) : null;
          if (pid !== null) {
            const cols = fields(b.slice(close + 1));
            const numeric = taskCols.length - 1; // every column but the trailing name
            const nums: (number | null)[] = [];
            for (let k = 0; k < numeric; k++) nums.push(parseInt10(cols[k] ?? ''));
            const name = cols.slice(numeric).join(' ');
            if (nums.some((x) => x === null) || name.length === 0) return malformed(emit, 'task table row', text);
            const col = (n: string): number | null => {
              const idx = taskCols.indexOf(n);
              return idx >= 0 && idx < numeric ? nums[idx] : null;
            };
            r.tasks.push({
              pid, uid: col('uid'), tgid: col('tgid'), totalVmPages: col('total_vm'), rssPages: col('rss'), pgtablesBytes: col('pgtables_bytes'),
              nrPtes: col('nr_ptes'), swapents: col('swapents'), oomScoreAdj: col('oom_score_adj'), name,
            });
            r.taskCount++;
            // Bounded memory: keep the largest rows only.
            if (r.tasks.length > 4 * Math.max(1, maxTasks)) {
              r.tasks = r.tasks.sort((a, c) => (c.rssPages ?? 0) - (a.rssPages ?? 0)).slice(0, Math.max(1, maxTasks));
            }
            r.endLine = lineNo;
            return;
          }
        }
        if (mode === 'memcg-stats' && toks.length === 2 && parseUInt(toks[1]) !== null && !toks[0].includes(':')) {
          ensureMemcg(r).stats[toks[0]] = parseUInt(toks[1])!;
          r.endLine = lineNo;
          return;
        }
      }

      // Mem-Info shapes (also recognised outside the Mem-Info mode: some kernels print them after `show_mem`).
      const zh = zoneHead(toks);
      if (zh && b.includes('*') && b.includes('kB')) {
        // Free lists: `Node 0 Normal: 12*4kB (UME) 7*8kB ... = 123456kB`
        const [node, zone, used] = zh;
        if (!toks[used - 1].endsWith(':')) return malformed(emit, 'free-list line', text);
        const r = body(emit, lineNo, time, timeKind);
        const blocks: number[] = [];
        let base = 0;
        let ok = true;
        let total: number | null = null;
        for (let k = used; k < toks.length; k++) {
          const t = toks[k];
          if (t.startsWith('(') && t.endsWith(')')) continue;
          if (t === '=') {
            total = parseKb(toks[k + 1] ?? '');
            break;
          }
          const ss = parseStarSize(t);
          if (!ss) {
            ok = false;
            break;
          }
          if (base === 0) base = ss[1];
          const ratio = ss[1] / base;
          const order = Math.round(Math.log2(ratio));
          if (!(ratio >= 1) || 2 ** order !== ratio || order > 20) {
            ok = false;
            break;
          }
          while (blocks.length <= order) blocks.push(0);
          blocks[order] = ss[0];
        }
        if (!ok || blocks.length === 0) return malformed(emit, 'free-list line', text);
        r.pageKb = base;
        r.buddy.push({ node, zone, freeBlocks: blocks });
        r.buddyFreeKb.push(total ?? blocks.reduce((s, n, k) => s + n * base * 2 ** k, 0));
        r.endLine = lineNo;
        return;
      }
      if (zh && toks[zh[2]]?.startsWith('free:')) {
        // Zone watermarks: `Node 0 Normal free:9956kB min:7428kB low:... present:... managed:...`
        const r = body(emit, lineNo, time, timeKind);
        const kb: Record<string, number> = {};
        const { hit } = kbPairs(toks.slice(zh[2]), kb);
        if (hit === 0) return malformed(emit, 'zone line', text);
        r.zones.push({ node: zh[0], zone: zh[1], kb });
        r.endLine = lineNo;
        return;
      }
      if (t0 === 'Node' && parseUInt(toks[1] ?? '') !== null && (toks[2] ?? '').includes(':')) {
        // Node stats `Node 0 active_anon:354760kB ...` (kB, some tokens are `all_unreclaimable? no`).
        const r = body(emit, lineNo, time, timeKind);
        kbPairs(toks.slice(2), r.nodeKb, true);
        r.endLine = lineNo;
        return;
      }
      if (t0 === 'Node' && (toks[2] ?? '').startsWith('hugepages_total=')) {
        body(emit, lineNo, time, timeKind).endLine = lineNo;
        emit.count('hugepages-lines');
        return;
      }
      if (t0 === 'lowmem_reserve[]:' || (toks[1] === 'lowmem_reserve[]:' && zh)) {
        body(emit, lineNo, time, timeKind).endLine = lineNo;
        return;
      }
      if (b.endsWith(' per-cpu:') || (t0 === 'CPU' && (toks[2] ?? '').startsWith('hi:'))) {
        emit.skip('per-cpu');
        return;
      }
      if (cur && !closed && mode === 'meminfo' && toks.length > 0) {
        // Counters in pages: `active_anon:88690 inactive_anon:88630 isolated_anon:0`.
        let hit = 0;
        for (const t of toks) {
          const c = t.indexOf(':');
          const v = c > 0 ? parseUInt(t.slice(c + 1)) : null;
          if (v !== null) {
            cur.memInfoPages[t.slice(0, c)] = v;
            hit++;
          }
        }
        if (hit > 0 && hit === toks.length) {
          cur.endLine = lineNo;
          return;
        }
      }
      if (cur && !closed) {
        const n = parseUInt(t0 ?? '');
        if (n !== null && toks.length >= 2 && (toks[1] === 'pages' || toks[1] === 'total')) {
          cur.totals[toks.slice(1).join(' ')] = n;
          cur.endLine = lineNo;
          return;
        }
        if ((b.startsWith('Free swap') || b.startsWith('Total swap')) && b.includes('=')) {
          const kb = parseKb(b.slice(b.indexOf('=') + 1).trim());
          if (kb === null) return malformed(emit, 'swap line', text);
          cur.totals[b.startsWith('Free') ? 'Free swap kB' : 'Total swap kB'] = kb;
          cur.endLine = lineNo;
          return;
        }
        if (b.startsWith('Swap cache stats:') || b.startsWith('Kill process ') || b.startsWith('warn_alloc_show_mem') || b.startsWith('Free pages:')) {
          emit.skip('report-detail');
          return;
        }
        if (b.startsWith('Memory cgroup out of memory') || b.startsWith('Out of memory')) {
          emit.skip('report-detail');
          return;
        }
      }
      if (b.startsWith('Tasks state') || b.includes('invoked oom-reaper')) {
        emit.skip('report-detail');
        return;
      }
      // Any other kernel (or logcat) message: not part of an OOM report.
      emit.skip('other-message');
    },
    end(emit) {
      flushLmk(emit);
      flush(emit);
    },
  };
}

export const oomParser: ParserDefinition<OomReport, OomOptions> = {
  format: 'oom',
  title: 'Kernel OOM-killer / allocation-failure reports and Android lmkd / lowmemorykiller kills',
  producedBy: 'dmesg, dmesg -T, journalctl -k, /var/log/messages, adb logcat',
  recordSchema: OomReportSchema,
  sniff(head) {
    const { hits, markers } = markerLines(head, [
      ' invoked oom-killer: gfp_mask=', 'oom-kill:constraint=', ': Killed process ', 'Killed process ', 'oom_reaper: reaped process ',
      ': page allocation failure', "lowmemorykiller: Kill '", "lowmemorykiller: Killing '", 'Tasks state (memory values in pages)',
      ' or sacrifice child', 'Mem-Info:', ' mems_allowed=',
    ]);
    if (hits === 0) return { score: 0, reason: 'no OOM-killer or low-memory-killer lines' };
    return { score: Math.min(0.95, 0.55 + 0.1 * hits), reason: `OOM report lines: ${[...markers].slice(0, 3).join(', ')}` };
  },
  createCore,
};

export const { parse: parseOom, parseAsync: parseOomAsync } = frontEnds(oomParser);
