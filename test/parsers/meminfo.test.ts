import { describe, expect, it } from 'vitest';
import { meminfoParser, meminfoSeries, parseMeminfo } from '../../src/parsers/meminfo/index.js';
import { MemforensicsInputError } from '../../src/core/errors.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const PUBLIC = [
  'public/meminfo/al2023-6.1-ec2-first30-lines.txt',
  'public/meminfo/kernel-doc-proc-rst-6.x-example-indented.txt',
  'public/meminfo/linux-2.4.7-i686-2001-before.txt',
  'public/meminfo/remarkable2-5.4.70-armv7l-cma.txt',
];

describe('meminfo parser', () => {
  it.each(PUBLIC)('parses real public sample %s without data loss', (rel) => {
    const r = expectChunkingInvariant(meminfoParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0].kb.MemTotal).toBeGreaterThan(0);
  });

  it('keeps 2.4-only and unknown fields', () => {
    const r = parseMeminfo(sample('public/meminfo/linux-2.4.7-i686-2001-before.txt'));
    expect(r.records[0].kb.Inact_dirty).toBe(6736);
    expect(r.stats.skippedByReason['legacy-2.4-byte-table']).toBe(3);
  });

  it('reads the D2 series: 80 snapshots stamped by epoch= lines', async () => {
    const r = parseMeminfo(sample('captures/D2_slab_meminfo/meminfo.txt'));
    expect(r.records).toHaveLength(80);
    expect(r.records[0].time).toBeCloseTo(1795332545.452, 2);
    expect(seriousDiagnostics(r)).toEqual([]);
    const sunreclaim = meminfoSeries(r.records).find((s) => s.name === 'SUnreclaim')!;
    expect(sunreclaim.v[7]).toBe(28780);
    expect(sunreclaim.v[73]).toBe(26368);
  });

  it('takes timestamps from a sidecar epochs file (D4)', () => {
    const epochs = sample('captures/D4_leak/meminfo_epochs.txt').trim().split('\n').map(Number);
    const r = parseMeminfo(sample('captures/D4_leak/meminfo.txt'), { timestamps: epochs });
    expect(r.records).toHaveLength(379);
    expect(r.records[0].time).toBeCloseTo(1795332904.42, 1);
  });

  it('splits undelimited dumps on a repeated key and assumes the interval when asked', () => {
    const one = 'MemTotal: 100 kB\nMemFree: 50 kB\nMemAvailable: 60 kB\n';
    const r = parseMeminfo(one + one + 'MemTotal: 100 kB\n', { intervalSeconds: 5 });
    expect(r.records.map((s) => s.time)).toEqual([0, 5, 10]);
    expect(r.records[2].partial).toBe(true);
    expect(r.diagnostics.byCode['snapshot-partial']).toBe(1);
    expect(r.diagnostics.byCode['time-assumed']).toBe(1);
    const used = meminfoSeries(r.records).find((s) => s.name === 'Used')!;
    expect(used.v).toEqual([40, 40]);
  });

  it.each([
    ['garbage between fields', 'MemTotal: 1 kB\nhello world\nMemFree: 1 kB\n', 'unrecognized-line'],
    ['a unit it does not know', 'MemTotal: 1 kB\nMemFree: 1 MB\nCached: 3 kB\n', 'unrecognized-line'],
    ['an absurd number', 'MemTotal: 1 kB\nMemFree: 99999999999999999999999 kB\nCached: 3 kB\n', 'unrecognized-line'],
  ])('diagnoses %s with a line number', (_name, text, code) => {
    const r = parseMeminfo(text);
    expect(r.diagnostics.byCode[code]).toBe(1);
    expect(r.diagnostics.items[0].line).toBe(2);
    expectLinesAccounted(r);
  });

  it('throws the typed error only for unusable input', () => {
    expect(() => parseMeminfo('')).toThrow(MemforensicsInputError);
    expect(() => parseMeminfo('just some\ntext\n')).toThrowError(expect.objectContaining({ code: 'NOT_THIS_FORMAT' }));
  });

  it('survives fuzzing', () => {
    fuzzParser(meminfoParser, PUBLIC.map(sample));
  });
});
