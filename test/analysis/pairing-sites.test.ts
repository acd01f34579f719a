import { describe, expect, it } from 'vitest';
import { parseTraceCmd, type TraceRecord } from '../../src/parsers/tracecmd/index.js';
import { pairAllocations, PairingResultSchema, type PairingResult } from '../../src/analysis/pairing/index.js';
import { sample } from '../helpers/samples.js';

/**
 * Sites across tasks (issue 15 item 5) on two real captures with measured ground truth
 * (test/ground-truth/s1, s2; samples/capture/record-sites.sh): a 4 KiB kmalloc leak reached from a
 * new pid per object (seed 001's shape), and TCP child sockets created in NET_RX softirq.
 */
const gt = (name: string) => JSON.parse(sample(`../test/ground-truth/${name}.groundtruth.json`));
const S1 = 'captures/S1_schedstat_pids/schedstat.reduced.report.txt.gz';
const S2 = 'captures/S2_softirq_accept/softirq.report.txt.gz';
const recordsOf = (rel: string): TraceRecord[] => parseTraceCmd(sample(rel)).records;
const leaks = (r: PairingResult) => r.allocationSites.filter((s) => s.leak);

function golden(r: PairingResult) {
  return {
    options: r.options,
    totals: r.totals,
    findings: r.findings.map((f) => ({ severity: f.severity, culprit: f.culprit, title: f.title })),
    topSites: r.allocationSites.slice(0, 6).map((s) => ({
      site: s.site, cacheName: s.cacheName, comm: s.comm, pid: s.pid, outstandingCount: s.outstandingCount, outstandingBytes: s.outstandingBytes,
      allocs: s.allocs, frees: s.frees, taskCount: s.taskCount, topComms: s.topComms, interruptCount: s.interruptCount,
      shareOfOutstanding: s.shareOfOutstanding, leak: s.leak,
    })),
  };
}

describe('S1: a 4 KiB kmalloc leak from a new pid per object (seed 001 shape)', () => {
  const truth = gt('s1');
  const records = recordsOf(S1);

  it('is one culprit site across 150 pids by default, with the pids as its attributes', async () => {
    const r = pairAllocations(records, { source: S1, youngAgeSeconds: 0 });
    expect(() => PairingResultSchema.parse(r)).not.toThrow();
    expect(r.options.groupBy).toBe('site');
    const [leak, ...others] = leaks(r);
    expect(others).toEqual([]);
    expect(leak).toMatchObject({ site: truth.leak.site, event: 'kmalloc', comm: null, pid: null, outstandingCount: truth.leak.count, outstandingBytes: truth.leak.bytes, taskCount: truth.leak.distinct_pids, interruptCount: 0 });
    expect(leak.topComms).toEqual([{ comm: truth.leak.comm, context: 'task', pids: 150, outstandingCount: 150, outstandingBytes: 614400 }]);
    expect(leak.topTasks).toHaveLength(5);
    expect(leak.topTasks.every((t) => t.outstandingCount === 1 && t.comm === truth.leak.comm)).toBe(true);
    expect(leak.shareOfOutstanding).toBe(1);
    expect(r.findings.map((f) => f.culprit)).toEqual(['load_msg']);
    expect(r.findings[0].title).toContain('by 150 tasks: schedstat-keepe ×150 (150 pids)');
    // the seq_file noise of `cat /proc/meminfo` (seq_read_iter) is all freed
    expect(r.allocationSites.find((s) => s.site === 'seq_read_iter')).toBeUndefined();
    await expect(JSON.stringify(golden(r), null, 2)).toMatchFileSnapshot('../golden/pairing-s1-sites.json');
  });

  it('keyed per pid (the old default) it splits into one-object sites and names no culprit', () => {
    const r = pairAllocations(records, { groupBy: 'pid', youngAgeSeconds: 0 });
    const loadMsg = r.allocationSites.filter((s) => s.site === 'load_msg');
    expect(loadMsg.length).toBe(50); // maxSites; 150 in all
    expect(loadMsg.every((s) => s.outstandingCount === 1 && s.pid !== null && !s.leak)).toBe(true);
    expect(r.findings).toEqual([]);
  });

  it('groups by comm (one site for the program) and by stack', () => {
    const byComm = pairAllocations(records, { groupBy: 'comm', youngAgeSeconds: 0 });
    expect(leaks(byComm).map((s) => [s.site, s.comm, s.pid, s.outstandingCount])).toEqual([['load_msg', 'schedstat-keepe', null, 150]]);
    const byStack = pairAllocations(records, { groupBy: 'stack', youngAgeSeconds: 0 });
    const stacks = byStack.allocationSites.filter((s) => s.site === 'load_msg');
    expect(stacks.reduce((n, s) => n + s.outstandingCount, 0)).toBe(150);
    expect(stacks[0].stack.slice(1, 3)).toEqual(['load_msg', 'do_msgsnd']);
    expect(byStack.options.groupBy).toBe('stack');
  });
});

