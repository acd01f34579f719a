import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kmemleakAcrossScans } from '../../src/analysis/kmemleakAcrossScans.js';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { parseKmemleak } from '../../src/parsers/kmemleak/index.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { ReportSchema, type Report } from '../../src/report/schema.js';
import { ROOT, SAMPLES, sample } from '../helpers/samples.js';

/**
 * kmemleak over several scans, on disk, as a user runs it (`memforensics analyze <folder>`): the
 * composed captures of samples/composed/kmemleak (real object records, known truth: README there)
 * and the unrelated public excerpts of samples/public/kmemleak.
 */
const TRUTH = JSON.parse(readFileSync(path.join(ROOT, 'test/ground-truth/kmemleak-scans.groundtruth.json'), 'utf8'));

interface ClusterTruth {
  culprit: string;
  objectBytes: number;
  counts: number[];
  status: string;
  bytesPerSecond?: number;
}

const cache = new Map<string, Promise<Report>>();
function report(folder: string): Promise<Report> {
  if (!cache.has(folder)) cache.set(folder, analyzePaths([path.join(SAMPLES, folder)], { jobs: 1 }));
  return cache.get(folder)!;
}

/** The headline a user reads first: the Markdown report's bold summary line. */
function headline(r: Report): string {
  return renderMarkdown(r).split('\n').find((l) => l.startsWith('**'))!;
}

function filesOf(folder: string): { source: string; objects: ReturnType<typeof parseKmemleak>['records'] }[] {
  return (TRUTH[folder].files as string[]).map((f) => ({
    source: `${folder}/${f}`,
    objects: parseKmemleak(sample(`${folder}/${f}`)).records,
  }));
}

describe('composed kmemleak scan series against their ground truth', () => {
  it.each(['composed/kmemleak/appended-log', 'composed/kmemleak/scan-files-timestamped', 'composed/kmemleak/scan-files-numbered'])(
    '%s: per-scan counts, growing vs vanished, times between scans',
    (folder) => {
      const truth = TRUTH[folder];
      const r = kmemleakAcrossScans(filesOf(folder));
      expect(r.scans).toHaveLength(truth.scans);
      const gaps = r.scans.slice(1).map((s, k) => s.time! - r.scans[k].time!);
      expect(gaps).toEqual(new Array(truth.scans - 1).fill(truth.secondsBetweenScans));
      expect(
        r.clusters.map((c) => ({
          culprit: c.culprit,
          objectBytes: c.bytes.find((b) => b > 0)! / c.counts.find((n) => n > 0)!,
          counts: c.counts,
          status: c.status,
          ...(c.growthBytesPerSecond !== null ? { bytesPerSecond: c.growthBytesPerSecond } : {}),
        })),
      ).toEqual(truth.clusters as ClusterTruth[]);
      expect([r.latest.objects, r.latest.bytes]).toEqual([truth.latest.objects, truth.latest.bytes]);
      if (truth.listings) {
        expect(r.scans.reduce((a, s) => a + s.objects, 0)).toBe(truth.listings);
        expect(r.distinctObjects).toBe(truth.distinctObjects);
      }
    },
  );
});

describe('what the user reads: `analyze <folder>`', () => {
  it('appended log: the latest scan heads with its series, the in-flight buffers are info', async () => {
    const r = await report('composed/kmemleak/appended-log');
    expect(ReportSchema.parse(r)).toEqual(r);
    expect(headline(r)).toBe(
      '**Memory is leaking in kernel space: 18 unreferenced objects (3.38 KiB) allocated from tracing\\_log\\_err, growing across scans (3 -> 7 -> 12 -> 18 over 4 scans). Culprit: tracing\\_log\\_err.**',
    );
    expect(r.verdict).toMatchObject({ kind: 'leak', severity: 'warning', space: 'kernel' });
    expect(r.findings.map((f) => [f.severity, f.title])).toEqual([
      ['warning', '18 unreferenced objects (3.38 KiB) allocated from tracing_log_err, growing across scans (3 -> 7 -> 12 -> 18 over 4 scans)'],
      ['info', '2 unreferenced objects allocated from tracing_log_err listed up to scan 2 of 4, freed since: transient (2 -> 2 -> 0 -> 0)'],
    ]);
    expect(r.findings[0].evidence[0].detail).toContain('5.63 KiB/h across scans 30 min apart');
    expect(r.kmemleakClusters.map((c) => [c.count, c.bytes, c.scanCounts, c.scanStatus])).toEqual([[18, 3456, [3, 7, 12, 18], 'growing']]);
  });

  it('timestamped scan files: one series ordered by the date lines, headed by the last file', async () => {
    const r = await report('composed/kmemleak/scan-files-timestamped');
    expect(headline(r)).toBe(
      '**Memory is leaking in kernel space: 12 unreferenced objects (768 B) allocated from do\\_check\\_common, growing across scans (4 -> 6 -> 9 -> 12 over 4 scans). Culprit: do\\_check\\_common.**',
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0].source).toBe(path.join(SAMPLES, 'composed/kmemleak/scan-files-timestamped/kmemleak-4.txt'));
    expect(r.findings[0].evidence[0].detail).toContain('in the latest of 4 scans');
    expect(r.findings[0].evidence[0].detail).toContain('173 B/h across scans 3 h apart');
  });

  it('numbered scan files without timestamps: 9, 10, 11 in order (not 10, 11, 9), times from the ages', async () => {
    const r = await report('composed/kmemleak/scan-files-numbered');
    expect(headline(r)).toBe(
      '**Memory is leaking in kernel space: 6 unreferenced objects (3.19 KiB) allocated from idr\\_pre\\_get, growing across scans (1 -> 3 -> 6 over 3 scans). Culprit: idr\\_pre\\_get.**',
    );
    expect(r.kmemleakClusters.map((c) => [path.basename(c.source), c.scanCounts])).toEqual([['kmemleak-11.txt', [1, 3, 6]]]);
    expect(r.findings[0].evidence[0].detail).toContain('1.33 KiB/h across scans 2 h apart');
  });

  it('unrelated public excerpts: each judged on its own, no series across machines', async () => {
    const r = await report('public/kmemleak');
    const truth = TRUTH['public/kmemleak'];
    expect(r.kmemleakClusters.map((c) => ({ source: path.basename(c.source), culprit: c.culprit, count: c.count, bytes: c.bytes })).sort((a, b) => a.source.localeCompare(b.source) || b.bytes - a.bytes)).toEqual(
      truth.singleScanClusters,
    );
    // None carries a series: no cluster is "new" or "vanished" because another machine's file sorts after it.
    expect(r.kmemleakClusters.every((c) => c.scanCounts === undefined)).toBe(true);
    const md = renderMarkdown(r);
    expect(md).not.toMatch(/vanished|freed since|new in the latest|over \d+ scans|latest of \d+ scans/);
    expect(r.findings.map((f) => [f.severity, f.title])).toEqual([
      ['warning', '1 unreferenced object (544 B) allocated from idr_pre_get'],
      ['warning', '4 unreferenced objects (256 B) allocated from do_check_common'],
      ['warning', '1 unreferenced object (192 B) allocated from tracing_log_err'],
    ]);
    expect(headline(r)).toBe(
      '**Memory is leaking in kernel space: 1 unreferenced object (544 B) allocated from idr\\_pre\\_get. Culprits: idr\\_pre\\_get, do\\_check\\_common, tracing\\_log\\_err.**',
    );
  });
});
