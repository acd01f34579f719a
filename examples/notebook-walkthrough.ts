// %% [markdown]
// # memforensics walkthrough: a slow leak hidden under an oscillating load
//
// Two real 1-second captures of the same program (`samples/captures/D4_*`): it allocates and frees
// 80–250 MiB every 1.2 s. In the *leak* run it also keeps 1 MiB per cycle forever (≈ 49 MiB/min,
// 296 MiB in 6 minutes); the *control* run keeps nothing. The leak is small next to the swings:
// the point of the trend engine is to find it anyway, and to say "no leak" for the control.
//
// Steps: load a capture, parse it, run the trend engine on one series, analyse whole folders,
// print the verdict and trends, and plot Vega-Lite charts.
//
// This file is both a script and a notebook. Run it as a script from the repository root with
// `npx tsx examples/notebook-walkthrough.ts [out-dir]` (with `out-dir`, the Vega-Lite specs are
// written there as JSON files). Its `// %%` sections are the cells of
// `examples/notebook-walkthrough.ipynb` (Deno's Jupyter kernel). `examples/build-notebook.ts`
// generates that notebook, and the tests check that the two stay the same.

// %%
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { detectLeakTrend, meminfoSeries, parseMeminfo, renderMarkdown, toVegaLite, type LeakTrendResult, type MeminfoSnapshot, type Report } from 'memforensics';
import { analyzePaths } from 'memforensics/node';

// The repository's samples, found from the current folder: the repository root when the script
// runs, the notebook's folder (examples/) in the kernel. (A notebook cell has no `import.meta`.)
const captures = ['samples/captures/', '../samples/captures/'].map((p) => pathToFileURL(`${path.resolve(p)}/`)).find((u) => existsSync(u));
if (!captures) throw new Error('run this from the repository root (or its examples/ folder): samples/captures/ not found');
const leakDir = new URL('D4_leak/', captures);
const controlDir = new URL('D4_control/', captures);

/** The Deno Jupyter kernel's display API, or undefined in a plain script run. */
type JupyterDisplay = (bundle: Record<string, unknown>, options?: { raw?: boolean }) => Promise<void>;
function jupyterDisplay(): JupyterDisplay | undefined {
  try {
    // `Deno.jupyter` exists only inside `deno jupyter`, and throws when touched elsewhere.
    const jupyter = (globalThis as { Deno?: { jupyter?: { display?: JupyterDisplay } } }).Deno?.jupyter;
    return jupyter?.display ? jupyter.display.bind(jupyter) : undefined;
  } catch {
    return undefined;
  }
}

/** Shows a Vega-Lite spec inline in the notebook; a script prints a line (and saves the spec if asked). */
async function showChart(name: string, spec: Record<string, unknown>): Promise<void> {
  const display = jupyterDisplay();
  if (display) {
    await display({ 'application/vnd.vegalite.v5+json': spec, 'text/plain': `[chart] ${name}` }, { raw: true });
    return;
  }
  const layers = Array.isArray(spec.layer) ? spec.layer.length : 1;
  console.log(`[chart] ${name}: Vega-Lite spec, ${layers} layer(s), ${JSON.stringify(spec).length} bytes`);
  const outDir = process.argv[2];
  if (outDir) {
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, `${name}.vl.json`), JSON.stringify(spec, null, 2));
  }
}

/** Shows Markdown rendered in the notebook, as text in a script. */
async function showMarkdown(markdown: string): Promise<void> {
  const display = jupyterDisplay();
  if (display) await display({ 'text/markdown': markdown, 'text/plain': markdown }, { raw: true });
  else console.log(markdown);
}

/** kB per hour (the trend engine's unit for meminfo) to MiB per minute. */
const mibPerMin = (kbPerHour: number | null): number | null => (kbPerHour === null ? null : kbPerHour / 1024 / 60);
const fmt = (x: number | null, digits = 1): string => (x === null ? '–' : x.toFixed(digits));

// %% [markdown]
// ## 1. Load and parse one capture
//
// `meminfo.txt` is `cat /proc/meminfo` every second with a `===` line between dumps. It has no
// timestamps of its own: the sampling loop wrote one epoch per dump to `meminfo_epochs.txt`, which
// the parser takes as its `timestamps` option. The parsers are pure functions of text: reading the
// file is up to you (Node, Deno, `fetch` in a browser...).

