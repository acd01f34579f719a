import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSUMED_TIME_AXIS_MARK, LEAK_FINDING_KINDS } from '../../src/core/models.js';
import { formatTimeToLimit } from '../../src/core/format.js';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { analyzeTexts } from '../../src/pipeline/analyzeTexts.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { ReportSchema, type Report } from '../../src/report/schema.js';
import { ROOT, SAMPLES, sample } from '../helpers/samples.js';

/**
 * Honest time axes (issue 15 item 4) on a real capture: three `sleep 2` loops without timestamps
 * (slabinfo, meminfo, `ps -o rss=`) beside `vmstat -t 2` of the same run, with each loop
 * iteration's true epoch kept outside the folder (samples/captures/TA_untimed_loops/README.md).
 */
const execFileAsync = promisify(execFile);
const FOLDER = path.join(SAMPLES, 'captures', 'TA_untimed_loops');
const UNTIMED = ['slabinfo.txt.gz', 'meminfo.txt', 'ps-rss.txt'].map((f) => path.join(FOLDER, f));
const TRUTH_DIR = path.join(ROOT, 'test', 'ground-truth', 'ta_untimed_loops');
const truth = JSON.parse(readFileSync(path.join(TRUTH_DIR, 'groundtruth.json'), 'utf8'));
const TRUE_RSS_KB_PER_S: number = truth.loops['ps-rss.txt'].rss_kb_per_second; // 261.1
const TRUE_SLAB_PER_S: Record<string, number> = truth.loops['slabinfo.txt.gz'].active_objs_per_second;

const cache = new Map<string, Promise<Report>>();
function run(key: string, make: () => Promise<Report>): Promise<Report> {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
}
const withSibling = () => run('sibling', () => analyzePaths([FOLDER], { jobs: 1 }));
const alone = () => run('alone', () => analyzePaths(UNTIMED, { jobs: 1 }));

const axis = (r: Report, file: string) => r.artefacts.find((a) => path.basename(a.path) === file)?.timeAxis;
const rssPerSecond = (r: Report) => r.trends.find((t) => t.source.endsWith('ps-rss.txt'))!.slopePerHour! / 3600;
const slabPerSecond = (r: Report, cache: string) => r.slabGrowth.find((s) => s.cache === cache)!.slopeObjectsPerHour! / 3600;
const within = (measured: number, truthValue: number, fraction: number) => Math.abs(measured / truthValue - 1) <= fraction;

