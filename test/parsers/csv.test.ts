import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectLeakTrend } from '../../src/analysis/trend/detectLeakTrend.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { csvParser, csvSeries, parseCsv, type CsvHeaderRecord, type CsvRowRecord } from '../../src/parsers/csv/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

/*
 * Real data as CSV: the D3/D4 RSS captures (`epoch_s.ms rss_kB`, samples/captures) rewritten
 * with a header and commas, so the expected values come from the ground truth. The other inputs
 * are CONSTRUCTED to cover the header variants (ms epochs, ISO 8601, units in names, no time
 * column, quotes, `;` with decimal commas).
 */
function asCsv(rel: string, header: string): string {
  return `${header}\n${sample(rel).trim().split('\n').map((l) => l.trim().split(/\s+/).join(',')).join('\n')}\n`;
}
const D4_LEAK = asCsv('captures/D4_leak/rss.txt', 'timestamp,used_kb');
const D4_CONTROL = asCsv('captures/D4_control/rss.txt', 'timestamp,used_kb');
const D3_MS = `time_ms,rss(MB)\n${sample('captures/D3_userspace/rss.txt')
  .trim()
  .split('\n')
  .map((l) => {
    const [t, v] = l.split(' ');
    return `${Math.round(Number(t) * 1000)},${(Number(v) / 1024).toFixed(4)}`;
  })
  .join('\n')}\n`;

/** Real CSV: `timestamp,used_kb` of a busy machine (U1; noisy, not a clean leak signal). */
const U1 = 'captures/U1_user_series/used_kb.csv';

const rowsOf = (records: readonly (CsvHeaderRecord | CsvRowRecord)[]) => records.filter((r): r is CsvRowRecord => r.kind === 'row');
const headerOf = (records: readonly (CsvHeaderRecord | CsvRowRecord)[]) => records.find((r): r is CsvHeaderRecord => r.kind === 'header')!;

