import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyMemoryGrowth, MemoryGrowthClassificationSchema } from '../../src/analysis/classifyMemoryGrowth.js';
import {
  FragmentationAnalysisSchema,
  PAGE_ALLOC_COSTLY_ORDER,
  analyzeFragmentation,
  checkKernelIndices,
  contigPageInfo,
  fragmentationFindings,
  fragmentationIndex,
  fragmentationIndices,
  splitCapacityLoss,
  unusableFreeIndex,
} from '../../src/analysis/fragmentation.js';
import { FindingSchema } from '../../src/core/models.js';
import { ReportSchema } from '../../src/report/schema.js';
import { parseBuddyinfo, parseExtfragIndex, parseExtfragUnusable, type BuddyinfoSnapshot } from '../../src/parsers/buddyinfo/index.js';
import { sample } from '../helpers/samples.js';

const D5 = 'captures/D5_fragmentation/';
const buddy = () => parseBuddyinfo(sample(`${D5}buddyinfo.txt`)).records;

describe('kernel indices (mm/vmstat.c arithmetic)', () => {
  it('fill_contig_page_info, unusable_free_index and __fragmentation_index on small cases', () => {
    expect(contigPageInfo([4, 0, 1], 1)).toEqual({ freePages: 8, freeBlocksTotal: 5, freeBlocksSuitable: 2 });
    expect(unusableFreeIndex(1, contigPageInfo([4, 0, 1], 1))).toBe(500);
    expect(unusableFreeIndex(0, contigPageInfo([0, 0, 0], 0))).toBe(1000); // no free memory = all unusable
    expect(fragmentationIndex(0, contigPageInfo([0, 0], 0))).toBe(0); // no free blocks
    expect(fragmentationIndex(1, contigPageInfo([4, 0, 1], 1))).toBe(-1000); // would succeed
    // 1000 - (1000 + 3*1000/4) / 3 = 1000 - 583 = 417 (integer divisions as div_u64)
    expect(fragmentationIndex(2, contigPageInfo([3, 0, 0], 2))).toBe(417);
    expect(PAGE_ALLOC_COSTLY_ORDER).toBe(3);
  });

  it('reproduces the public extfrag_index line of a DMA zone with only single pages (4.16, Harris 2018)', () => {
    // `Node 0, zone DMA -1.000 0.500 0.750 0.875 0.937 0.969 0.984 0.992 0.996 0.998 0.999`
    const kernel = parseExtfragIndex(sample('public/buddyinfo/extfrag_index-head1-fragmented-dma-4.16.txt')).records[0].zones[0].milli;
    const withSinglePages = (n: number) => fragmentationIndices({ node: 0, zone: 'DMA', freeBlocks: [n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    const ix = withSinglePages(1500);
    expect(ix.extfragMilli).toEqual(kernel);
    expect(ix.unusableMilli).toEqual([0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    // The integer divisions matter: only 1334..2000 single pages print exactly this line
    // (0.937 at order 4 needs 1000/N >= 0.5; 0.969 at order 5 needs 1000/N < 0.75).
    const fits = [1000, 1333, 1334, 2000, 2001, 3000].filter((n) => JSON.stringify(withSinglePages(n).extfragMilli) === JSON.stringify(kernel));
    expect(fits).toEqual([1334, 2000]);
  });

  it('prints an index between -1 and 0 as the kernel does for a zone with one free page (0.-500 ... 0.-01)', () => {
    const line = 'Node 0, zone      DMA -1.000 0.-500 0.-250 0.-125 0.-62 0.-31 0.-15 0.-07 0.-03 0.-01 0.000 \n';
    const printed = parseExtfragIndex(line).records[0].zones[0].milli;
    expect(fragmentationIndices({ node: 0, zone: 'DMA', freeBlocks: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }).extfragMilli).toEqual(printed);
  });

  it('equals the kernel extfrag_index captured beside the D5 buddyinfo: 71 snapshots, every zone and order', () => {
    const check = checkKernelIndices(buddy(), parseExtfragIndex(sample(`${D5}extfrag_index.txt`)).records, 'extfrag_index');
    expect(check.snapshotsCompared).toBe(71);
    expect(check.valuesCompared).toBe(71 * 3 * 11);
    expect(check.unmatched).toBe(0);
    expect(check.mismatches).toEqual([]);
  });

  it('equals the kernel unusable_index captured beside the D5 buddyinfo, up to the read race', () => {
    // The capture loop reads buddyinfo, pagetypeinfo, then unusable_index: separate reads of a zone
    // that changes by ~2,000 order-0 blocks per second. 26 of 2,343 values (9 snapshots, all in
    // node0/Normal while it was changing) differ by exactly one thousandth; the others are exact.
    const b = buddy();
    const check = checkKernelIndices(b, parseExtfragUnusable(sample(`${D5}unusable_index.txt`)).records, 'unusable_index', 1000);
    expect(check.snapshotsCompared).toBe(71);
    expect(check.valuesCompared).toBe(2343);
    expect(check.unmatched).toBe(0);
    expect(check.mismatches.length).toBe(26);
    expect(check.mismatches.every((m) => Math.abs(m.computed - m.kernel) === 1 && m.zone === 'node0/Normal')).toBe(true);
    expect(new Set(check.mismatches.map((m) => m.time)).size).toBe(9);
    // The static zones (DMA, DMA32) and the baseline snapshot are exact everywhere.
    const kernel0 = parseExtfragUnusable(sample(`${D5}unusable_index.txt`)).records[0];
    expect(b[0].zones.map((z) => fragmentationIndices(z).unusableMilli)).toEqual(kernel0.zones.map((z) => z.milli));
  });
});

describe('analyzeFragmentation on D5 (hold, kill, idle)', () => {
  const a = analyzeFragmentation(buddy());
  const z = a.zones.find((x) => x.key === a.primaryZone)!;

  it('finds the Normal zone fragmented and only partially recovered, matching the ground truth', async () => {
    expect(FragmentationAnalysisSchema.parse(a)).toEqual(a);
    expect(a.primaryZone).toBe('node0/Normal');
    expect(a.snapshots).toBe(71);
    expect(a.highOrder).toBe(9);
    // DMA and DMA32 never change.
    expect(a.zones.filter((x) => x.zone !== 'Normal').map((x) => [x.active, x.fragmented])).toEqual([
      [false, false],
      [false, false],
    ]);
    // Baseline U9 0.038-0.041, hi% ~96%.
    expect(z.baseline.unusableHigh).toBe(0.038);
    expect(z.baseline.highOrderShare).toBeCloseTo(0.96, 2);
    // Hold: U9 0.238-0.251, o0 770k-829k, hi% 75-76%, U4 0.22-0.24.
    expect(z.worst.unusableHigh).toBe(0.251);
    expect(z.worst.order0Blocks).toBeGreaterThanOrEqual(770000);
    expect(z.worst.order0Blocks).toBeLessThanOrEqual(829495);
    expect(z.worst.highOrderShare).toBeGreaterThan(0.74);
    expect(z.worst.highOrderShare).toBeLessThan(0.76);
    expect(z.worst.unusableCostly).toBeGreaterThanOrEqual(0.22);
    expect(z.worst.unusableCostly).toBeLessThanOrEqual(0.24);
    expect(z.worst.time).toBeGreaterThan(1795333616);
    expect(z.worst.time).toBeLessThan(1795333655.3);
    expect(z.fragmented).toBe(true);
    expect(z.persistent).toBe(true);
    expect(z.allOrdersSucceed).toBe(true);
    // During the populate phase U9 drops (allocating is not fragmenting).
    const populate = z.t.map((t, i) => [t, z.unusable[9][i]] as const).filter(([t]) => t > 1795333580 && t < 1795333610);
    expect(Math.max(...populate.map(([, u]) => u))).toBeLessThanOrEqual(0.02);
  });

  it('splits the high-order loss exactly into less free memory and smaller pieces', () => {
    const l = z.loss;
    expect(l.lessFreeMemoryPages + l.smallerPiecesPages).toBeCloseTo(l.deltaPages, 6);
    expect(l.deltaPages).toBe(z.worst.highOrderPages - z.baseline.highOrderPages);
    expect(l.deltaPages).toBeLessThan(0);
    // With 13.4 GiB still free, more than a third of the loss is fragmentation, not usage.
    expect(l.smallerPiecesShare).toBeGreaterThan(0.35);
    expect(l.smallerPiecesShare).toBeLessThan(0.45);
    // A pure usage drop at the same share has no "smaller pieces" part.
    const p = { index: 0, time: 0, freePages: 1000, order0Blocks: 0, highOrderPages: 800, highOrderShare: 0.8, unusableHigh: 0.2, unusableCostly: 0 };
    const q = { ...p, index: 1, time: 1, freePages: 500, highOrderPages: 400 };
    expect(splitCapacityLoss(p, q, 9)).toMatchObject({ deltaPages: -400, lessFreeMemoryPages: -400, smallerPiecesPages: 0, smallerPiecesShare: 0 });
  });

  it('reads the idle window after the kill: free memory returns, high orders only partly', () => {
    const w = z.idleWindow!;
    expect(w.before.time).toBeCloseTo(1795333654.4, 0);
    expect(w.start.time).toBeCloseTo(1795333656.4, 0);
    expect(w.start.order0Blocks).toBe(224072);
    expect(w.end.order0Blocks).toBe(148302);
    // U9 0.092 -> 0.074, hi% 90.8% -> 92.5%
    expect(w.start.unusableHigh).toBe(0.092);
    expect(w.end.unusableHigh).toBe(0.074);
    expect(w.start.highOrderShare).toBeCloseTo(0.908, 3);
    expect(w.end.highOrderShare).toBeCloseTo(0.925, 3);
    // o0 decays by about 2,000 per second; ends ~18x baseline, U9 ~2x baseline.
    expect(w.order0SlopePerSecond!).toBeLessThan(-1500);
    expect(w.order0SlopePerSecond!).toBeGreaterThan(-2500);
    expect(w.order0VsBaseline!).toBeGreaterThan(17);
    expect(w.order0VsBaseline!).toBeLessThan(19);
    expect(w.unusableHighVsBaseline!).toBeCloseTo(1.95, 1);
    expect(w.freeRecovery!).toBeGreaterThan(0.85);
    expect(w.recovered).toBe('partial');
  });

  it('gives fragmentation findings and a report section with heatmap series', async () => {
    const findings = fragmentationFindings(a, 'buddyinfo.txt');
    expect(findings).toHaveLength(1);
    expect(FindingSchema.parse(findings[0])).toEqual(findings[0]);
    expect(findings[0]).toMatchObject({ kind: 'fragmentation', culprit: 'node0/Normal', space: 'kernel' });
    const check = checkKernelIndices(buddy(), parseExtfragIndex(sample(`${D5}extfrag_index.txt`)).records, 'extfrag_index');
    const section = { analyses: [{ ...a, source: 'buddyinfo.txt', kernelIndexChecks: [{ source: 'extfrag_index.txt', ...check }] }], classifications: [] };
    expect(ReportSchema.shape.fragmentation.parse(section)).toEqual(section);
    expect(JSON.parse(JSON.stringify(section))).toEqual(section);
    expect(z.t).toHaveLength(71);
    expect(z.freeBlocks).toHaveLength(11);
    expect(z.unusable[9]).toHaveLength(71);
    const { t, freePages, freeBlocks, unusable, extfrag, highOrderPages, highOrderShare, ...summary } = z;
    void [t, freePages, freeBlocks, unusable, extfrag, highOrderPages, highOrderShare];
    await expect(JSON.stringify({ primaryZone: a.primaryZone, notes: a.notes, normal: summary, findings }, null, 2)).toMatchFileSnapshot(
      '../golden/fragmentation-d5.json',
    );
  });

  it('gives schema-valid, JSON-safe results on random free lists (property)', () => {
    const zoneArb = fc.record({
      node: fc.nat({ max: 3 }),
      zone: fc.constantFrom('DMA', 'DMA32', 'Normal', 'Movable'),
      freeBlocks: fc.array(fc.nat({ max: 2_000_000 }), { minLength: 1, maxLength: 14 }),
    });
    const snapArb = fc.array(
      fc.record({ zones: fc.array(zoneArb, { maxLength: 3 }), partial: fc.boolean(), time: fc.option(fc.integer({ min: 0, max: 1e6 })) }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(snapArb, fc.integer({ min: 1, max: 12 }), (raw, highOrder) => {
        const snaps: BuddyinfoSnapshot[] = raw.map((r, i) => ({ index: i, time: r.time, timeAssumed: false, line: i + 1, zones: r.zones, partial: r.partial }));
        const a = analyzeFragmentation(snaps, { highOrder });
        expect(FragmentationAnalysisSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a);
        const c = classifyMemoryGrowth({ buddyinfo: snaps });
        expect(MemoryGrowthClassificationSchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('handles messy input without throwing', () => {
    expect(analyzeFragmentation([]).insufficientData).toBe(true);
    const s: BuddyinfoSnapshot = { index: 0, time: null, timeAssumed: false, line: 1, zones: [{ node: 0, zone: 'DMA', freeBlocks: [0, 0, 0] }], partial: false };
    const one = analyzeFragmentation([s, { ...s, partial: true, index: 1 }]);
    expect(one.insufficientData).toBe(true);
    expect(one.partialSnapshotsSkipped).toBe(1);
    expect(one.notes.join(' ')).toContain('high order set to 2');
    expect(one.zones[0].baseline.unusableHigh).toBe(1);
    const input = [s];
    const frozen = JSON.stringify(input);
    analyzeFragmentation(input);
    expect(JSON.stringify(input)).toBe(frozen);
  });
});
