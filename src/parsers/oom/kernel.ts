import { fields, parseUInt } from '../../core/text.js';
import type { LineHandler } from './state.js';
import { commaPairs, isHexDigits, kbPairs, parseInt10, parseKb, parseKilled, parseMemcgCounter } from './values.js';

/**
 * The kernel's OOM-killer and allocation-failure reports (mm/oom_kill.c, mm/page_alloc.c): the lines
 * that start a report, the kill-side lines that close it, and the report's header and memcg lines.
 */

/** `comm invoked oom-killer: gfp_mask=0x..(FLAGS), order=N, oom_score_adj=N` (older: `oom-killer: gfp_mask=`, `oomkilladj=`). */
const oomTrigger: LineHandler = (s, l) => {
  const { b } = l;
  const inv = b.indexOf(' invoked oom-killer: ');
  if (!(inv > 0 || b.startsWith('oom-killer: gfp_mask='))) return false;
  // `sysrq: Manual OOM execution` is followed by the trigger line of the same report.
  const sysrq = s.cur !== null && !s.closed && s.cur.trigger?.sysrq === true && s.cur.victim === null;
  const r = sysrq && s.cur ? s.cur : s.start(l, 'oom-kill');
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
    s.malformed(l, 'oom-killer trigger line');
  }
  return true;
};

/** drivers/tty/sysrq.c `sysrq: Manual OOM execution` (SysRq-f): an OOM someone asked for, not memory pressure. */
const sysrqManualOom: LineHandler = (s, l) => {
  if (!l.b.includes('Manual OOM execution')) return false;
  const r = s.start(l, 'oom-kill');
  r.trigger = { comm: 'sysrq', gfpMask: null, gfpFlags: null, order: -1, oomScoreAdj: null, sysrq: true };
  return true;
};

/** `comm: page allocation failure: order:N, mode:0x..(FLAGS), nodemask=...` (older: `. order:N, mode:0x..`). */
const allocFailure: LineHandler = (s, l) => {
  const { b } = l;
  const paf = b.indexOf(': page allocation failure');
  if (paf <= 0) return false;
  const r = s.start(l, 'alloc-failure');
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
  if (order === null) s.malformed(l, 'page allocation failure line');
  return true;
};

/** `[Memory cgroup out of memory: ]Killed process N (comm) total-vm:..kB, anon-rss:..kB, ...`: closes the report. */
const killedProcess: LineHandler = (s, l) => {
  const { b } = l;
  const killed = b.indexOf('Killed process ');
  if (!(killed >= 0 && (killed === 0 || b.lastIndexOf(': ', killed) === killed - 2))) return false;
  const v = parseKilled(b, killed);
  if (!v) return s.malformed(l, 'Killed process line');
  const r = s.open ?? s.body(l);
  const score = r.victim?.pid === v.pid ? r.victim.score : null;
  r.victim = { ...v, score };
  if (b.startsWith('Memory cgroup out of memory') && r.constraint === null) r.constraint = 'CONSTRAINT_MEMCG';
  r.killTime = l.time;
  r.endLine = l.lineNo;
  s.closed = true;
  s.mode = 'none';
  return true;
};

/** Older kernels: `[Memory cgroup out of memory: ]Kill process N (comm) score S or sacrifice child`, before `Killed process`. */
const killOrSacrifice: LineHandler = (s, l) => {
  const { b } = l;
  const killProc = b.indexOf('Kill process ');
  if (!(killProc >= 0 && b.includes(' or sacrifice child'))) return false;
  const r = s.body(l);
  const ktoks = fields(b.slice(killProc + 13));
  const pid = parseUInt(ktoks[0] ?? '');
  const open = b.indexOf('(', killProc);
  const close = b.lastIndexOf(') score ');
  const si = ktoks.indexOf('score');
  if (pid === null || open < 0 || close < open) return s.malformed(l, 'Kill process line');
  r.victim = {
    pid, comm: b.slice(open + 1, close), totalVmKb: null, anonRssKb: null, fileRssKb: null, shmemRssKb: null, uid: null,
    pgtablesKb: null, oomScoreAdj: null, score: si >= 0 ? parseUInt(ktoks[si + 1] ?? '') : null,
  };
  if (b.startsWith('Memory cgroup out of memory')) r.constraint ??= 'CONSTRAINT_MEMCG';
  r.endLine = l.lineNo;
  s.mode = 'none';
  return true;
};

