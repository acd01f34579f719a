import { describe, expect, it } from 'vitest';
import { kmemleakAcrossScans, kmemleakAcrossScansFindings, KmemleakAcrossScansSchema, naturalCompare } from '../../src/analysis/kmemleakAcrossScans.js';
import { FindingSchema } from '../../src/core/models.js';
import { parseKmemleak } from '../../src/parsers/kmemleak/index.js';
import { dump, objects, realBlocks, type PlacedObject } from '../helpers/kmemleakScans.js';

/** x86_64 6.3: block 0 = 192 bytes via kmalloc_trace <- tracing_log_err+0x277, block 1 = 32 bytes of text via __kmalloc <- tracing_log_err+0x29b. */
const X63 = realBlocks('public/kmemleak/x86_64-6.3-hashed-age-tracing.txt');
/** arm64 6.17 (no age, crc): four 64-byte objects via do_check_common (bpf verifier). */
const A617 = realBlocks('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt');

const parse = (text: string) => parseKmemleak(text).records;
const GiB = 2 ** 30;

/**
 * Seed 002's workflow: after each stress run `echo scan > kmemleak; cat kmemleak >> log`, 600 s apart.
 * Truth: the 192-byte tracing_log_err objects leak 3, +4, +5, +6 (3 -> 7 -> 12 -> 18, never freed);
 * two 32-byte text buffers are listed by scans 1 and 2 and freed before scan 3 (in flight, not leaked).
 */
const SCANS_AT = [900, 1500, 2100, 2700];
const LEAK: PlacedObject[] = [
  ...objects(0, 3, 0xffff88810d8ec700n, 0x100, 300, 100),
  ...objects(0, 4, 0xffff88810d8f0000n, 0x100, 1000, 75),
  ...objects(0, 5, 0xffff88810d9a0000n, 0x100, 1600, 80),
  ...objects(0, 6, 0xffff88810da10000n, 0x100, 2200, 75),
];
const IN_FLIGHT = objects(1, 2, 0xffff888170c35a00n, 0x20, 850, 10);
const listedAt = (t: number) => [...LEAK.filter((o) => o.allocatedAt < t), ...(t < 2000 ? IN_FLIGHT : [])];
const APPENDED_LOG = SCANS_AT.map((t) => dump(X63, listedAt(t), t)).join('');

