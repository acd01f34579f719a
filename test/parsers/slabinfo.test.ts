import { describe, expect, it } from 'vitest';
import {
  parseSlabinfo,
  parseSlabinfoAsync,
  parseSlabtop,
  slabCacheSeries,
  slabinfoParser,
  slabinfoSeries,
  slabtopAsSlabinfo,
  slabtopParser,
  type SlabinfoSnapshot,
} from '../../src/parsers/slabinfo/index.js';
import { parseMeminfo } from '../../src/parsers/meminfo/index.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const SLABINFO_PUBLIC = [
  'public/slabinfo/grep-dentry-inode-before.txt',
  'public/slabinfo/i686-2.6.11rc2-SLAB-size-N-full-wrapped-header.txt',
];
const D1 = ['0_before', '1_leak_held', '2_after_exit'].map((s) => `captures/D1_main/d1p.slabinfo.${s}.txt`);
const D2 = 'captures/D2_slab_meminfo/slabinfo.txt.gz';
const SLABTOP = 'public/slabinfo/slabtop-rhel-2.6.x-SLAB-partial.txt';

/** A compact, stable summary for golden files. */
function summarize(snaps: readonly SlabinfoSnapshot[], stats: object, diagnostics: object, pick: string[]) {
  const first = snaps[0];
  return {
    snapshots: snaps.length,
    partial: snaps.filter((s) => s.partial).length,
    version: first?.version ?? null,
    caches: first ? Object.keys(first.caches).length : 0,
    firstTime: first?.time ?? null,
    lastTime: snaps.at(-1)?.time ?? null,
    picked: Object.fromEntries(pick.map((n) => [n, snaps.map((s) => s.caches[n]?.active_objs ?? null).filter((_, i) => i % 8 === 0 || i === snaps.length - 1)])),
    firstCaches: first ? Object.entries(first.caches).slice(0, 3) : [],
    stats,
    diagnostics,
  };
}

