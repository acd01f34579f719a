import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { oomParser, parseOom, stripLogPrefix, type OomReport } from '../../src/parsers/oom/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { ROOT, sample } from '../helpers/samples.js';

const PUBLIC = [
  'public/oom/android-4.14-samsung-kswapd-alloc-failure-zeroed-addrs.txt',
  'public/oom/android-lmkd-logcat-arc-oldformat-kb-swap.txt',
  'public/oom/android-lmkd-logcat-reason-min-watermark.txt',
  'public/oom/centos7-3.10-memcg-docker-oom-full.txt',
  'public/oom/k8s-memcg-dmesg-T-zh_CN-locale.txt',
  'public/oom/sle15sp4-5.14-k8s-memcg-journalctl-tail.txt',
];

/** Inputs built from the kernel's format strings (mm/oom_kill.c, mm/page_alloc.c, lowmemorykiller.c, lmkd) for variants no sample has. */
const FIXTURES = ['synthetic-5.15-global-order3-fragmentation.txt', 'synthetic-mixed-eras-prefixes.txt'];
const fixture = (name: string): string => readFileSync(path.join(ROOT, 'test/fixtures/oom', name), 'utf8');

/** A compact, stable summary of a parse for the golden files. */
function summary(rel: string, text: string) {
  const r = parseOom(text);
  return {
    sample: rel,
    stats: r.stats,
    diagnostics: r.diagnostics.byCode,
    reports: r.records.map((x: OomReport) => ({
      kind: x.kind,
      lines: [x.line, x.endLine],
      time: x.time,
      timeKind: x.timeKind,
      complete: x.complete,
      trigger: x.trigger,
      constraint: x.constraint,
      victim: x.victim,
      reaped: x.reaped,
      memcg: x.memcg && { memory: x.memcg.memory, limitPath: x.memcg.limitPath, statsKeys: Object.keys(x.memcg.stats).length },
      callTrace: x.callTrace.slice(0, 6),
      memInfoPages: Object.keys(x.memInfoPages).length,
      zones: x.zones.map((z) => `${z.node}/${z.zone} free ${z.kb.free}kB high ${z.kb.high}kB`),
      buddy: x.buddy,
      buddyFreeKb: x.buddyFreeKb,
      unreclaimableSlab: x.unreclaimableSlab,
      taskCount: x.taskCount,
      firstTasks: x.tasks.slice(0, 3),
      android: x.android,
    })),
  };
}

