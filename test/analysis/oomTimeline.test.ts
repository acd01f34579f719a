import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeOomFragmentation, oomTimeline, OomTimelineResultSchema } from '../../src/analysis/oomTimeline.js';
import { FindingSchema } from '../../src/core/models.js';
import { parseOom } from '../../src/parsers/oom/index.js';
import { OomEventSchema } from '../../src/report/schema.js';
import { ROOT, sample } from '../helpers/samples.js';

const fixture = (name: string): string => readFileSync(path.join(ROOT, 'test/fixtures/oom', name), 'utf8');
const CENTOS = 'public/oom/centos7-3.10-memcg-docker-oom-full.txt';

describe('oomTimeline', () => {
  it('builds the CentOS memcg event: victim, anon-rss, constraint, order, memcg usage/limit', async () => {
    const t = oomTimeline(parseOom(sample(CENTOS)).records, CENTOS);
    expect(OomTimelineResultSchema.parse(t)).toEqual(t);
    expect(t.events).toHaveLength(1);
    const [e] = t.events;
    expect(OomEventSchema.parse(e)).toEqual(e);
    expect(e).toMatchObject({
      time: 13449.623801, victimPid: 14728, victimComm: 'stress', anonRssKb: 24064, constraint: 'CONSTRAINT_MEMCG', order: 0, source: CENTOS,
      gfpMask: '0xd0', triggerComm: 'stress', totalVmKb: 269616, fileRssKb: 4, shmemRssKb: 0, memcgUsageKb: 53824, memcgLimitKb: 102400,
      rssKb: 6605 * 4,
    });
    expect(e.fragmentation.verdict).toBe('memcg-limit');
    expect(e.allocCaller).toBe('page fault');
    expect(e.largestTasks[0]).toEqual({ pid: 14728, name: 'stress', rssKb: 26420 });
    expect(t.findings).toHaveLength(1);
    expect(FindingSchema.parse(t.findings[0])).toEqual(t.findings[0]);
    expect(t.findings[0]).toMatchObject({ kind: 'oom-kill', severity: 'critical', space: 'user' });
    expect(t.findings[0].title).toContain('memory cgroup limit');
    expect(t.findings[0].evidence[0].lines).toEqual([1, 37]);
    await expect(JSON.stringify(t, null, 2)).toMatchFileSnapshot('../golden/oomTimeline-centos7-memcg.json');
  });

  it('judges an order-3 failure with 5.7 GiB free as fragmentation, and names the buddy snapshot', () => {
    const t = oomTimeline(parseOom(fixture('synthetic-5.15-global-order3-fragmentation.txt')).records, 'frag');
    const [e] = t.events;
    expect(e.fragmentation).toMatchObject({ verdict: 'fragmentation', fragmented: true, order: 3, freeKb: 6000000, freeKbAtOrAbove: 15360, highWatermarkKb: 96192 });
    expect(e.buddy.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(e.topUnreclaimableSlab[0]).toEqual({ name: 'kmalloc-4k', usedKb: 40960, totalKb: 41000 });
    expect(e.slabUnreclaimableKb).toBe(48000);
    expect(e.allocCaller).toBe('my_driver_rx');
    expect(t.findings[0].title).toContain('fragmentation');
  });

  it('judges the Samsung allocation failure (9 MiB free, high watermark 95 MiB) as exhaustion', () => {
    const [r] = parseOom(sample('public/oom/android-4.14-samsung-kswapd-alloc-failure-zeroed-addrs.txt')).records;
    expect(oomTimeline([r], 's').events[0].allocCaller).toBe('zs_malloc');
    expect(judgeOomFragmentation(r)).toMatchObject({ verdict: 'exhaustion', freeKb: 9000, highWatermarkKb: 97032 });
    const t = oomTimeline([r], 'samsung');
    expect(t.findings[0]).toMatchObject({ kind: 'oom-kill', severity: 'warning', space: 'kernel' });
    expect(t.summary).toMatchObject({ events: 1, kills: 0, byKind: { 'alloc-failure': 1 } });
  });

  it('names an unreclaimable slab cache as culprit when it dwarfs the victim', () => {
    const text = fixture('synthetic-5.15-global-order3-fragmentation.txt').replace('kmalloc-4k             40960KB      41000KB', 'kmalloc-4k           9040960KB    9041000KB');
    const t = oomTimeline(parseOom(text).records, 'slab');
    expect(t.findings[0]).toMatchObject({ culprit: 'kmalloc-4k', space: 'kernel' });
  });

  it('orders a timeline, counts victims, keeps Android kills (rss, swap, reason)', () => {
    const t = oomTimeline(parseOom(fixture('synthetic-mixed-eras-prefixes.txt')).records, 'mixed');
    expect(t.summary.events).toBe(9);
    expect(t.summary.kills).toBe(8);
    expect(t.summary.byKind).toEqual({ 'oom-kill': 5, 'alloc-failure': 1, 'lowmemorykiller-kill': 2, 'lmkd-kill': 1 });
    // Boot-relative and wall-clock stamps do not compare: the log order stands.
    expect(t.events.map((e) => e.line)).toEqual([1, 4, 11, 13, 21, 23, 26, 30, 31]);
    const lmkd = t.events.find((e) => e.kind === 'lmkd-kill')!;
    expect(lmkd).toMatchObject({ victimComm: 'com.tcs.vehicleassistant', anonRssKb: 3990164, rssKb: 4445960, swapKb: 2413008, reason: 'min watermark is breached even after kill' });
    expect(lmkd.fragmentation.verdict).toBe('not-applicable');
    const memcg = t.events.find((e) => e.victimComm === 'python3')!;
    expect(memcg).toMatchObject({ memcgPath: '/kubepods.slice/pod1', memcgUsageKb: 1048576, memcgLimitKb: 1048576 });
    expect(t.findings.every((f) => f.kind === 'oom-kill')).toBe(true);
  });

  it('sorts same-kind times and groups repeated kills of one comm into one finding', () => {
    const one = (t: number, pid: number) =>
      `[ ${t}.000000] a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n[ ${t}.100000] Out of memory: Killed process ${pid} (leaky) total-vm:10kB, anon-rss:${pid}kB, file-rss:0kB, shmem-rss:0kB\n`;
    const t = oomTimeline(parseOom(one(300, 3) + one(100, 1) + one(200, 2)).records, 'x');
    expect(t.events.map((e) => e.victimPid)).toEqual([1, 2, 3]);
    expect(t.summary).toMatchObject({ firstTime: 100, lastTime: 300, victims: [{ comm: 'leaky', kills: 3 }] });
    expect(t.findings).toHaveLength(1);
    expect(t.findings[0].title).toContain('3 times');
    expect(t.findings[0].evidence).toHaveLength(3);
  });

  it('returns insufficientData for no events instead of throwing', () => {
    expect(oomTimeline([], 'none')).toMatchObject({ events: [], findings: [], insufficientData: true });
  });
});