describe('slabinfo parser', () => {
  it.each([...SLABINFO_PUBLIC, ...D1])('parses real sample %s without data loss', async (rel) => {
    const r = expectChunkingInvariant(slabinfoParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(1);
    const name = rel.split('/').at(-1)!.replace(/\.txt$/, '');
    await expect(
      JSON.stringify(summarize(r.records, r.stats, r.diagnostics.byCode, ['dentry', 'filp', 'lsm_file_cache', 'kmalloc-64']), null, 2),
    ).toMatchFileSnapshot(`../golden/slabinfo-${name}.json`);
  });

  it('reads 7-digit counts that collapse the column gap (grep output, no header)', () => {
    const r = parseSlabinfo(sample(SLABINFO_PUBLIC[0]));
    expect(r.records[0].version).toBeNull();
    expect(r.records[0].caches.dentry).toEqual({
      active_objs: 1000729,
      num_objs: 1295994,
      objsize: 192,
      objperslab: 21,
      pagesperslab: 1,
      tunables: { limit: 0, batchcount: 0, sharedfactor: 0 },
      slabdata: { active_slabs: 61714, num_slabs: 61714, sharedavail: 0 },
    });
  });

  it('reads SLAB tunables in printed order, size-N(DMA) and biovec-(256) names, a wrapped header', () => {
    const r = parseSlabinfo(sample(SLABINFO_PUBLIC[1]));
    const s = r.records[0];
    expect(s.version).toBe('2.1');
    expect(r.stats.skippedByReason.header).toBe(3); // version, `# name`, and the wrapped continuation
    expect(s.caches.ip_fib_alias.tunables).toEqual({ limit: 120, batchcount: 60, sharedfactor: 8 });
    expect(Object.keys(s.caches)).toContain('biovec-(256)');
    expect(Object.keys(s.caches).some((n) => n.endsWith('(DMA)'))).toBe(true);
    expect(s.caches.journal_head.num_objs).toBe(155844);
  });

  it('reads the D1 before/held/after snapshots (coarse SLUB counts, as the ground truth warns)', () => {
    const [before, held, after] = D1.map((rel) => parseSlabinfo(sample(rel)).records[0]);
    expect(Object.keys(before.caches)).toHaveLength(235);
    expect(before.caches.filp.active_objs).toBe(714);
    expect(held.caches.filp.active_objs).toBe(798);
    expect(after.caches.lsm_file_cache.active_objs).toBe(775);
    expect(held.caches.dentry.num_objs - before.caches.dentry.num_objs).toBe(588);
  });

  it('reads the D2 series: 80 snapshots, matching the ground-truth table', async () => {
    const text = sample(D2);
    const r = expectChunkingInvariant(slabinfoParser, text, { intervalSeconds: 2 });
    expectLinesAccounted(r);
    expect(r.records).toHaveLength(80);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.diagnostics.byCode['time-assumed']).toBe(1);
    expect(r.records.every((s) => s.timeAssumed && !s.partial)).toBe(true);
    expect(r.records[79].time).toBe(158);
    // CAPTURES-README.md, D2 measured active_objs: snapshot 7, 72, 73, 79.
    const table: Record<string, [number, number, number, number]> = {
      filp: [546, 1530, 615, 567],
      lsm_file_cache: [755, 1830, 834, 834],
      'kmalloc-256': [894, 1724, 824, 824],
      dentry: [122321, 124730, 122353, 122426],
      'kmalloc-64': [3345, 3065, 3065, 3065],
    };
    for (const [cache, want] of Object.entries(table)) {
      const { active } = slabCacheSeries(r.records, cache);
      expect([active.v[7], active.v[72], active.v[73], active.v[79]], cache).toEqual(want);
    }
    await expect(
      JSON.stringify(summarize(r.records, r.stats, r.diagnostics.byCode, Object.keys(table)), null, 2),
    ).toMatchFileSnapshot('../golden/slabinfo-D2-series.json');
  });

  it('takes the D2 time axis from the meminfo epochs beside it (sidecar timestamps)', () => {
    const epochs = parseMeminfo(sample('captures/D2_slab_meminfo/meminfo.txt')).records.map((s) => s.time!);
    const r = parseSlabinfo(sample(D2), { timestamps: epochs, source: 'slabinfo.txt' });
    expect(r.records[7].time).toBeCloseTo(1795332559.49, 1);
    expect(r.records[0].timeAssumed).toBe(false);
    const series = slabinfoSeries(r.records, 'slabinfo.txt');
    const bytes = series.find((s) => s.name === 'kmalloc-256.bytes')!;
    expect(bytes.unit).toBe('bytes');
    expect(bytes.source).toBe('slabinfo.txt');
    expect(bytes.v[0]).toBe(r.records[0].caches['kmalloc-256'].num_objs * 256);
    expect(series.find((s) => s.name === 'slab.total.bytes')!.v).toHaveLength(80);
  });

  it('streams through parseAsync with onRecord (no records kept)', async () => {
    const seen: number[] = [];
    const r = await parseSlabinfoAsync([sample(D2)], { onRecord: (s) => seen.push((s as SlabinfoSnapshot).index) });
    expect(r.records).toHaveLength(0);
    expect(seen).toHaveLength(80);
    expect(r.stats.records).toBe(80);
  });

  it('keeps every complete snapshot of a capture cut mid-snapshot and reports the partial one', () => {
    const text = sample(D2);
    const lines = text.split('\n');
    // Cut inside snapshot 79 (each D2 snapshot is 238 lines: header 2 + 235 caches + ===), mid-line.
    const cut = lines.slice(0, 79 * 238 + 100).join('\n') + '\n' + lines[79 * 238 + 100].slice(0, 12);
    const r = parseSlabinfo(cut);
    expect(r.records).toHaveLength(80);
    expect(r.records.slice(0, 79).every((s) => !s.partial)).toBe(true);
    expect(r.records[79].partial).toBe(true);
    expect(r.diagnostics.byCode['snapshot-partial']).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === 'snapshot-partial')!.line).toBe(79 * 238 + 1);
    expectLinesAccounted(r);
    // Cut on a line boundary: fewer caches than the snapshot before.
    const clean = parseSlabinfo(lines.slice(0, 79 * 238 + 50).join('\n'));
    expect(clean.records[79].partial).toBe(true);
    expect(slabCacheSeries(clean.records, 'filp').active.v).toHaveLength(79);
  });

  it('splits unframed dumps on a repeated cache name and on epoch/date lines', () => {
    const dump = (n: number) => `filp  ${n} ${n} 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\ndentry 5 5 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n`;
    const r = parseSlabinfo(`epoch=1795332545\n${dump(10)}Sun Nov 22 07:29:06 UTC 2026\n${dump(20)}${dump(30)}`);
    expect(r.records.map((s) => s.caches.filp.active_objs)).toEqual([10, 20, 30]);
    expect(r.records[0].time).toBe(1795332545);
    expect(r.records[1].time).toBe(Date.UTC(2026, 10, 22, 7, 29, 6) / 1000);
    expect(r.diagnostics.byCode['snapshot-no-timestamp']).toBe(1);
  });

  it('ignores SLAB statistics groups (version 2.1 (statistics))', () => {
    const line = 'size-64  100 118 64 59 1 : tunables 120 60 8 : slabdata 2 2 0 : globalstat 200 118 2 0 0 0 0 0 0 : cpustat 10 20 0 0\n';
    const r = parseSlabinfo(`slabinfo - version: 2.1 (statistics)\n${line}`);
    expect(r.records[0].version).toBe('2.1 (statistics)');
    expect(r.records[0].caches['size-64'].tunables).toEqual({ limit: 120, batchcount: 60, sharedfactor: 8 });
    expect(seriousDiagnostics(r)).toEqual([]);
  });

  const OK = 'filp 1 1 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n';
  it.each([
    ['garbage between caches', `${OK}hello world\n${OK.replace('filp', 'dentry')}`, 'unrecognized-line', 2],
    ['a non-numeric count', `${OK}dentry 12 abc 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n`, 'unrecognized-line', 2],
    ['a short tunables group', `${OK}dentry 12 12 192 21 1 : tunables 0 0 : slabdata 1 1 0\n`, 'unrecognized-line', 2],
    ['an absurd number', `${OK}dentry 99999999999999999999 1 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n`, 'unrecognized-line', 2],
    ['a line cut after the name', `slabinfo - version: 2.1\n${OK}dentry  12\n`, 'unrecognized-line', 3],
  ])('diagnoses %s with its line number', (_name, text, code, line) => {
    const r = parseSlabinfo(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
    expect(r.stats.linesDiagnosed).toBe(1);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseSlabinfo('')).toThrow(MemforensicsInputError);
    expect(() => parseSlabinfo('just some\ntext\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('is detected by the registry', () => {
    expect(detectFormat(sample(SLABINFO_PUBLIC[1]).slice(0, 4096))[0].format).toBe('slabinfo');
    expect(detectFormat(sample(SLABINFO_PUBLIC[0]))[0].format).toBe('slabinfo');
    expect(detectFormat(sample(SLABTOP))[0].format).toBe('slabtop');
  });

  it('survives fuzzing', () => {
    fuzzParser(slabinfoParser, [...SLABINFO_PUBLIC, D1[0]].map(sample), 100);
  });
});

