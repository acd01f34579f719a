import { describe, expect, it } from 'vitest';
import { bpftraceParser, parseBpftrace, parseBucket, type BpftraceEntry, type BpftraceRecord } from '../../src/parsers/bpftrace/index.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { detectFormat } from '../../src/parsers/registry.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const PUBLIC = [
  'public/bpftrace/biostacks-attached-ctrlc-single-bucket-hist.txt',
  'public/bpftrace/ubuntu-5.13-kfunc-kstack-and-comm-maps-fullfile.txt',
  'public/bpftrace/x86_64-5.1x-tp-kmalloc-kstack-count-head.txt',
];
const D3 = 'captures/D3_userspace/bpftrace.txt';

const entries = (rs: readonly BpftraceRecord[]) => rs.filter((r): r is BpftraceEntry => r.kind === 'entry');

function summary(records: readonly BpftraceRecord[]) {
  const e = entries(records);
  return {
    records: records.length,
    entries: e.length,
    markers: records.filter((r) => r.kind === 'marker').map((r) => (r.kind === 'marker' ? r.text : '')),
    snapshots: [...new Set(records.flatMap((r) => (r.kind === 'program' ? [] : [r.snapshot])))].length,
    maps: [...new Set(e.map((x) => x.map))],
    values: e.slice(0, 12).map((x) => [x.snapshot, x.map, x.stack ? `${x.stack[0].symbol}… (${x.stack.length} frames)` : x.key, x.value]),
    first: e[0],
  };
}

describe('bpftrace parser', () => {
  it.each([...PUBLIC, D3])('parses real sample %s without data loss (golden)', async (rel) => {
    const r = expectChunkingInvariant(bpftraceParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(entries(r.records).length).toBeGreaterThan(0);
    const name = (rel.startsWith('captures/') ? rel.split('/').slice(-2).join('-') : rel.split('/').pop()!).replace(/\.txt$/, '');
    await expect(JSON.stringify(summary(r.records), null, 2)).toMatchFileSnapshot(`../golden/bpftrace-${name}.json`);
  });

  it('recovers the D3 prints: parse_config_entry 32768 → 131072 B, log_ring_push 4096, the exit dump as a 5th snapshot', () => {
    const r = parseBpftrace(sample(D3));
    const e = entries(r.records);
    const bytes = (sym: string) => e.filter((x) => x.map === '@live_bytes' && x.stack![0].symbol === sym);
    expect(bytes('parse_config_entry').map((x) => x.value)).toEqual([32768, 65536, 98304, 131072, 147456]);
    expect(bytes('parse_config_entry').map((x) => x.time)).toEqual([1795332847, 1795332851, 1795332855, 1795332859, null]);
    expect(bytes('log_ring_push').map((x) => x.value)).toEqual([4096, 4096, 4096, 4096, 4608]);
    expect(bytes('render_status_page').map((x) => x.value)).toEqual([0, 0, 0, 0, 3121]);
    const allocs = e.filter((x) => x.map === '@live_allocs' && x.stack![0].symbol === 'parse_config_entry').map((x) => x.value);
    expect(allocs).toEqual([10, 18, 26, 34, 36]);
    const total = e.filter((x) => x.map === '@live_total');
    expect(total.map((x) => [x.key, x.value])).toEqual([[null, 49152], [null, 81920], [null, 114688], [null, 147456], [null, 155185]]);
    expect(bytes('parse_config_entry')[0].stack).toEqual([
      { symbol: 'parse_config_entry', offset: '+25' },
      { symbol: 'reload_config', offset: '+83' },
      { symbol: 'run_event_loop', offset: '+123' },
      { symbol: 'main', offset: '+185' },
      { symbol: '__libc_start_call_main', offset: '+122' },
    ]);
    const markers = r.records.filter((x) => x.kind === 'marker');
    expect(markers.map((m) => m.text)[0]).toBe('=== print 1 ===');
    expect(markers).toHaveLength(8);
  });

  it('reads histogram blocks, plain keys and several maps', () => {
    const h = parseBpftrace(sample(PUBLIC[0]));
    const e = entries(h.records)[0];
    expect(e).toMatchObject({ map: '@usecs', value: 1, hist: [{ range: '[64K, 128K)', count: 1 }] });
    expect(e.stack).toHaveLength(14);
    const k = parseBpftrace(sample(PUBLIC[1]));
    const ke = entries(k.records);
    expect(ke.filter((x) => x.map === '@btopen').map((x) => x.value)).toEqual([11, 26, 2099842]);
    expect(ke.find((x) => x.map === '@commrelease' && x.key === 'ps')!.value).toBe(2656);
    expect(new Set(ke.map((x) => x.snapshot))).toEqual(new Set([0]));
  });

  it('reads tuple keys, stats() values, lhist buckets, scalars and printf markers between prints', () => {
    const text = [
      'Attaching 3 probes...',
      '12:00:01',
      '@bytes[1234, cfgleak]: 4096',
      '@st[read]: count 3, average 5, total 15',
      '@lh:',
      '(..., 0)               1 |@@@@                    |',
      '[0, 5)                 3 |@@@@@@@@@@@@            |',
      '@n: 7',
      '@name[comm]: some text',
      '12:00:05',
      '@bytes[1234, cfgleak]: 8192',
    ].join('\n');
    const r = parseBpftrace(text);
    expect(seriousDiagnostics(r)).toEqual([]);
    const e = entries(r.records);
    expect(e[0]).toMatchObject({ tuple: ['1234', 'cfgleak'], value: 4096, snapshot: 0 });
    expect(e[1].stats).toEqual({ count: 3, average: 5, total: 15 });
    expect(e[2]).toMatchObject({ map: '@lh', key: null, value: 4, hist: [{ range: '(..., 0)', count: 1 }, { range: '[0, 5)', count: 3 }] });
    expect(e[3]).toMatchObject({ map: '@n', value: 7 });
    expect(e[4]).toMatchObject({ value: null, valueText: 'some text' });
    expect(e[5]).toMatchObject({ value: 8192, snapshot: 1, time: 43205 });
    expect(e[0].time).toBe(43201);
  });

  it('parses buckets', () => {
    expect(parseBucket('[4K, 8K)      560 |@@@@@|')).toEqual({ range: '[4K, 8K)', count: 560 });
    expect(parseBucket('[0]  3 |@|')).toEqual({ range: '[0]', count: 3 });
    expect(parseBucket('hello')).toBeNull();
  });

  it.each([
    ['a stack key never closed (next entry starts)', '@a[\n    f+1\n@b: 3\n', 'bpftrace-unclosed-key', 1],
    ['a stack key cut by the end', '@b: 3\n@a[\n    f+1\n', 'truncated-input', 2],
    ['a bucket outside any histogram', '@b: 3\n[0, 5)  3 |@@|\n', 'bpftrace-orphan-bucket', 2],
    ['a stats value that is broken', '@b: 3\n@s[x]: count 3, average\n', 'bpftrace-bad-value', 2],
  ])('diagnoses %s with a line number', (_name, text, code, line) => {
    const r = parseBpftrace(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items.find((d) => d.code === code)!.line).toBe(line);
    expectLinesAccounted(r);
  });

  it('is detected and throws the typed error only for unusable input', () => {
    for (const rel of [...PUBLIC, D3]) expect(detectFormat(sample(rel))[0].format).toBe('bpftrace');
    expect(() => parseBpftrace('')).toThrow(MemforensicsInputError);
  });

  it('survives fuzzing', () => {
    fuzzParser(bpftraceParser, [...PUBLIC, D3].map(sample));
  });
});
