import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { parseSmapsRollup, smapsRollupParser, smapsRollupSeries } from '../../src/parsers/smaps-rollup/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

/** Real capture: `epoch <s.ms>`, smaps_rollup, `===`, every ~1 s; python3 leaking 512 KiB/s (U1 README). */
const U1 = 'captures/U1_user_series/smaps_rollup.txt';

/*
 * No public smaps_rollup capture is in samples/, so these dumps are CONSTRUCTED from
 * fs/proc/task_mmu.c: show_smaps_rollup() prints the VMA header prefix padded to the name column
 * and `[rollup]`, then __show_smap() prints each `Label:` padded to 16 characters followed by an
 * 8-wide value and ` kB` (Private_Hugetlb uses width 7); Pss_Anon/Pss_File/Pss_Shmem only in
 * rollup mode (5.7+), Pss_Dirty from 6.0, KSM from 6.7. `FilePmdMapped:` is printed one column
 * short. The values are illustrative.
 */
function dump(rss: number, anon: number, modern: boolean): string {
  const l = (k: string, v: number, w = 8) => `${`${k}:`.padEnd(16)}${String(v).padStart(w)} kB`;
  return [
    '55d09aa59000-7ffe9f37e000 ---p 00000000 00:00 0                          [rollup]',
    l('Rss', rss),
    l('Pss', rss - 900),
    ...(modern ? [l('Pss_Dirty', anon), l('Pss_Anon', anon), l('Pss_File', rss - 900 - anon), l('Pss_Shmem', 0)] : []),
    l('Shared_Clean', rss - anon - 40),
    l('Shared_Dirty', 0),
    l('Private_Clean', 40),
    l('Private_Dirty', anon),
    l('Referenced', rss),
    l('Anonymous', anon),
    ...(modern ? [l('KSM', 0)] : []),
    l('LazyFree', 0),
    l('AnonHugePages', 0),
    l('ShmemPmdMapped', 0),
    `FilePmdMapped:${String(0).padStart(9)} kB`,
    l('Shared_Hugetlb', 0),
    `Private_Hugetlb:${String(0).padStart(7)} kB`,
    l('Swap', 0),
    l('SwapPss', 0),
    l('Locked', 0),
  ].join('\n');
}

/** A 6.8 series, `date` before each dump, Anonymous growing 8 kB a second. */
const SERIES = [0, 1, 2].map((i) => `Sun Nov 22 07:25:5${i} UTC 2026\n${dump(2048 + 8 * i, 880 + 8 * i, true)}\n`).join('');
/** A 4.14 dump (no Pss_Anon...), twice without any separator. */
const OLD = `${dump(3000, 1000, false)}\n${dump(3004, 1004, false)}\n`;

