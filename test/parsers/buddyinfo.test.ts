import { describe, expect, it } from 'vitest';
import {
  buddyinfoParser,
  buddyinfoSeries,
  extfragIndexParser,
  extfragUnusableParser,
  pagetypeinfoParser,
  pagetypeinfoZones,
  parseBuddyinfo,
  parseExtfragIndex,
  parseExtfragUnusable,
  parseIndexValue,
  parsePagetypeinfo,
  parseZoneLine,
} from '../../src/parsers/buddyinfo/index.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import type { ParserDefinition } from '../../src/core/parser.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const D5 = 'captures/D5_fragmentation/';
const PUB = 'public/buddyinfo/';

const BUDDY_SAMPLES = [`${PUB}buddyinfo-jc-fixture-x86_64-trailing-space-fullfile.txt`, `${PUB}x86_64-3.1-numa4-buddyinfo.txt`, `${D5}buddyinfo.txt`];
const UNUSABLE_SAMPLES = [`${PUB}extfrag-unusable_index-x86_64-4.9-numa8.txt`, `${D5}unusable_index.txt`];
const EXTFRAG_SAMPLES = [`${PUB}extfrag_index-head1-fragmented-dma-4.16.txt`, `${D5}extfrag_index.txt`];
const PAGETYPE_SAMPLES = [`${PUB}pagetypeinfo-jc-fixture-x86_64-fullfile.txt`, `${D5}pagetypeinfo.txt`];

const TABLE: Array<[ParserDefinition<any, any>, string[]]> = [
  [buddyinfoParser, BUDDY_SAMPLES],
  [extfragUnusableParser, UNUSABLE_SAMPLES],
  [extfragIndexParser, EXTFRAG_SAMPLES],
  [pagetypeinfoParser, PAGETYPE_SAMPLES],
];

describe('buddyinfo family: contract on every real sample', () => {
  for (const [def, files] of TABLE) {
    it.each(files)(`${def.format} parses %s without data loss, chunking-invariant, every line accounted`, (rel) => {
      const text = sample(rel);
      const r = expectChunkingInvariant(def, text);
      expectLinesAccounted(r);
      expect(seriousDiagnostics(r)).toEqual([]);
      // One snapshot per `epoch` header of the capture loop (a plain copy of the /proc file is one snapshot).
      const lines = text.split('\n');
      expect(r.records).toHaveLength(Math.max(1, lines.filter((l) => l.startsWith('epoch ')).length));
      if (def !== pagetypeinfoParser) {
        // Every `Node N, zone NAME` row becomes one zone of its snapshot.
        const zoneRows = lines.filter((l) => /^Node \d+, zone /.test(l)).length;
        expect(r.records.reduce((n: number, s: { zones: unknown[] }) => n + s.zones.length, 0)).toBe(zoneRows);
      }
      expect(r.records.every((s: { partial: boolean }) => !s.partial)).toBe(true);
    });
    it.each(files)(`detectFormat picks ${def.format} for %s`, (rel) => {
      const text = sample(rel);
      expect(detectFormat(text.slice(0, 4096), { path: rel })[0].format).toBe(def.format);
      // Content alone decides too (the path is only a hint).
      expect(detectFormat(text.slice(0, 4096))[0].format).toBe(def.format);
    });
    it(`${def.format} survives fuzzing`, () => {
      fuzzParser(def, files.map((f) => sample(f).slice(0, 3000)), 100);
    });
  }
});

