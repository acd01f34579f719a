import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPieceBytes, pairTraceFileParallel, splitPoints } from '../../src/node/parallel-trace.js';
import * as nodeApi from '../../src/node/index.js';
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

  it.each([
    ['D1_main', 'captures/D1_main/d1p.report.txt.gz'],
    ['D1_mixed_noise', 'captures/D1_mixed_noise/d1.report.txt.gz'],
    ['D1_pages_timerfd', 'captures/D1_pages_timerfd/d1pg.report.txt.gz'],
  ])('pairs in the workers and merges to exactly the serial result on %s (many small pieces)', async (_name, rel) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-trace-'));
    const file = path.join(dir, 'trace.txt');
    const text = sample(rel);
    writeFileSync(file, text);
    const serialParse = parseTraceCmd(text);
    const serial = pairAllocations(serialParse.records, { source: file });
    const par = await pairTraceFileParallel(file, { workers: 2, pieceBytes: 192 << 10 });
    expect(par.pieces).toBeGreaterThan(8);
    // the whole result: counters, unmatched and inferred frees, every site, stack and task, lifetimes, findings
    expect(par.pairing).toEqual(serial);
    expect(par.stats.linesRead).toBe(serialParse.stats.linesRead);
    expect(par.stats.counters).toEqual(serialParse.stats.counters);
    expect(serial.findings.length).toBeGreaterThan(0);
  }, 120_000);

  it('merges to exactly the serial result on a generated trace with a known leak and a kfree_rcu-style trap', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-trace-'));
    const file = path.join(dir, 'gen.txt');
    const gen = spawnSync(process.execPath, ['--import', 'tsx', 'bench/tracecmd/generate.ts', file, '6', '3'], { encoding: 'utf8' });
    expect(gen.status).toBe(0);
    const truth = JSON.parse(gen.stderr.trim().split('\n').at(-1)!) as { leak: { site: string; count: number } };
    const text = readFileSync(file, 'utf8');
    // the generated trace spans well under a second: count every survivor (no 'young' cut-off)
    const serial = pairAllocations(parseTraceCmd(text).records, { source: file, youngAgeSeconds: 0 });
    const par = await pairTraceFileParallel(file, { workers: 2, pieceBytes: 256 << 10, pairing: { youngAgeSeconds: 0 } });
    expect(par.pieces).toBeGreaterThan(20);
    expect(par.pairing).toEqual(serial);
    expect(serial.inferredFrees.slab).toBeGreaterThan(0);
    const leak = par.pairing.allocationSites.find((s) => s.site === truth.leak.site)!;
    expect(leak.outstandingCount).toBe(truth.leak.count);
    // grouped by site across tasks (the default): the leaker is the site's top task
    expect(leak.comm).toBeNull();
    expect(leak.topComms[0]).toMatchObject({ comm: 'leakd', outstandingCount: truth.leak.count });
  }, 120_000);

  it('is exported from memforensics/node', () => {
    expect(nodeApi.pairTraceFileParallel).toBe(pairTraceFileParallel);
    expect(nodeApi.defaultPieceBytes).toBe(defaultPieceBytes);
  });

  it('cuts one piece per worker by default, between 16 MiB and 1 GiB', () => {
    const MiB = 1 << 20;
    expect(defaultPieceBytes(10 * MiB, 2)).toBe(16 * MiB);
    expect(defaultPieceBytes(600 * MiB, 2)).toBe(300 * MiB);
    expect(defaultPieceBytes(1024 * MiB, 2)).toBe(512 * MiB);
    expect(defaultPieceBytes(8192 * MiB, 2)).toBe(1024 * MiB);
    expect(defaultPieceBytes(600 * MiB, 0)).toBe(600 * MiB);
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