describe('S2: TCP child sockets created in NET_RX softirq (latency format, irq flags)', () => {
  const truth = gt('s2');
  const records = recordsOf(S2);
  const events = records.filter((r) => r.type === 'event');

  it('reads the irq-flags column of `trace-cmd report -l` and the instance prefix', () => {
    const inSoftirq = events.filter((e) => e.irqContext === 'softirq');
    // the child socket and its request sock per connection, in softirq; the clients' sockets in process context
    expect(events.filter((e) => e.event === 'kmem_cache_alloc' && e.irqContext === 'softirq').length).toBe(400);
    expect(events.filter((e) => e.event === 'kmem_cache_alloc' && e.irqContext === undefined).length).toBe(200);
    expect(inSoftirq.length).toBe(400); // nothing else in this trace ran in softirq: every free came from process context
    expect(new Set(events.map((e) => e.comm)).has('rst-clie')).toBe(true);
    expect(events.some((e) => e.comm.startsWith('sites'))).toBe(false);
  });

  it('blames the softirq, not the 200 interrupted client pids: two culprit sites of 200 objects', () => {
    const r = pairAllocations(records, { youngAgeSeconds: 0 });
    const got = leaks(r).map((s) => ({ site: s.site, cache: s.cacheName, count: s.outstandingCount, interrupt: s.interruptCount, tasks: s.topTasks.map((t) => [t.comm, t.pid, t.context]) }));
    expect(got).toEqual(
      truth.leak.map((l: { site: string; cache: string; count: number }) => ({ site: l.site, cache: l.cache, count: l.count, interrupt: l.count, tasks: [['softirq', null, 'softirq']] })),
    );
    expect(leaks(r).map((s) => s.outstandingBytes)).toEqual([200 * 2368, 200 * 320]);
    expect(r.findings[0].title).toContain('allocated in softirq context never freed');
    expect(r.tasks[0]).toMatchObject({ comm: 'softirq', pid: null, context: 'softirq', outstandingCount: 400 });
  });

  it('takes the context from the softirq frames when the report prints no flags', () => {
    const noFlags = records.map((r) => (r.type === 'event' ? { ...r, irqContext: undefined } : r));
    const r = pairAllocations(noFlags, { youngAgeSeconds: 0 });
    expect(leaks(r).map((s) => [s.site, s.outstandingCount, s.interruptCount, s.topComms[0].comm])).toEqual([
      ['sk_prot_alloc', 200, 200, 'softirq'],
      ['inet_reqsk_alloc', 200, 200, 'softirq'],
    ]);
  });

  it('grouped by stack, the clients\' sockets (inet_create) are a stack of their own, all freed', () => {
    const r = pairAllocations(records, { groupBy: 'stack', youngAgeSeconds: 0 });
    const child = r.allocationSites.find((s) => s.site === 'sk_prot_alloc')!;
    expect(child.stack).toContain('sk_clone_lock');
    expect(child.outstandingCount).toBe(200);
    const client = r.stacks.find((s) => s.stack.includes('inet_create'));
    expect(client).toBeUndefined(); // no outstanding object on that stack
    expect(r.totals.outstandingCount).toBe(400);
  });

  it('with the default 1 s young cut-off, the last connections are reported apart', async () => {
    const r = pairAllocations(records, { source: S2 });
    const mature = leaks(r).map((s) => s.outstandingCount);
    const young = r.youngAllocations.filter((y) => y.site === 'sk_prot_alloc' || y.site === 'inet_reqsk_alloc');
    expect(mature.map((m, i) => m + young[i].count)).toEqual([200, 200]);
    expect(young[0]).toMatchObject({ comm: 'softirq', pid: null });
    await expect(JSON.stringify(golden(r), null, 2)).toMatchFileSnapshot('../golden/pairing-s2-softirq.json');
  });
});