describe('time axes on the real untimed-loops capture', () => {
  it('the three untimed series take their axis from the vmstat -t log of the same run', async () => {
    const r = await withSibling();
    expect(ReportSchema.parse(r)).toEqual(r);
    expect(axis(r, 'vmstat-t.txt')?.source).toBe('timestamps');
    for (const file of ['slabinfo.txt.gz', 'meminfo.txt', 'ps-rss.txt']) {
      const a = axis(r, file)!;
      expect(a.source, file).toBe('sibling-capture');
      expect(path.basename(a.from!)).toBe('vmstat-t.txt');
      // The loops' true period is 2.008-2.015 s (sleep 2 plus the command).
      expect(within(a.intervalSeconds!, truth.loops[file].interval_seconds, 0.01), `${file}: ${a.intervalSeconds}`).toBe(true);
    }
    expect(r.verdict.assumedTimeAxes).toBeUndefined();
    expect(r.verdict.summary).not.toContain('assumed');
    // The HTML artefacts table says where each axis comes from.
    expect(renderHtml(r)).toContain('sibling-capture: no timestamps in the file: its 120 samples taken as the same run as vmstat-t.txt');
  });

  it('rates within 10 % of the truth once the sibling axis is used (RSS, and the three eventfd caches)', async () => {
    const r = await withSibling();
    expect(within(rssPerSecond(r), TRUE_RSS_KB_PER_S, 0.1), `rss ${rssPerSecond(r)} kB/s`).toBe(true);
    for (const cache of ['filp', 'kmalloc-64', 'lsm_file_cache']) {
      expect(r.slabGrowth.find((s) => s.cache === cache)?.verdict, cache).toBe('leak');
      expect(within(slabPerSecond(r, cache), TRUE_SLAB_PER_S[cache], 0.1), `${cache} ${slabPerSecond(r, cache)}/s`).toBe(true);
    }
    const rssFinding = r.findings.find((f) => f.kind === 'usage-trend' && f.source.endsWith('ps-rss.txt'))!;
    expect(rssFinding.timeAxis).toBe('sibling-capture');
    expect(rssFinding.title).not.toContain(ASSUMED_TIME_AXIS_MARK);
  });

  it('a decimated stream (every k-th snapshot kept) still counts every sample and gets the same rates', async () => {
    const r = await analyzePaths([FOLDER], { jobs: 1, maxSnapshots: 16 });
    expect(axis(r, 'slabinfo.txt.gz')?.source).toBe('sibling-capture');
    for (const cache of ['filp', 'kmalloc-64', 'lsm_file_cache']) expect(within(slabPerSecond(r, cache), TRUE_SLAB_PER_S[cache], 0.1), cache).toBe(true);
  });

  it('--interval (the library option) gives the same axis when no sibling is listed', async () => {
    const r = await run('interval', () => analyzePaths(UNTIMED, { jobs: 1, intervalSeconds: 2 }));
    for (const file of ['slabinfo.txt.gz', 'meminfo.txt', 'ps-rss.txt']) expect(axis(r, file)?.source, file).toBe('interval-option');
    expect(within(rssPerSecond(r), TRUE_RSS_KB_PER_S, 0.1)).toBe(true);
    expect(within(slabPerSecond(r, 'filp'), TRUE_SLAB_PER_S.filp, 0.1)).toBe(true);
    expect(r.verdict.assumedTimeAxes).toBeUndefined();
  });

  it('without vmstat-t.txt the axis is assumed: the headline says so, every rate carries the mark, grades are capped at warning', async () => {
    const r = await alone();
    for (const file of ['slabinfo.txt.gz', 'meminfo.txt', 'ps-rss.txt']) expect(axis(r, file)?.source, file).toBe('assumed');
    // What the assumption costs: 1 sample per second where the loops ran every 2 s, so rates are 2x.
    expect(rssPerSecond(r) / TRUE_RSS_KB_PER_S).toBeGreaterThan(1.8);
    expect(rssPerSecond(r) / TRUE_RSS_KB_PER_S).toBeLessThan(2.2);

    expect(r.verdict.summary.startsWith('Time axis assumed for slabinfo.txt.gz, meminfo.txt, ps-rss.txt')).toBe(true);
    expect(r.verdict.assumedTimeAxes).toHaveLength(3);
    expect(r.verdict.severity).toBe('warning');
    const leaks = r.findings.filter((f) => LEAK_FINDING_KINDS.has(f.kind) && f.severity !== 'info');
    expect(leaks.length).toBeGreaterThan(3);
    for (const f of leaks) {
      expect(f.severity, f.title).toBe('warning');
      expect(f.timeAxis, f.title).toBe('assumed');
      expect(f.title, f.title).toContain(ASSUMED_TIME_AXIS_MARK);
      for (const e of f.evidence) expect(e.detail, e.detail).toContain(ASSUMED_TIME_AXIS_MARK);
    }
    for (const t of r.trends) expect(t.timeAxis).toBe('assumed');

    const md = renderMarkdown(r);
    expect(md.split('\n')[0]).toBe('# memforensics: LEAK (warning, time axis assumed)');
    // Every slope cell of the trends, slab and meminfo tables is marked.
    const slopeRows = md.split('\n').filter((l) => l.startsWith('|') && /[+-][\d.]+ (?:[KMG]iB|B|objects|kB)?\/h/.test(l));
    expect(slopeRows.length).toBeGreaterThan(5);
    for (const l of slopeRows) expect(l, l).toContain(ASSUMED_TIME_AXIS_MARK);
    const html = renderHtml(r);
    expect(html).toContain('<dt>Time axis</dt><dd>assumed for ');
    expect(html).toContain(`/h ${ASSUMED_TIME_AXIS_MARK}`);
  });

  it('grade cap: the RSS leak 15 min from a 256 MiB limit is critical on the sibling axis, warning at most when assumed', async () => {
    const limitBytes = 256 * 1024 * 1024;
    const rss = path.join(FOLDER, 'ps-rss.txt');
    const timed = await analyzePaths([rss, path.join(FOLDER, 'vmstat-t.txt')], { jobs: 1, limitBytes });
    const timedRss = timed.findings.find((f) => f.kind === 'usage-trend')!;
    expect(timedRss.timeAxis).toBe('sibling-capture');
    expect(timedRss.severity).toBe('critical');
    expect(timed.verdict.severity).toBe('critical');
    const assumed = await analyzePaths([rss], { jobs: 1, limitBytes });
    const assumedRss = assumed.findings.find((f) => f.kind === 'usage-trend')!;
    expect(assumedRss.timeAxis).toBe('assumed');
    expect(assumedRss.severity).toBe('warning');
    expect(assumed.verdict.severity).toBe('warning');
    expect(assumed.verdict.timeToLimitAxisAssumed).toBe(true);
    expect(renderMarkdown(assumed)).toContain(`time to limit: **${formatTimeToLimit(assumed.verdict.timeToLimitSeconds, true)}**`);
    expect(assumed.verdict.summary).toContain(`limit in ${formatTimeToLimit(assumed.verdict.timeToLimitSeconds)} ${ASSUMED_TIME_AXIS_MARK}.`);
  });

  it('the CLI: --interval sets the axis, and --fail-on critical passes on an assumed axis', async () => {
    const cli = async (...args: string[]) =>
      execFileAsync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'src/cli/main.ts'), 'analyze', ...args, '--jobs', '1', '--quiet'], { cwd: ROOT, maxBuffer: 64 << 20 }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const rss = path.join(FOLDER, 'ps-rss.txt');
    const withInterval = await cli(rss, '--interval', '2', '--json');
    expect(withInterval.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(withInterval.stdout));
    expect(report.artefacts[0].timeAxis?.source).toBe('interval-option');
    expect(within(rssPerSecond(report), TRUE_RSS_KB_PER_S, 0.1)).toBe(true);
    expect((await cli(rss, '--limit', '256MiB', '--fail-on', 'critical')).code).toBe(0);
    expect((await cli(rss, '--limit', '256MiB', '--interval', '2', '--fail-on', 'critical')).code).toBe(3);
  });

  it('a sibling with another sample count is not the same run: the axis stays assumed', () => {
    const half = sample('captures/TA_untimed_loops/ps-rss.txt').split('\n').slice(0, 60).join('\n') + '\n';
    const r = analyzeTexts([
      { path: 'run/ps-rss.txt', text: half },
      { path: 'run/vmstat-t.txt', text: sample('captures/TA_untimed_loops/vmstat-t.txt') },
    ]);
    expect(r.artefacts[0].timeAxis?.source).toBe('assumed');
    expect(r.verdict.assumedTimeAxes).toEqual(['run/ps-rss.txt']);
  });

  it('a sibling whose span does not hold the file\'s one stamp is another run: not used', () => {
    const values = sample('captures/TA_untimed_loops/ps-rss.txt');
    const vmstat = sample('captures/TA_untimed_loops/vmstat-t.txt');
    const dayLater = analyzeTexts([
      { path: 'run/ps-rss.txt', text: `epoch ${1796295834.47 + 86400}\n${values}` },
      { path: 'run/vmstat-t.txt', text: vmstat },
    ]);
    expect(dayLater.artefacts[0].timeAxis?.source).toBe('assumed');
    const sameRun = analyzeTexts([
      { path: 'run/ps-rss.txt', text: `epoch 1796295834.47\n${values}` },
      { path: 'run/vmstat-t.txt', text: vmstat },
    ]);
    expect(sameRun.artefacts[0].timeAxis?.source).toBe('sibling-capture');
  });

  it('cues in the file: three epoch lines among 120 samples place the others on the fitted interval', () => {
    const values = sample('captures/TA_untimed_loops/ps-rss.txt').trim().split('\n');
    const epochs = readFileSync(path.join(TRUTH_DIR, 'ps-rss.epochs'), 'utf8').trim().split('\n');
    const stampAt = new Set([0, 60, 119]);
    const text = values.map((v, i) => (stampAt.has(i) ? `epoch ${epochs[i]}\n${v}` : v)).join('\n') + '\n';
    const r = analyzeTexts([{ path: 'cues/ps-rss.txt', text }]);
    const a = r.artefacts[0].timeAxis!;
    expect(a.source).toBe('file-cues');
    expect(within(a.intervalSeconds!, truth.loops['ps-rss.txt'].interval_seconds, 0.01)).toBe(true);
    expect(within(rssPerSecond(r), TRUE_RSS_KB_PER_S, 0.1)).toBe(true);
  });

  it('a time to limit is never printed "0 s": a limit already passed reads "reached"', async () => {
    const r = await analyzePaths([path.join(FOLDER, 'ps-rss.txt'), path.join(FOLDER, 'vmstat-t.txt')], { jobs: 1, limitBytes: 1024 * 1024 });
    const trend = r.trends.find((t) => t.source.endsWith('ps-rss.txt'))!;
    expect(trend.timeToLimitSeconds).toBe(0);
    const f = r.findings.find((x) => x.kind === 'usage-trend')!;
    expect(f.title).toContain('has reached the limit');
    expect(r.verdict.summary).not.toMatch(/\b0 s\b/);
    const md = renderMarkdown(r);
    expect(md).not.toMatch(/\b0 s\b/);
    expect(md).toContain('time to limit: **reached**');
    expect(formatTimeToLimit(0)).toBe('reached');
    expect(formatTimeToLimit(5400, true)).toBe(`1 h 30 min ${ASSUMED_TIME_AXIS_MARK}`);
  });
});

