/**
 * Streams a large slabinfo series (see generate.ts) through parseSlabinfoAsync with onRecord, in
 * bounded memory: each snapshot is reduced on arrival to the active_objs of a few caches (one
 * Float64Array slot per snapshot) and a SnapshotDecimator keeps 512-1024 evenly spaced
 * snapshots (plus the last), on which slabGrowth runs.
 *
 *   npx tsx bench/slabinfo/generate.ts /tmp/slabinfo-16h.txt 57600
 *   node --expose-gc --import tsx bench/slabinfo/bench.ts /tmp/slabinfo-16h.txt
 *
 * Prints JSON: bytes, snapshots, seconds, MB/s, snapshots/s, peak RSS (sampled and getrusage).
 */
import { createReadStream, statSync } from 'node:fs';
import os from 'node:os';
import { parseAsync, type ParserDefinition } from '../../src/core/parser.js';
import { parseSlabinfoAsync, type SlabinfoSnapshot } from '../../src/parsers/slabinfo/index.js';
import { slabGrowth } from '../../src/analysis/slabGrowth.js';
import { SnapshotDecimator } from '../../src/analysis/snapshotDecimator.js';

const [, , file = '/tmp/slabinfo-16h.txt', flag = ''] = process.argv;

// --floor: first time the shared core alone (line splitting, UTF-8 decoding, accounting) with a
// parser that does nothing, to separate the framework's cost from the slabinfo parser's.
let floorSeconds: number | null = null;
if (flag === '--floor') {
  const nop = { ...slabinfoNop(), createCore: () => ({ line() {}, end() {} }) } as ParserDefinition<never>;
  const t = performance.now();
  await parseAsync(nop, createReadStream(file, { highWaterMark: 1 << 20 }));
  floorSeconds = (performance.now() - t) / 1000;
}
function slabinfoNop() {
  return { format: 'slabinfo' as const, title: 'nop', producedBy: 'nop', recordSchema: undefined as never, sniff: () => ({ score: 0, reason: 'nop' }) };
}
const bytes = statSync(file).size;
const WATCH = ['kmalloc-256', 'filp', 'lsm_file_cache', 'dentry', 'kmalloc-64'];
const cap = 1 << 17;
const series = WATCH.map(() => new Float64Array(cap));
const decimator = new SnapshotDecimator<SlabinfoSnapshot>({ max: 512 });
let n = 0;
let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
const started = performance.now();
const result = await parseSlabinfoAsync(createReadStream(file, { highWaterMark: 1 << 20 }), {
  onRecord: (r) => {
    const s = r as SlabinfoSnapshot;
    if (n < cap) WATCH.forEach((name, i) => (series[i][n] = s.caches[name]?.active_objs ?? NaN));
    decimator.push(s);
    n++;
  },
});
const parseSeconds = (performance.now() - started) / 1000;
const kept = decimator.snapshots();
const g0 = performance.now();
const growth = slabGrowth(kept, { source: file });
const growthSeconds = (performance.now() - g0) / 1000;
clearInterval(rssTimer);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const out = {
  file,
  bytes,
  snapshots: n,
  records: result.stats.records,
  linesRead: result.stats.linesRead,
  seriousDiagnostics: result.diagnostics.bySeverity['data-loss'] + result.diagnostics.bySeverity.error,
  parseSeconds: Number(parseSeconds.toFixed(2)),
  mbPerSecond: Number((bytes / 1024 / 1024 / parseSeconds).toFixed(1)),
  snapshotsPerSecond: Math.round(n / parseSeconds),
  peakRssMiBSampled: Math.round(peakRss / 1024 / 1024),
  maxRssMiBGetrusage: Math.round(process.resourceUsage().maxRSS / 1024),
  slabGrowthOn: kept.length,
  slabGrowthSeconds: Number(growthSeconds.toFixed(2)),
  top4: growth.entries.slice(0, 4).map((e) => `${e.cache}:${e.verdict}`),
  kmalloc64: growth.entries.find((e) => e.cache === 'kmalloc-64')?.verdict,
  filpDelta: series[1][n - 1] - series[1][0],
  coreFloorSeconds: floorSeconds === null ? null : Number(floorSeconds.toFixed(2)),
  node: process.version,
  loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
  cpus: os.cpus().length,
};
console.log(JSON.stringify(out, null, 2));
