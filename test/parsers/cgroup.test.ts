import { describe, expect, it } from 'vitest';
import { cgroupMemoryAnalysis } from '../../src/analysis/cgroupMemory.js';
import { cgroupMemoryParser, cgroupPathOf, parseCgroupMemory } from '../../src/parsers/cgroup/index.js';
import { parsePsi, psiParser, psiStallSeries } from '../../src/parsers/psi/index.js';
import { expectChunkingInvariant, expectLinesAccounted, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const C1 = 'captures/C1_cgroup_oom/';

describe('cgroup-memory parser', () => {
  it('reads the real C1 capture (v1, grep -H .): 64 samples of /mf-leak-27717, limit 256 MiB, oom_kill 0 -> 1', () => {
    const r = expectChunkingInvariant(cgroupMemoryParser, sample(C1 + 'cgroup-memory.txt'));
    expectLinesAccounted(r);
    expect(r.diagnostics.total).toBe(0);
    expect(r.records).toHaveLength(64);
    const first = r.records[0];
    const last = r.records[63];
    expect(first).toMatchObject({ cgroup: '/mf-leak-27717', version: 'v1', usageBytes: 0, limitBytes: 268435456, failcnt: 0, time: 1796294190.663 });
    expect(first.events).toEqual({ oom_kill_disable: 0, under_oom: 0, oom_kill: 0 });
    expect(first.stat.hierarchical_memsw_limit).toBe(9223372036854771712);
    expect(last).toMatchObject({ usageBytes: 98304, peakBytes: 268435456, failcnt: 42 });
    expect(last.events.oom_kill).toBe(1);
    expect(r.records[5].stat.rss).toBeGreaterThan(20 * 1024 * 1024);
  });

  it('reads a pasted shell session (kubernetes#114142): pwd names the cgroup, each cat names its file', () => {
    const r = parseCgroupMemory(sample('public/cgroup/k8s-114142-v1-shell-cat-usage-max-limit.txt'));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({
      cgroup: '/kubepods/burstable/pod22697648-cc63-47d6-ba97-fe420988dfc1',
      version: 'v1',
      usageBytes: 501346304,
      peakBytes: 524292096,
      limitBytes: 524288000,
    });
  });

  // v2 shapes as Documentation/admin-guide/cgroup-v2.rst describes them (this VM has no v2 memory controller).
  const V2 = [
    'epoch 1700000000',
    '/sys/fs/cgroup/system.slice/app.service/memory.current:104857600',
    '/sys/fs/cgroup/system.slice/app.service/memory.max:max',
    '/sys/fs/cgroup/system.slice/app.service/memory.stat:anon 94371840',
    '/sys/fs/cgroup/system.slice/app.service/memory.stat:file 8388608',
    '/sys/fs/cgroup/system.slice/app.service/memory.stat:kernel 2097152',
    '/sys/fs/cgroup/system.slice/app.service/memory.events:low 0',
    '/sys/fs/cgroup/system.slice/app.service/memory.events:high 0',
    '/sys/fs/cgroup/system.slice/app.service/memory.events:max 3',
    '/sys/fs/cgroup/system.slice/app.service/memory.events:oom 1',
    '/sys/fs/cgroup/system.slice/app.service/memory.events:oom_kill 1',
    '/sys/fs/cgroup/system.slice/app.service/memory.events:oom_group_kill 0',
    '/sys/fs/cgroup/system.slice/app.service/memory.pressure:some avg10=1.50 avg60=0.40 avg300=0.10 total=123456',
    '/sys/fs/cgroup/system.slice/app.service/memory.pressure:full avg10=1.00 avg60=0.20 avg300=0.05 total=65432',
    '/sys/fs/cgroup/system.slice/app.service/memory.numa_stat:anon N0=94371840',
    '===',
  ].join('\n');

  it('reads v2 files: memory.max "max" is unlimited, events and pressure are kept, unread files are skipped', () => {
    const r = parseCgroupMemory(V2);
    expectLinesAccounted(r);
    expect(r.diagnostics.total).toBe(0);
    expect(r.stats.skippedByReason['unused-file']).toBe(1);
    expect(r.records[0]).toMatchObject({ cgroup: '/system.slice/app.service', version: 'v2', usageBytes: 104857600, limitBytes: null, unlimited: true });
    expect(r.records[0].events).toEqual({ low: 0, high: 0, max: 3, oom: 1, oom_kill: 1, oom_group_kill: 0 });
    expect(r.records[0].pressure?.some?.totalUs).toBe(123456);
  });

  it('reads head-style headers, and bare memory.stat / memory.events told by their keys', () => {
    const head = '==> memory.current <==\n5000\n\n==> memory.max <==\n8000\n\n==> memory.events <==\nlow 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n';
    const r = parseCgroupMemory(head);
    expect(r.records[0]).toMatchObject({ usageBytes: 5000, limitBytes: 8000, version: 'v2' });
    const events = parseCgroupMemory('low 0\nhigh 2\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n');
    expect(events.records[0].events.oom_kill).toBe(1);
    expect(cgroupMemoryParser.sniff('low 0\nhigh 2\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n').score).toBeGreaterThan(0.5);
    // A bare number names no file: diagnosed, never guessed as usage or limit (nor as an epoch).
    // (9 digits or more would read as a bare epoch stamp between dumps, as in every snapshot series.)
    const bare = parseCgroupMemory('anon 5\nfile 6\nkernel_stack 7\nsock 0\n5000\n');
    expect(bare.diagnostics.byCode['cgroup-value-without-file']).toBe(1);
    expect(bare.records[0].usageBytes).toBeNull();
    // Under a header the same number is that file's value, and a repeat is the next snapshot.
    const series = parseCgroupMemory('==> memory.current <==\n5000\n6000\n');
    expect(series.records.map((s) => s.usageBytes)).toEqual([5000, 6000]);
  });

  it('names cgroups as the kernel prints them', () => {
    expect(cgroupPathOf('/sys/fs/cgroup/memory/docker/abc', 'v1')).toBe('/docker/abc');
    expect(cgroupPathOf('/sys/fs/cgroup/user.slice', 'v2')).toBe('/user.slice');
    expect(cgroupPathOf('/sys/fs/cgroup/unified/x', 'v2')).toBe('/x');
    expect(cgroupPathOf('/sys/fs/cgroup', 'v2')).toBe('/');
  });
});

describe('psi parser', () => {
  it('reads the real C1 /proc/pressure/memory series: 64 dumps, some and full', () => {
    const r = expectChunkingInvariant(psiParser, sample(C1 + 'pressure.txt'));
    expectLinesAccounted(r);
    expect(r.diagnostics.total).toBe(0);
    expect(r.records).toHaveLength(64);
    expect(r.records[63].some).toEqual({ avg10: 0, avg60: 0, avg300: 0, totalUs: 11 });
    const stalled = psiStallSeries(r.records);
    expect(stalled.map((s) => s.name)).toEqual(['PSI some stalled', 'PSI full stalled']);
    expect(Math.max(...stalled[0].v)).toBeLessThan(0.01);
  });

  it('diagnoses a cut dump and a garbage line', () => {
    const r = parsePsi('some avg10=1.00 avg60=0.50 avg300=0.10 total=100\nfull avg10=0.5 avg60=0.2 avg300=0.0 total=50\nsome avg10=oops\nsome avg10=1.00 avg60=0.50 avg300=0.10 total=200\n');
    expectLinesAccounted(r);
    expect(r.diagnostics.byCode['unrecognized-line']).toBe(1);
    expect(r.records[1].partial).toBe(true);
  });
});

describe('cgroupMemoryAnalysis on the real C1 capture', () => {
  const snaps = parseCgroupMemory(sample(C1 + 'cgroup-memory.txt')).records;

  it('cuts usage at the kill, measures 4 MiB/s, and projects the limit inside the kill window', () => {
    const r = cgroupMemoryAnalysis(snaps, { source: 'cgroup-memory.txt' });
    expect(r.cgroups).toHaveLength(1);
    const c = r.cgroups[0];
    expect(c).toMatchObject({ cgroup: '/mf-leak-27717', version: 'v1', limitBytes: 268435456, oomKills: 1, limitHits: 42, trendVerdict: 'leak' });
    // Ground truth: 1 MiB every 0.25 s.
    expect(c.bytesPerSecond! / 4194304).toBeGreaterThan(0.97);
    expect(c.bytesPerSecond! / 4194304).toBeLessThan(1.03);
    expect(c.firstKillWindow).toEqual([1796294252.642, 1796294253.659]);
    expect(c.fitReachesLimitAt!).toBeGreaterThan(1796294252.642 - 1);
    expect(c.fitReachesLimitAt!).toBeLessThan(1796294253.659 + 1);
    // The leaker ran ~62 s from its start (1796294190.684) to the kill.
    expect(c.onsetToLimitSeconds!).toBeGreaterThan(58);
    expect(c.onsetToLimitSeconds!).toBeLessThan(66);
    expect(r.usage[0].series.v).toHaveLength(62);
    expect(r.usage[0].role).toBe('user');
    // The usage finding says what happened at the limit; with no kernel report given, the counter is the kill's finding.
    expect(r.findings.map((f) => f.kind)).toEqual(['usage-trend', 'oom-kill']);
    expect(r.findings[0].title).toBe(
      'memcg /mf-leak-27717 usage grows steadily at 14.1 GiB/h (4.00 MiB/s): it filled its 256 MiB limit 1 min 2 s after the growth began and the memcg OOM killer fired',
    );
    expect(r.findings[0].severity).toBe('critical');
    expect(r.findings[1].title).toContain('memory cgroup /mf-leak-27717 OOM-killed 1 task at its 256 MiB limit');
  });
});