describe('smaps_rollup parser', () => {
  it('parses the real U1 capture: 30 dumps, Anonymous and Rss growing ~512 KiB/s, file pages flat', async () => {
    const r = expectChunkingInvariant(smapsRollupParser, sample(U1));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(30);
    expect(r.stats.skippedByReason).toEqual({ timestamp: 30, separator: 30 });
    expect(r.records[0]).toMatchObject({ time: 1795334743.838, range: '55dc0d404000-7ffd54658000', pid: null, partial: false });
    expect(r.records[0].kb).toMatchObject({ Rss: 14052, Pss_Anon: 7380, Pss_File: 4676, Anonymous: 7380, FilePmdMapped: 0 });
    const series = smapsRollupSeries(r.records, U1);
    const get = (n: string) => series.find((s) => s.name === n)!;
    const rate = (n: string) => {
      const s = get(n);
      return (s.v[29] - s.v[0]) / (s.t[29] - s.t[0]);
    };
    expect(rate('Anonymous')).toBeGreaterThan(490);
    expect(rate('Anonymous')).toBeLessThan(540);
    expect(rate('Rss')).toBeGreaterThan(490);
    expect(Math.abs(rate('Pss_File'))).toBeLessThan(5);
    const summary = { dumps: r.records.length, fields: Object.keys(r.records[0].kb), first: r.records[0], last: r.records[29] };
    await expect(JSON.stringify(summary, null, 2)).toMatchFileSnapshot('../golden/smaps-rollup-U1_user_series-smaps_rollup.json');
  });

  it.each([
    ['6.x series with date lines', SERIES],
    ['4.14 dumps back to back', OLD],
  ])('parses %s without data loss and is detected as smaps-rollup', (_n, text) => {
    const r = expectChunkingInvariant(smapsRollupParser, text);
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(detectFormat(text)[0].format).toBe('smaps-rollup');
  });

  it('reads every field including the short FilePmdMapped label and the 5.7+ Pss_* fields', () => {
    const r = parseSmapsRollup(SERIES);
    expect(r.records).toHaveLength(3);
    const s = r.records[0];
    expect(s.range).toBe('55d09aa59000-7ffe9f37e000');
    expect(s.time).toBe(Date.UTC(2026, 10, 22, 7, 25, 50) / 1000);
    expect(Object.keys(s.kb)).toHaveLength(22);
    expect(s.kb).toMatchObject({ Rss: 2048, Pss_Anon: 880, FilePmdMapped: 0, Private_Hugetlb: 0, KSM: 0 });
    const anon = smapsRollupSeries(r.records).find((x) => x.name === 'Anonymous')!;
    expect(anon).toMatchObject({ unit: 'kB', v: [880, 888, 896] });
    expect(anon.t[2] - anon.t[0]).toBe(2);
  });

  it('splits undelimited dumps and reads `grep -H` prefixes as PIDs', () => {
    const r = parseSmapsRollup(OLD, { intervalSeconds: 5 });
    expect(r.records.map((s) => [s.time, s.kb.Rss, s.kb.Pss_Anon])).toEqual([
      [0, 3000, undefined],
      [5, 3004, undefined],
    ]);
    const grep = parseSmapsRollup('/proc/4410/smaps_rollup:Rss:  100 kB\n/proc/4410/smaps_rollup:Pss:  90 kB\n/proc/812/smaps_rollup:Rss:  500 kB\n/proc/812/smaps_rollup:Pss:  400 kB\n');
    expect(grep.records.map((s) => [s.pid, s.kb.Rss])).toEqual([
      [4410, 100],
      [812, 500],
    ]);
    expect(smapsRollupSeries(grep.records).map((x) => x.name)).toEqual(['Rss pid=4410', 'Pss pid=4410', 'Rss pid=812', 'Pss pid=812']);
    // One `date` line stamps every process dumped after it.
    const stamped = parseSmapsRollup(`epoch 1795334743\n/proc/4410/smaps_rollup:Rss:  100 kB\n/proc/812/smaps_rollup:Rss:  500 kB\nepoch 1795334744\n/proc/4410/smaps_rollup:Rss:  104 kB\n/proc/812/smaps_rollup:Rss:  500 kB\n`);
    expect(stamped.records.map((s) => [s.pid, s.time])).toEqual([
      [4410, 1795334743],
      [812, 1795334743],
      [4410, 1795334744],
      [812, 1795334744],
    ]);
    expect(stamped.diagnostics.total).toBe(0);
  });

  it('reports a dump cut short and leaves it out of the series', () => {
    const text = `${SERIES}Sun Nov 22 07:25:53 UTC 2026\n${dump(2080, 912, true).split('\n').slice(0, 5).join('\n')}\n`;
    const r = parseSmapsRollup(text);
    expect(r.records.map((s) => s.partial)).toEqual([false, false, false, true]);
    expect(r.diagnostics.items.find((d) => d.code === 'snapshot-partial')!.line).toBe(74);
    expect(smapsRollupSeries(r.records).find((x) => x.name === 'Rss')!.v).toEqual([2048, 2056, 2064]);
  });

  it.each([
    ['garbage between fields', 'Rss:  1 kB\nhello there\nPss:  1 kB\n', 'unrecognized-line', 2],
    ['a unit it does not know', 'Rss:  1 kB\nPss:  1 MB\nSwap:  0 kB\n', 'unrecognized-line', 2],
    ['an absurd number', 'Rss:  1 kB\nPss:  99999999999999999999 kB\nSwap:  0 kB\n', 'unrecognized-line', 2],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parseSmapsRollup(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items[0].line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseSmapsRollup('')).toThrow(MemforensicsInputError);
    expect(() => parseSmapsRollup('hello\nworld\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(smapsRollupParser, [sample(U1), SERIES, OLD]);
  });
});