describe('oom parser', () => {
  it.each(PUBLIC)('parses real public sample %s without data loss', async (rel) => {
    const r = expectChunkingInvariant(oomParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records.length).toBeGreaterThan(0);
    await expect(JSON.stringify(summary(rel, sample(rel)), null, 2)).toMatchFileSnapshot(`../golden/oom-${path.basename(rel, '.txt')}.json`);
  });

  it.each(FIXTURES)('parses format-string fixture %s without data loss', async (name) => {
    const r = expectChunkingInvariant(oomParser, fixture(name));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    await expect(JSON.stringify(summary(name, fixture(name)), null, 2)).toMatchFileSnapshot(`../golden/oom-${path.basename(name, '.txt')}.json`);
  });

  it('reads the CentOS 7 memcg OOM: trigger, memcg v1 counters, task table, victim', () => {
    const [r] = parseOom(sample('public/oom/centos7-3.10-memcg-docker-oom-full.txt')).records;
    expect(r.kind).toBe('oom-kill');
    expect(r.complete).toBe(true);
    expect(r.trigger).toMatchObject({ comm: 'stress', gfpMask: '0xd0', gfpFlags: null, order: 0, oomScoreAdj: 0 });
    expect(r.time).toBeCloseTo(13449.623801, 6);
    expect(r.timeKind).toBe('boot');
    expect(r.cpuset).toBe('docker-15e3eaa960e4ac016d47ea7247961a70254bbbaaaec3981a9090f68606623b50.scope');
    expect(r.task).toEqual({ pid: 14726, comm: 'stress', kernel: '3.10.0-693.el7.x86_64.debug' });
    expect(r.constraint).toBe('CONSTRAINT_MEMCG');
    expect(r.memcg?.memory).toEqual({ usageKb: 53824, limitKb: 102400, failcnt: 20427 });
    expect(r.memcg?.memsw).toEqual({ usageKb: 204800, limitKb: 204800, failcnt: 608 });
    expect(r.memcg?.stats.rss).toBe(53760);
    expect(r.memcg?.stats.swap).toBe(150976);
    expect(r.taskCount).toBe(10);
    expect(r.tasks.find((t) => t.pid === 14728)).toMatchObject({ rssPages: 6605, nrPtes: 83, swapents: 31751, name: 'stress' });
    expect(r.victim).toEqual({
      pid: 14728, comm: 'stress', totalVmKb: 269616, anonRssKb: 24064, fileRssKb: 4, shmemRssKb: 0, uid: null, pgtablesKb: null,
      oomScoreAdj: null, score: 750,
    });
    // `?` frames are unreliable and left out.
    expect(r.callTrace).toEqual([
      'dump_stack', 'dump_header', 'oom_kill_process', 'mem_cgroup_oom_synchronize', 'pagefault_out_of_memory', 'mm_fault_error',
      '__do_page_fault', 'do_page_fault', 'page_fault',
    ]);
  });

  it('reads the Samsung allocation failure: per-CPU prefixes, (H) free lists as a buddy snapshot', () => {
    const [r] = parseOom(sample('public/oom/android-4.14-samsung-kswapd-alloc-failure-zeroed-addrs.txt')).records;
    expect(r.kind).toBe('alloc-failure');
    expect(r.complete).toBe(false); // the header line is not in the excerpt
    expect(r.task?.kernel).toBe('4.14.113-18113966');
    expect(r.callTrace[1]).toBe('warn_alloc');
    expect(r.memInfoPages.slab_unreclaimable).toBe(47762);
    expect(r.memInfoPages.free).toBe(2489);
    expect(r.zones[0]).toMatchObject({ node: 0, zone: 'Normal' });
    expect(r.zones[0].kb).toMatchObject({ free: 9956, min: 7428, low: 93440, high: 97032, managed: 3593324 });
    expect(r.buddy).toEqual([{ node: 0, zone: 'Normal', freeBlocks: [196, 141, 109, 63, 20, 8, 2, 1, 0, 0, 0] }]);
    expect(r.buddyFreeKb).toEqual([9000]);
  });

  it('reads the zh_CN dmesg -T stamps and the 5.x kill line with UID/pgtables', () => {
    const [r] = parseOom(sample('public/oom/k8s-memcg-dmesg-T-zh_CN-locale.txt')).records;
    expect(r.time).toBe(Date.UTC(2024, 8, 3, 5, 57, 48) / 1000);
    expect(r.timeKind).toBe('wall');
    expect(r.oomKill?.oom_memcg).toBe('/kubepods/burstable/pod28fcb1a0-a45c-44e7-b9bf-e3b9360bedba');
    expect(r.victim).toMatchObject({ pid: 50624, comm: 'java', totalVmKb: 59726088, anonRssKb: 8225208, fileRssKb: 26912, uid: 10000, pgtablesKb: 21384, oomScoreAdj: 969 });
  });

  it('reads the journalctl tail: 5.x task table (pgtables_bytes), oom-kill line, warns that the kill line is missing', () => {
    const r = parseOom(sample('public/oom/sle15sp4-5.14-k8s-memcg-journalctl-tail.txt'));
    const [x] = r.records;
    expect(r.diagnostics.byCode['oom-incomplete-block']).toBe(1);
    expect(x.timeKind).toBe('wall-no-year');
    expect(x.taskCount).toBe(6);
    expect(x.tasks.find((t) => t.pid === 39079)).toMatchObject({ rssPages: 4201766, pgtablesBytes: 34439168, oomScoreAdj: 986, name: 'qemu-system-x86' });
    expect(x.tasks.find((t) => t.pid === 38886)?.oomScoreAdj).toBe(-998);
    expect(x.constraint).toBe('CONSTRAINT_MEMCG');
    expect(x.victim).toMatchObject({ pid: 39079, comm: 'qemu-system-x86', uid: 107, anonRssKb: null });
  });

  it('reads the two lmkd logcat generations', () => {
    const [old] = parseOom(sample('public/oom/android-lmkd-logcat-arc-oldformat-kb-swap.txt')).records;
    expect(old.kind).toBe('lmkd-kill');
    expect(old.victim).toMatchObject({ pid: 3579, comm: 'org.chromium.arc.testapp.lifecycle00', uid: 10071, oomScoreAdj: 103 });
    expect(old.android).toMatchObject({ rssKb: 69128, swapKb: 0, reason: null });
    const [neu] = parseOom(sample('public/oom/android-lmkd-logcat-reason-min-watermark.txt')).records;
    expect(neu.android).toMatchObject({ uid: 10199, oomScoreAdj: 0, rssKb: 688076, swapKb: 975256, reason: 'min watermark is breached even after kill' });
    expect(neu.time).toBe(Date.UTC(2000, 6, 23, 15, 29, 14, 853) / 1000);
  });

  it('reads the 5.15 global OOM fixture: <TASK> trace, 16-space Mem-Info, unreclaimable slab, global_oom flag, reaper', () => {
    const [r] = parseOom(fixture('synthetic-5.15-global-order3-fragmentation.txt')).records;
    expect(r.trigger).toMatchObject({ order: 3, gfpMask: '0x40cc0', gfpFlags: 'GFP_KERNEL|__GFP_COMP' });
    expect(r.callTrace).toContain('my_driver_rx');
    expect(r.callTrace).not.toContain('<TASK>');
    expect(r.memInfoPages.free).toBe(1500000);
    expect(r.memInfoPages.kernel_misc_reclaimable).toBe(0);
    expect(r.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(r.buddy[0].freeBlocks).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]);
    expect(r.buddy[2].freeBlocks.slice(0, 3)).toEqual([596160, 200000, 0]);
    expect(r.totals).toMatchObject({ 'pages RAM': 2097022, 'pages reserved': 56190, 'total pagecache pages': 70300, 'Free swap kB': 0 });
    expect(r.unreclaimableSlab[0]).toEqual({ name: 'kmalloc-4k', usedKb: 40960, totalKb: 41000 });
    expect(r.oomKill).toMatchObject({ constraint: 'CONSTRAINT_NONE', global_oom: 'true', task: 'Web Content', pid: '4410' });
    expect(r.victim).toMatchObject({ pid: 4410, comm: 'Web Content', anonRssKb: 3990000 });
    expect(r.reaped).toEqual({ pid: 4410, anonRssKb: 0, fileRssKb: 0, shmemRssKb: 0 });
    expect(r.tasks.find((t) => t.name === 'Web Content')?.rssPages).toBe(1000000);
  });

  it('reads every prefix and era of the mixed fixture', () => {
    const r = parseOom(fixture('synthetic-mixed-eras-prefixes.txt'));
    expect(r.records.map((x) => [x.kind, x.victim?.comm ?? null])).toEqual([
      ['oom-kill', 'memhog'],
      ['oom-kill', 'chrome'],
      ['oom-kill', 'java'],
      ['oom-kill', 'python3'],
      ['oom-kill', 'httpd'],
      ['alloc-failure', null],
      ['lowmemorykiller-kill', 'com.android.chrome'],
      ['lowmemorykiller-kill', 'com.example'],
      ['lmkd-kill', 'com.tcs.vehicleassistant'],
    ]);
    const [sysrq, xorg, java, py, httpd, paf, lmk, sig, lmkd] = r.records;
    expect(sysrq.trigger).toMatchObject({ sysrq: true, order: -1, comm: 'kworker/0:1' });
    expect(xorg.trigger?.gfpFlags).toBe('GFP_HIGHUSER_MOVABLE|__GFP_COLD');
    expect(xorg.cpuset).toBe('/');
    expect(xorg.tasks[0]).toMatchObject({ pid: 2345, rssPages: 200000, oomScoreAdj: 300 });
    expect(xorg.victim).toMatchObject({ score: 512, anonRssKb: 800000, shmemRssKb: 2000 });
    expect(xorg.reaped?.shmemRssKb).toBe(2000);
    expect(java.time).toBe(Date.UTC(2024, 4, 9, 14, 52, 38) / 1000);
    expect(java.constraint).toBe('CONSTRAINT_MEMCG');
    expect(py.memcg?.memory).toEqual({ usageKb: 1048576, limitKb: 1048576, failcnt: 42 });
    expect(py.memcg?.stats).toEqual({ anon: 1067573248, file: 32768 });
    expect(httpd.time).toBe(Date.UTC(2024, 4, 9, 12, 53, 0) / 1000);
    expect(httpd.trigger?.oomScoreAdj).toBe(0);
    expect(httpd.victim).toMatchObject({ totalVmKb: 300000, anonRssKb: 200000, shmemRssKb: null });
    expect(paf.trigger).toMatchObject({ comm: 'kswapd0', order: 0, gfpMask: '0x1080020', gfpFlags: 'GFP_ATOMIC' });
    expect(lmk.android).toMatchObject({ oomScoreAdj: 900, rssKb: 123456, cacheKb: 65536, cacheLimitKb: 73728, freeKb: 4096, onBehalfOf: 'kswapd0' });
    expect(lmk.endLine).toBe(29);
    expect(sig.android?.rssKb).toBe(4096 * 4);
    expect(lmkd.android).toMatchObject({ rssKb: 4445960, anonRssKb: 3990164, swapKb: 2413008, dmabufPssKb: 0, dmabufRssKb: 0 });
  });

  it('strips every log prefix', () => {
    expect(stripLogPrefix('<4>[  156.701551]  [4:        kswapd0: 1209] Mem-Info:')).toEqual({ body: 'Mem-Info:', time: 156.701551, timeKind: 'boot' });
    expect(stripLogPrefix('Feb 03 19:57:08 ** kernel: Tasks state (memory values in pages):', 2024).time).toBe(Date.UTC(2024, 1, 3, 19, 57, 8) / 1000);
    expect(stripLogPrefix('[  38886]     0 38886 pause').body).toBe('[  38886]     0 38886 pause');
    expect(stripLogPrefix('I/lowmemorykiller(  106): Kill x').body).toBe('lowmemorykiller: Kill x');
    expect(stripLogPrefix('[  804.478288][ T1234] Mem-Info:').body).toBe('Mem-Info:');
    expect(stripLogPrefix('[  804.478288] web01 kernel: Mem-Info:')).toEqual({ body: 'Mem-Info:', time: 804.478288, timeKind: 'boot' });
    const iso = stripLogPrefix('2024-05-09T14:52:38,123456+02:00 Mem-Info:');
    expect(iso).toMatchObject({ body: 'Mem-Info:', timeKind: 'wall' });
    expect(iso.time).toBeCloseTo(Date.UTC(2024, 4, 9, 12, 52, 38) / 1000 + 0.123456, 5);
  });

  it.each([
    ['a trigger with a broken gfp mask', 'x invoked oom-killer: gfp_mask=0xZZ, order=0, oom_score_adj=0\n', 1],
    ['a kill line without a pid', 'x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\nOut of memory: Killed process abc (x)\n', 2],
    ['a free list with a bad count', 'x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\nNode 0 Normal: 12*4kB (UME) x*8kB = 48kB\n', 2],
    ['a free list with a size that is no power of two', 'x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\nNode 0 Normal: 1*4kB 1*12kB = 16kB\n', 2],
    ['a task row with text in a number column', 'x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\n[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n[  12]  0 12 abc 1 1 0 0 bash\n', 3],
    ['a memcg counter without numbers', 'x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\nmemory: usage xkB, limit 1kB, failcnt 0\n', 2],
    ['an lmkd kill without a pid', "I lowmemorykiller: Kill 'a' (1), uid 1, oom_score_adj 0 to free 1kB rss, 0kB swap\n07-23 15:29:14.853   157   157 I lowmemorykiller: Kill 'x' (abc), uid 1\n", 2],
  ])('diagnoses %s with a line number', (_name, text, line) => {
    const r = parseOom(text);
    expect(r.diagnostics.byCode['oom-malformed-line']).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === 'oom-malformed-line')?.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('reads ARM32 `(func) from` backtraces and powerpc address columns', () => {
    const arm = [
      '<4>[12345.342532] systemd-journal invoked oom-killer: gfp_mask=0x800d0, order=0, oom_score_adj=0',
      '<4>[12345.360695] Backtrace: ',
      '<4>[12345.363263] [<c0012fcc>] (dump_backtrace) from [<c00131a4>] (show_stack+0x20/0x24)',
      '<4>[12345.371192]  r6:00000000 r5:ffffffff r4:00000000 r3:bd943631',
      '<4>[12345.377136] [<c0013184>] (show_stack) from [<c07bbe78>] (dump_stack+0x7c/0xc8)',
      '[12345.5] Call Trace:',
      '[12345.6] [c000000fe3a2f8d0] [c000000000ac6a4c] dump_stack+0xb0/0xf0 (unreliable)',
    ].join('\n');
    const r = parseOom(arm);
    expect(r.records[0].callTrace).toEqual(['dump_backtrace', 'show_stack', 'dump_stack']);
    expect(r.stats.skippedByReason.registers).toBe(1);
  });

  it('keeps a bare Mem-Info dump (SysRq-m, cut log) as a show-mem report without warning', () => {
    const r = parseOom('[ 9.0] sysrq: Show Memory\n[ 9.1] Mem-Info:\n[ 9.1] active_anon:1 inactive_anon:2\n[ 9.2] Node 0 Normal: 1*4kB 2*8kB = 20kB\n');
    expect(r.records.map((x) => x.kind)).toEqual(['show-mem']);
    expect(r.records[0].buddy).toEqual([{ node: 0, zone: 'Normal', freeBlocks: [1, 2] }]);
    expect(r.diagnostics.total).toBe(0);
  });

  it('skips other kernel messages and throws the typed error only for unusable input', () => {
    const r = parseOom('[ 1.0] e1000e: link up\n[ 2.0] x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\n[ 2.1] Killed process 5 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n');
    expect(r.stats.skippedByReason['other-message']).toBe(1);
    expect(r.records[0].victim?.pid).toBe(5);
    expect(() => parseOom('')).toThrow(MemforensicsInputError);
    expect(() => parseOom('just some\ntext\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('sniffs OOM reports and not other formats', () => {
    expect(oomParser.sniff(sample(PUBLIC[3])).score).toBeGreaterThanOrEqual(0.5);
    expect(oomParser.sniff('MemTotal: 1 kB\n').score).toBe(0);
  });

  it('survives fuzzing', () => {
    fuzzParser(oomParser, [...PUBLIC.map(sample), ...FIXTURES.map(fixture)]);
  });
});
