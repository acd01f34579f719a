import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { lsanParser, parseLsan, parseSanitizerFrame, type LeakReportRecord } from '../../src/parsers/lsan/index.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { ROOT, sample } from '../helpers/samples.js';

const REAL = [
  'public/lsan-valgrind/asan-lsan-gcc13-aarch64-buildid-strdup.txt',
  'public/lsan-valgrind/lsan-gcc-libsanitizer-git-t5309-thread-race-indented.txt',
  'captures/D3_userspace/asan.txt',
];
const FIXTURE = 'synthetic-lsan-two-processes-cxx-uaf-suppressions.txt';
const fixture = (): string => readFileSync(path.join(ROOT, 'test/fixtures/lsan-valgrind', FIXTURE), 'utf8');

function summary(name: string, records: readonly LeakReportRecord[], r: ReturnType<typeof parseLsan>) {
  return {
    sample: name,
    stats: r.stats,
    diagnostics: r.diagnostics.byCode,
    records: records.map((x) =>
      x.type === 'leak'
        ? { type: x.type, pid: x.pid, kind: x.kind, bytes: x.bytes, count: x.count, lines: [x.line, x.endLine], frames: x.frames.slice(0, 4) }
        : x,
    ),
  };
}

describe('lsan parser', () => {
  it.each(REAL)('parses real sample %s without data loss', async (rel) => {
    const r = expectChunkingInvariant(lsanParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.diagnostics.byCode['leak-summary-mismatch']).toBeUndefined();
    await expect(JSON.stringify(summary(rel, r.records, r), null, 2)).toMatchFileSnapshot(`../golden/lsan-${path.basename(rel, '.txt')}.json`);
  });

  it('recovers the D3 ground truth: Direct leak of 16384 bytes in 4 objects at parse_config_entry (cfgleak.c:53)', () => {
    const r = parseLsan(sample('captures/D3_userspace/asan.txt'));
    const leaks = r.records.filter((x) => x.type === 'leak');
    expect(leaks).toHaveLength(1);
    const [l] = leaks;
    expect(l).toMatchObject({ tool: 'lsan', pid: 4642, kind: 'definite', bytes: 16384, count: 4, line: 11, endLine: 17 });
    expect(l.type === 'leak' && l.frames[1]).toEqual({ symbol: 'parse_config_entry', address: '0x560ff83183e5', location: '/opt/memlab/src/cfgleak.c:53' });
    expect(r.records[1]).toMatchObject({ type: 'summary', leaked: { bytes: 16384, count: 4 }, sanitizer: 'AddressSanitizer' });
    expect(r.stats.skippedByReason['program-output']).toBe(6);
  });

  it('reads BuildId frames and an indented report with demangled C++ frames', () => {
    const a = parseLsan(sample(REAL[0])).records[0];
    expect(a.type === 'leak' && a.frames[0]).toEqual({ symbol: '__interceptor_strdup', address: '0xffff90c817d4', module: '/lib64/libasan.so.8', offset: '+0x817d4' });
    const b = parseLsan(sample(REAL[1])).records[0];
    expect(b).toMatchObject({ pid: 3904583, bytes: 32, count: 1 });
    expect(b.type === 'leak' && b.frames[3].symbol).toBe('__sanitizer::GetThreadStackAndTls(bool, unsigned long*, unsigned long*, unsigned long*, unsigned long*)');
    expect(b.type === 'leak' && b.frames[7].location).toBe('../sysdeps/unix/sysv/linux/x86_64/clone3.S:81');
  });

  it('reads the fixture: two processes, missing blank after ERROR, other ASan report frames, suppressions, indirect leaks', async () => {
    const r = expectChunkingInvariant(lsanParser, fixture());
    expect(seriousDiagnostics(r)).toEqual([]);
    const leaks = r.records.filter((x) => x.type === 'leak');
    expect(leaks.map((x) => [x.pid, x.kind, x.bytes, x.frames.length])).toEqual([
      [1001, 'definite', 64, 4],
      [1002, 'definite', 40, 3],
      [1002, 'indirect', 24, 3],
    ]);
    expect(leaks[0].frames[0].symbol).toBe('operator new(unsigned long)');
    expect(leaks[0].frames[2].symbol).toBe('std::vector<Token, std::allocator<Token> >::emplace_back<>()');
    expect(leaks[0].frames[3]).toEqual({ symbol: '0x7f0000001234', address: '0x7f0000001234' });
    expect(r.stats.skippedByReason['other-report-frame']).toBe(3);
    expect(r.stats.skippedByReason.suppressions).toBe(3);
    await expect(JSON.stringify(summary(FIXTURE, r.records, r), null, 2)).toMatchFileSnapshot(`../golden/lsan-${path.basename(FIXTURE, '.txt')}.json`);
  });

  it('parses frame shapes', () => {
    expect(parseSanitizerFrame('#2 0x4e1f20 in Parser::parse(std::string const&, int) /src/parser.cc:42:11')).toEqual({
      index: 2, symbol: 'Parser::parse(std::string const&, int)', address: '0x4e1f20', location: '/src/parser.cc:42:11',
    });
    expect(parseSanitizerFrame('#0 0x41 in foo(int)')?.symbol).toBe('foo(int)');
    expect(parseSanitizerFrame('#x 0x41 in foo')).toBeNull();
  });

  it.each([
    ['a leak header with bad numbers', '==1==ERROR: LeakSanitizer: detected memory leaks\nDirect leak of x byte(s) in 1 object(s) allocated from:\n', 'unrecognized-line', 2],
    ['a frame outside any leak', '==1==ERROR: LeakSanitizer: detected memory leaks\n    #0 0x1 in foo a.c:1\n', 'report-orphan-frame', 2],
    ['a leak header cut before its stack', '==1==ERROR: LeakSanitizer: detected memory leaks\nDirect leak of 8 byte(s) in 1 object(s) allocated from:\n', 'leak-truncated-record', 2],
    ['a SUMMARY that disagrees with the records', 'Direct leak of 8 byte(s) in 1 object(s) allocated from:\n    #0 0x1 in malloc\n    #1 0x2 in foo a.c:1\n\nSUMMARY: AddressSanitizer: 16 byte(s) leaked in 2 allocation(s).\n', 'leak-summary-mismatch', 5],
  ])('diagnoses %s with a line number', (_name, text, code, line) => {
    const r = parseLsan(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)?.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseLsan('')).toThrow(MemforensicsInputError);
    expect(() => parseLsan('hello\nworld\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('sniffs LSan and not valgrind', () => {
    expect(lsanParser.sniff(sample(REAL[2])).score).toBeGreaterThan(0.9);
    expect(lsanParser.sniff(sample('captures/D3_userspace/valgrind.txt')).score).toBe(0);
  });

  it('survives fuzzing', () => {
    fuzzParser(lsanParser, [...REAL.map(sample), fixture()]);
  });
});