describe('kmemleakAcrossScans: a log appended after each scan', () => {
  const records = parse(APPENDED_LOG);
  const r = kmemleakAcrossScans([{ source: 'kmemleak.log', objects: records }]);

  it('tells the four dumps apart and counts each object once (18 leaked, not the 44 listings)', () => {
    KmemleakAcrossScansSchema.parse(r);
    expect(records).toHaveLength(3 + 2 + 7 + 2 + 12 + 18);
    expect(r.scans.map((s) => [s.objects, s.newObjects, s.goneObjects])).toEqual([
      [5, 5, 0],
      [9, 4, 0],
      [12, 5, 2],
      [18, 6, 0],
    ]);
    expect(r.distinctObjects).toBe(20);
    expect(r.relistings).toBe(44 - 20);
    expect(r.latest.objects).toBe(18);
    expect(r.latest.bytes).toBe(18 * 192);
    expect(r.orderedBy).toBe('log-order');
  });

  it('reads the time between scans from the ages of re-listed objects (600 s)', () => {
    expect(r.timeSource).toBe('object-age');
    expect(r.scans.map((s) => s.time)).toEqual([0, 600, 1200, 1800]);
  });

  it('gives each cluster its per-scan series and judges it on that', () => {
    const [leak, inFlight] = r.clusters;
    expect(leak).toMatchObject({
      culprit: 'tracing_log_err',
      counts: [3, 7, 12, 18],
      bytes: [576, 1344, 2304, 3456],
      newObjects: [3, 4, 5, 6],
      distinctObjects: 18,
      persistingObjects: 3,
      status: 'growing',
    });
    // Least squares over (0, 576) (600, 1344) (1200, 2304) (1800, 3456): 2,880,000 / 1,800,000 B/s.
    expect(leak.growthBytesPerSecond).toBe(1.6);
    expect(inFlight).toMatchObject({ culprit: 'tracing_log_err', counts: [2, 2, 0, 0], status: 'vanished', firstSeenScan: 0, lastSeenScan: 1 });
    expect(leak.backtraceKey).not.toBe(inFlight.backtraceKey);
    expect(r.growing).toEqual(['tracing_log_err']);
  });

  it('makes the headline from the latest scan, with the series, graded by the alert rules', () => {
    const f = kmemleakAcrossScansFindings(r, { limitBytes: 8 * GiB });
    for (const x of f) FindingSchema.parse(x);
    expect(f.map((x) => [x.severity, x.title])).toEqual([
      ['warning', '18 unreferenced objects (3.38 KiB) allocated from tracing_log_err, growing across scans (3 -> 7 -> 12 -> 18 over 4 scans)'],
      ['info', '2 unreferenced objects allocated from tracing_log_err listed up to scan 2 of 4, freed since: transient (2 -> 2 -> 0 -> 0)'],
    ]);
    expect(f[0].evidence[0].detail).toContain('in the latest of 4 scans (dump 4 of kmemleak.log)');
    expect(f[0].evidence[0].detail).toContain('3 listed since scan 1');
    expect(f[0].evidence[0].values).toMatchObject({ count: 18, bytes: 3456, counts: '3,7,12,18', growthBytesPerSecond: 1.6, leak: 'proven' });
    // The latest dump's lines: its 18 objects of 17 lines each end the log.
    const total = APPENDED_LOG.trimEnd().split('\n').length;
    expect(f[0].evidence[0].lines).toEqual([total - 18 * 17 + 1, total]);
  });

  it('keeps a proven leak at warning when no limit is known, however slow (5.6 KiB/h)', () => {
    expect(kmemleakAcrossScansFindings(r)[0].severity).toBe('warning');
    // 5,760 B/h reaches an 8 MiB limit in 61 days (warning), a 100 kB one in 17 h (critical).
    expect(kmemleakAcrossScansFindings(r, { limitBytes: 8 * 2 ** 20 })[0].severity).toBe('warning');
    expect(kmemleakAcrossScansFindings(r, { limitBytes: 100_000 })[0].severity).toBe('critical');
  });
});

