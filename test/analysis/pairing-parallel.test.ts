import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairTraceFileParallel, splitPoints } from '../../src/node/parallel-trace.js';
import { pairAllocations } from '../../src/analysis/pairing/index.js';
import { parseTraceCmd } from '../../src/parsers/tracecmd/index.js';
import { sample } from '../helpers/samples.js';

describe('parallel trace pairing (worker threads)', () => {
  it('cuts pieces at event lines, never inside a stack block', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-trace-'));
    const file = path.join(dir, 'd1pg.txt');
    const text = sample('captures/D1_pages_timerfd/d1pg.report.txt.gz');
    writeFileSync(file, text);
    const points = splitPoints(file, Buffer.byteLength(text), 1 << 20);
    expect(points.length).toBeGreaterThan(10);
    const buf = Buffer.from(text);
    for (const p of points.slice(1, -1)) {
      expect(buf[p - 1]).toBe(10);
      const line = buf.toString('utf8', p, buf.indexOf(10, p));
      expect(line.trimStart().startsWith('=>')).toBe(false);
      expect(line.includes('kernel_stack:')).toBe(false);
    }
  });

  it('gives the serial pairing result on D1 pages (120 leaked timerfds)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-trace-'));
    const file = path.join(dir, 'd1pg.txt');
    const text = sample('captures/D1_pages_timerfd/d1pg.report.txt.gz');
    writeFileSync(file, text);
    const par = await pairTraceFileParallel(file, { workers: 2, pieceBytes: 4 << 20 });
    const serial = pairAllocations(parseTraceCmd(text).records, { source: file });
    expect(par.pieces).toBeGreaterThan(2);
    expect(par.pairing.totals).toEqual(serial.totals);
    expect(par.pairing.allocationSites).toEqual(serial.allocationSites);
    expect(par.pairing.findings.map((f) => f.culprit).sort()).toEqual(['__d_alloc', '__do_sys_timerfd_create', 'alloc_empty_file', 'security_file_alloc']);
    expect(par.stats.counters['event:kmem_cache_alloc']).toBe(9257);
    expect(par.stats.linesRead).toBe(parseTraceCmd(text).stats.linesRead);
  }, 120_000);
});