/** `oom_reaper: reaped process N (comm), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB`: belongs to the report whose victim it names. */
const oomReaper: LineHandler = (s, l) => {
  const { b } = l;
  if (!b.startsWith('oom_reaper: reaped process ')) return false;
  const rtoks = fields(b.slice(27).replaceAll(',', ' '));
  const pid = parseUInt(rtoks[0] ?? '');
  if (pid === null) return s.malformed(l, 'oom_reaper line');
  const get = (k: string): number | null => {
    const t = rtoks.find((x) => x.startsWith(`${k}:`));
    return t ? parseKb(t.slice(k.length + 1)) : null;
  };
  const cur = s.cur;
  if (cur && cur.victim?.pid === pid) {
    cur.reaped = { pid, anonRssKb: get('anon-rss'), fileRssKb: get('file-rss'), shmemRssKb: get('shmem-rss') };
    cur.endLine = l.lineNo;
  } else l.emit.count('reaper-unmatched');
  return true;
};

/** `oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=...,task=x,pid=N,uid=N` (4.19+). */
const oomKillSummary: LineHandler = (s, l) => {
  const { b } = l;
  if (!b.startsWith('oom-kill:')) return false;
  const r = s.body(l);
  r.oomKill = commaPairs(b.slice(9));
  if (r.oomKill.constraint === undefined) return s.malformed(l, 'oom-kill line');
  r.constraint = r.oomKill.constraint;
  r.endLine = l.lineNo;
  s.mode = 'none';
  return true;
};

/** `Out of memory and no killable processes...`: the report ends without a victim. */
const noKillable: LineHandler = (s, l) => {
  if (!l.b.startsWith('Out of memory and no killable processes')) return false;
  const r = s.body(l);
  r.endLine = l.lineNo;
  s.closed = true;
  l.emit.count('no-killable-process');
  return true;
};

/** `comm cpuset=/ mems_allowed=0` (before 4.19). */
const cpuset: LineHandler = (s, l) => {
  const { b } = l;
  if (!(b.includes(' cpuset=') && b.includes(' mems_allowed='))) return false;
  const r = s.body(l);
  const c = b.indexOf(' cpuset=');
  r.cpuset = fields(b.slice(c + 8))[0] ?? null;
  r.endLine = l.lineNo;
  return true;
};

/** dump_stack's `CPU: 0 PID: 14726 Comm: stress Not tainted 3.10.0-693.el7.x86_64 #1`. */
const taskHeader: LineHandler = (s, l) => {
  const { toks, t0 } = l;
  const cur = s.open;
  if (!(t0 === 'CPU:' && toks.includes('PID:') && toks.includes('Comm:') && cur)) return false;
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
  cur.endLine = l.lineNo;
  return true;
};

const hardwareName: LineHandler = (s, l) => {
  if (!(l.b.startsWith('Hardware name:') && s.open)) return false;
  l.emit.skip('hardware-name');
  return true;
};

/** The start of the report's call trace (x86 / arm64 / mips spellings). */
const callTraceStart: LineHandler = (s, l) => {
  const { b } = l;
  if (!((b === 'Call Trace:' || b === 'Call trace:' || b === 'Backtrace:') && s.open)) return false;
  s.mode = 'trace';
  return true;
};

/** show_mem's `Mem-Info:` header: the page counters follow. */
const memInfoStart: LineHandler = (s, l) => {
  if (!(l.b === 'Mem-Info:' || l.b === 'Mem-info:')) return false;
  s.body(l);
  s.mode = 'meminfo';
  return true;
};

