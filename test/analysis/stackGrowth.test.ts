import { describe, expect, it } from 'vitest';
import { parseBccMemleak } from '../../src/parsers/bcc-memleak/index.js';
import { parseBpftrace } from '../../src/parsers/bpftrace/index.js';
import {
  bpftraceStackGrowth,
  compareStackGrowth,
  guessStackSpace,
  memleakStackGrowth,
  reachedLevelEarly,
  slope,
  stackGrowthFindings,
  stackGrowthSites,
  StackGrowthResultSchema,
} from '../../src/analysis/stackGrowth.js';
import { AllocationSiteSchema, FindingSchema } from '../../src/core/models.js';
import { StackGrowthSchema } from '../../src/report/schema.js';
import { sample } from '../helpers/samples.js';

const pick = (r: ReturnType<typeof memleakStackGrowth>, culprit: string) => r.entries.find((e) => e.culprit === culprit)!;

describe('stackGrowth', () => {
  it.each(['captures/D3_userspace/memleak.txt', 'captures/D3_userspace/memleak_a.txt'])(
    'D3 memleak (%s): parse_config_entry grows 8 KiB/s, log_ring_push is bounded',
    (rel) => {
      const g = memleakStackGrowth(parseBccMemleak(sample(rel)).records, { source: rel });
      StackGrowthResultSchema.parse(g);
      expect(g.snapshots).toBe(3);
      const leak = pick(g, 'parse_config_entry');
      expect(leak).toMatchObject({
        firstBytes: 28672,
        lastBytes: 94208,
        firstCount: 7,
        lastCount: 23,
        growthBytesPerSecond: 8192,
        durationSeconds: 8,
        verdict: 'growing',
        monotonic: true,
        space: 'user',
        tool: 'bcc-memleak',
        unit: 'bytes',
      });
      expect(leak.stack[0]).toBe('parse_config_entry+0x19 [cfgleak]');
      const ring = pick(g, 'log_ring_push');
      expect(ring).toMatchObject({ firstBytes: 2816, lastBytes: 2816, lastCount: 11, growthBytesPerSecond: 0, verdict: 'bounded' });
      expect(g.entries[0].culprit).toBe('parse_config_entry');
      for (const e of g.entries) StackGrowthSchema.parse(e);
    },
  );

  it('D3 bpftrace: 32,768 → 131,072 B at 8 KiB/s over 4 prints; the exit dump is not in the rate', async () => {
    const g = bpftraceStackGrowth(parseBpftrace(sample('captures/D3_userspace/bpftrace.txt')).records, { source: 'bpftrace.txt' });
    StackGrowthResultSchema.parse(g);
    expect(g).toMatchObject({ snapshots: 5, untimedSnapshots: 1, insufficientData: false, noOutstanding: false });
    expect(g.entries.map((e) => e.map)).toEqual(['@live_bytes', '@live_bytes', '@live_bytes']);
    const leak = pick(g, 'parse_config_entry');
    expect(leak).toMatchObject({
      firstBytes: 32768,
      lastBytes: 131072,
      finalBytes: 147456,
      growthBytesPerSecond: 8192,
      snapshots: 4,
      durationSeconds: 12,
      verdict: 'growing',
      space: 'user',
      lastCount: 34,
      firstCount: 10,
    });
    expect(pick(g, 'log_ring_push')).toMatchObject({ firstBytes: 4096, lastBytes: 4096, verdict: 'bounded', growthBytesPerSecond: 0 });
    expect(pick(g, 'render_status_page')).toMatchObject({ lastBytes: 0, verdict: 'bounded' });
    await expect(JSON.stringify(g, null, 2)).toMatchFileSnapshot('../golden/stack-growth-D3-bpftrace.json');
  });

  it('findings and allocation sites: one culprit across memleak and bpftrace', () => {
    const m = memleakStackGrowth(parseBccMemleak(sample('captures/D3_userspace/memleak.txt')).records, { source: 'memleak.txt' });
    const b = bpftraceStackGrowth(parseBpftrace(sample('captures/D3_userspace/bpftrace.txt')).records, { source: 'bpftrace.txt' });
    const findings = [...stackGrowthFindings(m), ...stackGrowthFindings(b)];
    expect(findings.map((f) => [f.kind, f.culprit, f.space, f.severity])).toEqual([
      ['stack-growth', 'parse_config_entry', 'user', 'critical'],
      ['stack-growth', 'parse_config_entry', 'user', 'critical'],
    ]);
    for (const f of findings) FindingSchema.parse(f);
    expect(findings[0].evidence[0].values).toMatchObject({ growthBytesPerSecond: 8192, lastBytes: 94208 });
    const sites = [...stackGrowthSites(m), ...stackGrowthSites(b)];
    for (const s of sites) AllocationSiteSchema.parse(s);
    expect(sites.filter((s) => s.site === 'parse_config_entry').map((s) => [s.tool, s.outstandingBytes, s.outstandingCount])).toEqual([
      ['bcc-memleak', 94208, 23],
      ['bpftrace', 131072, 34],
    ]);
  });

  it('before/after: a fixed build shows no outstanding stacks', () => {
    const before = memleakStackGrowth(parseBccMemleak(sample('captures/D3_userspace/memleak.txt')).records);
    const afterText = 'Attaching to pid 5000, Ctrl+C to quit.\n[08:00:00] Top 10 stacks with outstanding allocations:\n[08:00:04] Top 10 stacks with outstanding allocations:\n[08:00:08] Top 10 stacks with outstanding allocations:\n';
    const after = memleakStackGrowth(parseBccMemleak(afterText).records);
    expect(after).toMatchObject({ entries: [], noOutstanding: true, snapshots: 3 });
    expect(compareStackGrowth(before, after)).toEqual({
      fixed: ['parse_config_entry'],
      stillGrowing: [],
      newlyGrowing: [],
      afterHasNoOutstanding: true,
      fixedBuild: true,
    });
    expect(compareStackGrowth(before, before)).toMatchObject({ stillGrowing: ['parse_config_entry'], fixedBuild: false });
  });

  it('public samples: kernel mode, single reports, freed stacks, count maps', () => {
    const k = memleakStackGrowth(parseBccMemleak(sample('public/bcc-memleak/bcc-example-kernel-allocators-2016.txt')).records);
    expect(k.insufficientData).toBe(true);
    expect(k.entries.every((e) => e.space === 'kernel' && e.verdict === 'insufficient-data' && e.growthBytesPerSecond === null)).toBe(true);
    const a = memleakStackGrowth(parseBccMemleak(sample('public/bcc-memleak/bcc-example-show-allocs-a.txt')).records);
    expect(a.entries[0]).toMatchObject({ culprit: 'main', firstBytes: 64, lastBytes: 160, growthBytesPerSecond: 96, verdict: 'growing' });
    const rhel = memleakStackGrowth(parseBccMemleak(sample('public/bcc-memleak/rhel8-memleak-a-interleaved-unknown-tabs.txt')).records);
    expect(pick(rhel, 'badfun')).toMatchObject({ points: [{ t: 0, v: 100 }, { t: 5, v: 300 }, { t: 10, v: 0 }, { t: 15, v: 0 }], verdict: 'freed' });
    const pg = memleakStackGrowth(parseBccMemleak(sample('public/bcc-memleak/fedora39-aarch64-postgres-uprobes-frame.txt')).records);
    // palloc is postgres' allocator: the culprit is its caller.
    expect(pg.entries[0].culprit).toBe('PostgresMain');
    const kf = bpftraceStackGrowth(parseBpftrace(sample('public/bpftrace/ubuntu-5.13-kfunc-kstack-and-comm-maps-fullfile.txt')).records);
    expect(kf.entries.every((e) => e.unit === 'count')).toBe(true);
    expect(kf.entries.find((e) => e.map === '@btopen')!.space).toBe('kernel');
    // kfunc trampolines print as `cleanup_module+328175`: skipped, the culprit is the traced function.
    expect(new Set(kf.entries.filter((e) => e.map === '@btopen').map((e) => e.culprit))).toEqual(new Set(['single_open']));
    expect(new Set(kf.entries.filter((e) => e.map === '@btrelease').map((e) => e.culprit))).toEqual(new Set(['single_release']));
    expect(stackGrowthFindings(kf)).toEqual([]);
  });

  it('a ring filled in two reports and flat for 28 is bounded; the small steady leak beside it is the culprit', () => {
    const report = (n: number) =>
      `[00:00:${String(n).padStart(2, '0')}] Top 2 stacks with outstanding allocations:\n` +
      `\t${(n < 2 ? 32 * (n + 1) : 64) * 4096} bytes in ${n < 2 ? 32 * (n + 1) : 64} allocations from stack\n\t\tmalloc+0x1a [libc.so.6]\n\t\tring_push+0x30 [svc]\n` +
      `\t${(n + 1) * 512} bytes in ${n + 1} allocations from stack\n\t\tmalloc+0x1a [libc.so.6]\n\t\tparse_entry+0x44 [svc]\n`;
    const text = Array.from({ length: 30 }, (_, n) => report(n)).join('');
    const g = memleakStackGrowth(parseBccMemleak(text).records, { intervalSeconds: 5 });
    expect(pick(g, 'ring_push')).toMatchObject({ lastBytes: 64 * 4096, verdict: 'bounded' });
    expect(pick(g, 'parse_entry')).toMatchObject({ firstBytes: 512, lastBytes: 30 * 512, verdict: 'growing' });
    const findings = stackGrowthFindings(g);
    expect(findings.map((f) => f.culprit)).toEqual(['parse_entry']);
    expect(reachedLevelEarly([10, 64, 64, 64, 64])).toBe(true);
    expect(reachedLevelEarly([3, 7, 12, 18])).toBe(false);
    // A leak that paused for the last two reports is still growing (fewer flat reports than rising ones).
    expect(reachedLevelEarly([1, 2, 3, 4, 5, 6, 6, 6])).toBe(false);
  });

  it('assumes an interval only when asked, and stays null otherwise', () => {
    const text = '\t100 bytes in 1 allocations from stack\n\t\tf+0x1 [a]\n';
    const one = parseBccMemleak(text).records;
    expect(memleakStackGrowth(one).entries[0].growthBytesPerSecond).toBeNull();
    const b = parseBpftrace('@bytes[f]: 100\nprint\n@bytes[f]: 300\nprint\n@bytes[f]: 500\n').records;
    expect(bpftraceStackGrowth(b).entries[0]).toMatchObject({ growthBytesPerSecond: null, verdict: 'growing' });
    const g = bpftraceStackGrowth(b, { intervalSeconds: 10 });
    expect(g.timeAssumed).toBe(true);
    expect(g.entries[0].growthBytesPerSecond).toBe(20);
  });

  it('helpers', () => {
    expect(slope([0, 4, 8], [28672, 61440, 94208])).toBe(8192);
    expect(slope([1], [1])).toBeNull();
    expect(guessStackSpace([{ symbol: 'perf_mmap', module: 'kernel' }])).toBe('kernel');
    expect(guessStackSpace([{ symbol: 'x' }])).toBe('unknown');
  });

  it('does not mutate its input and handles empty input', () => {
    const recs = parseBccMemleak(sample('captures/D3_userspace/memleak.txt')).records;
    const copy = structuredClone(recs);
    memleakStackGrowth(recs);
    expect(recs).toEqual(copy);
    expect(memleakStackGrowth([])).toMatchObject({ entries: [], insufficientData: true });
    expect(bpftraceStackGrowth([])).toMatchObject({ entries: [], insufficientData: true });
  });
});