describe('kmemleakAcrossScans: separate scan files', () => {
  // The four real 6.17 objects stay listed; two more leak before the third scan.
  const real = parse(A617.join('\n'));
  const later: PlacedObject[] = objects(0, 2, 0xffff0000c9000000n, 0x40, 2000, 30);
  const third = `${A617.join('\n')}\n${dump(A617, later, 0)}`;

  it('orders files without timestamps by their names, digits as numbers, and heads with the last one', () => {
    const r = kmemleakAcrossScans([
      { source: 'run/kmemleak-11.txt', objects: parse(third) },
      { source: 'run/kmemleak-9.txt', objects: real },
      { source: 'run/kmemleak-10.txt', objects: real },
    ]);
    expect(r.orderedBy).toBe('file-name');
    expect(r.timeSource).toBeNull();
    expect(r.scans.map((s) => s.source)).toEqual(['run/kmemleak-9.txt', 'run/kmemleak-10.txt', 'run/kmemleak-11.txt']);
    expect(r.clusters[0]).toMatchObject({ culprit: 'do_check_common', counts: [4, 4, 6], persistingObjects: 4, status: 'growing', growthBytesPerSecond: null });
    expect(r.latest.source).toBe('run/kmemleak-11.txt');
    const [f] = kmemleakAcrossScansFindings(r);
    expect(f).toMatchObject({ severity: 'warning', source: 'run/kmemleak-11.txt', title: '6 unreferenced objects (384 B) allocated from do_check_common, growing across scans (4 -> 4 -> 6 over 3 scans)' });
    expect(naturalCompare('kmemleak-9.txt', 'kmemleak-10.txt')).toBeLessThan(0);
  });

  it('orders files by the time line before each dump over their names', () => {
    const before = `Tue Dec  1 10:00:00 UTC 2026\n${dump(X63, LEAK.slice(0, 3), 900)}`;
    const after = `Tue Dec  1 11:00:00 UTC 2026\n${dump(X63, LEAK.slice(0, 7), 4500)}`;
    const r = kmemleakAcrossScans([
      { source: 'a-after.txt', objects: parse(after) },
      { source: 'b-before.txt', objects: parse(before) },
    ]);
    expect(r.orderedBy).toBe('time');
    expect(r.timeSource).toBe('timestamp');
    expect(r.scans.map((s) => [s.source, s.time])).toEqual([
      ['b-before.txt', Date.UTC(2026, 11, 1, 10) / 1000],
      ['a-after.txt', Date.UTC(2026, 11, 1, 11) / 1000],
    ]);
    // 4 more 192-byte objects in 3600 s.
    expect(r.clusters[0]).toMatchObject({ counts: [3, 7], growthBytesPerSecond: Math.round(((4 * 192) / 3600) * 1000) / 1000 });
  });

  it('orders files without timestamps by the ages of the objects both list', () => {
    const r = kmemleakAcrossScans([
      { source: 'x.txt', objects: parse(dump(X63, LEAK.slice(0, 7), 1500)) },
      { source: 'y.txt', objects: parse(dump(X63, LEAK.slice(0, 3), 900)) },
    ]);
    expect(r.orderedBy).toBe('object-age');
    expect(r.scans.map((s) => [s.source, s.time])).toEqual([
      ['y.txt', 0],
      ['x.txt', 600],
    ]);
    expect(r.clusters[0].counts).toEqual([3, 7]);
  });
});

describe('kmemleakAcrossScans: what is not a growing leak', () => {
  it('calls a cluster that never re-lists an object transient (objects in flight at each scan), graded info', () => {
    // Three scans one `=====` apart, each listing other bpf objects (freed before the next scan).
    const text = [0, 1, 2].map((k) => dump(A617, objects(0, 2, 0xffff0000c8000000n + BigInt(k * 0x1000), 0x40, 0, 0), 0)).join('=====\n');
    const r = kmemleakAcrossScans([{ source: 'k.txt', objects: parse(text) }]);
    expect(r.clusters[0]).toMatchObject({ counts: [2, 2, 2], distinctObjects: 6, status: 'transient' });
    expect(r.growing).toEqual([]);
    const [f] = kmemleakAcrossScansFindings(r);
    expect(f.severity).toBe('info');
    expect(f.title).toBe('2 unreferenced objects (128 B) allocated from do_check_common, never the same object twice: transient (2 -> 2 -> 2 over 3 scans)');
  });

  it('says when a scan re-lists nothing of the one before (kmemleak cleared, or a reboot)', () => {
    const text = `${dump(X63, LEAK.slice(0, 3), 900)}=====\n${dump(X63, LEAK.slice(3, 7), 1500)}`;
    const r = kmemleakAcrossScans([{ source: 'k.txt', objects: parse(text) }]);
    expect(r.notes).toEqual([
      'scan 2 (k.txt) lists none of the 3 objects of the scan before it: kmemleak was cleared (echo clear) or the machine rebooted in between, so counts restart there',
    ]);
  });

  it('keeps persistent and shrinking clusters apart from growing ones', () => {
    const same = dump(X63, LEAK.slice(0, 3), 900) + dump(X63, LEAK.slice(0, 3), 1500);
    expect(kmemleakAcrossScans([{ source: 'k', objects: parse(same) }]).clusters[0]).toMatchObject({ counts: [3, 3], status: 'persistent' });
    const fewer = dump(X63, LEAK.slice(0, 3), 900) + dump(X63, LEAK.slice(1, 3), 1500);
    // The second dump starts with the first dump's second object: still split, by the repeated address.
    expect(kmemleakAcrossScans([{ source: 'k', objects: parse(fewer) }]).clusters[0]).toMatchObject({ counts: [3, 2], status: 'shrinking', persistingObjects: 2 });
  });

  it('takes a reused address for a new object (other allocation jiffies)', () => {
    const reused: PlacedObject = { ...LEAK[0], allocatedAt: 1200 };
    const text = dump(X63, LEAK.slice(0, 2), 900) + '=====\n' + dump(X63, [reused, LEAK[1]], 1500);
    const r = kmemleakAcrossScans([{ source: 'k', objects: parse(text) }]);
    expect(r.distinctObjects).toBe(3);
    expect(r.scans[1]).toMatchObject({ newObjects: 1, goneObjects: 1 });
  });

  it('handles no input and a single scan, and does not mutate its input', () => {
    expect(kmemleakAcrossScans([])).toMatchObject({ insufficientData: true, scans: [], clusters: [], distinctObjects: 0 });
    const recs = parse(A617.join('\n'));
    const copy = structuredClone(recs);
    const one = kmemleakAcrossScans([{ source: 'bpf.txt', objects: recs }]);
    expect(recs).toEqual(copy);
    expect(one.clusters[0]).toMatchObject({ counts: [4], status: 'single-scan' });
    expect(kmemleakAcrossScansFindings(one).map((f) => [f.severity, f.title])).toEqual([
      ['warning', '4 unreferenced objects (256 B) allocated from do_check_common'],
    ]);
  });
});

