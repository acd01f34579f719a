import { describe, expect, it } from 'vitest';
import { kmemleakParser, parseKmemleak, parseHexRow, parseKernelFrame, type KmemleakObject } from '../../src/parsers/kmemleak/index.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const PUBLIC = [
  'public/kmemleak/arm32-4.8-dmesg-object-dump-checksum.txt',
  'public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt',
  'public/kmemleak/x86_64-3.x-abrt-i915-raw-addrs.txt',
  'public/kmemleak/x86_64-6.3-hashed-age-tracing.txt',
];

function summary(records: readonly KmemleakObject[]) {
  return {
    objects: records.length,
    kinds: [...new Set(records.map((r) => r.kind))],
    scans: [...new Set(records.map((r) => r.scan))].length,
    first: records.slice(0, 2).map((r) => ({
      address: r.address,
      size: r.size,
      comm: r.comm,
      pid: r.pid,
      jiffies: r.jiffies,
      ageSeconds: r.ageSeconds,
      crc: r.crc,
      ascii: r.ascii,
      frames: r.backtrace.length,
      top: r.backtrace.slice(0, 3),
      debug: r.debug,
      lines: [r.line, r.endLine],
    })),
  };
}

describe('kmemleak parser', () => {
  it.each(PUBLIC)('parses real public sample %s without data loss (golden)', async (rel) => {
    const r = expectChunkingInvariant(kmemleakParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records.length).toBeGreaterThan(0);
    for (const o of r.records) expect(o.backtrace.length).toBeGreaterThan(0);
    const name = rel.split('/').pop()!.replace(/\.txt$/, '');
    await expect(JSON.stringify(summary(r.records), null, 2)).toMatchFileSnapshot(`../golden/kmemleak-${name}.json`);
  });

  it('reads the 6.17 arm64 dump: no age, crc with 7 hex digits, frames without addresses', () => {
    const r = parseKmemleak(sample('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt'));
    expect(r.records).toHaveLength(4);
    const o = r.records[0];
    expect(o).toMatchObject({ address: '0xffff0000c820d000', size: 64, comm: 'systemd', pid: 1, jiffies: 4294667980, ageSeconds: null, crc: '84021ac' });
    expect(o.backtrace[0]).toEqual({ symbol: 'kmemleak_alloc', offset: '+0x3c/0x50' });
    expect(o.backtrace).toHaveLength(15);
    expect(o.bytes.slice(0, 8)).toEqual([1, 0, 0, 0, 0, 0, 0xff, 0xff]);
    expect(o.bytes).toHaveLength(32);
  });

  it('reads the 6.3 hashed dump with age and decodes the hex dump to ASCII', () => {
    const r = parseKmemleak(sample('public/kmemleak/x86_64-6.3-hashed-age-tracing.txt'));
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({ size: 192, comm: 'bash', pid: 869, ageSeconds: 215.752, crc: null });
    expect(r.records[0].backtrace[0]).toEqual({ symbol: 'kmalloc_trace', offset: '+0x2a/0xa0', address: '0x00000000dae26536' });
    expect(r.records[1].ascii).toBe('.  Command: hist:keys=x.........');
  });

  it('reads the 3.x raw-address dump with 3-space indentation and drops the terminator frame', () => {
    const r = parseKmemleak(sample('public/kmemleak/x86_64-3.x-abrt-i915-raw-addrs.txt'));
    const o = r.records[0];
    expect(o).toMatchObject({ size: 544, comm: 'X', pid: 1377, ageSeconds: 147359.137 });
    expect(o.backtrace).toHaveLength(11);
    expect(o.backtrace.at(-1)!.symbol).toBe('tracesys');
    expect(r.stats.counters.terminatorFrames).toBe(1);
    expect(o.bytes[9]).toBe(0x73);
  });

  it('reads the dmesg debug dump (kmemleak: Object ..., min_count, checksum)', () => {
    const r = parseKmemleak(sample('public/kmemleak/arm32-4.8-dmesg-object-dump-checksum.txt'));
    expect(r.records).toHaveLength(1);
    const o = r.records[0];
    expect(o).toMatchObject({ kind: 'debug-dump', address: '0xfe800000', size: 16777216, comm: 'swapper/0', pid: 0, dmesgTime: 0.804113 });
    expect(o.debug).toEqual({ minCount: -1, count: 0, flags: '0x5', checksum: '0' });
    expect(o.backtrace.map((f) => f.symbol)).toEqual([
      'cma_declare_contiguous', 'dma_contiguous_reserve_area', 'dma_contiguous_reserve', 'arm_memblock_init', 'setup_arch', 'start_kernel', '0x8000807c',
    ]);
    expect(r.stats.skippedByReason['kmemleak-message']).toBe(1);
  });

  it('reads syzbot reports with BUG: memory leak, file:line frames and [inline] frames', () => {
    const text = [
      'BUG: memory leak',
      'unreferenced object 0xffff888109b7d200 (size 64):',
      '  comm "syz-executor.0", pid 8395, jiffies 4294942336 (age 8.120s)',
      '  hex dump (first 32 bytes):',
      '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
      '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
      '  backtrace:',
      '    [<ffffffff8150d7c5>] kmalloc include/linux/slab.h:552 [inline]',
      '    [<ffffffff8150d7c5>] kzalloc include/linux/slab.h:682 [inline]',
      '    [<ffffffff8150d7c5>] nci_core_conn_create+0x45/0x300 net/nfc/nci/core.c:730',
      '',
      '',
      'BUG: memory leak',
      'unreferenced object 0xffff888109b7d300 (size 64):',
      '  comm "syz-executor.0", pid 8396, jiffies 4294942337',
      '  backtrace (crc 45b79b1):',
      '    kmemleak_alloc_recursive include/linux/kmemleak.h:42 [inline]',
      '    __kmalloc_noprof+0x3b/0x90 mm/slub.c:4000',
    ].join('\n');
    const r = parseKmemleak(text);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(2);
    expect(r.records[0].syzbot).toBe(true);
    expect(r.records[0].backtrace[2]).toEqual({ symbol: 'nci_core_conn_create', offset: '+0x45/0x300', address: '0xffffffff8150d7c5', location: 'net/nfc/nci/core.c:730' });
    expect(r.records[0].backtrace[0]).toEqual({ symbol: 'kmalloc', address: '0xffffffff8150d7c5', location: 'include/linux/slab.h:552' });
    expect(r.records[1]).toMatchObject({ crc: '45b79b1', ageSeconds: null, hexDumpLength: null });
    expect(r.records[1].backtrace[1]).toMatchObject({ symbol: '__kmalloc_noprof', location: 'mm/slub.c:4000' });
  });

  it('reads a verbose dmesg report (timestamps + kmemleak: prefixes) amid other kernel lines', () => {
    const text = [
      '[  100.000001] usb 1-1: new high-speed USB device number 2',
      '[  101.123456] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
      '[  101.123460] kmemleak: unreferenced object 0xffff88800a1b2c00 (size 4096):',
      '[  101.123461] kmemleak:   comm "cat", pid 420, jiffies 4294901234',
      '[  101.123462] kmemleak:   hex dump (first 32 bytes):',
      '[  101.123463] kmemleak:     76 65 72 73 69 6f 6e 20 31 35 0a 74 69 6d 65 73  version 15.times',
      '[  101.123464] kmemleak:     74 61 6d 70 20 34 32 39 34 39 30 31 32 33 34 0a  tamp 4294901234.',
      '[  101.123465] kmemleak:   backtrace (crc 1a2b3c4d):',
      '[  101.123466]     kmalloc_trace_noprof+0x1e/0x40',
      '[  101.123467]     seq_read_iter+0x1c0/0x4a0',
      '[  101.123468] usb 1-1: device descriptor read/64, error -71',
    ].join('\n');
    const r = parseKmemleak(text);
    expect(seriousDiagnostics(r)).toEqual([]);
    expectLinesAccounted(r);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ size: 4096, comm: 'cat', dmesgTime: 101.12346, crc: '1a2b3c4d', endLine: 10 });
    expect(r.records[0].ascii).toBe('version 15.timestamp 4294901234.');
    expect(r.stats.counters.suspectedLeaksAnnounced).toBe(1);
    expect(r.diagnostics.byCode['foreign-line']).toBe(2);
  });

  it('splits several dumps by separator/timestamp lines and by a repeated address', () => {
    const obj = (addr: string) => `unreferenced object ${addr} (size 32):\n  comm "a", pid 1, jiffies 1\n  backtrace:\n    [<0000000012345678>] foo+0x1/0x2\n`;
    const r = parseKmemleak(`epoch 1795332000\n${obj('0x1')}${obj('0x2')}===\nepoch 1795332600\n${obj('0x1')}\n${obj('0x1')}`);
    expect(r.records.map((o) => o.scan)).toEqual([0, 0, 1, 2]);
    expect(r.records.map((o) => o.scanTime)).toEqual([1795332000, 1795332000, 1795332600, null]);
  });

  it.each([
    ['an orphan frame before any object', '    [<ffffffff81189293>] create_object+0x123/0x2f0\nunreferenced object 0x1 (size 8):\n  backtrace:\n    [<1>] f+0x1/0x2\n', 'kmemleak-orphan-line', 1],
    ['garbage inside an object', 'unreferenced object 0x1 (size 8):\n  comm "a", pid 1, jiffies 1\n  what is this\n  backtrace:\n    f+0x1/0x2\n', 'unrecognized-line', 3],
    ['an object cut before its backtrace', 'unreferenced object 0x1 (size 8):\n  comm "a", pid 1, jiffies 1\n  hex dump (first 8 bytes):\n', 'truncated-input', 1],
    ['an object without backtrace followed by another', 'unreferenced object 0x1 (size 8):\nunreferenced object 0x2 (size 8):\n  backtrace:\n    f+0x1/0x2\n', 'kmemleak-incomplete-object', 1],
    ['garbage outside objects', 'unreferenced object 0x1 (size 8):\n  backtrace:\n    f+0x1/0x2\nhello there\n', 'unrecognized-line', 4],
  ])('diagnoses %s with a line number', (_name, text, code, line) => {
    const r = parseKmemleak(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('decodes hex rows and frames strictly', () => {
    expect(parseHexRow('01 02 ff  ...')).toEqual([1, 2, 255]);
    expect(parseHexRow('kmalloc_trace+0x2a/0xa0')).toBeNull();
    expect(parseKernelFrame('[<ffffffffffffffff>] 0xffffffffffffffff')).toBe('terminator');
    expect(parseKernelFrame('[<ffffffff>] 0xffffffff')).toBe('terminator');
    expect(parseKernelFrame('[<c0123456>] (ext3) ext3_lookup')).toEqual({ symbol: 'ext3_lookup', module: 'ext3', address: '0xc0123456' });
    expect(parseKernelFrame('=====')).toBeNull();
    expect(parseKernelFrame('[<ffffffffa03c1234>] i915_gem_create+0x6b/0xd0 [i915]')).toEqual({
      symbol: 'i915_gem_create', offset: '+0x6b/0xd0', module: 'i915', address: '0xffffffffa03c1234',
    });
  });

  it('is detected and throws the typed error only for unusable input', () => {
    expect(detectFormat(sample(PUBLIC[1]))[0].format).toBe('kmemleak');
    expect(detectFormat(sample(PUBLIC[0]))[0].format).toBe('kmemleak');
    expect(() => parseKmemleak('')).toThrow(MemforensicsInputError);
    expect(() => parseKmemleak('just some\ntext\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(kmemleakParser, PUBLIC.map(sample));
  });
});