describe("bpftrace: seed 000's @live audit (a map keyed by pointer, its total printed by printf)", () => {
  // The output shape of seed 000's script: `printf("--- Total outstanding bytes: %d ---\n", sum(@live)); print(@live, 5);` every 20 s.
  const text = [
    'Attaching 4 probes...',
    '--- Total outstanding bytes: 1048576 ---',
    '@live[140234567890]: 65536',
    '@live[140234567891]: 65536',
    '--- Total outstanding bytes: 1310720 ---',
    '@live[140234567890]: 65536',
    '@live[140234567892]: 65536',
    '--- Total outstanding bytes: 1572864 ---',
    '@live[140234567890]: 65536',
    '@live[140234567893]: 65536',
    '--- Total outstanding bytes: 1835008 ---',
    '@live[140234567890]: 65536',
    '@live[140234567894]: 65536',
  ].join('\n');

  it('follows the printed byte total (the unit from its header), not one track per pointer; --interval gives the rate', async () => {
    const { parseBpftrace } = await import('../../src/parsers/bpftrace/index.js');
    const g = bpftraceStackGrowth(parseBpftrace(text, { intervalSeconds: 20 }).records, { source: 'live.txt' });
    expect(g.timeAxis).toBe('declared-interval');
    expect(g.entries.map((e) => [e.key, e.verdict, e.unit, e.growthBytesPerSecond])).toEqual([['Total outstanding bytes', 'growing', 'bytes', 13107.2]]);
    const [f] = stackGrowthFindings(g);
    expect(f.title).toBe('Total outstanding bytes (printed by the bpftrace program) grow 1.00 MiB → 1.75 MiB (12.8 KiB/s, time axis assumed from --interval)');
    expect(f.culprit).toBeUndefined();
    expect(stackGrowthSites(g)).toEqual([]);
  });
});
