import { describe, expect, it } from 'vitest';
import { bccMemleakParser, parseBccMemleak, parseMemleakFrame, type MemleakReport } from '../../src/parsers/bcc-memleak/index.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const PUBLIC = [
  'public/bcc-memleak/bcc-example-kernel-allocators-2016.txt',
  'public/bcc-memleak/bcc-example-show-allocs-a.txt',
  'public/bcc-memleak/container-warning-unknown-frames.txt',
  'public/bcc-memleak/fedora39-aarch64-postgres-uprobes-frame.txt',
  'public/bcc-memleak/rhel8-memleak-a-interleaved-unknown-tabs.txt',
];
const CAPTURES = ['captures/D3_userspace/memleak.txt', 'captures/D3_userspace/memleak_a.txt'];

function summary(records: readonly MemleakReport[]) {
  return {
    reports: records.length,
    clocks: records.map((r) => r.clock),
    mode: records[0]?.mode,
    pid: records[0]?.pid,
    stacksPerReport: records.map((r) => r.stacks.length),
    allocationLinesPerReport: records.map((r) => r.allocations.length),
    bytesPerReport: records.map((r) => r.stacks.map((s) => s.bytes)),
    firstStack: records.find((r) => r.stacks.length > 0)?.stacks[0],
  };
}

