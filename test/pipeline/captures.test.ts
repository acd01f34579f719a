import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { ReportSchema, type Report } from '../../src/report/schema.js';
import { SAMPLES } from '../helpers/samples.js';

/**
 * The whole pipeline on each real capture folder against its ground truth
 * (test/ground-truth/CAPTURES-README.md and samples/captures/U1_user_series/README.md).
 */
const cache = new Map<string, Promise<Report>>();
function report(folder: string): Promise<Report> {
  if (!cache.has(folder)) cache.set(folder, analyzePaths([path.join(SAMPLES, 'captures', folder)], { jobs: 1 }));
  return cache.get(folder)!;
}

function summary(r: Report) {
  return {
    verdict: { kind: r.verdict.kind, severity: r.verdict.severity, space: r.verdict.space },
    artefacts: r.artefacts.map((a) => ({ path: path.relative(SAMPLES, a.path), format: a.format, records: a.records, diagnostics: a.diagnostics.byCode, error: a.error?.code ?? null })),
    findings: r.findings.map((f) => `${f.severity} ${[f.kind, ...(f.confirmedBy ?? [])].join('+')} ${f.culprit ?? ''}`.trim()),
    trends: r.trends.map((t) => `${path.basename(t.source)} ${t.series}: ${t.verdict}`),
  };
}

const MIB = 1024;