describe('time axes from the capture loop\'s own epoch log (real capture TB_untimed_epoch_log)', () => {
  // One `sleep 3` loop: `date +%s.%N >> loop-epochs.log`, then slabinfo, meminfo and ps -o rss= (README there).
  const TB = path.join(SAMPLES, 'captures', 'TB_untimed_epoch_log');
  const tbTruth = JSON.parse(readFileSync(path.join(ROOT, 'test', 'ground-truth', 'tb_untimed_epoch_log', 'groundtruth.json'), 'utf8'));
  const series = ['slabinfo.txt.gz', 'meminfo.txt', 'ps-rss.txt'];

  it('the epoch log is listed as the time reference, and the three series take sample k at its epoch k', async () => {
    const r = await run('tb', () => analyzePaths([TB], { jobs: 1 }));
    const log = r.artefacts.find((a) => a.path.endsWith('loop-epochs.log'))!;
    expect(log.format).toBeNull();
    expect(log.error).toBeUndefined();
    expect(log.skipped).toMatch(/^epoch log \(\d+ timestamps\)/);
    for (const file of series) {
      const a = axis(r, file)!;
      expect(a.source, file).toBe('sibling-capture');
      expect(path.basename(a.from!)).toBe('loop-epochs.log');
      expect(within(a.intervalSeconds!, tbTruth.loops[file].interval_seconds, 0.01), `${file} ${a.intervalSeconds}`).toBe(true);
    }
    expect(within(rssPerSecond(r), tbTruth.loops['ps-rss.txt'].rss_kb_per_second, 0.1), `rss ${rssPerSecond(r)}`).toBe(true);
    for (const cache of ['filp', 'kmalloc-64', 'lsm_file_cache']) {
      const truthRate = tbTruth.loops['slabinfo.txt.gz'].active_objs_per_second[cache];
      expect(within(slabPerSecond(r, cache), truthRate, 0.1), `${cache} ${slabPerSecond(r, cache)} vs ${truthRate}`).toBe(true);
    }
    expect(r.verdict.assumedTimeAxes).toBeUndefined();
  });

  it('without the epoch log the same files read 3x too fast, and say so', async () => {
    const r = await analyzePaths(series.map((f) => path.join(TB, f)), { jobs: 1 });
    expect(r.verdict.assumedTimeAxes).toHaveLength(3);
    const ratio = rssPerSecond(r) / tbTruth.loops['ps-rss.txt'].rss_kb_per_second;
    expect(ratio).toBeGreaterThan(2.7);
    expect(ratio).toBeLessThan(3.3);
    expect(r.verdict.severity).not.toBe('critical');
  });
});

