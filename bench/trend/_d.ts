import { detectLeakTrend } from '../../src/analysis/trend/index.js';
import { randomLeak } from './suite.js';
for (const i of process.argv.slice(2).map(Number)) {
  const c = randomLeak(i);
  const r = detectLeakTrend({ t: c.t, v: c.v, unit: 'kB' });
  const t0 = c.t[0];
  console.log(c.id, c.t.length, 'dur h', ((c.t[c.t.length - 1] - t0) / 3600).toFixed(1), 'onset h', (c.onset! / 3600).toFixed(2), 'rate MB/h', (c.ratePerHour! / 1024).toFixed(1), r.verdict, r.reason, 'bin', r.binSize, 'period', r.period?.toFixed(0), 'noise', r.noise?.toFixed(0));
  console.log(' segments', r.segments.map((x) => [((x.start - t0) / 3600).toFixed(2), ((x.end - t0) / 3600).toFixed(2), x.reason, x.points]));
  for (const g of r.regimes) console.log(' regime', ((g.start - t0) / 3600).toFixed(2), ((g.end - t0) / 3600).toFixed(2), g.points, (g.slopePerHour / 1024).toFixed(1), g.pValue.toPrecision(2), (g.levelStart / 1024).toFixed(0), (g.levelEnd / 1024).toFixed(0), g.rising);
}
