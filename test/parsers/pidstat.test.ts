import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { parsePidstat, pidstatParser, pidstatSeries } from '../../src/parsers/pidstat/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

/** Real capture: `pidstat -r -p 18521 1 30`, sysstat 12.6.1, python3 leaking 512 KiB/s (U1 README). */
const U1 = 'captures/U1_user_series/pidstat-r.txt';

function lsSlope(t: readonly number[], v: readonly number[]): number {
  const n = t.length;
  const mt = t.reduce((a, b) => a + b, 0) / n;
  const mv = v.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (t[i] - mt) * (v[i] - mv);
    den += (t[i] - mt) ** 2;
  }
  return num / den;
}

/*
 * No public pidstat capture is in samples/, so these inputs are CONSTRUCTED from sysstat's
 * pidstat.c format strings (banner `%s %s (%s) \t%s \t_%s_\t(%d CPU)`, `%-11s` time column,
 * ` %5d`/` %9d` ids, `%9.2f` fault rates, `%7lu` VSZ/RSS, `%6.2f` %MEM, `  %s` command, the
 * `#      Time` header of -h and `|__` thread prefixes of -t), for the layouts sysstat printed
 * across versions. The numbers are illustrative, not measured.
 */

/** sysstat 11/12, en_US locale: 12-hour clock, UID column, Average block, midnight crossed. */
const V12_AMPM = [
  'Linux 5.15.0-91-generic (build-01) \t01/15/2024 \t_x86_64_\t(4 CPU)',
  '',
  '11:59:58 PM   UID       PID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command',
  '11:59:59 PM  1000      4410     12.00      0.00   10428    1548   0.02  cfgleak',
  '',
  '11:59:59 PM   UID       PID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command',
  '12:00:00 AM  1000      4410     12.00      0.00   10428    1560   0.02  cfgleak',
  '',
  '12:00:00 AM   UID       PID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command',
  '12:00:01 AM  1000      4410     13.00      0.00   10428    1572   0.02  cfgleak',
  '',
  'Average:      UID       PID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command',
  'Average:     1000      4410     12.33      0.00   10428    1560   0.02  cfgleak',
  '',
].join('\n');

/** sysstat 9.0 (RHEL 6), LC_TIME=C: 24-hour clock, no UID column. */
const V9_24H = [
  'Linux 2.6.32-431.el6.x86_64 (db1) \t03/02/2014 \t_x86_64_\t(8 CPU)',
  '',
  '14:02:11          PID  minflt/s  majflt/s     VSZ    RSS   %MEM  Command',
  '14:02:12         2871      0.00      0.00 1046600 512340   6.27  mysqld',
  '14:02:12         3012      1.00      0.00  215636  20224   0.25  httpd',
  '',
  '14:02:12          PID  minflt/s  majflt/s     VSZ    RSS   %MEM  Command',
  '14:02:13         2871      0.00      0.00 1046600 512468   6.27  mysqld',
  '14:02:13         3012      0.00      0.00  215636  20224   0.25  httpd',
  '',
].join('\n');

/** sysstat 11+ `pidstat -h -u -r -l`: one header, epoch time, CPU columns too, command line with spaces. */
const V11_H = [
  'Linux 4.15.0-20-generic (web) \t06/10/2021 \t_x86_64_\t(2 CPU)',
  '',
  '#      Time   UID       PID    %usr %system  %guest   %wait    %CPU   CPU  minflt/s  majflt/s     VSZ     RSS   %MEM  Command',
  ' 1623320102  1000      2345    1.00    0.00    0.00    0.00    1.00     0      5.00      0.00  215636   20224   0.25  python3 app.py --port 80',
  ' 1623320103  1000      2345    0.00    0.00    0.00    0.00    0.00     1      7.00      0.00  215636   20480   0.25  python3 app.py --port 80',
  '',
].join('\n');

/** `pidstat -r -t -U` with ISO dates (S_TIME_FORMAT=ISO) and an interleaved `-u` report. */
const THREADS = [
  'Linux 6.1.0-18-amd64 (box) \t2024-03-01 \t_x86_64_\t(2 CPU)',
  '',
  '10:00:01     USER      TGID       TID    %usr %system  %guest   %wait    %CPU   CPU  Command',
  '10:00:02     alice     2345         -    1.00    0.00    0.00    0.00    1.00     0  python3',
  '',
  '10:00:01     USER      TGID       TID  minflt/s  majflt/s     VSZ     RSS   %MEM  Command',
  '10:00:02     alice     2345         -      5.00      0.00  215636   20224   0.25  python3',
  '10:00:02     alice        -      2345      5.00      0.00  215636   20224   0.25  |__python3',
  '10:00:02     alice        -      2350      0.00      0.00  215636   20224   0.25  |__python3',
  '',
].join('\n');