/** `Unreclaimable slab info:` (4.15+, printed when slab outgrows the LRU pages): `Name Used Total` rows follow. */
const slabStart: LineHandler = (s, l) => {
  if (!l.b.startsWith('Unreclaimable slab info:')) return false;
  s.body(l);
  s.mode = 'slab';
  return true;
};

const tasksStateHeader: LineHandler = (s, l) => {
  if (!l.b.startsWith('Tasks state (memory values in pages)')) return false;
  s.body(l);
  return true;
};

/** The task table's column header `[  pid  ]   uid  tgid total_vm      rss ... name`: its columns name the rows' fields. */
const taskTableHeader: LineHandler = (s, l) => {
  const { b, t0 } = l;
  if (!(t0 === '[' || (t0 !== undefined && t0.startsWith('[') && (b.includes('pid ]') || b.includes('pid  ]') || b.includes('pid]'))))) return false;
  const close = b.indexOf(']');
  if (!(close > 0 && b.slice(1, close).trim() === 'pid')) return false;
  const r = s.body(l);
  s.taskCols = fields(b.slice(close + 1));
  s.mode = 'tasks';
  r.endLine = l.lineNo;
  return true;
};

/** memcg v1 `Task in /a killed as a result of limit of /b`. */
const memcgTaskIn: LineHandler = (s, l) => {
  const { b } = l;
  if (!(b.startsWith('Task in ') && b.includes(' killed as a result of limit of '))) return false;
  const r = s.body(l);
  const k = b.indexOf(' killed as a result of limit of ');
  const m = s.ensureMemcg(r);
  m.taskPath = b.slice(8, k);
  m.limitPath = b.slice(k + ' killed as a result of limit of '.length).trim();
  r.constraint ??= 'CONSTRAINT_MEMCG';
  r.endLine = l.lineNo;
  return true;
};

const MEMCG_COUNTERS = { 'memory:': 'memory', 'memory+swap:': 'memsw', 'kmem:': 'kmem', 'swap:': 'swap' } as const;

/** memcg `memory: usage 53824kB, limit 102400kB, failcnt 20427` (and `memory+swap:`, `kmem:`, `swap:`). */
const memcgCounter: LineHandler = (s, l) => {
  const { toks, t0 } = l;
  if (t0 === undefined || toks[1] !== 'usage' || !Object.hasOwn(MEMCG_COUNTERS, t0)) return false;
  const label = t0 as keyof typeof MEMCG_COUNTERS;
  const r = s.body(l);
  const c = parseMemcgCounter(l.b.slice(label.length));
  if (!c) return s.malformed(l, `memcg ${label} line`);
  s.ensureMemcg(r)[MEMCG_COUNTERS[label]] = c;
  r.endLine = l.lineNo;
  return true;
};

/** `Memory cgroup stats for /a:` then v1 inline `cache:64KB rss:...` or v2 `anon 1234` lines. */
const memcgStatsStart: LineHandler = (s, l) => {
  const { b } = l;
  if (!b.startsWith('Memory cgroup stats for ')) return false;
  const r = s.body(l);
  const m = s.ensureMemcg(r);
  const colon = b.indexOf(':', 24);
  m.statsPath = colon > 0 ? b.slice(24, colon) : b.slice(24);
  const rest = colon > 0 ? b.slice(colon + 1).trim() : '';
  if (rest.length > 0) kbPairs(fields(rest), m.stats);
  else s.mode = 'memcg-stats';
  r.endLine = l.lineNo;
  return true;
};

export const KERNEL_HANDLERS = {
  oomTrigger, sysrqManualOom, allocFailure, killedProcess, killOrSacrifice, oomReaper, oomKillSummary, noKillable, cpuset,
  taskHeader, hardwareName, callTraceStart, memInfoStart, slabStart, tasksStateHeader, taskTableHeader, memcgTaskIn,
  memcgCounter, memcgStatsStart,
} as const;