// %%
async function loadMeminfo(dir: URL) {
  const text = await readFile(new URL('meminfo.txt', dir), 'utf8');
  const epochs = await readFile(new URL('meminfo_epochs.txt', dir), 'utf8');
  const timestamps = epochs.split('\n').filter((l) => l.trim() !== '').map(Number);
  return parseMeminfo(text, { timestamps });
}

const leakParsed = await loadMeminfo(leakDir);
console.log(`leak run: ${leakParsed.records.length} snapshots, ${leakParsed.stats.linesRead} lines, ${leakParsed.diagnostics.total} diagnostics`);
console.log('first snapshot:', { time: leakParsed.records[0].time, MemTotal: leakParsed.records[0].kb.MemTotal, AnonPages: leakParsed.records[0].kb.AnonPages });

// %% [markdown]
// ## 2. Is AnonPages leaking? The trend engine on one series
//
// `meminfoSeries` turns the snapshots into one time series per field (kB). `detectLeakTrend` finds
// the cycle, reduces the series to per-cycle troughs (the lower envelope: what stays allocated when
// the load is gone), fits change points and tests the current regime (Mann-Kendall with Sen's
// slope). With a limit (here MemTotal) it projects the time to reach it.

// %%
function anonPagesTrend(snapshots: readonly MeminfoSnapshot[]): { trend: LeakTrendResult; series: { t: number[]; v: number[] } } {
  const series = meminfoSeries(snapshots).find((s) => s.name === 'AnonPages');
  if (!series) throw new Error('no AnonPages field in this capture');
  const memTotalKb = snapshots[0]?.kb.MemTotal;
  const trend = detectLeakTrend({ t: series.t, v: series.v, name: 'AnonPages', unit: 'kB' }, { limit: memTotalKb });
  return { trend, series: { t: [...series.t], v: [...series.v] } };
}

const leakAnon = anonPagesTrend(leakParsed.records);
const t = leakAnon.trend;
console.log(`AnonPages: ${t.verdict}, ${fmt(mibPerMin(t.slopePerHour))} MiB/min (95 % CI ${fmt(mibPerMin(t.ci95?.[0] ?? null))}–${fmt(mibPerMin(t.ci95?.[1] ?? null))}), p=${t.pValue?.toExponential(1)}`);
console.log(`  ${t.reason}; cycle period ${fmt(t.period)} s; time to MemTotal ${fmt(t.timeToLimitSeconds === null ? null : t.timeToLimitSeconds / 3600)} h`);

// %% [markdown]
// Every result is plain JSON, so plotting it needs no special API. Here is a hand-written Vega-Lite
// chart: the raw series (MiB), the per-cycle troughs, and the line fitted to them.

// %%
function trendSpec(title: string, anon: { trend: LeakTrendResult; series: { t: number[]; v: number[] } }): Record<string, unknown> {
  const row = (time: number, kb: number, layer: string) => ({ time: Math.round(time * 1000), mib: kb / 1024, layer });
  const fit = anon.trend.fit;
  const values = [
    ...anon.series.t.map((time, i) => row(time, anon.series.v[i], 'AnonPages')),
    ...anon.trend.troughs.t.map((time, i) => row(time, anon.trend.troughs.v[i], 'troughs')),
    ...(fit ? [row(fit.t0, fit.v0, 'fitted trend'), row(fit.t1, fit.v1, 'fitted trend')] : []),
  ];
  const only = (layer: string) => [{ filter: { field: 'layer', equal: layer } }];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 720,
    height: 260,
    data: { values },
    encoding: {
      x: { field: 'time', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' } },
      y: { field: 'mib', type: 'quantitative', title: 'MiB' },
      color: { field: 'layer', type: 'nominal', title: null, sort: ['AnonPages', 'troughs', 'fitted trend'] },
    },
    layer: [
      { transform: only('AnonPages'), mark: { type: 'line', strokeWidth: 1 } },
      { transform: only('troughs'), mark: { type: 'point', filled: true } },
      { transform: only('fitted trend'), mark: { type: 'line', strokeWidth: 3 } },
    ],
  };
}

