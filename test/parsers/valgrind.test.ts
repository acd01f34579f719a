import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { parseValgrind, parseValgrindFrame, valgrindParser, valgrindPrefix, type LeakReportRecord } from '../../src/parsers/valgrind/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { ROOT, sample } from '../helpers/samples.js';

const REAL = [
  'public/lsan-valgrind/valgrind-3.11-indirect-direct-loss-records-cs50.txt',
  'public/lsan-valgrind/valgrind-3.22-time-stamp-yes-leak-summary-postgres.txt',
  'captures/D3_userspace/valgrind.txt',
];
const FIXTURE = 'synthetic-valgrind-interleaved-pids-kinds.txt';
const fixture = (): string => readFileSync(path.join(ROOT, 'test/fixtures/lsan-valgrind', FIXTURE), 'utf8');

function summary(name: string, r: ReturnType<typeof parseValgrind>) {
  return {
    sample: name,
    stats: r.stats,
    diagnostics: r.diagnostics.byCode,
    records: r.records.map((x: LeakReportRecord) =>
      x.type === 'leak'
        ? { pid: x.pid, kind: x.kind, bytes: x.bytes, direct: x.directBytes, indirect: x.indirectBytes, count: x.count, lossRecord: x.lossRecord, lines: [x.line, x.endLine], frames: x.frames.slice(0, 4) }
        : x,
    ),
  };
}

