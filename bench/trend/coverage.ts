/**
 * Coverage of the reported 95 % rate interval (issue 15 item 3): the share of simulated leaks with a
 * known rate whose reported interval holds that rate, and the share whose rate is within 10 %.
 * Series: `randomLeak` (bench/trend/suite.ts: six load shapes, 4-44 load cycles, 1-24 h, half of the
 * leaks starting late) plus short windows of few sawtooth cycles (the 2-hour, 8-cycle case of the
 * issue), all with seeded noise. Only series called `leak` count for coverage (a missed leak has no
 * interval to judge); the detection rate is printed beside it.
 * Usage: npx tsx bench/trend/coverage.ts [N]   (default 600 series)
 */
import { detectLeakTrend } from '../../src/analysis/trend/index.js';
import { randomLeak, rng, type SuiteCase } from './suite.js';

const MB = 1024;

/** A short window: `cycles` sawtooth cycles of a working set on a linear leak, kB, seeded noise. */
export function fewCycleLeak(i: number): SuiteCase {
  const r = rng(104729 * (i + 1));
  const cycles = 4 + Math.floor(r() * 12);
  const period = 300 + r() * 1500;
  const duration = cycles * period;
  const step = [1, 5, 10][Math.floor(r() * 3)];
  const amp = (50 + r() * 250) * MB;
  const ratePerHour = (5 + r() * 60) * MB;
  const noise = r() * 2 * MB;
  const phase = r() * period;
  const t: number[] = [];
  const v: number[] = [];
  for (let x = 0; x <= duration; x += step) {
    const g = Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
    t.push(x);
    v.push(500 * MB + (ratePerHour * x) / 3600 + amp * (((x + phase) % period) / period) + noise * g);
  }
  return { id: `few-${i}-${cycles}cycles`, truth: 'leak', ratePerHour, onset: 0, limit: null, oomAt: null, t, v };
}

function main(): void {
  const n = Number(process.argv[2] ?? 600);
  const cases: SuiteCase[] = [];
  for (let i = 0; i < Math.ceil(n / 2); i++) cases.push(randomLeak(i));
  for (let i = 0; i < Math.floor(n / 2); i++) cases.push(fewCycleLeak(i));
  const groups = new Map<string, { n: number; detected: number; covered: number; within10: number; zeroWidth: number }>();
  const t0 = performance.now();
  for (const c of cases) {
    const group = c.id.startsWith('few-') ? 'few cycles (4-15, sawtooth)' : `random ${c.id.split('-').slice(2).join('-')}`;
    const g = groups.get(group) ?? { n: 0, detected: 0, covered: 0, within10: 0, zeroWidth: 0 };
    g.n++;
    const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' });
    if (r.verdict === 'leak' && r.slopePerHour !== null && r.ci95) {
      g.detected++;
      const truth = c.ratePerHour!;
      if (r.ci95[0] <= truth && truth <= r.ci95[1]) g.covered++;
      if (Math.abs(r.slopePerHour - truth) <= 0.1 * truth) g.within10++;
      if (!(r.ci95[1] > r.ci95[0])) g.zeroWidth++;
    }
    groups.set(group, g);
  }
  const ms = performance.now() - t0;
  const all = [...groups.values()].reduce(
    (a, g) => ({ n: a.n + g.n, detected: a.detected + g.detected, covered: a.covered + g.covered, within10: a.within10 + g.within10, zeroWidth: a.zeroWidth + g.zeroWidth }),
    { n: 0, detected: 0, covered: 0, within10: 0, zeroWidth: 0 },
  );
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '-');
  console.log('| series | n | called leak | 95 % interval covers the truth | rate within 10 % | zero-width intervals |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, g] of [...groups.entries()].sort()) {
    console.log(`| ${name} | ${g.n} | ${g.detected} | ${pct(g.covered, g.detected)} | ${pct(g.within10, g.detected)} | ${g.zeroWidth} |`);
  }
  console.log(`| **all** | ${all.n} | ${all.detected} | **${pct(all.covered, all.detected)}** | **${pct(all.within10, all.detected)}** | ${all.zeroWidth} |`);
  console.log(`\n${cases.length} series in ${(ms / 1000).toFixed(1)} s`);
}

if (process.argv[1]?.endsWith("coverage.ts")) main();
