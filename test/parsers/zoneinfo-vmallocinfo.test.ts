import { describe, expect, it } from 'vitest';
import { vmallocGrowth } from '../../src/analysis/vmallocGrowth.js';
import { zoneWatermarks } from '../../src/analysis/zoneWatermarks.js';
import { parseVmallocinfo, parseVmallocLine, vmallocinfoParser } from '../../src/parsers/vmallocinfo/index.js';
import { parseZoneinfo, zoneinfoParser } from '../../src/parsers/zoneinfo/index.js';
import { expectChunkingInvariant, expectLinesAccounted } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const Z1 = 'captures/Z1_zoneinfo_vmalloc/';

describe('zoneinfo parser on the real Z1 series (6.18)', () => {
  const text = sample(Z1 + 'zoneinfo.txt');

  it('reads 16 dumps of 5 zones with watermarks, protection, counters and per-node stats', () => {
    const r = expectChunkingInvariant(zoneinfoParser, text);
    expectLinesAccounted(r);
    expect(r.diagnostics.total).toBe(0);
    expect(r.records).toHaveLength(16);
    const zones = r.records[0].zones;
    expect(zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal', 'Movable', 'Device']);
    const dma = zones[0];
    expect(dma.pages).toMatchObject({ free: 3840, boost: 0, min: 10, low: 13, high: 16, promo: 19, spanned: 4095, present: 3998, managed: 3840, cma: 0 });
    expect(dma.protection).toHaveLength(5);
    expect(dma.nodeStats.nr_inactive_anon).toBeGreaterThan(0);
    expect(dma.counters.nr_free_pages).toBe(3840);
    expect(dma.startPfn).toBe(1);
    expect(zones[2].pages.min).toBeGreaterThan(1000);
    expect(r.stats.skippedByReason['per-cpu']).toBeGreaterThan(0);
  });

  it('finds no zone near its watermarks on this idle-memory VM, and charts the populated zones', () => {
    const w = zoneWatermarks(parseZoneinfo(text).records, { source: 'zoneinfo.txt' });
    expect(w.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    for (const z of w.zones) {
      expect(z.dumpsBelowLow).toBe(0);
      expect(z.lowestFreePages).toBeGreaterThan(z.highPages!);
    }
    expect(w.findings).toEqual([]);
    expect(w.series.map((s) => s.name)).toEqual(['zone 0/DMA free', 'zone 0/DMA32 free', 'zone 0/Normal free']);
  });

  it('reports a zone under its watermarks (a Normal zone edited below min)', () => {
    // The first dump's Normal zone set to 1000 free pages (its min is ~10 k), the rest as captured.
    const low = text.replace(/(Node 0, zone {3}Normal\n {2}pages free +)\d+/, '$11000');
    const r = parseZoneinfo(low);
    expect(r.diagnostics.total).toBe(0);
    const w = zoneWatermarks(r.records, { source: 'z' });
    const normal = w.zones.find((z) => z.zone === 'Normal')!;
    expect(normal.dumpsBelowMin).toBe(1);
    expect(w.findings[0].title).toContain('zone Normal (node 0) free pages fell below its min watermark in 1 of 16');
  });
});

describe('vmallocinfo parser on the real Z1 series (6.18)', () => {
  const text = sample(Z1 + 'vmallocinfo.txt.gz');

  it('reads every area line of 16 dumps', () => {
    const r = expectChunkingInvariant(vmallocinfoParser, text.slice(0, text.indexOf('===', 200_000) + 4));
    expectLinesAccounted(r);
    const all = parseVmallocinfo(text);
    expectLinesAccounted(all);
    expect(all.diagnostics.total).toBe(0);
    expect(all.records).toHaveLength(16);
    expect(all.records[0].areas.filter((a) => a.caller.startsWith('kernel_clone+')).length).toBe(184);
    expect(all.records[15].areas.filter((a) => a.caller.startsWith('kernel_clone+')).length).toBe(1090);
  });

  it('kernel_clone grows by the 60 task stacks started per snapshot (20480 B each): a leak at ~1 MB/s', () => {
    const g = vmallocGrowth(parseVmallocinfo(text).records, { source: 'vmallocinfo.txt.gz' });
    const top = g.growing[0];
    expect(top).toMatchObject({ caller: 'kernel_clone', firstAreas: 184, lastAreas: 1090, firstBytes: 184 * 20480, lastBytes: 1090 * 20480, trendVerdict: 'leak' });
    // Ground truth: 60 x 20480 B per ~1.195 s = 1.03 MB/s (3.70e9 B/h); the lower-envelope rate sits within 10 %.
    expect(top.bytesPerHour! / 3.70e9).toBeGreaterThan(0.9);
    expect(top.bytesPerHour! / 3.70e9).toBeLessThan(1.1);
    expect(g.findings[0]).toMatchObject({ kind: 'allocation-site-leak', culprit: 'kernel_clone', space: 'kernel' });
    expect(g.findings[0].severity).not.toBe('info');
  });

  it('reads the area shapes: unpurged, vm_map_ram, ioremap with phys=', () => {
    expect(parseVmallocLine('0x00000000b0fbb6f1-0x00000000b83427bc    8192 acpi_os_map_iomem+0x1bc/0x1e0 phys=0x00000000000a0000 ioremap')).toEqual({ bytes: 8192, caller: 'acpi_os_map_iomem+0x1bc/0x1e0', pages: null, kinds: ['ioremap'] });
    expect(parseVmallocLine('0x00000000b0fbb6f1-0x00000000b83427bc    8192 unpurged vm_area')?.kinds).toEqual(['unpurged']);
    expect(parseVmallocLine('0xffffc90000000000-0xffffc90000002000    8192 vm_map_ram')?.caller).toBe('vm_map_ram');
    expect(parseVmallocLine('Node 0, zone DMA')).toBeNull();
  });
});