describe('valgrind parser', () => {
  it.each(REAL)('parses real sample %s without data loss', async (rel) => {
    const r = expectChunkingInvariant(valgrindParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.diagnostics.byCode['leak-summary-mismatch']).toBeUndefined();
    await expect(JSON.stringify(summary(rel, r), null, 2)).toMatchFileSnapshot(`../golden/valgrind-${path.basename(rel, '.txt')}.json`);
  });

  it('recovers the D3 ground truth: 16,384 bytes in 4 blocks definitely lost at parse_config_entry, 4,096 in 16 still reachable', () => {
    const r = parseValgrind(sample('captures/D3_userspace/valgrind.txt'));
    const [leak, sum] = r.records;
    expect(leak).toMatchObject({ type: 'leak', tool: 'valgrind', pid: 4633, kind: 'definite', bytes: 16384, count: 4, lossRecord: [2, 2], line: 17, endLine: 22 });
    expect(leak.type === 'leak' && leak.frames[1]).toEqual({ symbol: 'parse_config_entry', address: '0x109264', location: 'cfgleak.c:53' });
    expect(leak.type === 'leak' && leak.frames[0].module).toBe('/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so');
    expect(sum).toMatchObject({
      type: 'summary', pid: 4633, definite: { bytes: 16384, count: 4 }, indirect: { bytes: 0, count: 0 }, reachable: { bytes: 4096, count: 16 },
      inUseAtExit: { bytes: 20480, count: 20 }, totalHeapUsage: { allocs: 37, frees: 17, bytes: 44408 },
    });
    expect(r.stats.skippedByReason['program-output']).toBe(6);
  });

  it('reads N (D direct, I indirect) records and the (in /binary) frames of the cs50 sample', () => {
    const r = parseValgrind(sample(REAL[0]));
    const leaks = r.records.filter((x) => x.type === 'leak');
    expect(leaks.map((x) => [x.kind, x.bytes, x.count])).toEqual([
      ['indirect', 64, 4],
      ['indirect', 324, 4],
      ['definite', 396, 1],
    ]);
    expect(leaks[2]).toMatchObject({ directBytes: 8, indirectBytes: 388 });
    expect(leaks[2].frames[1]).toEqual({ symbol: 'bag_new', address: '0x400896', module: '/net/class/cs50/demo/names' });
  });

  it('reads the --time-stamp=yes prefix and comma-grouped LEAK SUMMARY of the postgres sample', () => {
    const [s] = parseValgrind(sample(REAL[1])).records;
    expect(s).toMatchObject({
      type: 'summary', pid: 216336, elapsed: 14.925, definite: { bytes: 410, count: 5 }, indirect: { bytes: 3331, count: 45 },
      possible: { bytes: 102984, count: 8 }, reachable: { bytes: 47148, count: 182 }, totalHeapUsage: { allocs: 1379, frees: 353, bytes: 1325653 },
    });
    expect(valgrindPrefix('==00:00:00:14.925 216336== LEAK SUMMARY:')).toEqual({ pid: 216336, elapsed: 14.925, text: 'LEAK SUMMARY:' });
  });

  it('keeps interleaved processes apart and skips the frames of other memcheck errors', async () => {
    const r = expectChunkingInvariant(valgrindParser, fixture());
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.diagnostics.byCode['leak-summary-mismatch']).toBeUndefined();
    const leaks = r.records.filter((x) => x.type === 'leak');
    expect(leaks.map((x) => [x.pid, x.kind, x.bytes, x.frames.map((f) => f.symbol)])).toEqual([
      [100, 'definite', 2245253, ['malloc', 'build_tree', 'main']],
      [200, 'possible', 1048576, ['operator new(unsigned long)', 'Cache::grow(unsigned long)', '0x401400']],
      [200, 'reachable', 4096, ['malloc', 'log_ring_push']],
    ]);
    expect(leaks[0]).toMatchObject({ directBytes: 1000, indirectBytes: 2244253 });
    expect(r.stats.skippedByReason['error-frame']).toBe(3);
    const sums = r.records.filter((x) => x.type === 'summary');
    expect(sums.map((s) => s.pid)).toEqual([100, 200, 300]);
    expect(sums[2]).toMatchObject({ definite: { bytes: 0, count: 0 }, totalHeapUsage: { allocs: 5, frees: 5, bytes: 1024 } });
    await expect(JSON.stringify(summary(FIXTURE, r), null, 2)).toMatchFileSnapshot(`../golden/valgrind-${path.basename(FIXTURE, '.txt')}.json`);
  });

  it('parses frame shapes', () => {
    expect(parseValgrindFrame('by 0x40123A: Cache::grow(unsigned long) (cache.cc:88)')).toEqual({ symbol: 'Cache::grow(unsigned long)', address: '0x40123A', location: 'cache.cc:88' });
    expect(parseValgrindFrame('by 0x401400: ??? (in /usr/lib/libfoo.so.1)')).toEqual({ symbol: '0x401400', address: '0x401400', module: '/usr/lib/libfoo.so.1' });
    expect(parseValgrindFrame('Invalid read of size 4')).toBeNull();
  });

  it.each([
    ['a loss record with bad numbers', '==1== HEAP SUMMARY:\n==1== x bytes in 1 blocks are definitely lost in loss record 1 of 1\n', 'unrecognized-line', 2],
    ['a frame outside any loss record', '==1== HEAP SUMMARY:\n==1==    at 0x1: foo (a.c:1)\n', 'report-orphan-frame', 2],
    ['a loss record cut before its stack', '==1== HEAP SUMMARY:\n==1== 8 bytes in 1 blocks are definitely lost in loss record 1 of 1\n', 'leak-truncated-record', 2],
    ['a LEAK SUMMARY line with bad numbers', '==1== LEAK SUMMARY:\n==1==    definitely lost: x bytes in 1 blocks\n', 'unrecognized-line', 2],
    [
      'a LEAK SUMMARY that disagrees with the loss records',
      '==1== 8 bytes in 1 blocks are definitely lost in loss record 1 of 1\n==1==    at 0x1: malloc (x.c:1)\n==1== \n==1== LEAK SUMMARY:\n==1==    definitely lost: 16 bytes in 2 blocks\n==1== ERROR SUMMARY: 1 errors from 1 contexts\n',
      'leak-summary-mismatch',
      4,
    ],
  ])('diagnoses %s with a line number', (_name, text, code, line) => {
    const r = parseValgrind(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)?.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseValgrind('')).toThrow(MemforensicsInputError);
    expect(() => parseValgrind('hello\nworld\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('sniffs valgrind and not LSan', () => {
    expect(valgrindParser.sniff(sample(REAL[2])).score).toBeGreaterThan(0.9);
    expect(valgrindParser.sniff(sample('captures/D3_userspace/asan.txt')).score).toBe(0);
  });

  it('survives fuzzing', () => {
    fuzzParser(valgrindParser, [...REAL.map(sample), fixture()]);
  });
});
