import { describe, expect, it } from 'vitest';
import {
  parseVmstat,
  vmstatParser,
  vmstatSeries,
  zoneOffsetSeconds,
  type VmstatRecord,
  type VmstatSample,
} from '../../src/parsers/vmstat/index.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const AT = 'public/vmstat/centos7-vmstat-a-t-5-timestamps-jc-fullfile.txt';
const WIDE = 'public/vmstat/centos7-vmstat-w-wide-jc-fullfile.txt';
const REPEAT = 'public/vmstat/ubuntu1804-vmstat-1-repeated-header-jc-fullfile.txt';
const SM = 'public/vmstat/vmstat-S-m-1-3-blog-2016.txt';
const D2 = 'captures/D2_slab_meminfo/vmstat_fresh.txt';

const samplesOf = (records: readonly VmstatRecord[]) => records.filter((r): r is VmstatSample => r.kind === 'sample');

function summarize(records: readonly VmstatRecord[], stats: object, diagnostics: object) {
  const s = samplesOf(records);
  return {
    samples: s.length,
    sinceBoot: s.filter((x) => x.sinceBoot).map((x) => x.index),
    columns: s[0] ? Object.keys(s[0].values) : [],
    first: s[0] ?? null,
    last: s.at(-1) ?? null,
    stats,
    diagnostics,
  };
}

