import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/core/format.js';
import { ROOT } from '../helpers/samples.js';

/** The HTML report's own copy of the duration formatter (client.js runs in the browser, without imports). */
function clientFmtDur(): (sec: number) => string {
  const src = readFileSync(path.join(ROOT, 'src/report/html/client.js'), 'utf8');
  const start = src.indexOf('  function fmtDur(sec) {');
  const end = src.indexOf('\n  }\n', start);
  expect(start).toBeGreaterThan(0);
  return new Function(`${src.slice(start, end + 4)}; return fmtDur;`)() as (sec: number) => string;
}

describe('one duration style in the tables, the headline and the HTML chart readouts', () => {
  it('the chart readout writes what formatDuration writes, from a second up', () => {
    const fmtDur = clientFmtDur();
    // Unit boundaries (59.6 s, 59 min 59.6 s, 23 h 59 min 59.6 s, the D4_leak time to limit) and a sweep.
    const values = [1, 9.96, 45, 59.6, 200, 599.5, 3599.6, 28591, 28642.3, 35999.6, 86399.6, 309000, 311040];
    for (let s = 1; s < 4e6; s *= 1.37) values.push(s);
    for (const s of values) expect(fmtDur(s), String(s)).toBe(`+${formatDuration(s)}`);
    expect(fmtDur(-90)).toBe('-1 min 30 s');
  });

  it('never "60 min" or "60 s" or "24 h" (rounding carries into the larger unit)', () => {
    for (let s = 1; s < 1e7; s += 0.7 + s / 500) expect(formatDuration(s), String(s)).not.toMatch(/\b(60 (min|s)|24 h)\b/);
  });
});