describe('slabtop parser', () => {
  it('parses the RHEL SLAB-era sample: summary, trailing-space header, 7-digit OBJS', async () => {
    const r = expectChunkingInvariant(slabtopParser, sample(SLABTOP));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(1);
    const s = r.records[0];
    expect(s.summary.objects).toEqual({ active: 5808994, total: 7467354 });
    expect(s.summary.sizeKb).toEqual({ active: 1461810.85, total: 1739611.91 });
    expect(s.summary.objectKb).toEqual({ min: 0.02, avg: 0.23, max: 4096 });
    expect(Object.keys(s.caches)).toEqual(['selinux_inode_security', 'buffer_head', 'ext3_inode_cache', 'avtab_node', 'dentry']);
    expect(s.caches.selinux_inode_security).toEqual({ objs: 2328290, active: 1261362, usePercent: 54, objSizeKb: 0.07, slabs: 43930, objPerSlab: 53, cacheSizeKb: 175720 });
    const asSlab = slabtopAsSlabinfo(r.records)[0];
    expect(asSlab.caches.dentry.objsize).toBe(195); // 0.19K
    await expect(JSON.stringify({ summary: s.summary, caches: s.caches, stats: r.stats }, null, 2)).toMatchFileSnapshot(
      '../golden/slabtop-rhel-2.6.x-SLAB-partial.json',
    );
  });

  it('splits repeated slabtop -o runs on the summary block, pasted without leading spaces', () => {
    const one = (n: number) =>
      `Active / Total Objects (% used)    : 10 / 20 (50.0%)\nActive / Total Slabs (% used)      : 1 / 1 (100.0%)\n\nOBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME\n${n} 10  50%    0.19K      1       21         4K dentry\n`;
    const r = parseSlabtop(`date: 1795332545\n${one(20)}date: 1795332547\n${one(21)}`);
    expect(r.records.map((s) => s.caches.dentry.objs)).toEqual([20, 21]);
    expect(r.records.map((s) => s.time)).toEqual([1795332545, 1795332547]);
    expect(seriousDiagnostics(r)).toEqual([]);
  });

  it.each([
    ['a row with a non-numeric column', 'OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME\n20 10 50% 0.19K 1 21 4K dentry\n20 10 50% x 1 21 4K filp\n', 3],
    ['a short row', 'OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME\n20 10 50% 0.19K 1 21 4K dentry\n20 10\n', 3],
  ])('diagnoses %s', (_n, text, line) => {
    const r = parseSlabtop(text);
    expect(r.diagnostics.byCode['unrecognized-line']).toBe(1);
    expect(r.diagnostics.items[0].line).toBe(line);
    expectLinesAccounted(r);
  });

  it('survives fuzzing', () => {
    fuzzParser(slabtopParser, [sample(SLABTOP)], 100);
  });
});
