import { describe, expect, it } from 'vitest';
import { isReclaimableCache, slabGrowth, SlabGrowthResultSchema } from '../../src/analysis/slabGrowth.js';
import { parseMeminfo } from '../../src/parsers/meminfo/index.js';
import { parseSlabinfo, parseSlabtop, slabtopAsSlabinfo, type SlabinfoSnapshot } from '../../src/parsers/slabinfo/index.js';
import { SlabGrowthEntrySchema } from '../../src/report/schema.js';
import { FindingSchema } from '../../src/core/models.js';
import { sample } from '../helpers/samples.js';

const LEAKERS = ['filp', 'kmalloc-256', 'lsm_file_cache', 'dentry'];

function d2(): SlabinfoSnapshot[] {
  const epochs = parseMeminfo(sample('captures/D2_slab_meminfo/meminfo.txt')).records.map((s) => s.time!);
  return parseSlabinfo(sample('captures/D2_slab_meminfo/slabinfo.txt.gz'), { timestamps: epochs }).records;
}

describe('slabGrowth', () => {
  const snaps = d2();
  const frozen = JSON.stringify(snaps);
  const r = slabGrowth(snaps, { source: 'D2/slabinfo.txt' });

  it('ranks the four D2 leaking caches on top with a leak verdict, released at the kill (snapshot 73)', async () => {
    expect(r.entries.slice(0, 4).map((e) => e.cache).sort()).toEqual([...LEAKERS].sort());
    const killAt = snaps[73].time!;
    for (const e of r.entries.slice(0, 4)) {
      expect(e.verdict, e.cache).toBe('leak');
      expect(e.released, e.cache).toBe(true);
      expect(e.releasedAt, e.cache).toBe(killAt);
      expect(e.window.points, e.cache).toBe(73);
      // Ground truth: 8 objects/s = 28,800/h per cache (dentry also carries unrelated dentries).
      if (e.cache !== 'dentry') expect(e.slopeObjectsPerHour!, e.cache).toBeGreaterThan(0.8 * 28800);
      if (e.cache !== 'dentry') expect(e.slopeObjectsPerHour!, e.cache).toBeLessThan(1.2 * 28800);
      // Measured growth (CAPTURES-README): +830 .. +1075 against +960 expected; dentry +2409.
      expect(e.windowObjectsDelta, e.cache).toBeGreaterThanOrEqual(800);
      expect(e.steadiness!, e.cache).toBeGreaterThan(0.9);
    }
    const byName = Object.fromEntries(r.entries.map((e) => [e.cache, e]));
    expect(byName['kmalloc-256'].windowObjectsDelta).toBe(1724 - 894);
    expect(byName.lsm_file_cache.windowObjectsDelta).toBe(1830 - 755);
    expect(byName.dentry.windowObjectsDelta).toBeGreaterThan(2000);
    expect(byName.dentry.reclaimable).toBe(true);
    expect(byName.filp.reclaimable).toBe(false);
    expect(byName['kmalloc-256'].slopeBytesPerHour).toBeCloseTo(byName['kmalloc-256'].slopeObjectsPerHour! * 256, 6);
    await expect(
      JSON.stringify(
        // The four leakers and kmalloc-64 (ranks below 4 depend on the evolving trend engine).
        r.entries.filter((e) => e.rank <= 4 || e.cache === 'kmalloc-64').map((e) => ({
          rank: e.rank <= 4 ? e.rank : null,
          cache: e.cache,
          verdict: e.verdict,
          released: e.released,
          reclaimable: e.reclaimable,
          windowObjectsDelta: e.windowObjectsDelta,
          objectsDelta: e.objectsDelta,
          startBytes: e.startBytes,
          peakBytes: e.peakBytes,
          endBytes: e.endBytes,
          slopeObjectsPerHour: Math.round(e.slopeObjectsPerHour ?? 0),
          steadiness: e.steadiness === null ? null : Number(e.steadiness.toFixed(3)),
        })),
        null,
        2,
      ),
    ).toMatchFileSnapshot('../golden/slabGrowth-D2.json');
  });

  it('does not call the bursting kmalloc-64 a leak, nor the caches dropped at snapshots 59-61', () => {
    const k64 = r.entries.find((e) => e.cache === 'kmalloc-64')!;
    expect(k64.verdict).not.toBe('leak');
    expect(k64.objectsDelta).toBe(3065 - 3345);
    for (const name of ['radix_tree_node', 'buffer_head', 'kmalloc-512', 'kmalloc-128']) {
      expect(r.entries.find((e) => e.cache === name)!.verdict, name).not.toBe('leak');
    }
  });

  it('makes kernel findings naming the cache, with evidence lines, and fits the report schema', () => {
    const culprits = r.findings.map((f) => f.culprit);
    expect(culprits.slice(0, 4).sort()).toEqual([...LEAKERS].sort());
    for (const f of r.findings) {
      expect(FindingSchema.parse(f)).toEqual(f);
      expect(f.kind).toBe('slab-cache-growth');
      expect(f.space).toBe('kernel');
      expect(f.evidence[0].lines![0]).toBeGreaterThan(0);
    }
    const filp = r.findings.find((f) => f.culprit === 'filp')!;
    expect(filp.evidence[0].values!.startObjects).toBe(609);
    expect(filp.evidence[0].values!.windowEndObjects).toBe(1530);
    // Chart points for the top 10 only: num_objs x objsize of every usable snapshot.
    expect(r.entries[0].bytesSeries!.v).toHaveLength(80);
    expect(r.entries[0].bytesSeries!.v[0]).toBe(r.entries[0].startBytes);
    expect(r.entries[10].bytesSeries).toBeNull();
    for (const e of r.entries) SlabGrowthEntrySchema.parse(e);
    expect(SlabGrowthResultSchema.parse(r)).toEqual(r);
    expect(JSON.parse(JSON.stringify(r))).toEqual(JSON.parse(JSON.stringify(SlabGrowthResultSchema.parse(r))));
  });

  it('does not modify its input and gives the same ranking on an assumed 2-s axis', () => {
    expect(JSON.stringify(snaps)).toBe(frozen);
    const assumed = slabGrowth(parseSlabinfo(sample('captures/D2_slab_meminfo/slabinfo.txt.gz'), { intervalSeconds: 2 }).records);
    expect(assumed.timeAssumed).toBe(true);
    expect(assumed.entries.slice(0, 4).map((e) => e.cache).sort()).toEqual([...LEAKERS].sort());
  });

  it('calls a steady unreleased ramp a leak and a flat cache no-leak (synthetic)', () => {
    const mk = (i: number): SlabinfoSnapshot => ({
      index: i,
      time: i * 60,
      timeAssumed: false,
      line: 1 + i * 3,
      version: '2.1',
      partial: false,
      caches: {
        grower: { active_objs: 1000 + 50 * i + (i % 3), num_objs: 1100 + 50 * i, objsize: 128, objperslab: 32, pagesperslab: 1, tunables: null, slabdata: null },
        steady: { active_objs: 500 + (i % 2), num_objs: 512, objsize: 64, objperslab: 64, pagesperslab: 1, tunables: null, slabdata: null },
      },
    });
    const g = slabGrowth(Array.from({ length: 60 }, (_, i) => mk(i)));
    expect(g.entries[0].cache).toBe('grower');
    expect(g.entries[0].verdict).toBe('leak');
    expect(g.entries[0].released).toBe(false);
    expect(g.entries[0].slopeObjectsPerHour).toBeCloseTo(3000, -2);
    expect(g.findings[0].severity).toBe('critical');
    expect(g.entries[1].verdict).not.toBe('leak');
  });

  it('reports insufficient data for single snapshots (D1) and slabtop input instead of throwing', () => {
    const one = parseSlabinfo(sample('captures/D1_main/d1p.slabinfo.0_before.txt')).records;
    const g = slabGrowth(one);
    expect(g.insufficientData).toBe(true);
    expect(g.entries.every((e) => e.verdict === 'insufficient-data')).toBe(true);
    expect(g.findings).toEqual([]);
    expect(slabGrowth([]).entries).toEqual([]);
    const top = slabGrowth(slabtopAsSlabinfo(parseSlabtop(sample('public/slabinfo/slabtop-rhel-2.6.x-SLAB-partial.txt')).records));
    expect(top.entries).toHaveLength(5);
  });

  it('knows reclaimable caches', () => {
    for (const n of ['dentry', 'inode_cache', 'ext4_inode_cache', 'proc_inode_cache', 'buffer_head', 'radix_tree_node', 'kmalloc-rcl-64']) {
      expect(isReclaimableCache(n), n).toBe(true);
    }
    for (const n of ['filp', 'lsm_inode_cache', 'shmem_inode_cache', 'kmalloc-256']) expect(isReclaimableCache(n), n).toBe(false);
  });
});
