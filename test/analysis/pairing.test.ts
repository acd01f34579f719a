import { beforeAll, describe, expect, it } from 'vitest';
import { parseTraceCmd, type TraceRecord } from '../../src/parsers/tracecmd/index.js';
import {
  AllocationPairer,
  pairAllocations,
  PairingResultSchema,
  type PairedSite,
  type PairingResult,
} from '../../src/analysis/pairing/index.js';
import { AllocationSiteEntrySchema } from '../../src/report/schema.js';
import { FindingSchema } from '../../src/core/models.js';
import { sample } from '../helpers/samples.js';

interface GroundTruth {
  leaker_pid: number;
  event_counts: Record<string, number>;
  reused_ptr_or_pfn_without_seen_free: Record<string, number>;
  frees_without_seen_alloc: Record<string, number>;
  leaker_alloc_events: Record<string, number>;
  leaker_allocs_freed_within_trace: Record<string, number>;
  leaker_outstanding_count: number;
  leaker_outstanding_bytes: number;
  leaker_outstanding_by_call_site: { event: string; call_site: string; cache: string; count: number; total_bytes: number }[];
  leaker_outstanding_by_stack: { event: string; cache: string; stack: string; count: number }[];
  all_tasks_outstanding_by_comm: Record<string, number>;
}

const gtOf = (name: string): GroundTruth => JSON.parse(sample(`../test/ground-truth/${name}.groundtruth.json`)) as GroundTruth;
const recordsOf = (rel: string): TraceRecord[] => parseTraceCmd(sample(rel)).records;

function siteOf(r: PairingResult, site: string, pid: number, cache: string | null = null): PairedSite {
  const s = r.allocationSites.find((x) => x.site === site && x.pid === pid && x.cacheName === cache);
  if (!s) throw new Error(`site ${site}/${cache} pid ${pid} not in result`);
  return s;
}

/** A compact golden summary: totals and the top sites. */
function golden(r: PairingResult) {
  return {
    traceStart: r.traceStart,
    traceEnd: r.traceEnd,
    eventCounts: r.eventCounts,
    unmatchedFrees: { slab: r.unmatchedFrees.slab, page: r.unmatchedFrees.page },
    inferredFrees: r.inferredFrees,
    totals: r.totals,
    findings: r.findings.map((f) => ({ severity: f.severity, culprit: f.culprit, title: f.title })),
    topSites: r.allocationSites.slice(0, 10).map((s) => ({
      site: s.site,
      cacheName: s.cacheName,
      comm: s.comm,
      pid: s.pid,
      outstandingCount: s.outstandingCount,
      outstandingBytes: s.outstandingBytes,
      allocs: s.allocs,
      frees: s.frees,
      inferredFrees: s.inferredFrees,
      growthBytesPerSecond: s.growthBytesPerSecond === null ? null : Math.round(s.growthBytesPerSecond * 10) / 10,
      leak: s.leak,
      untracedFreeExplained: s.untracedFreeExplained,
      allocatorInternal: s.allocatorInternal,
      score: s.score,
    })),
  };
}

const LEAK_SITES_EVENTFD = [
  ['do_eventfd', null, 300, 64],
  ['alloc_empty_file', 'filp', 305, 192],
  ['security_file_alloc', 'lsm_file_cache', 305, 24],
  ['__d_alloc', 'dentry', 301, 192],
] as const;