describe('pipeline on real captures', () => {
  it.each(['D1_main', 'D1_mixed_noise', 'D1_pages_timerfd', 'D2_slab_meminfo', 'D3_userspace', 'D4_leak', 'D4_control', 'D5_fragmentation', 'U1_user_series', 'C1_cgroup_oom', 'Z1_zoneinfo_vmalloc'])(
    '%s: the report validates against ReportSchema and matches its golden summary',
    async (folder) => {
      const r = await report(folder);
      // Strict: the report holds exactly what its schema declares (nothing stripped, nothing extra).
      expect(ReportSchema.parse(r)).toEqual(r);
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      for (const a of r.artefacts) expect(a.diagnostics.bySeverity.error, a.path).toBe(0);
      await expect(JSON.stringify(summary(r), null, 2)).toMatchFileSnapshot(`../golden/pipeline-${folder}.json`);
    },
  );

  it('D1 main: a kernel leak; the four eventfd culprits with 300 objects each of pid 2117', async () => {
    const r = await report('D1_main');
    expect(r.verdict.kind).toBe('leak');
    expect(r.verdict.space).toBe('kernel');
    const leaking = r.allocationSites.filter((s) => 'flagged' in s && s.flagged);
    expect(new Set(leaking.map((s) => s.site))).toEqual(new Set(['do_eventfd', 'alloc_empty_file', 'security_file_alloc', '__d_alloc']));
    for (const s of leaking) {
      // one site across tasks: the leaker is its top holder (__d_alloc also holds 2 dentries of `cat`)
      expect('topComms' in s && s.topComms[0]).toMatchObject({ comm: 'kobjleak', pids: 1 });
      expect(s.outstandingCount).toBeGreaterThanOrEqual(300);
      expect(s.outstandingCount).toBeLessThanOrEqual(305);
      expect(s.stack.join(' ')).toContain('do_eventfd');
    }
  });

  it('D1 mixed noise: kfree_rcu-freed noise is not called a leak', async () => {
    const r = await report('D1_mixed_noise');
    const leaking = r.allocationSites.filter((s) => 'flagged' in s && s.flagged).map((s) => s.site);
    expect(new Set(leaking)).toEqual(new Set(['do_eventfd', 'alloc_empty_file', 'security_file_alloc', '__d_alloc']));
  });

  it('D2: the four timerfd caches grow; kmalloc-64 (bursts) does not', async () => {
    const r = await report('D2_slab_meminfo');
    expect(r.verdict.kind).toBe('leak');
    expect(r.verdict.space).toBe('kernel');
    const leaking = r.slabGrowth.filter((s) => s.verdict === 'leak').map((s) => s.cache);
    for (const c of ['kmalloc-256', 'filp', 'lsm_file_cache', 'dentry']) expect(leaking).toContain(c);
    expect(leaking).not.toContain('kmalloc-64');
    expect(r.slabGrowth.find((s) => s.cache === 'dentry')?.reclaimable).toBe(true);
  });

  it('D3: user-space leak in parse_config_entry, one finding with the evidence of every tool', async () => {
    const r = await report('D3_userspace');
    expect(r.verdict.kind).toBe('leak');
    expect(r.verdict.space).toBe('user');
    const culprit = r.findings.find((f) => f.culprit?.startsWith('parse_config_entry'))!;
    const sources = culprit.evidence.map((e) => path.basename(e.source));
    for (const s of ['asan.txt', 'valgrind.txt', 'memleak.txt', 'bpftrace.txt']) expect(sources).toContain(s);
    const rss = r.trends.find((t) => t.source.endsWith('rss.txt'))!;
    expect(rss.verdict).toBe('leak');
    expect(rss.slopePerHour! / 3600).toBeGreaterThan(7.5); // 8 KiB/s leak (+ allocator overhead)
    expect(rss.slopePerHour! / 3600).toBeLessThan(9.5);
  });

  it('D4: 49.3 MiB/min under 80-250 MiB oscillation is a leak; the control is not', async () => {
    const leak = await report('D4_leak');
    const control = await report('D4_control');
    expect(leak.verdict.kind).toBe('leak');
    expect(leak.verdict.space).toBe('user');
    const rss = leak.trends.find((t) => t.source.endsWith('rss.txt'))!;
    expect(rss.verdict).toBe('leak');
    expect(rss.slopePerHour! / 60 / MIB).toBeGreaterThan(49.3 * 0.9);
    expect(rss.slopePerHour! / 60 / MIB).toBeLessThan(49.3 * 1.1);
    expect(control.verdict.kind).toBe('no-leak');
    expect(control.trends.filter((t) => t.verdict === 'leak')).toEqual([]);
  });

  it('D5: fragmentation, not a leak, with indices that agree with the kernel extfrag_index', async () => {
    const r = await report('D5_fragmentation');
    expect(r.verdict.kind).toBe('fragmentation');
    const frag = r.fragmentation as { analyses: { kernelIndexChecks?: { kind: string; mismatches: unknown[]; valuesCompared: number }[] }[] };
    const checks = frag.analyses[0].kernelIndexChecks!;
    const extfrag = checks.find((c) => c.kind === 'extfrag_index')!;
    expect(extfrag.valuesCompared).toBeGreaterThan(2000);
    expect(extfrag.mismatches).toEqual([]);
  });

  it('U1: a python3 process leaking 512 KiB/s, seen by pidstat, ps and smaps_rollup', async () => {
    const r = await report('U1_user_series');
    expect(r.verdict.kind).toBe('leak');
    expect(r.verdict.space).toBe('user');
    for (const file of ['pidstat-r.txt', 'ps-rss.txt', 'smaps_rollup.txt']) {
      const t = r.trends.find((x) => x.source.endsWith(file) && x.verdict === 'leak')!;
      expect(t, file).toBeDefined();
      expect(t.slopePerHour! / 3600).toBeGreaterThan(512 * 0.9);
      expect(t.slopePerHour! / 3600).toBeLessThan(512 * 1.1);
    }
  });

  it('C1: a memcg leak of 4 MiB/s in /mf-leak-27717 up to its own 256 MiB limit, and the OOM kill tied to it', async () => {
    const r = await report('C1_cgroup_oom');
    expect(r.verdict.kind).toBe('leak');
    expect(r.verdict.space).toBe('user');
    expect(r.verdict.summary).toContain('memcg /mf-leak-27717 usage grows steadily at 14.1 GiB/h (4.00 MiB/s): it filled its 256 MiB limit 1 min 2 s after the growth began');
    const t = r.trends.find((x) => x.series === 'memcg /mf-leak-27717 usage')!;
    expect(t.verdict).toBe('leak');
    // Projected against the cgroup's limit, not MemTotal (23.5 GiB): the limit is reached right after the last sample before the kill.
    expect(t.timeToLimitSeconds!).toBeLessThan(2);
    expect(t.slopePerHour! / 3600 / 4194304).toBeGreaterThan(0.97);
    expect(t.slopePerHour! / 3600 / 4194304).toBeLessThan(1.03);
    // One finding for the one kill: the kernel's report with the cgroup's counters as evidence.
    const kills = r.findings.filter((f) => f.kind === 'oom-kill');
    expect(kills).toHaveLength(1);
    expect(kills[0].title).toContain('python3 (pid 27734)');
    expect(kills[0].title).toContain('/mf-leak-27717 (limit 256 MiB; memory.oom_control oom_kill 0 -> 1)');
    const counters = kills[0].evidence.find((e) => e.source.endsWith('cgroup-memory.txt'))!;
    expect(counters.values).toMatchObject({ cgroup: '/mf-leak-27717', oomKills: 1, limitBytes: 268435456, limitHits: 42 });
    expect(counters.values!.onsetToLimitSeconds as number).toBeGreaterThan(58);
    expect(counters.values!.onsetToLimitSeconds as number).toBeLessThan(66);
  });

  it('Z1: vmalloc grows in kernel_clone (new task stacks), and no zone nears its watermarks', async () => {
    const r = await report('Z1_zoneinfo_vmalloc');
    expect(r.verdict.kind).toBe('leak');
    expect(r.verdict.space).toBe('kernel');
    expect(r.verdict.summary).toContain('vmalloc caller kernel_clone grows steadily');
    expect(r.findings.filter((f) => f.culprit === 'kernel_clone')).toHaveLength(1);
    expect(r.findings.some((f) => f.title.includes('watermark'))).toBe(false);
  });
});
