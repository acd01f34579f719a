import { fields, parseUInt } from '../../core/text.js';
import type { LineHandler, Mode } from './state.js';
import { kbPairs, parseInt10, parseKb, parseStarSize, zoneHead } from './values.js';

/**
 * The body of a kernel report: the rows of the section a header opened (call trace, unreclaimable
 * slab, task table, memcg v2 stats), show_mem's Mem-Info shapes (free lists, zone watermarks, node
 * counters, page counters, totals) and the report's known detail lines.
 */

/** A call-trace frame (x86, powerpc, ARM32, arm64 spellings); markers, `?` frames and registers are accounted and dropped. */
const traceRow: LineHandler = (s, l) => {
  const r = s.cur!;
  const { b, toks, t0 } = l;
  if (b === '<TASK>' || b === '</TASK>' || b === '<IRQ>' || b === '</IRQ>' || b === '<NMI>' || b === '</NMI>') {
    l.emit.skip('trace-marker');
    return true;
  }
  // Address columns: x86 `[<ffffffff8178219b>]`, powerpc `[c000000fe3a2f8d0] [c000000000ac6a4c]`.
  let k = 0;
  while (k < 2 && toks[k]?.startsWith('[') && toks[k].endsWith(']')) k++;
  if (toks[k] === '?') {
    // Unreliable `?` frames are kept out of the call trace.
    l.emit.skip('unreliable-frame');
    return true;
  }
  // ARM32 `[<c0012fcc>] (dump_backtrace) from [<c00131a4>] (show_stack+0x20/0x24)`: the function is the first one.
  if (k === 1 && toks[k]?.startsWith('(') && toks[k + 1] === 'from') {
    const inner = toks[k].slice(1, toks[k].endsWith(')') ? -1 : undefined);
    const plus = inner.indexOf('+');
    r.callTrace.push(plus > 0 ? inner.slice(0, plus) : inner);
    r.endLine = l.lineNo;
    return true;
  }
  if (t0 !== undefined && /^r\d{1,2}:[0-9a-f]+$/.test(t0)) {
    l.emit.skip('registers'); // ARM32 ` r6:00000000 r5:ffffffff ...`
    return true;
  }
  const f = toks[k];
  if (f !== undefined && (f.includes('+0x') || (k === 1 && toks.length === 2))) {
    const plus = f.indexOf('+');
    r.callTrace.push(plus > 0 ? f.slice(0, plus) : f);
    r.endLine = l.lineNo;
    return true;
  }
  if (t0 !== undefined && t0.length <= 4 && t0.endsWith(':') && t0 === t0.toUpperCase()) {
    l.emit.skip('registers'); // RIP: RSP: RAX: ... R13: FS: CS: CR2:
    return true;
  }
  if (b.startsWith('Code: ') || b.startsWith('Modules linked in:')) {
    l.emit.skip('registers');
    return true;
  }
  return false;
};

/** `Name  Used  Total` rows of `Unreclaimable slab info:` (`kmalloc-4096  63148KB  63148KB`). */
const slabRow: LineHandler = (s, l) => {
  const r = s.cur!;
  const { toks, t0 } = l;
  if (t0 === 'Name' && toks[1] === 'Used') {
    l.emit.skip('header');
    return true;
  }
  if (toks.length < 3) return false;
  const used = parseKb(toks[toks.length - 2]);
  const total = parseKb(toks[toks.length - 1]);
  if (used === null || total === null) return false;
  r.unreclaimableSlab.push({ name: toks.slice(0, -2).join(' '), usedKb: used, totalKb: total });
  r.endLine = l.lineNo;
  return true;
};