describe('time axes on the other real captures', () => {
  it('D2: slabinfo without timestamps takes the axis of meminfo (epoch lines, same 80 snapshots); the timerfd leak rate is within 10 % of 8/s', async () => {
    const r = await analyzePaths([path.join(SAMPLES, 'captures', 'D2_slab_meminfo')], { jobs: 1 });
    const a = axis(r, 'slabinfo.txt.gz')!;
    expect(a.source).toBe('sibling-capture');
    expect(path.basename(a.from!)).toBe('meminfo.txt');
    expect(a.intervalSeconds).toBeCloseTo(2.005, 2); // README: snapshot k at 1795332545.45 + 2.005 k
    // 960 timerfds at 8/s (README D2): one filp and one kmalloc-256 context each.
    for (const cache of ['filp', 'kmalloc-256']) expect(within(slabPerSecond(r, cache), 8, 0.1), `${cache} ${slabPerSecond(r, cache)}/s`).toBe(true);
  });

  it('D4: meminfo stamped by its sidecar, rss by its own timestamps; --interval comes before the sidecar, never before timestamps', async () => {
    const r = await analyzePaths([path.join(SAMPLES, 'captures', 'D4_leak')], { jobs: 1 });
    expect(axis(r, 'meminfo.txt')?.source).toBe('sidecar-epochs');
    expect(path.basename(axis(r, 'meminfo.txt')!.from!)).toBe('meminfo_epochs.txt');
    expect(axis(r, 'meminfo.txt')?.intervalSeconds).toBeCloseTo(1.005, 2);
    expect(axis(r, 'rss.txt')?.source).toBe('timestamps');
    const forced = await analyzePaths([path.join(SAMPLES, 'captures', 'D4_leak')], { jobs: 1, intervalSeconds: 1.5 });
    expect(axis(forced, 'meminfo.txt')).toMatchObject({ source: 'interval-option', intervalSeconds: 1.5 });
    expect(axis(forced, 'rss.txt')?.source).toBe('timestamps');
  });
});