describe('the culprit size is relative, with an honest noise floor', () => {
  const ev = (ts: number, event: string, fields: string, comm = 'app', pid = 10) => `${comm}-${pid} [000] ${ts.toFixed(6)}: ${event}: ${fields}`;
  const alloc = (ts: number, site: string, ptr: number, bytes: number, comm: string, pid: number) =>
    ev(ts, 'kmalloc', `call_site=${site}+0x1/0x2 ptr=0x${ptr.toString(16)} bytes_req=${bytes} bytes_alloc=${bytes} gfp_flags=GFP_KERNEL`, comm, pid);
  /** A steady site: n objects over 0..90 s, one pid each from `firstPid`. */
  const steady = (site: string, n: number, base: number, bytes: number, comm: string, firstPid: number) =>
    Array.from({ length: n }, (_, i) => alloc(1 + (90 * i) / Math.max(1, n - 1), site, base + i * 0x100, bytes, comm, firstPid + i));
  const run = (lines: string[]) => {
    const sorted = lines.map((l) => [Number(/ (\d+\.\d+):/.exec(l)![1]), l] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    return pairAllocations(parseTraceCmd([...sorted, ev(100, 'kfree', 'call_site=z+0x1/0x2 ptr=0x1')].join('\n')).records, { youngAgeSeconds: 0 });
  };

  it('a site of 8 objects from 8 pids holding most of the growth is a culprit', () => {
    const r = run([...steady('few_pids_leak', 8, 0x100000, 4096, 'worker', 100), ...steady('big_cache', 30, 0x900000, 64, 'app', 10)]);
    const s = r.allocationSites.find((x) => x.site === 'few_pids_leak')!;
    expect(s).toMatchObject({ outstandingCount: 8, taskCount: 8, leak: true });
    expect(s.shareOfOutstanding).toBeGreaterThan(0.9);
  });

  it('3 objects of 300 are not a culprit, nor 5 objects holding 1 % of the growth', () => {
    const r = run([...steady('tiny', 3, 0x100000, 64, 'a', 100), ...steady('bulk', 297, 0x900000, 64, 'b', 1000)]);
    expect(r.allocationSites.find((x) => x.site === 'tiny')!.leak).toBe(false);
    expect(r.allocationSites.find((x) => x.site === 'bulk')!.leak).toBe(true);
    const r2 = run([...steady('small', 5, 0x100000, 64, 'a', 100), ...steady('bulk', 495, 0x900000, 64, 'b', 1000)]);
    const small = r2.allocationSites.find((x) => x.site === 'small')!;
    expect(small.shareOfOutstanding).toBeCloseTo(0.01, 3);
    expect(small.leak).toBe(false);
    expect(r2.options).toMatchObject({ minLeakCount: 5, minLeakShare: 0.02, minLeakStrongCount: 50 });
  });

  it('attributes an allocation under hardirq flags to the hardirq, not to the interrupted task', () => {
    const lines = Array.from({ length: 6 }, (_, i) => `  app-${10 + i}  0d.h1. ${(1 + i * 10).toFixed(6)}: kmalloc: call_site=irq_site+0x1/0x2 ptr=0x${(0x5000 + i * 0x100).toString(16)} bytes_req=512 bytes_alloc=512 gfp_flags=GFP_ATOMIC`);
    const r = pairAllocations(parseTraceCmd([...lines, '  app-99  0..... 100.000000: kfree: call_site=z+0x1/0x2 ptr=0x1'].join('\n')).records, { youngAgeSeconds: 0 });
    expect(r.allocationSites[0]).toMatchObject({ site: 'irq_site', taskCount: 1, interruptCount: 6, topTasks: [{ comm: 'hardirq', pid: null, context: 'hardirq', outstandingCount: 6 }] });
  });
});