describe('csv parser', () => {
  it.each([
    ['D4 leak', D4_LEAK],
    ['D4 control', D4_CONTROL],
    ['D3 in ms and MB', D3_MS],
  ])('parses %s (real values) without data loss and detects it as csv', (_n, text) => {
    const r = expectChunkingInvariant(csvParser, text);
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(detectFormat(text.slice(0, 4096), { path: 'x.csv' })[0].format).toBe('csv');
    expect(detectFormat(text.slice(0, 4096))[0].format).toBe('csv');
  });

  it('parses the real U1 used_kb.csv: 30 rows stamped like the smaps_rollup epochs', async () => {
    const r = expectChunkingInvariant(csvParser, sample(U1));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(detectFormat(sample(U1), { path: U1 })[0].format).toBe('csv');
    const [s] = csvSeries(r.records, U1);
    expect(s).toMatchObject({ name: 'used_kb', unit: 'kB', source: U1 });
    expect(s.v).toHaveLength(30);
    expect([s.t[0], s.v[0], s.t[29], s.v[29]]).toEqual([1795334743.838, 1033664, 1795334775.158, 1532716]);
    const summary = { header: headerOf(r.records), rows: rowsOf(r.records).length, first: rowsOf(r.records).slice(0, 2), last: rowsOf(r.records).at(-1) };
    await expect(JSON.stringify(summary, null, 2)).toMatchFileSnapshot('../golden/csv-U1_user_series-used_kb.json');
  });

  it('a `timestamp,used_kb` CSV is enough for the trend engine: D4 leak is a leak, the control is not', async () => {
    const leak = parseCsv(D4_LEAK);
    expect(headerOf(leak.records)).toMatchObject({
      timeColumn: 'timestamp',
      timeFormat: 'epoch-s',
      columns: [
        { name: 'timestamp', role: 'time' },
        { name: 'used_kb', role: 'value', unit: 'kB' },
      ],
    });
    const [used] = csvSeries(leak.records, 'D4_leak.csv');
    expect(used).toMatchObject({ name: 'used_kb', unit: 'kB', source: 'D4_leak.csv' });
    expect(used.v).toHaveLength(356);
    expect(used.t[0]).toBe(1795332914.439);
    expect(Math.max(...used.v)).toBe(540140);
    expect(detectLeakTrend(used).verdict).toBe('leak');
    const [control] = csvSeries(parseCsv(D4_CONTROL).records);
    expect(control.v).toHaveLength(238);
    expect(detectLeakTrend(control).verdict).not.toBe('leak');
    await expect(
      JSON.stringify({ header: headerOf(leak.records), rows: leak.stats.records - 1, first: rowsOf(leak.records).slice(0, 2) }, null, 2),
    ).toMatchFileSnapshot('../golden/csv-D4_leak-as-csv.json');
  });

  it('reads millisecond epochs and a unit in parentheses (D3 as ms/MB)', () => {
    const r = parseCsv(D3_MS);
    expect(headerOf(r.records)).toMatchObject({ timeFormat: 'epoch-ms', columns: [{ role: 'time' }, { name: 'rss(MB)', unit: 'MB' }] });
    const [s] = csvSeries(r.records);
    expect(s.t[0]).toBeCloseTo(1795332811.232, 3);
    expect(s.v[0] * 1024).toBeCloseTo(1548, 1);
    expect(s.v).toHaveLength(40);
  });

  it('reads ISO 8601 times, `;` with decimal commas, quotes and label columns', () => {
    const text = 'time;"rss [MiB]";proc\n2026-11-22T07:25:51Z;1,5;"web, main"\n2026-11-22T07:25:52+01:00;2;db\n';
    const r = parseCsv(text);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(rowsOf(r.records).map((x) => [x.time, x.values['rss [MiB]'], x.labels?.proc])).toEqual([
      [Date.UTC(2026, 10, 22, 7, 25, 51) / 1000, 1.5, 'web, main'],
      [Date.UTC(2026, 10, 22, 6, 25, 52) / 1000, 2, 'db'],
    ]);
    expect(csvSeries(r.records).map((s) => [s.name, s.unit])).toEqual([
      ['rss [MiB] [proc=web, main]', 'MB'],
      ['rss [MiB] [proc=db]', 'MB'],
    ]);
  });

  it('without a time column indexes rows by the interval and says so', () => {
    const r = parseCsv('mem_bytes,swap_bytes\n100,0\n200,0\n300,1\n', { intervalSeconds: 60 });
    expect(r.diagnostics.byCode['csv-no-time-column']).toBe(1);
    expect(r.diagnostics.byCode['time-assumed']).toBe(1);
    const [mem] = csvSeries(r.records);
    expect(mem).toMatchObject({ name: 'mem_bytes', unit: 'B', t: [0, 60, 120], v: [100, 200, 300], timeAssumed: true });
  });

  it('reads a header-less file, a commented header, relative seconds, and the unit option', () => {
    const bare = parseCsv('1795332811,100,5\n1795332812,110,5\n', { unit: 'kB' });
    expect(headerOf(bare.records)).toMatchObject({ hasHeaderRow: false, timeColumn: 'col1', timeFormat: 'epoch-s' });
    expect(csvSeries(bare.records).map((s) => [s.name, s.unit, s.v])).toEqual([
      ['col2', 'kB', [100, 110]],
      ['col3', 'kB', [5, 5]],
    ]);
    const commented = parseCsv('# sampler v2\n# elapsed_s,used_kb\n0,5\n10,6\n');
    expect(csvSeries(commented.records)[0]).toMatchObject({ name: 'used_kb', unit: 'kB', t: [0, 10], v: [5, 6] });
    expect(commented.stats.skippedByReason).toEqual({ comment: 1, header: 1 });
  });

  it('keeps a quoted cell that spans lines as one row and skips repeated headers', () => {
    const r = parseCsv('ts,used_kb,note\n1795332811,100,"two\nlines"\nts,used_kb,note\n1795332812,110,x\n');
    expect(rowsOf(r.records).map((x) => [x.line, x.values.used_kb, x.labels?.note])).toEqual([
      [2, 100, 'two\nlines'],
      [5, 110, 'x'],
    ]);
    expect(r.stats.skippedByReason['repeated-header']).toBe(1);
    expectLinesAccounted(r);
  });

  it.each([
    ['a non-numeric value', 'ts,used_kb\n1795332811,100\n1795332812,lots\n', 'csv-bad-value', 3],
    ['a bad time', 'ts,used_kb\n1795332811,100\nyesterday,110\n', 'csv-bad-value', 3],
    ['a short row', 'ts,used_kb,free_kb\n1795332811,100,5\n1795332812,110\n', 'csv-column-mismatch', 3],
    ['an unterminated quote at the end', 'ts,used_kb\n1795332811,100\n1795332812,"110\n', 'truncated-input', 3],
    ['a 20 KiB row', `ts,used_kb\n1795332811,100\n1795332812,${'9'.repeat(20000)}\n`, 'csv-bad-row', 3],
    ['a row of 2000 cells', `ts,used_kb\n1795332811,100\n${'1,'.repeat(2000)}\n`, 'csv-bad-row', 3],
    ['a quote in an unquoted cell', 'ts,used_kb\n1795332811,100\n1795332812,1"1"0\n1795332813,120\n', 'csv-bad-value', 3],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parseCsv(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseCsv('')).toThrow(MemforensicsInputError);
    expect(() => parseCsv('# only a comment\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it("uses fast-csv's row parser without any Node built-in in its import graph (browser-safe core)", () => {
    const require = createRequire(import.meta.url);
    const seen = new Set<string>();
    const builtins: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
        if (!m[1].startsWith('.')) builtins.push(`${path.basename(file)} -> ${m[1]}`);
        else visit(require.resolve(path.resolve(path.dirname(file), m[1])));
      }
    };
    visit(require.resolve('@fast-csv/parse/build/src/parser/Parser.js'));
    visit(require.resolve('@fast-csv/parse/build/src/ParserOptions.js'));
    expect(seen.size).toBeGreaterThan(5);
    expect(builtins).toEqual([]);
    // The package entry, by contrast, needs node:fs and node:stream: never import it from src/.
    expect(readFileSync(require.resolve('@fast-csv/parse'), 'utf8')).toContain('require("fs")');
  });

  it('survives fuzzing', () => {
    fuzzParser(csvParser, [sample(U1), D4_LEAK.slice(0, 3000), D3_MS, 'time;"rss [MiB]";proc\n2026-11-22T07:25:51Z;1,5;"web, main"\n']);
  });
});