await showChart('leak-anonpages-trend', trendSpec('D4 leak run: AnonPages and its lower envelope', leakAnon));

// %% [markdown]
// ## 3. The control run: same load, no leak

// %%
const controlParsed = await loadMeminfo(controlDir);
const controlAnon = anonPagesTrend(controlParsed.records);
const c = controlAnon.trend;
console.log(`control run: ${controlParsed.records.length} snapshots; AnonPages: ${c.verdict}, ${fmt(mibPerMin(c.slopePerHour))} MiB/min (${c.reason})`);
await showChart('control-anonpages-trend', trendSpec('D4 control run: AnonPages and its lower envelope', controlAnon));

// %% [markdown]
// ## 4. Analyse whole folders
//
// `analyzePaths` (from `memforensics/node`) detects every file's format, pairs `meminfo.txt` with
// its `meminfo_epochs.txt` sidecar, parses, runs every analysis that applies and returns the
// report: a verdict, findings with evidence, trends per series. Without a file system (browser,
// Observable) use `analyzeTexts([{ path, text, parserOptions }])` from `memforensics` instead.

// %%
function printReport(label: string, report: Report): void {
  const v = report.verdict;
  console.log(`${label}: ${v.kind.toUpperCase()} (${v.severity}, where: ${v.space ?? 'unknown'}): ${v.summary}`);
  for (const tr of report.trends) {
    const file = tr.source.split('/').pop();
    console.log(`  ${file} ${tr.series}: ${tr.verdict}${tr.verdict === 'leak' ? `, ${fmt(mibPerMin(tr.slopePerHour))} MiB/min` : ''}`);
  }
}

const leakReport = await analyzePaths([fileURLToPath(leakDir)]);
const controlReport = await analyzePaths([fileURLToPath(controlDir)]);
printReport('leak run', leakReport);
printReport('control run', controlReport);

// %% [markdown]
// The Markdown report (the CLI's default output) renders in the notebook too:

// %%
await showMarkdown(renderMarkdown(leakReport, { topN: 5, maxFindings: 3 }));

// %% [markdown]
// ## 5. The report's charts as Vega-Lite
//
// `toVegaLite(report)` gives the HTML report's charts as Vega-Lite v5 specs: each usage series with
// its fitted trend, envelopes, confidence band, projection to the limit and markers; and, when the
// captures have them, allocation sites, slab caches, buddy free blocks and OOM kills.

// %%
const leakCharts = toVegaLite(leakReport);
console.log(`${leakCharts.length} charts: ${leakCharts.map((ch) => ch.title).join('; ')}`);
for (const chart of leakCharts.filter((ch) => ch.title.startsWith('AnonPages') || ch.title.startsWith('rss'))) {
  await showChart(chart.id, chart.spec);
}

// %% [markdown]
// ## 6. The numbers
//
// The same results as one JSON object (the example's tests check these against the ground truth:
// ≈ 49.3 MiB/min in the leak run, no leak in the control).

// %%
const summary = {
  leak: {
    snapshots: leakParsed.records.length,
    anonPages: {
      verdict: t.verdict,
      mibPerMin: mibPerMin(t.slopePerHour),
      ci95MibPerMin: t.ci95?.map((x) => x / 1024 / 60) ?? null,
      firstTroughKb: t.troughs.v[0] ?? null,
      lastTroughKb: t.troughs.v.at(-1) ?? null,
    },
    report: {
      verdict: leakReport.verdict.kind,
      space: leakReport.verdict.space ?? null,
      trends: leakReport.trends.map((tr) => ({ series: tr.series, verdict: tr.verdict, mibPerMin: mibPerMin(tr.slopePerHour) })),
    },
    charts: leakCharts.map((ch) => ch.id),
  },
  control: {
    snapshots: controlParsed.records.length,
    anonPages: { verdict: c.verdict, mibPerMin: mibPerMin(c.slopePerHour) },
    report: {
      verdict: controlReport.verdict.kind,
      space: controlReport.verdict.space ?? null,
      trends: controlReport.trends.map((tr) => ({ series: tr.series, verdict: tr.verdict, mibPerMin: mibPerMin(tr.slopePerHour) })),
    },
  },
};
console.log(JSON.stringify(summary, null, 2));
