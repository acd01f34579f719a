/**
 * Runs the synthetic trend suite: named cases (leaks, controls, plateaus, steps, late onsets, the
 * seed case), 1,000 random no-leak series, time-to-OOM from half of the run, and the speed case.
 * Usage: npx tsx bench/trend/run.ts [--quick]
 */
import { detectLeakTrend } from '../../src/analysis/trend/index.js';
import { namedSuite, prefix, randomLeak, randomNoLeak, speedCase } from './suite.js';

const quick = process.argv.includes('--quick');
const H = 3600;
let tp = 0;
let fp = 0;
let fn = 0;
let tn = 0;
const lines: string[] = [];
const fmt = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d));

lines.push('| case | truth | verdict | rate truth (MB/h) | rate found (MB/h) | err % | onset truth (h) | onset found (h) | ms |');
lines.push('|---|---|---|---|---|---|---|---|---|');
const named = namedSuite();
let rateOk = 0;
let rateN = 0;
for (const c of named) {
  const t0 = performance.now();
  const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' }, { limit: c.limit ?? undefined });
  const ms = performance.now() - t0;
  const isLeak = r.verdict === 'leak';
  if (c.truth === 'leak') (isLeak ? tp++ : fn++);
  else (isLeak ? fp++ : tn++);
  let err: number | null = null;
  if (c.ratePerHour && r.slopePerHour !== null) {
    err = (100 * (r.slopePerHour - c.ratePerHour)) / c.ratePerHour;
    rateN++;
    if (Math.abs(err) <= 10 && isLeak) rateOk++;
  }
  lines.push(
    `| ${c.id} | ${c.truth} | ${r.verdict} | ${fmt(c.ratePerHour && c.ratePerHour / 1024, 2)} | ${fmt(r.slopePerHour !== null ? r.slopePerHour / 1024 : null, 2)} | ${fmt(err)} | ${fmt(c.onset !== null ? c.onset / H : null, 2)} | ${fmt(r.onset !== null ? (r.onset - c.t[0]) / H : null, 2)} | ${ms.toFixed(0)} |`,
  );
}

// Time to OOM from half of the run (half of the time to OOM).
const oomLines: string[] = ['| case | seen (h) | OOM truth (h) | OOM predicted (h) | remaining err % | interval (h) |', '|---|---|---|---|---|---|'];
let oomOk = 0;
let oomN = 0;
for (const c of named) {
  if (c.oomAt === null || c.limit === null) continue;
  const half = c.oomAt / 2;
  const p = prefix(c, Math.min(half, c.t[c.t.length - 1]));
  const r = detectLeakTrend({ t: p.t, v: p.v, unit: 'kB' }, { limit: c.limit });
  const seen = p.t[p.t.length - 1];
  const pred = r.timeToLimitSeconds !== null ? seen + r.timeToLimitSeconds : null;
  const err = pred !== null ? (100 * (pred - c.oomAt)) / (c.oomAt - seen) : null;
  oomN++;
  if (err !== null && Math.abs(err) <= 10) oomOk++;
  oomLines.push(
    `| ${c.id} | ${fmt(seen / H, 2)} | ${fmt(c.oomAt / H, 2)} | ${fmt(pred !== null ? pred / H : null, 2)} | ${fmt(err)} | ${r.timeToLimitLower !== null ? fmt((seen + r.timeToLimitLower) / H, 2) : '-'} .. ${r.timeToLimitUpper !== null ? fmt((seen + r.timeToLimitUpper) / H, 2) : 'unbounded'} |`,
  );
}

// Random no-leak series.
const N = quick ? 200 : 1000;
let falseAlarms = 0;
const byShape = new Map<string, [number, number]>();
const alarms: string[] = [];
const tRand = performance.now();
for (let i = 0; i < N; i++) {
  const c = randomNoLeak(i);
  const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' });
  const shape = c.id.split('-').slice(2).join('-');
  const e = byShape.get(shape) ?? [0, 0];
  e[1]++;
  if (r.verdict === 'leak') {
    falseAlarms++;
    e[0]++;
    alarms.push(`${c.id} (${(r.slopePerHour! / 1024).toFixed(2)} MB/h, p=${r.pValue?.toExponential(1)})`);
  }
  byShape.set(shape, e);
}
const randMs = performance.now() - tRand;
fp += falseAlarms;
tn += N - falseAlarms;

// Random leaks.
const NL = quick ? 100 : 300;
let leakHits = 0;
let leakRateOk = 0;
const misses: string[] = [];
const leakByShape = new Map<string, [number, number]>();
for (let i = 0; i < NL; i++) {
  const c = randomLeak(i);
  const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' });
  const shape = c.id.split('-').slice(2).join('-');
  const e = leakByShape.get(shape) ?? [0, 0];
  e[1]++;
  if (r.verdict === 'leak') {
    leakHits++;
    e[0]++;
    tp++;
    if (Math.abs(r.slopePerHour! - c.ratePerHour!) <= 0.1 * c.ratePerHour!) leakRateOk++;
  } else {
    fn++;
    if (misses.length < 12) misses.push(`${c.id} (${r.verdict}, growth ${(((c.ratePerHour! / 3600) * (c.t[c.t.length - 1] - c.t[0] - c.onset!)) / 1024).toFixed(0)} MB)`);
  }
  leakByShape.set(shape, e);
}

// Speed.
const sc = speedCase();
detectLeakTrend({ t: sc.t, v: sc.v }); // warm-up (JIT)
const runs: number[] = [];
let speedResult: ReturnType<typeof detectLeakTrend> | null = null;
for (let k = 0; k < 5; k++) {
  const t0 = performance.now();
  speedResult = detectLeakTrend({ t: sc.t, v: sc.v, unit: 'kB' });
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);

const precision = tp / Math.max(1, tp + fp);
const recall = tp / Math.max(1, tp + fn);
const f1 = (2 * precision * recall) / Math.max(1e-12, precision + recall);
console.log(lines.join('\n'));
console.log();
console.log(oomLines.join('\n'));
console.log();
console.log(`random no-leak series: ${N}, false alarms ${falseAlarms} (${((100 * falseAlarms) / N).toFixed(2)} %), ${(randMs / N).toFixed(1)} ms/series`);
console.log('by shape: ' + [...byShape].map(([k, [a, n]]) => `${k} ${a}/${n}`).join(', '));
if (alarms.length) console.log('alarms: ' + alarms.slice(0, 20).join('; '));
console.log(`random leak series: ${NL}, detected ${leakHits} (${((100 * leakHits) / NL).toFixed(1)} %), rate within 10 % in ${leakRateOk} (${((100 * leakRateOk) / NL).toFixed(1)} %)`);
console.log('detected by shape: ' + [...leakByShape].map(([k, [a, n]]) => `${k} ${a}/${n}`).join(', '));
if (misses.length) console.log('missed: ' + misses.join('; '));
console.log(`named leaks with rate within 10 %: ${rateOk}/${rateN}; time to OOM within 10 % (remaining time) from half the run: ${oomOk}/${oomN}`);
console.log(`confusion (leak = positive, all series): TP ${tp} FP ${fp} FN ${fn} TN ${tn}; precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} F1 ${f1.toFixed(3)}`);
console.log(`speed: ${sc.t.length} samples, median ${runs[2].toFixed(0)} ms, min ${runs[0].toFixed(0)} ms, max ${runs[4].toFixed(0)} ms; verdict ${speedResult?.verdict}, rate ${((speedResult?.slopePerHour ?? 0) / 1024).toFixed(2)} MB/h (truth ${(sc.ratePerHour! / 1024).toFixed(2)})`);
