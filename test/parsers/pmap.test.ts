import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { parsePmap, pmapParser, pmapSeries, type PmapSnapshot } from '../../src/parsers/pmap/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const MINT = 'public/pmap/procps-ng-4-pmap-x-linuxmint-2.5G-anon-sep-trailing-space.txt';
const LEAK_AFTER = 'public/pmap/rhel5-pmap-x-leak-sample-after-indented.txt';
const NGINX = 'public/pmap/rhel5-pmap-x-nginx-worker-full.txt';
const WSL = 'public/pmap/wsl-ubuntu20.04-pmap-x-4G-anon-partial-rss-indented2.txt';
const PUBLIC = [MINT, LEAK_AFTER, NGINX, WSL];

function summarize(s: PmapSnapshot) {
  const { mappings, ...rest } = s;
  return { ...rest, firstMappings: mappings.slice(0, 3), lastMapping: mappings.at(-1) };
}

describe('pmap parser', () => {
  it.each(PUBLIC)('parses the real public sample %s without data loss, footer = sum of rows', async (rel) => {
    const r = expectChunkingInvariant(pmapParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(1);
    const s = r.records[0];
    expect(s.layout).toBe('x');
    expect(s.partial).toBe(false);
    expect(s.mappingsKb).toBe(s.totalKb);
    expect(s.mappings.reduce((a, m) => a + (m.rssKb ?? 0), 0)).toBe(s.rssKb);
    expect(s.mappings.reduce((a, m) => a + (m.dirtyKb ?? 0), 0)).toBe(s.dirtyKb);
    const name = rel.split('/').at(-1)!.replace(/\.txt$/, '');
    await expect(JSON.stringify(summarize(s), null, 2)).toMatchFileSnapshot(`../golden/pmap-${name}.json`);
  });

  it('reads the values the sources document', () => {
    const mint = parsePmap(sample(MINT)).records[0];
    expect(mint).toMatchObject({ pid: 17364, command: './vm 2500', totalKb: 2562688, rssKb: 2561584, dirtyKb: 2560096, mappingCount: 24 });
    expect(mint.mappings[6]).toEqual({ address: '7fe104dff000', kbytes: 2560004, rssKb: 2560004, dirtyKb: 2560004, mode: 'rw---', mapping: '[ anon ]' });
    expect(mint.mappings.at(-1)).toMatchObject({ address: 'ffffffffff600000', mode: '--x--' });

    const nginx = parsePmap(sample(NGINX)).records[0];
    // The rewritten process title's padding is dropped; 81 mappings incl. a shared `zero (deleted)`.
    expect(nginx).toMatchObject({ pid: 5371, command: 'nginx: worker process', mappingCount: 81, totalKb: 72880, rssKb: 22940 });
    expect(nginx.mappings.find((m) => m.mode === 'rw-s-')!.mapping).toBe('zero (deleted)');

    const leak = parsePmap(sample(LEAK_AFTER)).records[0];
    // The heap [ anon ] mapping that grew 132 -> 264 KB (RSS 8 -> 208).
    expect(leak.mappings[2]).toMatchObject({ kbytes: 264, rssKb: 208, mapping: '[ anon ]' });
    expect(leak).toMatchObject({ totalKb: 12108, rssKb: 644, dirtyKb: 280 });

    const wsl = parsePmap(sample(WSL)).records[0];
    expect(wsl).toMatchObject({ pid: 4299, command: './memory-user 1000 100', totalKb: 4098500, rssKb: 1008172, anonRssKb: 1006664 });
  });

  it('turns a series of snapshots with date lines into series, reporting a cut last snapshot', () => {
    const one = sample(MINT);
    const cut = one.split('\n').slice(0, 10).join('\n');
    const text = `Sun Nov 22 07:25:51 UTC 2026\n${one}Sun Nov 22 07:25:56 UTC 2026\n${one.replace('2562688 2561584', '2562820 2561716')}Sun Nov 22 07:26:01 UTC 2026\n${cut}`;
    const r = parsePmap(text);
    expect(r.records).toHaveLength(3);
    expect(r.records.map((s) => s.partial)).toEqual([false, false, true]);
    expect(r.diagnostics.byCode['snapshot-partial']).toBe(1);
    const series = pmapSeries(r.records);
    const rss = series.find((s) => s.name === 'pmap rss')!;
    expect(rss.t).toEqual([Date.UTC(2026, 10, 22, 7, 25, 51) / 1000, Date.UTC(2026, 10, 22, 7, 25, 56) / 1000]);
    expect(rss.v).toEqual([2561584, 2561716]);
    expect(series.map((s) => s.name)).toEqual(['pmap total', 'pmap rss', 'pmap dirty', 'pmap anon rss']);
  });

  it('stamps every process of a multi-PID dump with the timestamp line before it', () => {
    const one = (pid: number, rss: number) => `${pid}:   ./x\nAddress           Kbytes     RSS   Dirty Mode  Mapping\n0000555555554000       8  ${rss}       0 r---- x\n---------------- ------- ------- -------\ntotal kB               8  ${rss}       0\n`;
    const r = parsePmap(`epoch=1795334743\n${one(1, 4)}${one(2, 8)}epoch=1795334744\n${one(1, 4)}${one(2, 8)}`);
    expect(r.records.map((s) => [s.pid, s.time, s.rssKb])).toEqual([
      [1, 1795334743, 4],
      [2, 1795334743, 8],
      [1, 1795334744, 4],
      [2, 1795334744, 8],
    ]);
    expect(r.diagnostics.total).toBe(0);
    expect(pmapSeries(r.records).filter((s) => s.name.startsWith('pmap rss')).map((s) => [s.name, s.v])).toEqual([
      ['pmap rss pid=1', [4, 4]],
      ['pmap rss pid=2', [8, 8]],
    ]);
  });

  it('reads plain `pmap` and the `pmap -d` footer (constructed from procps pmap.c output shapes)', () => {
    // Constructed: plain `pmap PID` rows carry a K suffix and a ` total` footer.
    const plain = parsePmap('4410:   ./cfgleak\n0000555555554000      8K r---- cfgleak\n00005555557a9000    132K rw---   [ anon ]\n total              140K\n');
    expect(plain.records[0]).toMatchObject({ layout: 'plain', totalKb: 140, rssKb: null, mappingCount: 2 });
    // Constructed: `pmap -d` rows (Offset, Device) and its `mapped:` footer.
    const d = parsePmap(
      '4410:   ./cfgleak\nAddress           Kbytes Mode  Offset           Device    Mapping\n' +
        '0000555555554000       8 r---- 0000000000000000 0fd:00000 cfgleak\n' +
        'mapped: 140K    writeable/private: 132K    shared: 0K\n',
    );
    expect(d.records[0]).toMatchObject({ layout: 'd', totalKb: 140 });
    expect(d.records[0].mappings[0].mapping).toBe('cfgleak');
    expect(seriousDiagnostics(d)).toEqual([]);
  });

  it.each([
    ['a row without a mode', '1:   x\n0000000000400000  4  4  0 hello\ntotal kB 4 4 0\n', 'unrecognized-line', 2],
    ['garbage in the table', '1:   x\n0000000000400000  4  4  0 r---- x\nsegfault\ntotal kB 4 4 0\n', 'unrecognized-line', 3],
    ['a total without numbers', '1:   x\n0000000000400000  4  4  0 r---- x\ntotal kB lots\n', 'unrecognized-line', 3],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parsePmap(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((x) => x.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('keeps only totals when keepMappings is false', () => {
    const s = parsePmap(sample(NGINX), { keepMappings: false }).records[0];
    expect(s.mappings).toEqual([]);
    expect(s.mappingCount).toBe(81);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parsePmap('\n\n')).toThrow(MemforensicsInputError);
    expect(() => parsePmap('hello\nworld\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(pmapParser, PUBLIC.map(sample));
  });
});