/** A task table row `[14575]     0 14575    28320      100 ... bash`, read by the header's columns. */
const taskRow: LineHandler = (s, l) => {
  const r = s.cur!;
  const { b, t0 } = l;
  if (t0 === undefined || !t0.startsWith('[')) return false;
  // `[14575]` or `[  38886]`: the pid may sit in its own token.
  const close = b.indexOf(']');
  const pid = close > 0 ? parseUInt(b.slice(1, close).trim()) : null;
  if (pid === null) return false;
  const taskCols = s.taskCols;
  const cols = fields(b.slice(close + 1));
  const numeric = taskCols.length - 1; // every column but the trailing name
  const nums: (number | null)[] = [];
  for (let k = 0; k < numeric; k++) nums.push(parseInt10(cols[k] ?? ''));
  const name = cols.slice(numeric).join(' ');
  if (nums.some((x) => x === null) || name.length === 0) return s.malformed(l, 'task table row');
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
  const keep = Math.max(1, s.maxTasks);
  if (r.tasks.length > 4 * keep) r.tasks = r.tasks.sort((a, c) => (c.rssPages ?? 0) - (a.rssPages ?? 0)).slice(0, keep);
  r.endLine = l.lineNo;
  return true;
};

/** memcg v2 stats: `anon 1234` (bytes) one per line after `Memory cgroup stats for /a:`. */
const memcgStatRow: LineHandler = (s, l) => {
  const { toks } = l;
  if (!(toks.length === 2 && parseUInt(toks[1]) !== null && !toks[0].includes(':'))) return false;
  s.ensureMemcg(s.cur!).stats[toks[0]] = parseUInt(toks[1])!;
  s.cur!.endLine = l.lineNo;
  return true;
};

/** The rows of each body section, keyed by the section a header line opened. */
const SECTION_ROWS: Partial<Record<Mode, LineHandler>> = { trace: traceRow, slab: slabRow, tasks: taskRow, 'memcg-stats': memcgStatRow };

/** A row of the open report's current section; lines the section does not take go on to the Mem-Info shapes. */
const sectionRow: LineHandler = (s, l) => {
  if (!s.open) return false;
  const row = SECTION_ROWS[s.mode];
  return row !== undefined && row(s, l);
};

/** Free lists: `Node 0 Normal: 12*4kB (UME) 7*8kB ... = 123456kB` (also outside Mem-Info: some kernels print them after `show_mem`). */
const freeLists: LineHandler = (s, l) => {
  const { b, toks } = l;
  const zh = zoneHead(toks);
  if (!(zh && b.includes('*') && b.includes('kB'))) return false;
  const [node, zone, used] = zh;
  if (!toks[used - 1].endsWith(':')) return s.malformed(l, 'free-list line');
  const r = s.body(l);
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
  if (!ok || blocks.length === 0) return s.malformed(l, 'free-list line');
  r.pageKb = base;
  r.buddy.push({ node, zone, freeBlocks: blocks });
  r.buddyFreeKb.push(total ?? blocks.reduce((sum, n, k) => sum + n * base * 2 ** k, 0));
  r.endLine = l.lineNo;
  return true;
};

/** Zone watermarks: `Node 0 Normal free:9956kB min:7428kB low:... present:... managed:...`. */
const zoneWatermarks: LineHandler = (s, l) => {
  const { toks } = l;
  const zh = zoneHead(toks);
  if (!(zh && toks[zh[2]]?.startsWith('free:'))) return false;
  const r = s.body(l);
  const kb: Record<string, number> = {};
  const { hit } = kbPairs(toks.slice(zh[2]), kb);
  if (hit === 0) return s.malformed(l, 'zone line');
  r.zones.push({ node: zh[0], zone: zh[1], kb });
  r.endLine = l.lineNo;
  return true;
};

/** Node stats `Node 0 active_anon:354760kB ...` (kB, some tokens are `all_unreclaimable? no`), summed over nodes. */
const nodeCounters: LineHandler = (s, l) => {
  const { toks, t0 } = l;
  if (!(t0 === 'Node' && parseUInt(toks[1] ?? '') !== null && (toks[2] ?? '').includes(':'))) return false;
  const r = s.body(l);
  kbPairs(toks.slice(2), r.nodeKb, true);
  r.endLine = l.lineNo;
  return true;
};

