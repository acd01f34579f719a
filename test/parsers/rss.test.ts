import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import type { TimeSeries } from '../../src/core/models.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { parseRss, rssParser, rssSeries, type RssSample } from '../../src/parsers/rss/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { SAMPLES, sample } from '../helpers/samples.js';

const CAPTURES = ['captures/D3_userspace/rss.txt', 'captures/D4_leak/rss.txt', 'captures/D4_control/rss.txt'];
/** `date` then `ps -o pid,rss,comm -p PID` every ~1 s (U1: python3 leaking 512 KiB/s). */
const U1_PS = 'captures/U1_user_series/ps-rss.txt';

/** Minimum of each 15-s window (the RSS floor of CAPTURES-README.md), keyed by window start. */
function floors(s: TimeSeries, windowS = 15): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = [];
  const t0 = s.t[0];
  for (let i = 0; i < s.t.length; i++) {
    const w = Math.floor((s.t[i] - t0) / windowS);
    if (!out[w] || s.v[i] < out[w].v) out[w] = { t: s.t[i], v: s.v[i] };
  }
  return out.filter(Boolean);
}

function slope(points: { t: number; v: number }[]): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return num / den;
}

function summarize(records: readonly RssSample[]) {
  const s = rssSeries(records)[0];
  return {
    samples: records.length,
    firstTime: s.t[0],
    lastTime: s.t.at(-1),
    minKb: Math.min(...s.v),
    maxKb: Math.max(...s.v),
    first: records.slice(0, 3),
    last: records.at(-1),
  };
}