describe('pairing on D1 main (300 leaked eventfds, pid 2117)', () => {
  let records: TraceRecord[];
  let r: PairingResult;
  const gt = gtOf('d1p');
  beforeAll(() => {
    records = recordsOf('captures/D1_main/d1p.report.txt.gz');
    r = pairAllocations(records, { groupBy: 'pid', source: 'd1p.report.txt.gz' });
  });

  it('matches the ground truth trace-wide: reused pointers and frees of pre-trace objects', () => {
    expect(r.eventCounts).toEqual(gt.event_counts);
    expect(r.inferredFrees.slab).toBe(gt.reused_ptr_or_pfn_without_seen_free.slab); // 365
    expect(r.unmatchedFrees.slab).toBe(gt.frees_without_seen_alloc.slab); // 4567
    expect(r.unmatchedFrees.samples.length).toBe(20);
  });

  it('finds exactly the four objects of the eventfd leak, ranked first, with their counts', async () => {
    for (const [site, cache, count, size] of LEAK_SITES_EVENTFD) {
      const s = siteOf(r, site, 2117, cache);
      expect(s.comm).toBe('kobjleak');
      expect(s.outstandingCount).toBe(count);
      expect(s.outstandingBytes).toBe(count * size);
      expect(s.leak).toBe(true);
      expect(s.growthR2!).toBeGreaterThan(0.99);
      expect(s.firstOutstandingTs!).toBeGreaterThanOrEqual(3489.52);
      expect(s.lastOutstandingTs!).toBeLessThanOrEqual(3504.481);
      expect(s.stack).toContain('do_eventfd');
      expect(s.stack).toContain('__x64_sys_eventfd2');
    }
    const top4 = r.allocationSites.slice(0, 4).map((s) => s.site).sort();
    expect(top4).toEqual(['__d_alloc', 'alloc_empty_file', 'do_eventfd', 'security_file_alloc']);
    expect(r.findings.map((f) => f.culprit).sort()).toEqual(top4);
    for (const f of r.findings) {
      expect(FindingSchema.parse(f)).toEqual(f);
      expect(f).toMatchObject({ kind: 'allocation-site-leak', space: 'kernel', source: 'd1p.report.txt.gz' });
      expect(f.evidence[0].lines![0]).toBeGreaterThan(0);
    }
    // do_eventfd: 48 requested / 64 allocated per object (kmalloc-64), 20 per second
    const ev = siteOf(r, 'do_eventfd', 2117);
    expect(ev.bytesRequested).toBe(300 * 48);
    expect(ev.growthBytesPerSecond!).toBeCloseTo(1280, -1);
    expect(ev.frees).toBe(498); // the 498 noise eventfds, freed synchronously
    expect(ev.lifetime.count).toBe(498);
    expect(ev.lifetime.maxSeconds!).toBeLessThan(0.05);
    await expect(JSON.stringify(golden(r), null, 2)).toMatchFileSnapshot('../golden/pairing-d1p.json');
  });

  it('does not flag the live process state or slab-internal metadata as leaks', () => {
    const vma = siteOf(r, 'vm_area_alloc', 2117, 'vm_area_struct');
    expect(vma.outstandingCount).toBe(17);
    expect(vma.leak).toBe(false);
    expect(vma.growthBytesPerSecond).toBeNull(); // allocated at exec in a burst: a step, not a rate
    const exts = siteOf(r, 'alloc_slab_obj_exts', 2117);
    expect(exts.outstandingCount).toBe(16);
    expect(exts.allocatorInternal).toBe(true);
    expect(exts.leak).toBe(false);
    expect(r.allocationSites.filter((s) => s.leak).every((s) => s.pid === 2117)).toBe(true);
  });

  it('groups by stack exactly as the ground truth stacks', () => {
    const mine = r.stacks.filter((s) => s.pid === 2117);
    for (const g of gt.leaker_outstanding_by_stack.slice(0, 4)) {
      const frames = g.stack.split(' <- ');
      const hit = mine.find((s) => frames.every((f, i) => s.stack[i] === f));
      expect(hit, g.stack).toBeDefined();
      expect(hit!.outstandingCount).toBe(g.count);
    }
  });

  it('matches the leaker totals with a pid filter and no young cut-off', () => {
    const p = pairAllocations(records, { groupBy: 'pid', pids: [gt.leaker_pid], youngAgeSeconds: 0 });
    expect(p.totals.outstandingCount).toBe(gt.leaker_outstanding_count); // 1317
    expect(p.totals.outstandingBytes).toBe(gt.leaker_outstanding_bytes); // 168184
    expect(p.totals.byEvent.kmalloc).toEqual({ allocs: gt.leaker_alloc_events.kmalloc, frees: gt.leaker_allocs_freed_within_trace.kmalloc });
    expect(p.totals.byEvent.kmem_cache_alloc).toEqual({ allocs: gt.leaker_alloc_events.kmem_cache_alloc, frees: gt.leaker_allocs_freed_within_trace.kmem_cache_alloc });
    for (const c of gt.leaker_outstanding_by_call_site.slice(0, 8)) {
      const s = p.allocationSites.find((x) => x.site === c.call_site && x.event === c.event && (x.cacheName ?? '-') === c.cache);
      expect(s, c.call_site).toBeDefined();
      expect(s!.outstandingCount).toBe(c.count);
      expect(s!.outstandingBytes).toBe(c.total_bytes);
    }
  });

  it('excludes the tracer by default and counts it when asked', () => {
    expect(r.tasks.some((t) => t.comm === 'trace-cmd')).toBe(false);
    const all = pairAllocations(records, { groupBy: 'pid', includeTracer: true, youngAgeSeconds: 0, maxTasks: 100 });
    const byComm: Record<string, number> = {};
    for (const t of all.tasks) byComm[t.comm] = (byComm[t.comm] ?? 0) + t.outstandingCount;
    for (const [comm, n] of Object.entries(gt.all_tasks_outstanding_by_comm)) expect(byComm[comm], comm).toBe(n);
  });

  it('filters by comm, size, time window and event kind', () => {
    const byComm = pairAllocations(records, { groupBy: 'pid', comms: ['kobjleak'] });
    expect(new Set(byComm.allocationSites.map((s) => s.comm))).toEqual(new Set(['kobjleak']));
    const page4k = pairAllocations(records, { groupBy: 'pid', bytesAlloc: [4096], pids: [2117] });
    expect(page4k.allocationSites.map((s) => [s.site, s.outstandingCount])).toEqual([['alloc_fdtable', 1]]);
    const kmallocOnly = pairAllocations(records, { groupBy: 'pid', events: ['kmalloc'], pids: [2117] });
    expect(new Set(kmallocOnly.allocationSites.map((s) => s.event))).toEqual(new Set(['kmalloc']));
    expect(siteOf(kmallocOnly, 'do_eventfd', 2117).outstandingCount).toBe(300);
    // the first half of the leak only: allocations up to ts 3497 (leak #1 at 3489.527, 20/s)
    const window = pairAllocations(records, { groupBy: 'pid', pids: [2117], to: 3497.0, youngAgeSeconds: 0 });
    const half = siteOf(window, 'do_eventfd', 2117);
    expect(half.outstandingCount).toBe(Math.floor((3497.0 - 3489.527) / 0.05) + 1); // 150
    // with the default 1-s young cut-off the last second (20 allocations) is reported apart
    const cut = siteOf(pairAllocations(records, { groupBy: 'pid', pids: [2117], to: 3497.0 }), 'do_eventfd', 2117);
    expect(cut.young.count).toBe(20);
    expect(cut.outstandingCount + cut.young.count).toBe(150);
    expect(window.traceEnd!).toBeLessThanOrEqual(3497.0);
  });

  it('streams: the pairer fed from onRecord equals the array wrapper, and finish() keeps the live set only', () => {
    const p = new AllocationPairer({ groupBy: 'pid', source: 'd1p.report.txt.gz' });
    parseTraceCmd(sample('captures/D1_main/d1p.report.txt.gz'), { onRecord: (x) => p.add(x as TraceRecord) });
    const streamed = p.finish();
    expect(streamed).toEqual(r);
    expect(p.liveCount).toBe(streamed.liveAtEnd);
    expect(streamed.liveAtEnd).toBeLessThan(gt.event_counts.kmalloc + gt.event_counts.kmem_cache_alloc);
  });

  it('produces results that validate against its schema and the report schema', () => {
    expect(() => PairingResultSchema.parse(r)).not.toThrow();
    for (const s of r.allocationSites) expect(() => AllocationSiteEntrySchema.parse(s)).not.toThrow();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('pairing on D1 mixed noise (the kfree_rcu trap, pid 828)', () => {
  let r: PairingResult;
  const gt = gtOf('d1');
  beforeAll(() => {
    r = pairAllocations(recordsOf('captures/D1_mixed_noise/d1.report.txt.gz'), { groupBy: 'pid', source: 'd1.report.txt.gz' });
  });

  it('still names the 300 leaked eventfds, and only them', async () => {
    for (const [site, cache, count, size] of LEAK_SITES_EVENTFD) {
      const s = siteOf(r, site, 828, cache);
      expect(s.outstandingCount).toBe(count);
      expect(s.outstandingBytes).toBe(count * size);
      expect(s.leak).toBe(true);
    }
    expect(r.findings.map((f) => f.culprit).sort()).toEqual(['__d_alloc', 'alloc_empty_file', 'do_eventfd', 'security_file_alloc']);
    expect(r.allocationSites.slice(0, 4).every((s) => s.leak)).toBe(true);
    expect(r.inferredFrees.slab).toBe(gt.reused_ptr_or_pfn_without_seen_free.slab); // 1021
    expect(r.unmatchedFrees.slab).toBe(gt.frees_without_seen_alloc.slab); // 4329
    await expect(JSON.stringify(golden(r), null, 2)).toMatchFileSnapshot('../golden/pairing-d1.json');
  });

  it('flags timerfd / eventpoll / epitem survivors as explained by untraced (kfree_rcu) frees', () => {
    const cases = [
      ['__do_sys_timerfd_create', null, 331, 167],
      ['do_epoll_create', null, 331, 167],
      ['do_epoll_ctl', 'eventpoll_epi', 234, 263],
    ] as const;
    for (const [site, cache, naive, reused] of cases) {
      const s = siteOf(r, site, 828, cache);
      expect(s.outstandingCount).toBe(naive); // what a naive pairing reports
      expect(s.inferredFrees).toBe(reused); // pointers handed out again without a traced free
      expect(s.untracedFreeExplained).toBe(true);
      expect(s.leak).toBe(false);
    }
    const timerfd = siteOf(r, '__do_sys_timerfd_create', 828);
    expect(timerfd.frees).toBe(0);
    expect(r.allocationSites.indexOf(timerfd)).toBeGreaterThan(4);
  });
});

describe('pairing on D1 pages (120 leaked timerfds, pid 2893)', () => {
  let r: PairingResult;
  let records: TraceRecord[];
  const gt = gtOf('d1pg');
  beforeAll(() => {
    records = recordsOf('captures/D1_pages_timerfd/d1pg.report.txt.gz');
    r = pairAllocations(records, { groupBy: 'pid', source: 'd1pg.report.txt.gz' });
  });

  it('names the four timerfd objects and no page site', async () => {
    const leak = [
      ['__do_sys_timerfd_create', null, 120, 256],
      ['alloc_empty_file', 'filp', 125, 192],
      ['security_file_alloc', 'lsm_file_cache', 125, 24],
      ['__d_alloc', 'dentry', 121, 192],
    ] as const;
    for (const [site, cache, count, size] of leak) {
      const s = siteOf(r, site, 2893, cache);
      expect(s.outstandingCount).toBe(count);
      expect(s.outstandingBytes).toBe(count * size);
      expect(s.leak).toBe(true);
    }
    expect(r.findings).toHaveLength(4);
    expect(r.findings.every((f) => f.title.includes('kobjleak'))).toBe(true);
    expect(siteOf(r, '__do_sys_timerfd_create', 2893).bytesRequested).toBe(120 * 216);
    await expect(JSON.stringify(golden(r), null, 2)).toMatchFileSnapshot('../golden/pairing-d1pg.json');
  });

  it('pairs pages by pfn: 60 allocations, 14 freed, 46 outstanding for the leaker', () => {
    expect(r.inferredFrees).toEqual({ slab: gt.reused_ptr_or_pfn_without_seen_free.slab, page: gt.reused_ptr_or_pfn_without_seen_free.page });
    expect(r.unmatchedFrees.page).toBe(gt.frees_without_seen_alloc.page); // 77
    const p = pairAllocations(records, { groupBy: 'pid', pids: [2893], youngAgeSeconds: 0, events: ['mm_page_alloc'] });
    expect(p.totals.byEvent.mm_page_alloc).toEqual({ allocs: gt.leaker_alloc_events.mm_page_alloc, frees: gt.leaker_allocs_freed_within_trace.mm_page_alloc });
    expect(p.totals.outstandingCount).toBe(46);
    expect(p.totals.outstandingBytes).toBe(46 * 4096);
    // slab pages for the growing dentry cache: a consequence, marked allocator-internal
    const slabPages = siteOf(p, 'allocate_slab', 2893);
    expect(slabPages.outstandingCount).toBe(4);
    expect(slabPages.allocatorInternal).toBe(true);
    expect(p.allocationSites.some((s) => s.leak)).toBe(false);
  });
});

describe('pairing rules on small traces', () => {
  const ev = (line: number, ts: number, event: string, fields: string, comm = 'app', pid = 10) =>
    `${comm}-${pid} [000] ${ts.toFixed(6)}: ${event}: ${fields}`;
  const run = (lines: string[], options = {}) => pairAllocations(parseTraceCmd(lines.join('\n')).records, options);

  it('ignores kfree(NULL) and ZERO_SIZE_PTR, counts frees of unknown pointers as unmatched', () => {
    const r = run([
      ev(1, 1, 'kmalloc', 'call_site=f+0x1/0x2 ptr=0x10 bytes_req=0 bytes_alloc=0 gfp_flags=GFP_KERNEL'),
      ev(2, 2, 'kfree', 'call_site=g+0x1/0x2 ptr=(null)'),
      ev(3, 3, 'kfree', 'call_site=g+0x1/0x2 ptr=0x10'),
      ev(4, 4, 'kfree', 'call_site=g+0x1/0x2 ptr=0xffff0000aaaa0000'),
    ]);
    expect(r.ignoredNullEvents).toBe(3);
    expect(r.unmatchedFrees.slab).toBe(1);
    expect(r.unmatchedFrees.samples[0]).toMatchObject({ line: 4, event: 'kfree', key: 'ffff0000aaaa0000', callSite: 'g+0x1/0x2' });
    expect(r.totals.outstandingCount).toBe(0);
  });

  it('never pairs two pointers that differ only in a leading ffff, and shows unmatched ones as printed', () => {
    const r = run([
      ev(1, 1, 'kmalloc', 'call_site=f+0x1/0x2 ptr=0xffff888100001180 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL'),
      ev(2, 2, 'kmalloc', 'call_site=f+0x1/0x2 ptr=0x888100002000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL'),
      ev(3, 3, 'kfree', 'call_site=g+0x1/0x2 ptr=0x888100001180'),
      ev(4, 4, 'kfree', 'call_site=g+0x1/0x2 ptr=0xffff888100002000'),
      ev(5, 5, 'kfree', 'call_site=g+0x1/0x2 ptr=0x888100002000'),
      ev(6, 6, 'kfree', 'call_site=g+0x1/0x2 ptr=0x00000000ffff888100001180'),
    ]);
    expect(r.unmatchedFrees.slab).toBe(2);
    expect(r.unmatchedFrees.samples.map((u) => u.key)).toEqual(['888100001180', 'ffff888100002000']);
    expect(r.totals.outstandingCount).toBe(0); // line 6 frees line 1's object (leading zeros dropped), line 5 line 2's
  });

  it('treats an allocation over a live pointer as an inferred free of the earlier object', () => {
    const r = run([
      ev(1, 1, 'kmalloc', 'call_site=a+0x1/0x2 ptr=0xff00 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL'),
      ev(2, 2, 'kmem_cache_alloc', 'call_site=b+0x1/0x2 ptr=0xff00 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL name=x'),
      ev(3, 3, 'kmem_cache_free', 'call_site=c+0x1/0x2 ptr=0xff00 name=x'),
      ev(4, 10, 'kfree', 'call_site=c+0x1/0x2 ptr=0xee00'),
    ], { youngAgeSeconds: 0 });
    expect(r.inferredFrees.slab).toBe(1);
    expect(r.totals).toMatchObject({ allocs: 2, frees: 1, outstandingCount: 0 });
  });

  it('pairs pages by pfn and reports young allocations apart', () => {
    const r = run([
      ev(1, 1, 'mm_page_alloc', 'page=0x100 pfn=0x100 order=2 migratetype=0 gfp_flags=GFP_KERNEL'),
      ev(2, 2, 'mm_page_alloc', 'page=0x200 pfn=0x200 order=0 migratetype=0 gfp_flags=GFP_KERNEL'),
      ev(3, 3, 'mm_page_free', 'page=0x200 pfn=0x200 order=0'),
      ev(4, 9.5, 'mm_page_alloc', 'page=0x300 pfn=0x300 order=0 migratetype=0 gfp_flags=GFP_KERNEL'),
      ev(5, 10, 'mm_page_free_batched', 'page=0x999 pfn=0x999 order=0'),
    ]);
    expect(r.totals).toMatchObject({ allocs: 3, frees: 1, outstandingCount: 1, outstandingBytes: 16384, youngCount: 1, youngBytes: 4096 });
    expect(r.youngAllocations).toEqual([{ site: '(page) order=0', comm: 'app', pid: 10, count: 1, bytes: 4096 }]);
    expect(r.allocationSites[0]).toMatchObject({ site: '(page) order=2', outstandingCount: 1, oldestAgeSeconds: 9 });
    expect(r.unmatchedFrees.page).toBe(1);
  });

  it('resolves a raw hex or allocator-wrapper call_site to the first frame outside the allocator', () => {
    const r = run([
      ev(1, 1, 'kmalloc', 'call_site=__kvmalloc_node_noprof+0x53a ptr=0xaa00 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL'),
      '  app-10 [000] 1.000002: kernel_stack: <stack trace >',
      '=> trace_event_raw_event_kmalloc (ffffffff81000000)',
      '=> __kvmalloc_node_noprof (ffffffff81000001)',
      '=> my_driver_init (ffffffff81000002)',
      ev(2, 2, 'kmalloc', 'call_site=ffffffff8116ffbd ptr=0xbb00 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL'),
      '  app-10 [000] 2.000002: kernel_stack: <stack trace >',
      '=> __kmalloc_noprof (ffffffff81000001)',
      '=> other_site (ffffffff81000002)',
    ], { youngAgeSeconds: 0 });
    expect(r.allocationSites.map((s) => s.site).sort()).toEqual(['my_driver_init', 'other_site']);
  });

  it('calls a steady survivor stream a leak and a burst not', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) lines.push(ev(i, 1 + i * 0.2, 'kmalloc', `call_site=leaky+0x1/0x2 ptr=0x${(0x1000 + i * 64).toString(16)} bytes_req=60 bytes_alloc=64 gfp_flags=GFP_KERNEL`));
    for (let i = 0; i < 50; i++) lines.push(ev(i, 11 + i * 0.0001, 'kmalloc', `call_site=burst+0x1/0x2 ptr=0x${(0x9000 + i * 64).toString(16)} bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL`));
    lines.push(ev(0, 20, 'kfree', 'call_site=x ptr=0x1'));
    const r = run(lines.sort((a, b) => Number(a.split(' ')[2].slice(0, -1)) - Number(b.split(' ')[2].slice(0, -1))));
    expect(r.allocationSites[0]).toMatchObject({ site: 'leaky', leak: true, outstandingCount: 50 });
    expect(r.allocationSites[0].growthBytesPerSecond!).toBeCloseTo(320, 0);
    expect(r.allocationSites.find((s) => s.site === 'burst')).toMatchObject({ leak: false, growthBytesPerSecond: null });
  });
});