/** `Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB`. */
const hugepages: LineHandler = (s, l) => {
  const { toks, t0 } = l;
  if (!(t0 === 'Node' && (toks[2] ?? '').startsWith('hugepages_total='))) return false;
  s.body(l).endLine = l.lineNo;
  l.emit.count('hugepages-lines');
  return true;
};

/** `lowmem_reserve[]: 0 1819 7812 7812` under each zone line. */
const lowmemReserve: LineHandler = (s, l) => {
  const { toks, t0 } = l;
  if (!(t0 === 'lowmem_reserve[]:' || (toks[1] === 'lowmem_reserve[]:' && zoneHead(toks)))) return false;
  s.body(l).endLine = l.lineNo;
  return true;
};

/** Old kernels' per-cpu pagesets `Node 0 DMA per-cpu:` / `CPU    0: hi:    0, btch:   1 usd:   0`. */
const perCpu: LineHandler = (_s, l) => {
  const { b, toks, t0 } = l;
  if (!(b.endsWith(' per-cpu:') || (t0 === 'CPU' && (toks[2] ?? '').startsWith('hi:')))) return false;
  l.emit.skip('per-cpu');
  return true;
};

/** Mem-Info counters in pages: `active_anon:88690 inactive_anon:88630 isolated_anon:0`. */
const pageCounters: LineHandler = (s, l) => {
  const cur = s.open;
  const { toks } = l;
  if (!(cur && s.mode === 'meminfo' && toks.length > 0)) return false;
  let hit = 0;
  for (const t of toks) {
    const c = t.indexOf(':');
    const v = c > 0 ? parseUInt(t.slice(c + 1)) : null;
    if (v !== null) {
      // Kept even when the line is not all counters: such a line goes on to the next handlers with its counters read.
      cur.memInfoPages[t.slice(0, c)] = v;
      hit++;
    }
  }
  if (!(hit > 0 && hit === toks.length)) return false;
  cur.endLine = l.lineNo;
  return true;
};

/** `N pages RAM`, `N pages reserved`, `N total pagecache pages`, `Free swap  = NkB`, `Total swap = NkB`. */
const totals: LineHandler = (s, l) => {
  const cur = s.open;
  if (!cur) return false;
  const { b, toks, t0 } = l;
  const n = parseUInt(t0 ?? '');
  if (n !== null && toks.length >= 2 && (toks[1] === 'pages' || toks[1] === 'total')) {
    cur.totals[toks.slice(1).join(' ')] = n;
    cur.endLine = l.lineNo;
    return true;
  }
  if ((b.startsWith('Free swap') || b.startsWith('Total swap')) && b.includes('=')) {
    const kb = parseKb(b.slice(b.indexOf('=') + 1).trim());
    if (kb === null) return s.malformed(l, 'swap line');
    cur.totals[b.startsWith('Free') ? 'Free swap kB' : 'Total swap kB'] = kb;
    cur.endLine = l.lineNo;
    return true;
  }
  return false;
};

/** Lines of a report that carry nothing the record keeps (their facts are on other lines). */
const reportDetail: LineHandler = (s, l) => {
  const { b } = l;
  const inReport =
    s.open !== null &&
    (b.startsWith('Swap cache stats:') || b.startsWith('Kill process ') || b.startsWith('warn_alloc_show_mem') || b.startsWith('Free pages:') ||
      b.startsWith('Memory cgroup out of memory') || b.startsWith('Out of memory'));
  if (!(inReport || b.startsWith('Tasks state') || b.includes('invoked oom-reaper'))) return false;
  l.emit.skip('report-detail');
  return true;
};

export const BODY_HANDLERS = {
  sectionRow, freeLists, zoneWatermarks, nodeCounters, hugepages, lowmemReserve, perCpu, pageCounters, totals, reportDetail,
} as const;