describe('rss parser', () => {
  it.each(CAPTURES)('parses the real capture %s without data loss', async (rel) => {
    const r = expectChunkingInvariant(rssParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.stats.linesParsed).toBe(r.stats.linesRead);
    expect(r.records.every((x) => x.time !== null && !x.timeAssumed && x.pid === null)).toBe(true);
    const name = rel.split('/').slice(-2).join('-').replace(/\.txt$/, '');
    await expect(JSON.stringify(summarize(r.records), null, 2)).toMatchFileSnapshot(`../golden/rss-${name}.json`);
  });

  it('D3: 40 one-second samples of cfgleak growing about 8 KiB/s', () => {
    const r = parseRss(sample('captures/D3_userspace/rss.txt'));
    const [s] = rssSeries(r.records, 'D3/rss.txt');
    expect(s).toMatchObject({ name: 'rss', unit: 'kB', source: 'D3/rss.txt' });
    expect(s.v).toHaveLength(40);
    expect(s.t[0]).toBeCloseTo(1795332811.23, 2);
    expect(s.t[39]).toBeCloseTo(1795332850.86, 2);
    expect(s.v[0]).toBe(1548);
    // Ground truth: 4096 B leaked twice a second = 8 KiB/s (plus malloc chunk and page rounding).
    const kbPerS = slope(s.t.map((t, i) => ({ t, v: s.v[i] })));
    expect(kbPerS).toBeGreaterThan(7.5);
    expect(kbPerS).toBeLessThan(9.5);
  });

  it('D4 leak: oscillating RSS whose floor rises 49.3 MiB/min to 301,548 kB; max 540,140 kB', () => {
    const r = parseRss(sample('captures/D4_leak/rss.txt'));
    const [s] = rssSeries(r.records);
    expect(s.v).toHaveLength(356);
    expect(Math.max(...s.v)).toBe(540140);
    const f = floors(s);
    expect(f[0].v).toBe(2540);
    const last = s.t.findIndex((t) => Math.abs(t - 1795333271.1) < 0.05);
    expect(s.v[last]).toBe(301548);
    const mibPerMin = (slope(f) * 60) / 1024;
    expect(mibPerMin).toBeGreaterThan(48);
    expect(mibPerMin).toBeLessThan(50.5);
  });

  it('D4 control: same oscillation, floor 1,492 kB in every 15-s window (no leak)', () => {
    const [s] = rssSeries(parseRss(sample('captures/D4_control/rss.txt')).records);
    expect(s.v).toHaveLength(238);
    expect(Math.max(...s.v)).toBe(256468);
    const f = floors(s);
    expect(f.length).toBeGreaterThanOrEqual(15);
    expect(f.every((p) => p.v === 1492)).toBe(true);
  });

  it('U1: `date` + `ps -o pid,rss,comm` tables, python3 (PID 18521) growing 512 KiB/s', async () => {
    const r = expectChunkingInvariant(rssParser, sample(U1_PS));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.stats.skippedByReason).toEqual({ timestamp: 30, header: 30 });
    const [s] = rssSeries(r.records, U1_PS);
    expect(s.name).toBe('rss pid=18521 (python3)');
    expect(s.v).toHaveLength(30);
    expect(s.t[0]).toBe(Date.UTC(2026, 10, 22, 8, 5, 43) / 1000);
    expect([s.v[0], s.v[29]]).toEqual([14052, 30176]);
    const kbPerS = slope(s.t.map((t, i) => ({ t, v: s.v[i] })));
    expect(kbPerS).toBeGreaterThan(480);
    expect(kbPerS).toBeLessThan(545);
    await expect(JSON.stringify(summarize(r.records), null, 2)).toMatchFileSnapshot('../golden/rss-U1_user_series-ps-rss.json');
  });

  it('reads bare `ps -o rss=` values with an assumed interval', () => {
    const r = parseRss('1548\n1560\n\n1572\n', { intervalSeconds: 2 });
    expect(r.records.map((x) => [x.time, x.rssKb, x.timeAssumed])).toEqual([
      [0, 1548, true],
      [2, 1560, true],
      [4, 1572, true],
    ]);
    expect(r.diagnostics.byCode['time-assumed']).toBe(1);
    expect(rssSeries(r.records)[0].timeAssumed).toBe(true);
  });

  it('reads `date` output lines before each value, and `date` + value on one line', () => {
    const before = parseRss('Sun Nov 22 07:25:51 UTC 2026\n1548\nSun Nov 22 07:25:52 UTC 2026\n1560\n');
    expect(before.records.map((x) => [x.time, x.rssKb])).toEqual([
      [Date.UTC(2026, 10, 22, 7, 25, 51) / 1000, 1548],
      [Date.UTC(2026, 10, 22, 7, 25, 52) / 1000, 1560],
    ]);
    expect(before.stats.skippedByReason.timestamp).toBe(2);
    const inline = parseRss('Sun Nov 22 07:25:51 UTC 2026 1548\n2026-11-22T07:25:52Z 1560\n07:25:53 1572\n');
    expect(inline.records.map((x) => x.rssKb)).toEqual([1548, 1560, 1572]);
    expect(inline.records[1].time).toBe(Date.UTC(2026, 10, 22, 7, 25, 52) / 1000);
    expect(inline.records[2].time).toBe(7 * 3600 + 25 * 60 + 53); // a time of day only
  });

  it('reads `ps -o pid,rss,comm` tables (5- and 7-wide PID columns, comm with spaces) per PID', () => {
    const text = [
      '  PID   RSS COMMAND',
      ' 4410  1548 cfgleak',
      '  812 20480 Web Content',
      '===',
      '    PID   RSS COMMAND',
      '   4410  1560 cfgleak',
      '    812 20480 Web Content',
    ].join('\n');
    const r = parseRss(text, { intervalSeconds: 10 });
    expect(r.records.map((x) => [x.index, x.pid, x.rssKb, x.comm, x.time])).toEqual([
      [0, 4410, 1548, 'cfgleak', 0],
      [0, 812, 20480, 'Web Content', 0],
      [1, 4410, 1560, 'cfgleak', 10],
      [1, 812, 20480, 'Web Content', 10],
    ]);
    const series = rssSeries(r.records);
    expect(series.map((s) => s.name)).toEqual(['rss pid=4410 (cfgleak)', 'rss pid=812 (Web Content)']);
    expect(series[0].v).toEqual([1548, 1560]);
  });

  it('reads header-less `ps -o pid=,rss=,comm=` rows and `ps aux` columns', () => {
    const bare = parseRss('1795332811\n 4410  1548 cfgleak\n1795332812\n 4410  1560 cfgleak\n');
    expect(bare.records.map((x) => [x.time, x.pid, x.rssKb])).toEqual([
      [1795332811, 4410, 1548],
      [1795332812, 4410, 1560],
    ]);
    const aux = parseRss(
      'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n' +
        'root        4410  0.1  0.0  10428  1548 pts/0    S+   07:26   0:00 ./cfgleak --config a.conf\n',
    );
    expect(rssParser.sniff('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\nroot        4410  0.1  0.0  10428  1548 pts/0    S+   07:26   0:00 ./cfgleak\n').score).toBeGreaterThan(0.5);
    expect(aux.records[0]).toMatchObject({ pid: 4410, rssKb: 1548, comm: './cfgleak --config a.conf', values: { VSZ: 10428, '%MEM': 0 } });
  });

  it('decides `A B` lines: a repeated A is a PID, an increasing A is seconds since start', () => {
    expect(parseRss('4410 1548\n4410 1560\n').records.map((x) => [x.pid, x.time])).toEqual([
      [4410, null],
      [4410, null],
    ]);
    expect(parseRss('0 1548\n5 1560\n10 1572\n').records.map((x) => [x.pid, x.time])).toEqual([
      [null, 0],
      [null, 5],
      [null, 10],
    ]);
    expect(parseRss('0 1548\n5 1560\n', { firstColumn: 'pid' }).records.map((x) => x.pid)).toEqual([0, 5]);
  });

  it('converts the value unit and skips an epoch whose ps printed nothing (process gone)', () => {
    const r = parseRss('1795332811 4\n1795332812 5\n1795332813\n', { unit: 'MB' });
    expect(r.records.map((x) => x.rssKb)).toEqual([4096, 5120]);
    expect(r.stats.skippedByReason['time-without-value']).toBe(1);
  });

  it.each([
    ['garbage between values', '1795332811 1548\nps: error\n1795332813 1572\n', 'unrecognized-line', 2],
    ['a negative RSS', '1795332811 1548\n1795332812 -5\n', 'number-out-of-range', 2],
    ['an absurd RSS', '1548\n1e300\n', 'number-out-of-range', 2],
    ['time going backwards', '1795332811 1548\n1795332801 1560\n', 'time-went-backwards', 2],
  ])('diagnoses %s with its line number', (_n, text, code, line) => {
    const r = parseRss(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseRss('')).toThrow(MemforensicsInputError);
    expect(() => parseRss('hello\nworld\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(rssParser, [...CAPTURES, U1_PS].map(sample));
  });
});

describe('RSS-family detection over every sample', () => {
  const MINE = new Set(['rss', 'csv', 'pidstat', 'pmap', 'smaps-rollup']);
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => {
      const p = path.join(d, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  const files = walk(SAMPLES)
    .map((p) => path.relative(SAMPLES, p))
    .filter((p) => !p.endsWith('.md'));

  it('claims exactly the RSS-family samples, and no meminfo/vmstat/extfrag/slabtop/epochs file', () => {
    const claimed: string[] = [];
    for (const rel of files) {
      const head = sample(rel).slice(0, 65536);
      const best = detectFormat(head, { path: rel })[0];
      if (best && MINE.has(best.format)) claimed.push(`${best.format} ${rel}`);
    }
    expect(claimed.sort()).toEqual([
      'pmap public/pmap/procps-ng-4-pmap-x-linuxmint-2.5G-anon-sep-trailing-space.txt',
      'pmap public/pmap/rhel5-pmap-x-leak-sample-after-indented.txt',
      'pmap public/pmap/rhel5-pmap-x-nginx-worker-full.txt',
      'pmap public/pmap/wsl-ubuntu20.04-pmap-x-4G-anon-partial-rss-indented2.txt',
      'csv captures/E2_free_falling/free_kb.csv',
      'csv captures/E3_cache_churn_control/free_kb.csv',
      'csv captures/U1_user_series/used_kb.csv',
      'pidstat captures/U1_user_series/pidstat-r.txt',
      'rss captures/D3_userspace/rss.txt',
      'rss captures/D4_control/rss.txt',
      'rss captures/N1_noleak_control/rss.txt',
      'rss captures/N2_warmup_control/rss.txt',
      'rss captures/D4_leak/rss.txt',
      'rss captures/TA_untimed_loops/ps-rss.txt',
      'rss captures/TB_untimed_epoch_log/ps-rss.txt',
      'rss captures/U1_user_series/ps-rss.txt',
      'smaps-rollup captures/U1_user_series/smaps_rollup.txt',
    ].sort());
  });
});