describe('pidstat parser', () => {
  it('parses the real U1 capture: RSS 14,468 -> 29,572 kB in 29 s (~512 KiB/s), Average row marked', async () => {
    const r = expectChunkingInvariant(pidstatParser, sample(U1));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(31);
    // Banner date `11/22/26` (MM/DD/YY) + 24-hour times.
    expect(r.records[0]).toMatchObject({ time: Date.UTC(2026, 10, 22, 8, 5, 44) / 1000, pid: 18521, uid: 0, command: 'python3', rssKb: 14468, vszKb: 17604 });
    expect(r.records.at(-1)).toMatchObject({ average: true, time: null, rssKb: 22033 });
    const [rss] = pidstatSeries(r.records, U1);
    expect(rss.v).toHaveLength(30);
    expect([rss.v[0], rss.v[29], rss.t[29] - rss.t[0]]).toEqual([14468, 29572, 29]);
    const kbPerS = lsSlope(rss.t, rss.v);
    expect(kbPerS).toBeGreaterThan(500);
    expect(kbPerS).toBeLessThan(540);
    const summary = { samples: r.records.length, counters: r.stats.counters, first: r.records.slice(0, 2), last: r.records.slice(-2) };
    await expect(JSON.stringify(summary, null, 2)).toMatchFileSnapshot('../golden/pidstat-U1_user_series-pidstat-r.json');
  });

  it.each([
    ['sysstat 12 AM/PM', V12_AMPM],
    ['sysstat 9 24h', V9_24H],
    ['sysstat 11 -h', V11_H],
    ['-t -U ISO', THREADS],
  ])('parses %s without data loss and is detected as pidstat', (_n, text) => {
    const r = expectChunkingInvariant(pidstatParser, text);
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(detectFormat(text)[0].format).toBe('pidstat');
  });

  it('reads 12-hour times against the banner date, across midnight, with the Average row marked', () => {
    const r = parsePidstat(V12_AMPM);
    const day = Date.UTC(2024, 0, 15) / 1000;
    expect(r.records.map((s) => [s.time, s.rssKb, s.average])).toEqual([
      [day + 86399, 1548, false],
      [day + 86400, 1560, false],
      [day + 86401, 1572, false],
      [null, 1560, true],
    ]);
    expect(r.records[0]).toMatchObject({ pid: 4410, uid: 1000, command: 'cfgleak', vszKb: 10428, memPercent: 0.02, minfltPerSec: 12 });
    const [rss, vsz] = pidstatSeries(r.records);
    expect(rss).toMatchObject({ name: 'rss pid=4410 (cfgleak)', unit: 'kB', v: [1548, 1560, 1572] });
    expect(vsz.v).toEqual([10428, 10428, 10428]);
  });

  it('reads the no-UID layout with several processes per report', () => {
    const r = parsePidstat(V9_24H);
    expect(r.records.map((s) => [s.index, s.pid, s.uid, s.rssKb])).toEqual([
      [0, 2871, null, 512340],
      [0, 3012, null, 20224],
      [1, 2871, null, 512468],
      [1, 3012, null, 20224],
    ]);
    expect(r.records[0].time).toBe(Date.UTC(2014, 2, 2, 14, 2, 12) / 1000);
    expect(pidstatSeries(r.records).filter((s) => s.name.startsWith('rss')).map((s) => s.name)).toEqual([
      'rss pid=2871 (mysqld)',
      'rss pid=3012 (httpd)',
    ]);
  });

  it('reads -h rows: epoch time, memory columns among CPU columns, command with spaces', () => {
    const r = parsePidstat(V11_H);
    expect(r.records.map((s) => [s.time, s.rssKb, s.command])).toEqual([
      [1623320102, 20224, 'python3 app.py --port 80'],
      [1623320103, 20480, 'python3 app.py --port 80'],
    ]);
  });

  it('reads -t -U rows (TGID/TID with `-`), skipping the interleaved CPU report', () => {
    const r = parsePidstat(THREADS);
    expect(r.records.map((s) => [s.pid, s.tid, s.user, s.command])).toEqual([
      [2345, null, 'alice', 'python3'],
      [null, 2345, 'alice', '|__python3'],
      [null, 2350, 'alice', '|__python3'],
    ]);
    expect(r.records[0].time).toBe(Date.UTC(2024, 2, 1, 10, 0, 2) / 1000);
    expect(r.stats.skippedByReason['other-report']).toBe(1);
  });

  it.each([
    ['a row before any header', `10:00:02  1000  4410  1.00  0.00  10428  1548  0.02  x\n${V9_24H}`, 'unrecognized-line', 1],
    ['a short row', `${V9_24H}14:02:14         2871      0.00\n`, 'unrecognized-line', 10],
    ['RSS not a number', `${V9_24H}14:02:14         2871      0.00      0.00 1046600 lots   6.27  mysqld\n`, 'number-out-of-range', 10],
    ['a bad time', `${V9_24H}25:99:14         2871      0.00      0.00 1046600 512468   6.27  mysqld\n`, 'unrecognized-line', 10],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parsePidstat(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parsePidstat('')).toThrow(MemforensicsInputError);
    expect(() => parsePidstat('hello\nworld\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(pidstatParser, [sample(U1), V12_AMPM, V9_24H, V11_H, THREADS]);
  });
});
