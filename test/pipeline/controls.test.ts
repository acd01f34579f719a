import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { SAMPLES } from '../helpers/samples.js';

/**
 * Real controls (samples/captures/N1_noleak_control, N2_warmup_control; truth in
 * test/ground-truth/controls.groundtruth.json): the verdict a user reads must be no leak, with no
 * finding above info, so that `--fail-on warning` passes on them.
 */
const truth = JSON.parse(readFileSync(path.join(__dirname, '..', 'ground-truth', 'controls.groundtruth.json'), 'utf8'));
const analyse = (folder: string) => analyzePaths([path.join(SAMPLES, 'captures', folder)], { jobs: 1 });

describe('real controls', () => {
  it('N1_noleak_control (oscillating 150-350 MiB load, page-cache churn, nothing retained): no leak, nothing above info', async () => {
    const r = await analyse('N1_noleak_control');
    expect(r.verdict.kind).toBe('no-leak');
    expect(r.verdict.severity).toBe('info');
    expect(r.findings.filter((f) => f.severity !== 'info').map((f) => f.title)).toEqual([]);
    expect(r.trends.filter((t) => t.verdict === 'leak').map((t) => t.series)).toEqual([]);
  });

  it('N2_warmup_control (2 MiB kept for 60 cycles, then flat for longer): warm-up, not a leak, with the rise and both durations in words', async () => {
    const r = await analyse('N2_warmup_control');
    expect(r.verdict.kind).toBe('no-leak');
    expect(r.findings.filter((f) => f.severity !== 'info').map((f) => f.title)).toEqual([]);
    const rss = r.trends.find((t) => t.series === 'rss')!;
    expect(rss.verdict).toBe('plateau');
    expect(rss.rateScope).toBe('current-regime');
    // "rose by 125 MiB in 1 min 36 s, then flat for 3 min 56 s: warm-up, not a leak"
    const m = /rose by ([\d.]+) MiB in .*then flat for (\d+) min/.exec(rss.reason);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - truth.N2_warmup_control.retainedMiB) / truth.N2_warmup_control.retainedMiB).toBeLessThan(0.1);
    const flatMinutes = (truth.N2_warmup_control.end - truth.N2_warmup_control.lastRetainEpoch) / 60;
    expect(Math.abs(Number(m![2]) - flatMinutes)).toBeLessThanOrEqual(1);
    expect(r.trends.find((t) => t.series === 'AnonPages')!.verdict).toBe('plateau');
  });
});
