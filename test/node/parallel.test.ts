import { describe, expect, it } from 'vitest';
import { parsePaths } from '../../src/node/analyzePaths.js';
import { analyze } from '../../src/pipeline/analyze.js';
import { SAMPLES } from '../helpers/samples.js';
import path from 'node:path';

describe('parsing a folder in worker threads', () => {
  const folder = path.join(SAMPLES, 'captures', 'D3_userspace');
  const folder2 = path.join(SAMPLES, 'public');
  const folder3 = path.join(SAMPLES, 'captures', 'D2_slab_meminfo');

  it('gives the same artefacts and report as the serial run, with byte progress forwarded from the workers', async () => {
    const serial = await parsePaths([folder, folder2, folder3], { jobs: 1 });
    const progress = new Map<string, number>();
    const files: string[] = [];
    // Every file to a worker (the default keeps files under 16 MiB in this thread).
    const parallel = await parsePaths([folder, folder2, folder3], {
      jobs: 2,
      workerMinBytes: 0,
      onFile: (file) => files.push(file),
      onProgress: (file, bytesRead) => progress.set(file, Math.max(progress.get(file) ?? 0, bytesRead)),
    });
    expect(parallel.map((a) => a.path)).toEqual(serial.map((a) => a.path));
    expect(parallel).toEqual(serial);
    expect(analyze(parallel)).toEqual(analyze(serial));
    const parsedFiles = serial.filter((a) => a.format !== null || a.error).map((a) => a.path);
    expect(new Set(files)).toEqual(new Set(parsedFiles));
    // Each worker's first progress post for a file arrives (later ones are throttled to 5 a second).
    expect(parsedFiles.every((f) => progress.has(f))).toBe(true);
  });

  it('keeps small files in this thread by default, with the same result', async () => {
    const serial = await parsePaths([folder3], { jobs: 1 });
    expect(await parsePaths([folder3], { jobs: 2 })).toEqual(serial);
    expect(await parsePaths([folder3], { jobs: 2, workerMinBytes: 10_000 })).toEqual(serial);
  });
});

describe('a big trace paired in pieces on worker threads (what the CLI does past 128 MiB)', () => {
  it('gives the pairing, findings and line accounting of the serial run', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { gunzipSync } = await import('node:zlib');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-trace-pieces-'));
    const trace = path.join(dir, 'd1p.report.txt');
    writeFileSync(trace, gunzipSync(readFileSync(path.join(SAMPLES, 'captures', 'D1_main', 'd1p.report.txt.gz'))));
    const serial = await parsePaths([trace], { jobs: 1 });
    const progress: number[] = [];
    const pieces = await parsePaths([trace], { jobs: 2, traceParallelMinBytes: 0, onProgress: (_f, done) => progress.push(done) });
    expect(pieces[0].format).toBe('trace-cmd');
    expect(pieces[0].streamed?.pairing).toEqual(serial[0].streamed?.pairing);
    const { records: _r1, ...linesInPieces } = pieces[0].result!.stats;
    const { records: _r2, ...linesSerial } = serial[0].result!.stats;
    // Every line accounted for the same way (the record count differs: see pairTraceFileParallel).
    expect(linesInPieces).toEqual(linesSerial);
    expect(pieces[0].result?.diagnostics.total).toBe(serial[0].result?.diagnostics.total);
    const [a, b] = [analyze(pieces), analyze(serial)];
    expect(a.verdict).toEqual(b.verdict);
    expect(a.findings).toEqual(b.findings);
    expect(progress.at(-1)).toBe(pieces[0].bytes);
    // Below the threshold the trace stays on this thread.
    expect(await parsePaths([trace], { jobs: 2 })).toEqual(serial);
  }, 60_000);
});