describe('kmemleak across scans in the report', () => {
  it('an appended log reports the latest scan: 18 objects with their series, and a leak verdict', async () => {
    const { analyzeTexts } = await import('../../src/pipeline/analyzeTexts.js');
    const report = analyzeTexts([{ path: 'seed002/kmemleak.log', text: APPENDED_LOG }]);
    expect(report.kmemleakClusters.map((c) => [c.culprit, c.count, c.bytes, c.scanCounts, c.scanStatus])).toEqual([
      ['tracing_log_err', 18, 3456, [3, 7, 12, 18], 'growing'],
    ]);
    const kmem = report.findings.filter((f) => f.kind === 'kmemleak-cluster');
    expect(kmem.map((f) => [f.severity, f.title.split(',')[0]])).toEqual([
      ['warning', '18 unreferenced objects (3.38 KiB) allocated from tracing_log_err'],
      ['info', '2 unreferenced objects allocated from tracing_log_err listed up to scan 2 of 4'],
    ]);
    expect(report.verdict).toMatchObject({ kind: 'leak', severity: 'warning', space: 'kernel' });
    expect(report.verdict.summary).toContain('tracing_log_err');
  });

  it('scans kept in separate files of one capture folder are one series (file names give the order)', async () => {
    const { analyzeTexts } = await import('../../src/pipeline/analyzeTexts.js');
    const files = SCANS_AT.map((t, i) => ({ path: `seed002/scan-${i + 1}.txt`, text: dump(X63, listedAt(t), t) }));
    // Given out of order: the series is ordered by the scans, not by the argument list.
    const report = analyzeTexts([files[2], files[0], files[3], files[1]]);
    expect(report.kmemleakClusters.map((c) => [c.culprit, c.count, c.scanCounts, c.scanStatus])).toEqual([['tracing_log_err', 18, [3, 7, 12, 18], 'growing']]);
    expect(report.verdict).toMatchObject({ kind: 'leak', space: 'kernel' });
    // Another folder is another run: its scans are not mixed in.
    const two = analyzeTexts([...files, { path: 'other/scan-1.txt', text: files[0].text }]);
    const alone = analyzeTexts([{ path: 'other/scan-1.txt', text: files[0].text }]);
    expect(two.kmemleakClusters.filter((c) => c.source.startsWith('seed002/')).map((c) => c.count)).toEqual([18]);
    expect(two.kmemleakClusters.filter((c) => c.source.startsWith('other/'))).toEqual(alone.kmemleakClusters);
  });
});