describe('buddyinfo parser', () => {
  it('reads D5: 71 snapshots stamped by `epoch` lines, 3 zones, 11 orders', async () => {
    const r = parseBuddyinfo(sample(`${D5}buddyinfo.txt`));
    expect(r.records).toHaveLength(71);
    const first = r.records[0];
    expect(first.time).toBeCloseTo(1795333553.30945127, 6);
    expect(first.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(first.zones[2].freeBlocks).toEqual([8164, 5628, 3571, 1280, 1127, 1028, 426, 215, 130, 4, 4488]);
    // Ground truth: DMA32 holds 752 free order-10 blocks and never changes.
    expect(r.records.every((s) => s.zones[1].freeBlocks[10] === 752)).toBe(true);
    // Fragmented hold: order-0 ~770k-829k; after the kill ~224k; at the end ~148k.
    const o0 = (t: number) => r.records.find((s) => Math.abs(s.time! - t) < 1.1)!.zones[2].freeBlocks[0];
    expect(o0(1795333654.4)).toBe(829495);
    expect(o0(1795333656.4)).toBe(224072);
    expect(o0(1795333694.8)).toBe(148302);
    expect(r.stats.skippedByReason).toEqual({ timestamp: 71, separator: 71 });
    const golden = {
      records: r.records.length,
      stats: r.stats,
      diagnostics: r.diagnostics.byCode,
      first: r.records[0],
      last: r.records[70],
    };
    await expect(JSON.stringify(golden, null, 2)).toMatchFileSnapshot('../golden/buddyinfo-d5.json');
    const series = buddyinfoSeries(r.records, 'buddyinfo.txt');
    const free = series.find((s) => s.name === 'node0/Normal free pages')!;
    expect(free.v[0]).toBe(4780696);
    expect(free.t).toHaveLength(71);
    expect(series.find((s) => s.name === 'node0/Normal order 0 blocks')!.v[51]).toBe(224072);
  });

  it('reads 4 NUMA nodes and trailing spaces (public samples)', async () => {
    const numa = parseBuddyinfo(sample(`${PUB}x86_64-3.1-numa4-buddyinfo.txt`));
    expect(numa.records).toHaveLength(1);
    expect(numa.records[0].zones.map((z) => `${z.node}/${z.zone}`)).toEqual(['0/DMA', '0/DMA32', '0/Normal', '1/Normal', '2/Normal', '3/Normal']);
    expect(numa.records[0].zones[5].freeBlocks).toEqual([20015, 4590, 1768, 996, 334, 20, 1, 1, 1, 0, 0]);
    expect(numa.records[0].time).toBeNull();
    const jc = parseBuddyinfo(sample(`${PUB}buddyinfo-jc-fixture-x86_64-trailing-space-fullfile.txt`));
    expect(jc.records[0].zones[1].freeBlocks).toEqual([78, 114, 82, 52, 38, 25, 13, 9, 3, 4, 629]);
    await expect(JSON.stringify({ numa: numa.records, jc: jc.records }, null, 2)).toMatchFileSnapshot('../golden/buddyinfo-public.json');
  });

  it('agrees with pagetypeinfo of the same capture session (jc fixtures: sum over migrate types)', () => {
    const b = parseBuddyinfo(sample(`${PUB}buddyinfo-jc-fixture-x86_64-trailing-space-fullfile.txt`)).records[0];
    const p = pagetypeinfoZones(parsePagetypeinfo(sample(`${PUB}pagetypeinfo-jc-fixture-x86_64-fullfile.txt`)).records[0]);
    // Two reads at slightly different instants: DMA and Normal are identical, DMA32 differs only
    // in its busy low orders (0, 1, 3), every order >= 4 is identical.
    expect(p[0].freeBlocks).toEqual(b.zones[0].freeBlocks);
    expect(p[2].freeBlocks).toEqual(b.zones[2].freeBlocks);
    expect(p[1].freeBlocks.slice(4)).toEqual(b.zones[1].freeBlocks.slice(4));
    expect(p[1].freeBlocks.slice(0, 4)).toEqual([23, 55, 82, 50]);
  });

  it('accepts any number of orders, undelimited dumps (repeated zone key) and an assumed interval', () => {
    const one = 'Node 0, zone   Normal  1 2 3 4 5 6 7 8 9 10 11 12 13 14\n';
    const r = parseBuddyinfo(one + one + one, { intervalSeconds: 2 });
    expect(r.records).toHaveLength(3);
    expect(r.records[0].zones[0].freeBlocks).toHaveLength(14);
    expect(r.records.map((s) => s.time)).toEqual([0, 2, 4]);
    expect(r.records.every((s) => s.timeAssumed)).toBe(true);
    expect(r.diagnostics.byCode['time-assumed']).toBe(1);
  });

  it('keeps complete snapshots and marks the one cut mid-write', () => {
    const full = 'epoch 1795333553.3\nNode 0, zone DMA 1 2 3\nNode 0, zone Normal 4 5 6\n===\n';
    const cutZones = parseBuddyinfo(full + 'epoch 1795333555.3\nNode 0, zone DMA 1 2 3\n');
    expect(cutZones.records.map((s) => s.partial)).toEqual([false, true]);
    expect(cutZones.diagnostics.items.find((d) => d.code === 'snapshot-partial')!.line).toBe(6);
    const cutLine = parseBuddyinfo(full + 'epoch 1795333555.3\nNode 0, zone DMA 1 2 3\nNode 0, zone Normal 4');
    expect(cutLine.records[1].partial).toBe(true);
    expect(cutLine.diagnostics.items.find((d) => d.code === 'snapshot-partial')!.line).toBe(7);
    expect(buddyinfoSeries(cutLine.records).find((s) => s.name === 'node0/Normal free pages')!.v).toEqual([4 + 10 + 24]);
  });

  it.each([
    ['a non-numeric count', 'Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 x 3\n', 'unrecognized-line', 2],
    ['a negative count', 'Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 -2 3\n', 'unrecognized-line', 2],
    ['garbage between zones', 'Node 0, zone DMA 1 2 3\nhello there\nNode 0, zone Normal 1 2 3\n', 'unrecognized-line', 2],
    ['a zone line without counts', 'Node 0, zone DMA 1 2 3\nNode 0, zone Normal\n', 'unrecognized-line', 2],
    ['an absurd number', 'Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 99999999999999999999 3\n', 'unrecognized-line', 2],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parseBuddyinfo(text);
    expect(r.diagnostics.items.find((d) => d.code === code)?.line).toBe(line);
    expectLinesAccounted(r);
    expect(r.stats.linesDiagnosed).toBe(1);
  });

  it('skips a pasted shell prompt as a foreign line (info), not data loss', () => {
    const r = parseBuddyinfo('root@host:~# cat /proc/buddyinfo\nNode 0, zone DMA 1 2 3\n$ date\n');
    expect(r.records).toHaveLength(1);
    expect(r.diagnostics.byCode['foreign-line']).toBe(2);
    expect(r.stats.skippedByReason.foreign).toBe(2);
    expect(seriousDiagnostics(r)).toEqual([]);
    const p = parsePagetypeinfo('# cat /proc/pagetypeinfo\nPage block order: 9\n');
    expect(p.diagnostics.byCode['foreign-line']).toBe(1);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseBuddyinfo('')).toThrow(MemforensicsInputError);
    expect(() => parseBuddyinfo('not\nbuddyinfo\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('splits zone lines without regex, tolerating odd spacing', () => {
    expect(parseZoneLine('Node 0, zone   Normal   1 2 ')).toEqual({ node: 0, zone: 'Normal', values: ['1', '2'] });
    expect(parseZoneLine('Node    0, zone      DMA, type    Unmovable      0      1 ')).toEqual({
      node: 0,
      zone: 'DMA',
      type: 'Unmovable',
      values: ['0', '1'],
    });
    expect(parseZoneLine('Node 0 zone Normal 1')).toBeNull();
    expect(parseZoneLine('Nodes 0, zone Normal 1')).toBeNull();
  });
});

describe('extfrag parsers (unusable_index, extfrag_index)', () => {
  it('reads the printed values back to the kernel integers, including the pre-4.17 negative bug', () => {
    expect(parseIndexValue('0.038')).toEqual({ milli: 38, buggyNegative: false });
    expect(parseIndexValue('-1.000')).toEqual({ milli: -1000, buggyNegative: false });
    expect(parseIndexValue('1.000')).toEqual({ milli: 1000, buggyNegative: false });
    expect(parseIndexValue('0.-500')).toEqual({ milli: -500, buggyNegative: true });
    expect(parseIndexValue('0.-01')).toEqual({ milli: -1, buggyNegative: true });
    expect(parseIndexValue('0.38')).toBeNull();
    expect(parseIndexValue('abc')).toBeNull();
  });

  it('reads the D5 files: 71 snapshots at the same epochs as buddyinfo; extfrag_index is -1.000 everywhere', async () => {
    const u = parseExtfragUnusable(sample(`${D5}unusable_index.txt`));
    const e = parseExtfragIndex(sample(`${D5}extfrag_index.txt`));
    const b = parseBuddyinfo(sample(`${D5}buddyinfo.txt`));
    expect(u.records).toHaveLength(71);
    expect(e.records).toHaveLength(71);
    expect(u.records.map((s) => s.time)).toEqual(b.records.map((s) => s.time));
    expect(e.records.every((s) => s.zones.every((z) => z.milli.every((m) => m === -1000)))).toBe(true);
    // Ground truth: baseline U9 0.038-0.041, fragmented hold U9 0.238-0.251.
    const u9 = u.records.map((s) => s.zones.find((z) => z.zone === 'Normal')!.values[9]);
    expect(u9[0]).toBe(0.038);
    expect(Math.max(...u9)).toBe(0.251);
    await expect(
      JSON.stringify({ unusable: { records: u.records.length, stats: u.stats, first: u.records[0] }, extfrag: { records: e.records.length, first: e.records[0] } }, null, 2),
    ).toMatchFileSnapshot('../golden/extfrag-d5.json');
  });

  it('reads the public samples (8 NUMA nodes; one fragmented DMA line)', () => {
    const u = parseExtfragUnusable(sample(`${PUB}extfrag-unusable_index-x86_64-4.9-numa8.txt`));
    expect(u.records[0].zones).toHaveLength(10);
    expect(u.records[0].zones[0].milli).toEqual([0, 0, 0, 2, 4, 16, 32, 65, 97, 97, 226]);
    expect(u.records[0].zones[9]).toMatchObject({ node: 7, zone: 'Normal' });
    const e = parseExtfragIndex(sample(`${PUB}extfrag_index-head1-fragmented-dma-4.16.txt`));
    expect(e.records[0].zones[0].milli).toEqual([-1000, 500, 750, 875, 937, 969, 984, 992, 996, 998, 999]);
  });

  it('reads the kernel 6.9+ per-node header line, and uses it to tell the files apart', () => {
    const u = 'Unusable index at order:     0     1     2 \nNode 0, zone         DMA 0.000 0.030 0.059 \nNode 0, zone      Normal 0.000 0.225 0.427 \n';
    const e = 'Extfrag index at order:      0      1      2 \nNode 0, zone        DMA -1.000 -1.000 -1.000 \n';
    expect(detectFormat(u)[0].format).toBe('extfrag-unusable');
    expect(detectFormat(e)[0]).toMatchObject({ format: 'extfrag-index', reason: expect.stringContaining('header') });
    const r = parseExtfragUnusable(u + u.split('\n')[0] + '\nNode 1, zone      Normal 0.000 0.000 0.001 \n');
    expect(r.records).toHaveLength(1);
    expect(r.records[0].zones.map((z) => z.milli)).toEqual([
      [0, 30, 59],
      [0, 225, 427],
      [0, 0, 1],
    ]);
    expect(r.stats.skippedByReason.header).toBe(2);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(parseExtfragIndex(u).diagnostics.byCode['extfrag-wrong-file']).toBe(1);
  });

  it('warns once about negative indices printed as 0.-NNN and keeps the values', () => {
    const r = parseExtfragIndex('Node 0, zone DMA -1.000 0.-500 0.-250 0.-01\nNode 0, zone Normal -1.000 0.-500 0.000 0.100\n');
    expect(r.records[0].zones[0].milli).toEqual([-1000, -500, -250, -1]);
    expect(r.diagnostics.byCode['extfrag-negative-printed']).toBe(1);
    expect(r.stats.counters.buggyNegativeValues).toBe(4);
    expect(seriousDiagnostics(r)).toEqual([]);
  });

  it('tells the two files apart by values, and says why; uses the path when values fit both', () => {
    const unusable = 'Node 0, zone   Normal 0.000 0.001 0.004\n';
    const index = 'Node 0, zone   Normal -1.000 -1.000 -1.000\n';
    const both = 'Node 0, zone   Normal 0.000 0.000 0.000\n';
    expect(detectFormat(unusable)[0].format).toBe('extfrag-unusable');
    expect(detectFormat(index)[0]).toMatchObject({ format: 'extfrag-index', reason: expect.stringContaining('-1.000') });
    // Values beat a misleading path.
    expect(detectFormat(index, { path: '/sys/kernel/debug/extfrag/unusable_index' })[0].format).toBe('extfrag-index');
    expect(detectFormat(both, { path: 'x/unusable_index.txt' })[0]).toMatchObject({ format: 'extfrag-unusable', reason: expect.stringContaining('path') });
    expect(detectFormat(both, { path: 'x/extfrag_index.txt' })[0].format).toBe('extfrag-index');
    expect(detectFormat(both).map((c) => c.confidence)).toEqual([0.5, 0.5]);
  });

  it.each([
    ['a value with 4 decimals', 'Node 0, zone DMA 0.000 0.0011\n', 'unrecognized-line', 1],
    ['an index above 1', 'Node 0, zone DMA 0.000\nNode 0, zone Normal 0.000 2.000\n', 'number-out-of-range', 2],
    ['garbage', 'Node 0, zone DMA 0.000\n??\n', 'unrecognized-line', 2],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parseExtfragUnusable(text);
    expect(r.diagnostics.items.find((d) => d.code === code)?.line).toBe(line);
    expectLinesAccounted(r);
  });
});

describe('pagetypeinfo parser', () => {
  it('reads D5: 71 snapshots, page block order 9, capped >100000 order-0 Movable counts as lower bounds', async () => {
    const r = parsePagetypeinfo(sample(`${D5}pagetypeinfo.txt`));
    expect(r.records).toHaveLength(71);
    const s0 = r.records[0];
    expect(s0.pageBlockOrder).toBe(9);
    expect(s0.pagesPerBlock).toBe(512);
    expect(s0.free).toHaveLength(15);
    expect(s0.free.find((x) => x.zone === 'Normal' && x.type === 'Movable')!.freeBlocks).toEqual([6193, 4210, 2659, 604, 586, 657, 208, 138, 114, 4, 4488]);
    expect(s0.blocks.find((x) => x.zone === 'Normal')!.counts).toEqual({ Unmovable: 135, Movable: 9948, Reclaimable: 93, HighAtomic: 0, Isolate: 0 });
    // During the fragmented hold the order-0 Movable list is printed `>100000`.
    const hold = r.records.find((s) => Math.abs(s.time! - 1795333638.25) < 0.1)!;
    const mov = hold.free.find((x) => x.zone === 'Normal' && x.type === 'Movable')!;
    expect(mov.capped).toEqual([0]);
    expect(mov.freeBlocks[0]).toBe(100000);
    expect(r.diagnostics.byCode['pagetypeinfo-capped-count']).toBe(1);
    expect(r.stats.counters.cappedCounts).toBe(41);
    // Same epochs as buddyinfo; uncapped sums equal buddyinfo at the baseline.
    const b = parseBuddyinfo(sample(`${D5}buddyinfo.txt`)).records;
    expect(r.records.map((s) => s.time)).toEqual(b.map((s) => s.time));
    const z0 = pagetypeinfoZones(s0);
    expect(z0.map((z) => z.freeBlocks)).toEqual(b[0].zones.map((z) => z.freeBlocks));
    expect(pagetypeinfoZones(hold).find((z) => z.zone === 'Normal')!.capped).toBe(true);
    await expect(
      JSON.stringify({ records: r.records.length, stats: r.stats, diagnostics: r.diagnostics.byCode, first: s0, holdNormalMovable: mov }, null, 2),
    ).toMatchFileSnapshot('../golden/pagetypeinfo-d5.json');
  });

  it('reads old (Reserve) and new (CMA) migrate types and the mixed-blocks table', () => {
    const text = [
      'Page block order: 10',
      'Pages per block:  1024',
      '',
      'Free pages count per migrate type at order       0      1      2 ',
      'Node    0, zone   Normal, type    Unmovable      1      2      3 ',
      'Node    0, zone   Normal, type      Reserve      0      0      1 ',
      'Node    0, zone   Normal, type          CMA      5      0      0 ',
      '',
      'Number of blocks type     Unmovable      Reserve          CMA ',
      'Node 0, zone   Normal            3            1            8 ',
      '',
      'Number of mixed blocks    Unmovable      Reserve          CMA ',
      'Node 0, zone   Normal            1            0            0 ',
    ].join('\n');
    const r = parsePagetypeinfo(text);
    expect(seriousDiagnostics(r)).toEqual([]);
    const s = r.records[0];
    expect(s.free.map((x) => x.type)).toEqual(['Unmovable', 'Reserve', 'CMA']);
    expect(s.blocks[0].counts).toEqual({ Unmovable: 3, Reserve: 1, CMA: 8 });
    expect(s.mixedBlocks![0].counts.Unmovable).toBe(1);
    expect(pagetypeinfoZones(s)[0].freeBlocks).toEqual([6, 2, 4]);
  });

  it('splits undelimited dumps at the `Page block order` header and marks a cut one', () => {
    const one = sample(`${PUB}pagetypeinfo-jc-fixture-x86_64-fullfile.txt`);
    const cut = one.split('\n').slice(0, 8).join('\n');
    const r = parsePagetypeinfo(one + one + cut);
    expect(r.records.map((s) => s.partial)).toEqual([false, false, true]);
    expect(r.diagnostics.byCode['snapshot-partial']).toBe(1);
    expectLinesAccounted(r);
  });

  it.each([
    ['a non-numeric count', 'Page block order: 9\nNode    0, zone   Normal, type    Unmovable      1      x\n', 'unrecognized-line', 2],
    ['a block row outside any table', 'Page block order: 9\nNode 0, zone Normal 1 2\n', 'unrecognized-line', 2],
    ['garbage', 'Page block order: 9\nPages per block: 512\nfoo bar\n', 'unrecognized-line', 3],
    ['an unreadable header', 'Page block order: nine\nPages per block: 512\n', 'unrecognized-line', 1],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parsePagetypeinfo(text);
    expect(r.diagnostics.items.find((d) => d.code === code)?.line).toBe(line);
    expectLinesAccounted(r);
  });
});
