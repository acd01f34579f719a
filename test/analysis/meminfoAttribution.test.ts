import { describe, expect, it } from 'vitest';
import { meminfoAttribution, MeminfoAttributionResultSchema, unaccountedKb } from '../../src/analysis/meminfoAttribution.js';
import { parseMeminfo } from '../../src/parsers/meminfo/index.js';
import { MeminfoSectionSchema } from '../../src/report/schema.js';
import { sample } from '../helpers/samples.js';

function d4(dir: 'D4_leak' | 'D4_control') {
  const epochs = sample(`captures/${dir}/meminfo_epochs.txt`).trim().split('\n').map(Number);
  return parseMeminfo(sample(`captures/${dir}/meminfo.txt`), { timestamps: epochs }).records;
}
const comp = (r: ReturnType<typeof meminfoAttribution>, f: string) => r.components.find((c) => c.field === f)!;

describe('meminfoAttribution', () => {
  it('finds the D4 AnonPages leak (about 49.3 MiB/min) under an 80-250 MiB oscillation', async () => {
    const snaps = d4('D4_leak');
    const frozen = JSON.stringify(snaps);
    const r = meminfoAttribution(snaps, { source: 'D4_leak/meminfo.txt' });
    expect(JSON.stringify(snaps)).toBe(frozen);
    const anon = comp(r, 'AnonPages');
    expect(anon.verdict).toBe('leak');
    const mibPerMin = anon.slopeKbPerHour! / 1024 / 60;
    expect(mibPerMin).toBeGreaterThan(0.85 * 49.3);
    expect(mibPerMin).toBeLessThan(1.15 * 49.3);
    // Cached rose by 1.1 GB from another process's file I/O: not a leak.
    expect(comp(r, 'Cached').verdict).not.toBe('leak');
    expect(comp(r, 'SUnreclaim').verdict).not.toBe('leak');
    expect(r.findings.some((f) => f.title.startsWith('meminfo AnonPages grows') && f.severity === 'critical')).toBe(true);
    expect(r.findings.every((f) => f.kind === 'meminfo-growth' || f.kind === 'unaccounted-memory-growth')).toBe(true);
    const { findings: _findings, ...section } = r;
    // The report section is the result without its findings (those join the report's findings).
    expect(MeminfoSectionSchema.parse(section)).toEqual(section);
    expect(MeminfoAttributionResultSchema.parse(r)).toEqual(r);
    await expect(
      JSON.stringify(
        {
          snapshots: r.snapshots,
          memTotalKb: r.memTotalKb,
          // Engine-independent values only: verdicts are asserted above (the trend engine evolves).
          components: r.components.map((c) => ({ field: c.field, startKb: c.startKb, peakKb: c.peakKb, endKb: c.endKb, points: c.points })),
          unaccounted: r.unaccounted && { startKb: r.unaccounted.startKb, peakKb: r.unaccounted.peakKb, endKb: r.unaccounted.endKb, terms: r.unaccounted.terms },
        },
        null,
        2,
      ),
    ).toMatchFileSnapshot('../golden/meminfoAttribution-D4_leak.json');
  });

  it('finds no leak in the D4 control run', () => {
    const r = meminfoAttribution(d4('D4_control'));
    expect(comp(r, 'AnonPages').verdict).not.toBe('leak');
    expect(comp(r, 'Used').verdict).not.toBe('leak');
    expect(r.findings.filter((f) => f.severity === 'critical')).toEqual([]);
  });

  it('reports the D2 SUnreclaim rise and its fall below the start without alarming', () => {
    const r = meminfoAttribution(parseMeminfo(sample('captures/D2_slab_meminfo/meminfo.txt')).records, { source: 'D2/meminfo.txt' });
    const su = comp(r, 'SUnreclaim');
    // CAPTURES-README D2: 28,780 kB at snapshot 7, 29,312 kB at 59, 26,368 kB at the kill.
    expect(su.peakKb).toBe(29312);
    expect(su.endKb).toBeLessThan(su.startKb);
    expect(comp(r, 'Cached').endKb).toBeLessThan(20 * 1024);
    expect(r.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(r.unaccounted!.terms).toContain('Percpu');
  });

  it('computes the unaccounted remainder with the documented formula', () => {
    const kb = {
      MemTotal: 10000,
      MemFree: 2000,
      Buffers: 100,
      Cached: 3000,
      SwapCached: 50,
      AnonPages: 2000,
      SReclaimable: 500,
      SUnreclaim: 300,
      KReclaimable: 600,
      KernelStack: 40,
      PageTables: 60,
      Percpu: 20,
      VmallocUsed: 30,
      Shmem: 400, // inside Cached: not added again
      AnonHugePages: 1000, // inside AnonPages
      Hugepagesize: 2048,
    };
    expect(unaccountedKb({ kb, counts: { HugePages_Total: 1 } })).toBe(10000 - (2000 + 100 + 3000 + 50 + 2000 + 500 + 300 + 100 + 40 + 60 + 20 + 30 + 2048));
    expect(unaccountedKb({ kb: { MemTotal: 1 }, counts: {} })).toBeNull();
  });

  it('returns insufficient data for a single dump instead of throwing', () => {
    const r = meminfoAttribution(parseMeminfo(sample('public/meminfo/al2023-6.1-ec2-first30-lines.txt')).records);
    expect(r.insufficientData).toBe(true);
    expect(r.components.every((c) => c.verdict === 'insufficient-data')).toBe(true);
    expect(meminfoAttribution([]).components).toEqual([]);
  });
});