describe('vmstat parser', () => {
  it.each([
    [AT, {}],
    [WIDE, {}],
    [REPEAT, {}],
    [SM, { unit: 'm' }],
    [D2, {}],
  ] as const)('parses real sample %s without data loss', async (rel, options) => {
    const r = expectChunkingInvariant(vmstatParser, sample(rel), options);
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.diagnostics.byCode['vmstat-since-boot']).toBe(1);
    const name = rel.split('/').at(-1)!.replace(/\.txt$/, '');
    await expect(JSON.stringify(summarize(r.records, r.stats, r.diagnostics.byCode), null, 2)).toMatchFileSnapshot(
      `../golden/vmstat-${name}.json`,
    );
  });

  it('reads -a -t: inact/active columns, PDT timestamps, id 100 widened rows', () => {
    const s = samplesOf(parseVmstat(sample(AT)).records);
    expect(s).toHaveLength(4);
    expect(Object.keys(s[0].values)).toEqual(['r', 'b', 'swpd', 'free', 'inact', 'active', 'si', 'so', 'bi', 'bo', 'in', 'cs', 'us', 'sy', 'id', 'wa', 'st']);
    // 2021-09-16 20:33:13 PDT = 2021-09-17 03:33:13 UTC.
    expect(s[0].time).toBe(Date.UTC(2021, 8, 17, 3, 33, 13) / 1000);
    expect(s[1].time! - s[0].time!).toBe(5);
    expect(s[1].values.id).toBe(100);
    expect(s[3].memoryKb.active).toBe(312752);
    expect(s[0].sinceBoot).toBe(true);
    expect(s[1].sinceBoot).toBe(false);
  });

  it('reads the wide layout and a repeated header without starting a new run', () => {
    const w = samplesOf(parseVmstat(sample(WIDE)).records);
    expect(w[0].values.cache).toBe(741208);
    const r = parseVmstat(sample(REPEAT));
    const s = samplesOf(r.records);
    expect(s).toHaveLength(37);
    expect(r.stats.counters.headers).toBe(2);
    expect(s.filter((x) => x.sinceBoot)).toHaveLength(1);
    expect(s[33].values.r).toBe(1);
    expect(s[33].sinceBoot).toBe(false);
  });

  it('converts -S m (10^6 bytes) memory columns to KiB and drops since-boot rates from series', () => {
    const r = parseVmstat(sample(SM), { unit: 'm' });
    const s = samplesOf(r.records);
    expect(s[0].values.cache).toBe(14996);
    expect(s[0].memoryKb.cache).toBeCloseTo((14996 * 1e6) / 1024, 6);
    const series = vmstatSeries(r.records);
    expect(series.find((x) => x.name === 'free')!.v).toHaveLength(3);
    expect(series.find((x) => x.name === 'cs')!.v).toEqual([2243, 2324]);
    expect(series.find((x) => x.name === 'free')!.unit).toBe('kB');
  });

  it('reads the D2 fresh vmstat: 81 UTC-stamped rows over the 162-s run', () => {
    const r = parseVmstat(sample(D2), { source: 'vmstat_fresh.txt' });
    const s = samplesOf(r.records);
    expect(s).toHaveLength(81);
    expect(s[0].time).toBe(Date.UTC(2026, 10, 22, 7, 29, 4) / 1000);
    expect(s[0].time).toBe(1795332544);
    expect(s.at(-1)!.time).toBe(1795332705);
    expect(s[0].memoryKb.free).toBe(23890228);
    const cache = vmstatSeries(r.records, 'vmstat_fresh.txt').find((x) => x.name === 'cache')!;
    expect(cache.source).toBe('vmstat_fresh.txt');
    // The unrelated page-cache drop at about 1795332664-667 (CAPTURES-README D2).
    const before = cache.v[cache.t.findIndex((t) => t >= 1795332660)];
    const after = cache.v[cache.t.findIndex((t) => t >= 1795332670)];
    expect(before - after).toBeGreaterThan(300_000);
  });

  it('marks the first row after a framed new run as since-boot again', () => {
    const head = 'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n';
    const row = ' 0  0    524 763388 147216 819640    0    0   288   108  195 2509  4  3 93  0  0\n';
    const r = parseVmstat(`epoch=1795332545\n${head}${row}${row}===\nepoch=1795332555\n${head}${row}${row}`);
    const s = samplesOf(r.records);
    expect(s.map((x) => x.sinceBoot)).toEqual([true, false, true, false]);
    expect(s[0].time).toBe(1795332545);
    expect(s[2].time).toBe(1795332555);
    expect(r.diagnostics.byCode['vmstat-since-boot']).toBe(2);
  });

  it('reads vmstat -s once', () => {
    const text = '     16310020 K total memory\n      1215876 K used memory\n       2000 M free swap\n     10256423 non-nice user cpu ticks\n   1715786645 boot time\n        63417 forks\n';
    const r = expectChunkingInvariant(vmstatParser, text);
    expect(r.records).toEqual([
      {
        kind: 'summary',
        index: 0,
        line: 1,
        kb: { 'total memory': 16310020, 'used memory': 1215876, 'free swap': 2000 * 1024 },
        counts: { 'non-nice user cpu ticks': 10256423, 'boot time': 1715786645, forks: 63417 },
      },
    ]);
    expect(detectFormat(text)[0].format).toBe('vmstat');
  });

  it('reads a /proc/vmstat series (3.x names kept) and reports a cut last dump', () => {
    const dump = (n: number) => `nr_free_pages ${n}\npgpgin 5\nkswapd_steal 7\npgsteal_dma32 1\n`;
    const r = parseVmstat(`epoch=1795332545\n${dump(10)}===\nepoch=1795332547\n${dump(12)}===\nepoch=1795332549\nnr_free_pages 9\n`);
    expect(r.records.map((x) => x.kind)).toEqual(['counters', 'counters', 'counters']);
    expect(r.records.map((x) => (x.kind === 'counters' ? x.time : null))).toEqual([1795332545, 1795332547, 1795332549]);
    expect(r.diagnostics.byCode['snapshot-partial']).toBe(1);
    const free = vmstatSeries(r.records).find((x) => x.name === 'nr_free_pages')!;
    expect(free.v).toEqual([10, 12]);
    expect(free.unit).toBe('pages');
    expect(detectFormat('nr_free_pages 1\nnr_dirty 2\npgpgin 3\npgfault 4\n')[0].format).toBe('vmstat');
  });

  it('knows time zones it can resolve and warns about the others', () => {
    expect(zoneOffsetSeconds('UTC')).toBe(0);
    expect(zoneOffsetSeconds('PDT')).toBe(-7 * 3600);
    expect(zoneOffsetSeconds('+0530')).toBe(5.5 * 3600);
    expect(zoneOffsetSeconds('CST')).toBeNull();
    const text = sample(AT).replace('PDT', 'CST');
    const r = parseVmstat(text);
    expect(r.diagnostics.byCode['vmstat-timezone-assumed']).toBe(1);
    expect(samplesOf(r.records)[0].time).toBe(Date.UTC(2021, 8, 16, 20, 33, 13) / 1000);
  });

  const HEAD = ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n';
  const ROW = ' 0  0    524 763388 147216 819640    0    0   288   108  195 2509  4  3 93  0  0\n';
  it.each([
    ['a row with a missing column', `${HEAD}${ROW} 0  0    524 763388 147216 819640    0    0   288   108  195 2509  4  3 93  0\n`, 'vmstat-column-mismatch', 3],
    ['a row before any header', `${ROW}${HEAD}${ROW}`, 'vmstat-row-without-header', 1],
    ['garbage', `${HEAD}${ROW}hello there world\n`, 'unrecognized-line', 3],
    ['a -t row with a broken date', ` r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st UTC\n${ROW.trimEnd()} 2026-13-45 99:00:00\n${ROW.trimEnd()} 2026-11-22 07:29:04\n`, 'unrecognized-line', 2],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parseVmstat(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseVmstat('')).toThrow(MemforensicsInputError);
    expect(() => parseVmstat('just some\ntext here now\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('is detected by the registry', () => {
    for (const rel of [AT, WIDE, REPEAT, SM, D2]) expect(detectFormat(sample(rel))[0].format, rel).toBe('vmstat');
  });

  it('survives fuzzing', () => {
    fuzzParser(vmstatParser, [AT, REPEAT, SM].map(sample), 100);
  });
});
