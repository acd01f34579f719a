/**
 * The trend engine on the real captures (samples/captures, ground truth in
 * test/ground-truth/CAPTURES-README.md). Usage: npx tsx bench/trend/real-captures.ts
 */
import { readFileSync } from 'node:fs';
import { detectLeakTrend } from '../../src/analysis/trend/index.js';
import { meminfoSeries, parseMeminfo } from '../../src/parsers/meminfo/index.js';

const MEMTOTAL = 24684092;
function rss(dir: string) {
  const t: number[] = [];
  const v: number[] = [];
  for (const line of readFileSync(`samples/captures/${dir}/rss.txt`, 'utf8').split('\n')) {
    const [a, b] = line.trim().split(/\s+/);
    if (a && b) {
      t.push(Number(a));
      v.push(Number(b));
    }
  }
  return { t, v, unit: 'kB' };
}
function meminfo(dir: string, field: string, epochs: boolean) {
  const timestamps = epochs ? readFileSync(`samples/captures/${dir}/meminfo_epochs.txt`, 'utf8').trim().split('\n').map(Number) : undefined;
  const recs = parseMeminfo(readFileSync(`samples/captures/${dir}/meminfo.txt`, 'utf8'), timestamps ? { timestamps } : {}).records;
  return meminfoSeries(recs).find((s) => s.name === field)!;
}
const rows: [string, string, { t: number[]; v: number[]; unit?: string }][] = [
  ['D4_leak rss', 'leak 49.3 MiB/min', rss('D4_leak')],
  ['D4_control rss', 'no leak', rss('D4_control')],
  ['D3 rss', 'leak 8 KiB/s (LSQ 8.6 kB/s)', rss('D3_userspace')],
  ['D4_leak AnonPages', 'leak 49.3 MiB/min', meminfo('D4_leak', 'AnonPages', true)],
  ['D4_control AnonPages', 'no leak', meminfo('D4_control', 'AnonPages', true)],
  ['D4_leak Used', 'leak (49.3 MiB/min + noise)', meminfo('D4_leak', 'Used', true)],
  ['D4_control Used', 'no leak', meminfo('D4_control', 'Used', true)],
  ['D2 SUnreclaim', 'leak snap 7-67, drop 59-61, release at 73', meminfo('D2_slab_meminfo', 'SUnreclaim', false)],
];
console.log('| series | truth | verdict | rate (kB/h) | = MiB/min | 95 % CI (kB/h) | p | onset (s after start) | period (s) | bin | time to MemTotal (h) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const [name, truth, s] of rows) {
  const r = detectLeakTrend(s, { limit: MEMTOTAL });
  const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '-' : x.toFixed(d));
  console.log(
    `| ${name} | ${truth} | ${r.verdict} | ${f(r.slopePerHour)} | ${f(r.slopePerHour !== null ? r.slopePerHour / 1024 / 60 : null, 1)} | ${r.ci95 ? `${f(r.ci95[0])} .. ${f(r.ci95[1])}` : '-'} | ${r.pValue !== null ? r.pValue.toExponential(1) : '-'} | ${f(r.onset !== null ? r.onset - s.t[0] : null, 1)} | ${f(r.period, 2)} | ${r.binSize ?? '-'} | ${f(r.timeToLimitSeconds !== null ? r.timeToLimitSeconds / 3600 : null, 2)} |`,
  );
}
