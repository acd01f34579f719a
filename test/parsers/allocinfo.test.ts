import { describe, expect, it } from 'vitest';
import { allocinfoGrowth } from '../../src/analysis/allocinfoGrowth.js';
import { allocinfoParser, parseAllocinfo, parseAllocinfoLine } from '../../src/parsers/allocinfo/index.js';
import { expectChunkingInvariant, expectLinesAccounted, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const PUBLIC = 'public/allocinfo/';

describe('allocinfo parser on published real outputs', () => {
  it('reads the 1.0 header dump of the version patch (9 built-in sites)', () => {
    const r = expectChunkingInvariant(allocinfoParser, sample(PUBLIC + 'lkml-2024-05-v2-version-header-head.txt'));
    expectLinesAccounted(r);
    expect(r.diagnostics.total).toBe(0);
    expect(r.records).toHaveLength(1);
    expect(r.records[0].version).toBe('1.0');
    expect(r.records[0].sites).toHaveLength(9);
    expect(r.records[0].sites[7]).toEqual({ file: 'arch/x86/events/rapl.c', lineNo: 681, module: null, func: 'init_rapl_pmus', bytes: 512, calls: 1, bytesRounded: false, inaccurate: false });
  });

  it('reads the documentation example: numfmt sizes, a [module] site, the command that made it', () => {
    const r = expectChunkingInvariant(allocinfoParser, sample(PUBLIC + 'kernel-doc-6.x-sort-g-tail-numfmt-iec.txt'));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    const s = r.records[0];
    expect(s.command).toBe('sort -g /proc/allocinfo|tail|numfmt --to=iec');
    expect(s.sites).toHaveLength(11);
    expect(s.sites.find((x) => x.func === 'ctagmod_start')).toMatchObject({ module: 'ctagmod', bytes: 4 * 1024 ** 2, calls: 1010, bytesRounded: true });
    expect(s.sites.at(-1)).toMatchObject({ func: 'alloc_page_ext', bytes: 122 * 1024 ** 2, calls: 31168 });
  });

  it('reads the pre-merge module: tags with MiB sizes', () => {
    const r = parseAllocinfo(sample(PUBLIC + 'kernel-doc-bcachefs-2024-sort-h-module-prefix.txt'));
    expect(r.diagnostics.total).toBe(0);
    const xfs = r.records[0].sites.find((x) => x.func === 'xfs_rui_init')!;
    expect(xfs).toMatchObject({ module: 'xfs', file: 'fs/xfs/xfs_rmap_item.c', lineNo: 147, calls: 98315 });
    expect(xfs.bytes).toBeCloseTo(64.5 * 1024 ** 2, 0);
  });

  it('reads four dumps of the xfs mount/umount walk-through and diffs them per site', () => {
    const r = expectChunkingInvariant(allocinfoParser, sample(PUBLIC + 'zh-blog-xfs-mount-umount-four-snapshots.txt'));
    expectLinesAccounted(r);
    expect(r.diagnostics.total).toBe(0);
    expect(r.records.map((s) => s.sites.map((x) => x.bytes))).toEqual([[16, 40], [32, 80], [32, 40], [32, 0]]);
    const g = allocinfoGrowth(r.records, { source: 'xfs.txt' });
    expect(g.dumps).toBe(4);
    // xlog_cil_init went 40 -> 80 -> 40 -> 0: freed, not growing; xfs_uuid_mount kept its krealloc'd 32 B.
    expect(g.growing.map((x) => x.site)).toEqual(['fs/xfs/xfs_mount.c:87 [xfs] xfs_uuid_mount']);
    expect(g.growing[0]).toMatchObject({ firstBytes: 16, lastBytes: 32, deltaBytes: 16, trendVerdict: null });
    expect(g.returnedToStart).toBe(1);
    expect(g.findings).toHaveLength(1);
    expect(g.findings[0]).toMatchObject({ kind: 'allocation-site-leak', severity: 'info', culprit: 'xfs_uuid_mount', space: 'kernel' });
  });

  it('one dump is insufficient data for growth, not an error', () => {
    const g = allocinfoGrowth(parseAllocinfo(sample(PUBLIC + 'lkml-2024-05-v2-version-header-head.txt')).records, { source: 'x' });
    expect(g.insufficientData).toContain('one allocinfo dump');
    expect(g.findings).toEqual([]);
  });
});

describe('allocinfo line shapes', () => {
  it('reads the proposed 2.0 inaccuracy marks and negative counters, and refuses other text', () => {
    expect(parseAllocinfoLine('       4096*       1* mm/slub.c:2201 func:alloc_slab_page ')).toMatchObject({ inaccurate: true, bytes: 4096 });
    expect(parseAllocinfoLine('        4096        1 mm/slub.c:2201 func:alloc_slab_page accurate:no ')).toMatchObject({ inaccurate: true });
    expect(parseAllocinfoLine('         -64        0 lib/x.c:1 func:f')).toMatchObject({ bytes: -64 });
    expect(parseAllocinfoLine('MemTotal: 100 kB')).toBeNull();
    expect(parseAllocinfoLine('12 34 no-line-number func:f')).toBeNull();
  });

  it('trends timed dumps per site: a site growing 64 KiB per minute is a leak (3.75 MiB/h: warning), a flat one is not (constructed dumps)', () => {
    const dump = (i: number) => `epoch ${1700000000 + 60 * i}\nallocinfo - version: 1.0\n${65536 * (i + 1)} ${i + 1} drivers/foo/bar.c:42 [foo] func:foo_alloc\n512 1 mm/flat.c:1 func:flat\n===\n`;
    const text = Array.from({ length: 12 }, (_, i) => dump(i)).join('');
    const r = parseAllocinfo(text);
    expect(r.records).toHaveLength(12);
    const g = allocinfoGrowth(r.records, { source: 'allocinfo.txt' });
    expect(g.growing.map((x) => x.func)).toEqual(['foo_alloc']);
    expect(g.growing[0].trendVerdict).toBe('leak');
    expect(g.growing[0].bytesPerHour! / (65536 * 60)).toBeCloseTo(1, 1);
    expect(g.findings[0].title).toContain('foo_alloc (drivers/foo/bar.c:42, foo) grows steadily');
    expect(g.findings[0].severity).toBe('warning');
  });
});
