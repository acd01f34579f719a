/**
 * In-process timing of the byte fast path, for judging a code change on a shared, noisy machine:
 * the file is read into memory once, then parsed (and paired) ROUNDS times in one process; the
 * minimum is the figure to compare (warm JIT, no I/O). Compare two revisions with ab.ts, which
 * alternates their runs so that the neighbours' load falls on both alike.
 *
 *   npx tsx bench/tracecmd/inproc.ts FILE [pair|parse|pieces] [ROUNDS]
 *
 * `parse`: records go nowhere; `pair`: to an AllocationPairer, as the CLI does; `pieces`: what
 * the worker threads of pairTraceFileParallel do, on one thread: 16 MiB pieces, each parsed and
 * paired in piece mode by a fresh parser and pairer, then merged in order (the cost of the split
 * without the threads; PIECE_MB=N sets the piece size, 16 by default as in the workers).
 */
import { readFileSync } from 'node:fs';
import { AllocationPairer } from '../../src/analysis/pairing/index.js';
import { traceCmdParser, type TraceRecord } from '../../src/parsers/tracecmd/index.js';
import { TraceByteParser } from '../../src/parsers/tracecmd/fast.js';
import { nodeDecodeAscii } from '../../src/node/fastDecode.js';
import { splitPoints } from '../../src/node/parallel-trace.js';

const [, , file = '/tmp/t200.txt', mode = 'pair', roundsArg = '5'] = process.argv;
const rounds = Number(roundsArg);
const bytes = readFileSync(file);
const CHUNK = 1 << 20;
const times: number[] = [];
let check = '';
const points = mode === 'pieces' ? splitPoints(file, bytes.length, Number(process.env.PIECE_MB ?? 16) << 20) : [0, bytes.length];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  const merged = new AllocationPairer({ source: file });
  let records = 0;
  let lines = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const pairer = mode === 'pair' ? merged : new AllocationPairer({ source: file });
    if (mode === 'pieces') pairer.startPiece();
    const onRecord = mode === 'parse' ? (): void => {} : (x: unknown): void => pairer.add(x as TraceRecord);
    const parser = new TraceByteParser(traceCmdParser, { onRecord, decodeAscii: nodeDecodeAscii });
    for (let o = points[k]; o < points[k + 1]; o += CHUNK) parser.push(bytes.subarray(o, Math.min(points[k + 1], o + CHUNK)));
    const parsed = parser.finish();
    if (mode === 'pieces') merged.mergePiece(structuredClone(pairer.exportPiece()), lines);
    lines += parsed.stats.linesRead;
    records += parsed.stats.records;
  }
  const top = mode === 'parse' ? undefined : merged.finish().allocationSites[0];
  times.push(performance.now() - t0);
  // printed so that both sides of a comparison can be seen to do the same work
  check = JSON.stringify({ lines, records, top: top?.site, outstanding: top?.outstandingCount });
}
const min = Math.min(...times);
process.stdout.write(`${check}\n`);
process.stdout.write(`${mode} ms: ${times.map((t) => t.toFixed(0)).join(' ')} min ${min.toFixed(0)} MiB/s ${(bytes.length / 1048576 / (min / 1000)).toFixed(0)}\n`);