describe('bcc memleak parser', () => {
  it.each([...PUBLIC, ...CAPTURES])('parses real sample %s without data loss (golden)', async (rel) => {
    const r = expectChunkingInvariant(bccMemleakParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records.length).toBeGreaterThan(0);
    const name = (rel.startsWith('captures/') ? rel.split('/').slice(-2).join('-') : rel.split('/').pop()!).replace(/\.txt$/, '');
    await expect(JSON.stringify(summary(r.records), null, 2)).toMatchFileSnapshot(`../golden/bcc-memleak-${name}.json`);
  });

  it('recovers the D3 ground truth: 7/15/23 x 4096 B from parse_config_entry, 11 x 256 B from log_ring_push', () => {
    for (const rel of CAPTURES) {
      const r = parseBccMemleak(sample(rel));
      expect(r.records).toHaveLength(3);
      expect(r.records.every((x) => x.pid === 4410 && x.mode === 'user' && x.topN === 10)).toBe(true);
      const pce = r.records.map((x) => x.stacks.find((s) => s.frames[0].symbol === 'parse_config_entry')!);
      expect(pce.map((s) => s.allocations)).toEqual([7, 15, 23]);
      expect(pce.map((s) => s.bytes)).toEqual([28672, 61440, 94208]);
      expect(pce[0].frames[0]).toEqual({ symbol: 'parse_config_entry', offset: '+0x19', module: 'cfgleak', address: '0x000055738f5a2265' });
      expect(pce[0].frames.map((f) => f.symbol)).toEqual(['parse_config_entry', 'reload_config', 'run_event_loop', 'main', '__libc_start_call_main']);
      const ring = r.records.map((x) => x.stacks.find((s) => s.frames[0].symbol === 'log_ring_push')!);
      expect(ring.map((s) => [s.allocations, s.bytes])).toEqual([[11, 2816], [11, 2816], [11, 2816]]);
    }
    const plain = parseBccMemleak(sample('captures/D3_userspace/memleak.txt'));
    expect(plain.records.map((x) => x.clock)).toEqual(['07:33:52', '07:33:56', '07:34:00']);
    const a = parseBccMemleak(sample('captures/D3_userspace/memleak_a.txt'));
    // -a: one line per outstanding allocation (11 ring entries + 7/15/23 leaks).
    expect(a.records.map((x) => x.allocations.length)).toEqual([18, 26, 34]);
    expect(a.records[0].allocations.filter((x) => x.size === 4096)).toHaveLength(7);
  });

  it('reads the 2016 kernel-mode layout without report header', () => {
    const r = parseBccMemleak(sample(PUBLIC[0]));
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ mode: 'kernel', clock: null });
    expect(r.records[0].stacks.map((s) => s.bytes)).toEqual([248, 328, 464, 8192]);
    expect(r.records[0].stacks[0].frames[0]).toEqual({ symbol: 'bpf_prog_load', module: 'kernel' });
  });

  it('keeps [unknown], [[uprobes]] and versioned frames, and interleaved program output is foreign', () => {
    const pg = parseBccMemleak(sample(PUBLIC[3]));
    const frames = pg.records[0].stacks[0].frames;
    expect(frames[4]).toEqual({ symbol: '[unknown]', module: '[uprobes]', address: '0x0000fffffffff000' });
    expect(frames[13]).toMatchObject({ symbol: '__libc_start_main@GLIBC_2.17', offset: '+0x9c', module: 'libc.so.6' });
    const rhel = parseBccMemleak(sample(PUBLIC[4]));
    expect(rhel.diagnostics.byCode['foreign-line']).toBe(6);
    expect(rhel.records).toHaveLength(4);
    expect(rhel.records[3].stacks).toHaveLength(0);
    expect(rhel.records[1].stacks[0]).toMatchObject({ bytes: 300, allocations: 3 });
    const c = parseBccMemleak(sample(PUBLIC[2]));
    expect(c.records[0].stacks[0].frames[2]).toEqual({ symbol: 'start_thread', offset: '+0xdb', module: 'libpthread-2.27.so' });
    expect(c.records[0].allocations).toHaveLength(4);
  });

  it('carries the report clock over midnight', () => {
    const r = parseBccMemleak('[23:59:58] Top 10 stacks with outstanding allocations:\n\t8 bytes in 1 allocations from stack\n\t\tf+0x1 [a]\n[00:00:02] Top 10 stacks with outstanding allocations:\n');
    expect(r.records.map((x) => x.time)).toEqual([86398, 86402]);
  });

  it('reads the libbpf-tools layout: unindented stack headers, -a lines after them, indexed [<addr>] frames', () => {
    const text = [
      'Attaching to pid 4410, Ctrl+C to quit.',
      '[07:33:52] Top 10 stacks with outstanding allocations:',
      '28672 bytes in 7 allocations from stack',
      '\taddr = 0x5573935619f0 size = 4096',
      '\t0 [<000055738f5a2265>] parse_config_entry+0x19 [cfgleak]',
      '\t1 [<000055738f5a2371>] reload_config+0x53 [cfgleak]',
      '\t2 [<00007f2110a7024a>] <null sym>',
      '[2026-11-22 07:33:56] Top 10 stacks with outstanding allocations:',
    ].join('\n');
    const r = parseBccMemleak(text);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records[0].stacks[0].frames).toEqual([
      { symbol: 'parse_config_entry', offset: '+0x19', module: 'cfgleak', address: '0x000055738f5a2265' },
      { symbol: 'reload_config', offset: '+0x53', module: 'cfgleak', address: '0x000055738f5a2371' },
      { symbol: '[unknown]', address: '0x00007f2110a7024a' },
    ]);
    expect(r.records[0].allocations).toEqual([{ address: '0x5573935619f0', size: 4096 }]);
    expect(r.records[1].time).toBe(Date.UTC(2026, 10, 22, 7, 33, 56) / 1000);
  });

  it('parses C++ frames with spaces', () => {
    expect(parseMemleakFrame('\t\tstd::vector<int, std::allocator<int> >::push_back(int const&)+0x2f [app]')).toEqual({
      symbol: 'std::vector<int, std::allocator<int> >::push_back(int const&)', offset: '+0x2f', module: 'app',
    });
  });

  it.each([
    ['a stack header with a broken number', '[11:16:33] Top 2 stacks with outstanding allocations:\n\tX bytes in 4 allocations from stack\n', 'memleak-bad-stack-header', 2],
    ['a broken -a line', '[11:16:33] Top 2 stacks with outstanding allocations:\n\taddr = zz size = 16\n', 'memleak-bad-stack-header', 2],
    ['an indented frame outside any stack', '[11:16:33] Top 2 stacks with outstanding allocations:\n\t\tmain+0x6d [allocs]\n', 'report-orphan-frame', 2],
    ['a stack block without frames', '[11:16:33] Top 2 stacks with outstanding allocations:\n\t64 bytes in 4 allocations from stack\n\n', 'report-orphan-frame', 2],
  ])('diagnoses %s with a line number', (_name, text, code, line) => {
    const r = parseBccMemleak(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('is detected and throws the typed error only for unusable input', () => {
    for (const rel of [...PUBLIC.slice(1), ...CAPTURES]) expect(detectFormat(sample(rel))[0].format).toBe('bcc-memleak');
    expect(() => parseBccMemleak('')).toThrow(MemforensicsInputError);
    expect(() => parseBccMemleak('    \n\t\n')).toThrow(MemforensicsInputError);
  });

  it('survives fuzzing', () => {
    fuzzParser(bccMemleakParser, [...PUBLIC, ...CAPTURES].map(sample));
  });
});
