import { describe, expect, it } from 'vitest';
import { kmemleakAcrossScans, nameStem } from '../../src/analysis/kmemleakAcrossScans.js';
import { kmemleakScanSequences, KmemleakScanSequencesSchema, printStyle } from '../../src/analysis/kmemleakScanSequences.js';
import { parseKmemleak } from '../../src/parsers/kmemleak/index.js';
import { dump, objects, realBlocks } from '../helpers/kmemleakScans.js';
import { sample } from '../helpers/samples.js';

const parse = (text: string) => parseKmemleak(text).records;
const PUBLIC = ['arm32-4.8-dmesg-object-dump-checksum.txt', 'arm64-6.17-crc-nobracket-bpf.txt', 'x86_64-3.x-abrt-i915-raw-addrs.txt', 'x86_64-6.3-hashed-age-tracing.txt'];
const X63 = realBlocks('public/kmemleak/x86_64-6.3-hashed-age-tracing.txt');
const A617 = realBlocks('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt');

describe('kmemleakScanSequences: which files are scans of one capture', () => {
  it('keeps the unrelated public excerpts apart (different machines, names that number nothing)', () => {
    const r = kmemleakScanSequences(PUBLIC.map((f) => ({ source: `public/kmemleak/${f}`, objects: parse(sample(`public/kmemleak/${f}`)) })));
    KmemleakScanSequencesSchema.parse(r);
    expect(r.sequences).toEqual(PUBLIC.map((f) => ({ sources: [`public/kmemleak/${f}`], linkedBy: [], notes: [] })));
    expect(r.notes).toEqual([]);
  });

  it('reads how each kernel printed its report', () => {
    const style = (f: string) => printStyle(parse(sample(`public/kmemleak/${f}`)));
    expect(style('arm64-6.17-crc-nobracket-bpf.txt')).toEqual({ pointerBits: 64, ages: false, crc: true, frameAddresses: 'none' });
    expect(style('x86_64-6.3-hashed-age-tracing.txt')).toEqual({ pointerBits: 64, ages: true, crc: false, frameAddresses: 'hashed' });
    expect(style('x86_64-3.x-abrt-i915-raw-addrs.txt')).toEqual({ pointerBits: 64, ages: true, crc: false, frameAddresses: 'raw' });
  });

  it('links numbered names printed alike, and leaves out a file of that name printed by another kernel', () => {
    const r = kmemleakScanSequences([
      { source: 'run/scan-2.txt', objects: parse(dump(X63, objects(0, 2, 0xffff888100000000n, 0x100, 100, 10), 900)) },
      { source: 'run/scan-1.txt', objects: parse(dump(X63, objects(0, 1, 0xffff888100000000n, 0x100, 100, 10), 300)) },
      // Pasted from a mail: an arm64 6.17 report saved under the same numbering.
      { source: 'run/scan-3.txt', objects: parse(A617.join('\n')) },
    ]);
    const note =
      'run/scan-3.txt is named like run/scan-1.txt but was printed by another kernel (object ages printed in one only, backtrace crc printed in one only, hashed vs none frame addresses): judged on its own, not as a scan of the same series';
    expect(r.sequences).toEqual([
      { sources: ['run/scan-1.txt', 'run/scan-2.txt'], linkedBy: ['shared-objects', 'numbered-names'], notes: [] },
      { sources: ['run/scan-3.txt'], linkedBy: [], notes: [note] },
    ]);
    expect(r.notes).toEqual([note]);
  });

  it('links files of any names that list the same object, and orders age-less ones by their newest allocation', () => {
    const old = objects(0, 4, 0xffff0000c8000000n, 0x40, 100, 50);
    const added = objects(1, 3, 0xffff0000c8100000n, 0x40, 2000, 60);
    const r = kmemleakScanSequences([
      { source: 'box/after.txt', objects: parse(dump(A617, [...old, ...added], 0)) },
      { source: 'box/before.txt', objects: parse(dump(A617, old, 0)) },
    ]);
    expect(r.sequences).toEqual([{ sources: ['box/after.txt', 'box/before.txt'], linkedBy: ['shared-objects'], notes: [] }]);
    const across = kmemleakAcrossScans([
      { source: 'box/after.txt', objects: parse(dump(A617, [...old, ...added], 0)) },
      { source: 'box/before.txt', objects: parse(dump(A617, old, 0)) },
    ]);
    // Name order would put after.txt first; the newest allocation each lists puts before.txt first.
    expect(across.orderedBy).toBe('allocation-jiffies');
    expect(across.scans.map((s) => s.source)).toEqual(['box/before.txt', 'box/after.txt']);
    expect(across.clusters[0]).toMatchObject({ counts: [4, 7], status: 'growing' });
  });

  it('names: digit runs are the numbering; a name without digits numbers nothing', () => {
    expect(nameStem('run/kmemleak-12.txt.gz')).toBe('run/kmemleak-#.txt');
    expect(nameStem('run/scan_20261201-0900.txt')).toBe('run/scan_#-#.txt');
    expect(nameStem('kmemleak.log')).toBeNull();
  });
});

