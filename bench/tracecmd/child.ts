/**
 * One benchmark measurement in its own process (so peak RSS is its own):
 *   child MODE FILE [WORKERS]   MODE = text | fast | parallel | analyze
 * `analyze` is what `memforensics analyze FILE --json` runs with default options (analyzePaths
 * with --jobs = the cores, the report built and serialised).
 * Prints one JSON line: wall and CPU seconds, peak RSS, events, the top-ranked site.
 */
import { createReadStream, statSync } from 'node:fs';
import { AllocationPairer, type PairingResult } from '../../src/analysis/pairing/index.js';
import { parseTraceCmdAsync, traceCmdParser, type TraceRecord } from '../../src/parsers/tracecmd/index.js';
import { parseTraceBytesAsync } from '../../src/parsers/tracecmd/fast.js';
import { pairTraceFileParallel } from '../../src/node/parallel-trace.js';
import { nodeDecodeAscii } from '../../src/node/fastDecode.js';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { availableParallelism } from 'node:os';

async function main(): Promise<void> {
  const [, , mode = 'fast', file = '', workersArg = '2'] = process.argv;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let result: PairingResult;
  let events = 0;
  if (mode === 'analyze') {
    const report = await analyzePaths([file], { jobs: availableParallelism() });
    const json = JSON.stringify(report);
    const site = report.allocationSites[0];
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    process.stdout.write(
      JSON.stringify({
        mode,
        bytes: statSync(file).size,
        wallSeconds: wall,
        cpuSeconds: (c.user + c.system) / 1e6,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        events: null,
        reportBytes: json.length,
        verdict: report.verdict.kind,
        top: site ? { site: site.site, comm: site.comm ?? null, count: site.outstandingCount } : null,
      }) + '\n',
    );
    return;
  }
  if (mode === 'parallel') {
    const r = await pairTraceFileParallel(file, { workers: Number(workersArg) });
    result = r.pairing;
    events = Object.values(result.eventCounts).reduce((a, b) => a + b, 0);
  } else {
    const pairer = new AllocationPairer({ source: file });
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    const onRecord = (x: unknown): void => pairer.add(x as TraceRecord);
    if (mode === 'text') await parseTraceCmdAsync(stream, { onRecord });
    else await parseTraceBytesAsync(traceCmdParser, stream, { onRecord, decodeAscii: nodeDecodeAscii });
    result = pairer.finish();
    events = Object.values(result.eventCounts).reduce((a, b) => a + b, 0);
  }
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const top = result.allocationSites[0];
  process.stdout.write(
    JSON.stringify({
      mode: mode === 'parallel' ? `parallel-${workersArg}` : mode,
      bytes: statSync(file).size,
      wallSeconds: wall,
      cpuSeconds: (c.user + c.system) / 1e6,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      events,
      top: top ? { site: top.site, comm: top.comm, count: top.outstandingCount + top.young.count, leak: top.leak } : null,
      findings: result.findings.map((f) => f.culprit),
    }) + '\n',
  );
}
void main();
