/**
 * In-process timing of the byte fast path, for judging a code change on a shared, noisy machine:
 * the file is read into memory once, then parsed (and paired) ROUNDS times in one process; the
 * minimum is the figure to compare (warm JIT, no I/O). Compare two revisions with ab.ts, which
 * alternates their runs so that the neighbours' load falls on both alike.
 *
 *   npx tsx bench/tracecmd/inproc.ts FILE [pair|parse] [ROUNDS]
 *
 * `parse`: records go to a counter; `pair`: to an AllocationPairer, as the CLI does.
 */
import { readFileSync } from 'node:fs';
import { AllocationPairer } from '../../src/analysis/pairing/index.js';
import { traceCmdParser, type TraceRecord } from '../../src/parsers/tracecmd/index.js';
import { TraceByteParser } from '../../src/parsers/tracecmd/fast.js';
import { nodeDecodeAscii } from '../../src/node/fastDecode.js';

const [, , file = '/tmp/t200.txt', mode = 'pair', roundsArg = '5'] = process.argv;
const rounds = Number(roundsArg);
const bytes = readFileSync(file);
const CHUNK = 1 << 20;
const times: number[] = [];
let check = '';
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  const pairer = new AllocationPairer({ source: file });
  let records = 0;
  const onRecord = mode === 'pair' ? (x: unknown): void => pairer.add(x as TraceRecord) : (): void => void records++;
  const parser = new TraceByteParser(traceCmdParser, { onRecord, decodeAscii: nodeDecodeAscii });
  for (let o = 0; o < bytes.length; o += CHUNK) parser.push(bytes.subarray(o, Math.min(bytes.length, o + CHUNK)));
  const parsed = parser.finish();
  const top = mode === 'pair' ? pairer.finish().allocationSites[0] : undefined;
  times.push(performance.now() - t0);
  // printed so that both sides of a comparison can be seen to do the same work
  check = JSON.stringify({ lines: parsed.stats.linesRead, records: parsed.stats.records, top: top?.site, outstanding: top?.outstandingCount });
}
const min = Math.min(...times);
process.stdout.write(`${check}\n`);
process.stdout.write(`${mode} ms: ${times.map((t) => t.toFixed(0)).join(' ')} min ${min.toFixed(0)} MiB/s ${(bytes.length / 1048576 / (min / 1000)).toFixed(0)}\n`);