describe('kmemleakAcrossScans: scan times from each scan own objects (jiffies + age at HZ)', () => {
  it('orders separate files that share no object by the scan time their ages give', () => {
    // A reboot-free run where every object of scan 1 was freed before scan 2: no object links them.
    const first = dump(X63, objects(0, 3, 0xffff888100000000n, 0x100, 100, 40), 900);
    const second = dump(X63, objects(0, 2, 0xffff888200000000n, 0x100, 1000, 100), 1500);
    const r = kmemleakAcrossScans([
      { source: 'b-first.txt', objects: parse(first) },
      { source: 'a-second.txt', objects: parse(second) },
    ]);
    expect(r.timeSource).toBe('object-age');
    expect(r.orderedBy).toBe('object-age');
    expect(r.scans.map((s) => [s.source, s.time])).toEqual([
      ['b-first.txt', 0],
      ['a-second.txt', 600],
    ]);
  });
});

describe('kmemleak scan sequences in the report', () => {
  it('a folder with a numbered series and an unrelated excerpt under the same numbering: the series heads, the excerpt stands alone', async () => {
    const { analyzeTexts } = await import('../../src/pipeline/analyzeTexts.js');
    const report = analyzeTexts([
      { path: 'run/scan-1.txt', text: dump(X63, objects(0, 3, 0xffff888100000000n, 0x100, 100, 10), 300) },
      { path: 'run/scan-2.txt', text: dump(X63, objects(0, 7, 0xffff888100000000n, 0x100, 100, 10), 900) },
      { path: 'run/scan-3.txt', text: A617.join('\n') },
    ]);
    expect(report.kmemleakClusters.map((c) => [c.source, c.culprit, c.count, c.scanCounts ?? null])).toEqual([
      ['run/scan-2.txt', 'tracing_log_err', 7, [3, 7]],
      ['run/scan-3.txt', 'do_check_common', 4, null],
    ]);
    expect(report.findings.map((f) => f.title)).toEqual([
      '7 unreferenced objects (1.31 KiB) allocated from tracing_log_err, growing across scans (3 -> 7 over 2 scans)',
      '4 unreferenced objects (256 B) allocated from do_check_common',
    ]);
    // The reader learns why scan-3 is not the latest scan of the series.
    expect(report.findings[1].evidence[0].detail).toContain('note: run/scan-3.txt is named like run/scan-1.txt but was printed by another kernel');
    expect(report.findings[0].evidence[0].detail).not.toContain('note:');
  });
});

describe('kmemleak: an appended log with `date` lines before each dump', () => {
  it('takes the scan times from the date lines and says where kmemleak was cleared', () => {
    // `date; echo scan > kmemleak; cat kmemleak` appended hourly; `echo clear` before the third scan.
    const a = objects(0, 2, 0xffff888100000000n, 0x100, 100, 10);
    const b = objects(0, 3, 0xffff888200000000n, 0x100, 3800, 200);
    const log = [
      `Tue Dec  1 10:00:00 UTC 2026\n${dump(X63, a, 300)}`,
      `Tue Dec  1 11:00:00 UTC 2026\n${dump(X63, [...a, ...b.slice(0, 1)], 3900)}`,
      `Tue Dec  1 12:00:00 UTC 2026\n${dump(X63, b.slice(1), 7500)}`,
    ].join('');
    const r = kmemleakAcrossScans([{ source: 'kmemleak.log', objects: parse(log) }]);
    expect(r.timeSource).toBe('timestamp');
    expect(r.scans.map((s) => [s.time! - r.scans[0].time!, s.objects])).toEqual([
      [0, 2],
      [3600, 3],
      [7200, 2],
    ]);
    expect(r.notes).toEqual([
      'scan 3 (kmemleak.log) lists none of the 3 objects of the scan before it: kmemleak was cleared (echo clear) or the machine rebooted in between, so counts restart there',
    ]);
  });
});
