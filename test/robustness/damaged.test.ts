import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtefactText } from '../../src/parsers/auto.js';
import { parsePaths } from '../../src/node/analyzePaths.js';
import { FOREIGN_LINES, expectLinesAccounted } from '../helpers/contract.js';
import { SAMPLES, sample } from '../helpers/samples.js';

/** Real captures damaged the way field captures are: cut, headless, interleaved, gzip cut short. */
const REAL = [
  'captures/D2_slab_meminfo/slabinfo.txt.gz',
  'captures/D2_slab_meminfo/meminfo.txt',
  'captures/D5_fragmentation/buddyinfo.txt',
  'captures/D3_userspace/memleak_a.txt',
  'captures/D3_userspace/bpftrace.txt',
  'captures/D3_userspace/valgrind.txt',
  'public/kmemleak/x86_64-6.3-hashed-age-tracing.txt',
  'public/oom/centos7-3.10-memcg-docker-oom-full.txt',
];

function firstLines(text: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i >= 0; k++) i = text.indexOf('\n', i + 1);
  return i < 0 ? text : text.slice(0, i + 1);
}

describe('damaged real captures', () => {
  it.each(REAL)('%s cut in the middle of a record keeps what came before', (rel) => {
    const text = sample(rel);
    const full = parseArtefactText(text, { path: rel });
    const cut = text.slice(0, Math.floor(text.length * 0.6) + 7); // mid-line on purpose
    const r = parseArtefactText(cut, { path: rel, format: full.format });
    expectLinesAccounted(r.result);
    expect(r.result.stats.records).toBeGreaterThan(0);
    expect(r.result.stats.records).toBeLessThanOrEqual(full.result.stats.records);
  });

  it.each(REAL)('%s with foreign log lines and serial garbage interleaved still parses', (rel) => {
    const text = sample(rel);
    const full = parseArtefactText(text, { path: rel });
    const lines = text.split('\n');
    const noisy = lines.map((l, i) => (i % 7 === 3 ? `${FOREIGN_LINES[i % FOREIGN_LINES.length]}\n\u0000\u0007\u00ff~~\n${l}` : l)).join('\n');
    const r = parseArtefactText(noisy, { path: rel, format: full.format });
    expectLinesAccounted(r.result);
    expect(r.result.stats.records).toBeGreaterThan(0);
    expect(r.result.stats.linesRead).toBe(noisy.split('\n').length - (noisy.endsWith('\n') ? 1 : 0));
  });

  it.each(REAL)('%s with a line of 1.5 MB: the line is diagnosed and skipped unparsed, the rest reads as before', (rel) => {
    const text = sample(rel);
    const full = parseArtefactText(text, { path: rel });
    const lines = text.split('\n');
    const huge = `${lines[3]} ${'9'.repeat(1_500_000)}`;
    const r = parseArtefactText([...lines.slice(0, 4), huge, ...lines.slice(4)].join('\n'), { path: rel, format: full.format });
    expectLinesAccounted(r.result);
    expect(r.result.diagnostics.items.filter((d) => d.code === 'line-too-long').map((d) => d.line)).toEqual([5]);
    expect(r.result.stats.linesDiagnosed).toBe(full.result.stats.linesDiagnosed + 1);
    expect(r.result.stats.records).toBe(full.result.stats.records);
  });

  it('a trace-cmd report without its header still parses its events', () => {
    const text = firstLines(sample('captures/D1_main/d1p.report.txt.gz'), 4000);
    const body = text.split('\n').filter((l) => !l.startsWith('cpus=') && !l.startsWith('version') && !l.startsWith('CPU ')).join('\n');
    const r = parseArtefactText(body, { path: 'no-header.txt' });
    const withHeader = parseArtefactText(text, { path: 'header.txt' });
    expect(r.format === 'trace-cmd' || r.format === 'ftrace').toBe(true);
    expect(r.result.stats.records).toBeGreaterThan(300);
    expect(r.result.stats.records).toBe(withHeader.result.stats.records);
  });

  it('a gzip cut short gives a data-loss diagnostic and keeps every record before the cut', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memforensics-'));
    const gz = readFileSync(path.join(SAMPLES, 'captures/D2_slab_meminfo/slabinfo.txt.gz'));
    const file = path.join(dir, 'slabinfo.txt.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const [a] = await parsePaths([file]);
    expect(a.error).toBeUndefined();
    expect(a.format).toBe('slabinfo');
    expect(a.result!.diagnostics.byCode['gzip-truncated']).toBe(1);
    expect(a.result!.stats.records).toBeGreaterThan(10);
    expect(a.result!.stats.records).toBeLessThan(80);
  });
});
