import { z } from 'zod';
import type { Evidence, Finding } from '../core/models.js';
import type { Comparison } from '../analysis/comparison.js';
import { buildCharts, type ChartSpec } from './charts.js';
import { ALLOCATION_SITES, ARTEFACTS, COMPARISON, fragmentationZones, KMEMLEAK_CLUSTERS, LEAK_SITES, MEMINFO, meminfoLines, OOM_KILLS, SLAB_CACHES, STACK_GROWTH, TRENDS, type Cell, type Column, type Table } from './columns.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { formatBytes, formatDuration, formatNumber, formatPercent, formatTimeToLimit } from '../core/format.js';
import { REPORT_SCRIPT, REPORT_SCRIPT_SHA256, REPORT_STYLE, REPORT_STYLE_SHA256, UPLOT_VERSION } from './html/assets.generated.js';
import type { FragmentationSection, Report } from './schema.js';
import type { ClassificationRow } from './sections.js';

export const RenderHtmlOptionsSchema = z.object({
  /** The page title (default: derived from the verdict). */
  title: z.string().optional(),
  /** Series longer than this are reduced for display (min/max per bucket), and the chart says so. */
  maxPointsPerSeries: z.number().int().min(100).default(200_000),
  /** Sites, stacks and caches per chart. */
  topN: z.number().int().min(1).default(8),
  /** Rows per table before "N more" (the JSON report has them all). */
  maxTableRows: z.number().int().min(1).default(50),
  /** Frames shown per stack. */
  maxStackFrames: z.number().int().min(1).default(40),
});
export type RenderHtmlOptions = z.input<typeof RenderHtmlOptionsSchema>;
type Opts = z.output<typeof RenderHtmlOptionsSchema>;

/** The Content-Security-Policy of every report: only the report's own inline script and style run. */
export const REPORT_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${REPORT_SCRIPT_SHA256}'`,
  `style-src 'sha256-${REPORT_STYLE_SHA256}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const h = escapeHtml;

function sevClass(sev: string): string {
  return sev === 'critical' || sev === 'warning' || sev === 'info' ? `sev-${sev}` : 'sev-info';
}

function badge(sev: string): string {
  return `<span class="badge ${sevClass(sev)}">${h(sev)}</span>`;
}

/** Badge colours of the words analyses judge with: red for what leaks, green for what does not. */
const VERDICT_TONE = new Map<string, 'v-leak' | 'v-no-leak'>([
  ['leak', 'v-leak'],
  ['no-leak', 'v-no-leak'],
  // A --baseline comparison's item statuses and fix verdicts.
  ['remains', 'v-leak'],
  ['new', 'v-leak'],
  ['gone', 'v-no-leak'],
  ['the fix holds', 'v-no-leak'],
  ['the fix does not hold', 'v-leak'],
]);

function verdictBadge(v: string): string {
  return `<span class="badge ${VERDICT_TONE.get(v) ?? 'v-other'}">${h(v)}</span>`;
}

/**
 * The numbers behind an evidence sentence, under their JSON keys (for jq and DuckDB queries), folded:
 * the sentence says them for people, so the keys never sit in the prose.
 */
function evidenceValues(values: Evidence['values']): string {
  if (!values) return '';
  const parts = Object.entries(values)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `<span>${h(k)} <b>${h(typeof v === 'number' ? formatNumber(v) : v)}</b></span>`);
  return parts.length ? ` <details class="values"><summary>numbers (JSON keys)</summary>${parts.join('')}</details>` : '';
}

function evidenceList(evidence: readonly Evidence[]): string {
  if (!evidence.length) return '';
  const items = evidence.map((e) => {
    const where = e.lines ? `${e.source}:${e.lines[0]}${e.lines[1] !== e.lines[0] ? `-${e.lines[1]}` : ''}` : e.source;
    return `<li>${h(e.detail)} <span class="src">${h(where)}</span>${evidenceValues(e.values)}</li>`;
  });
  return `<ul class="evidence">${items.join('')}</ul>`;
}

function renderVerdict(report: Report): string {
  const v = report.verdict;
  const facts: [string, string][] = [
    ['Severity', v.severity],
    ['Confidence', v.confidence !== undefined ? formatPercent(v.confidence) : '–'],
    ['Time to limit', formatTimeToLimit(v.timeToLimitSeconds, v.timeToLimitAxisAssumed)],
    ...(v.assumedTimeAxes?.length ? [['Time axis', `assumed for ${v.assumedTimeAxes.join(', ')}`] as [string, string]] : []),
    ['Where', v.space ?? '–'],
    ['Findings', String(report.findings.length)],
    ['Artefacts', String(report.artefacts.length)],
  ];
  return `<section id="verdict" class="verdict ${sevClass(v.severity)} kind-${h(v.kind)}" aria-label="Verdict">
<p class="kind">${h(v.kind.replace(/-/g, ' '))}</p>
<p class="summary">${h(v.summary)}</p>
<dl class="facts">${facts.map(([k, val]) => `<div><dt>${h(k)}</dt><dd>${h(val)}</dd></div>`).join('')}</dl>
${evidenceList(v.evidence ?? [])}
${v.suggestedCaptures?.length ? `<p class="meta">What to capture next</p><ul class="evidence">${v.suggestedCaptures.map((c) => `<li><code>${h(c)}</code></li>`).join('')}</ul>` : ''}
</section>`;
}

function renderFinding(f: Finding): string {
  const meta = [
    f.kind,
    f.confirmedBy?.length ? `confirmed by ${f.confirmedBy.join(', ')}` : undefined,
    f.space,
    f.culprit ? `culprit ${f.culprit}` : undefined,
    f.score !== undefined ? `score ${formatNumber(f.score)}` : undefined,
  ].filter((x): x is string => !!x);
  return `<article class="finding ${sevClass(f.severity)}">
<h3>${badge(f.severity)}${h(f.title)}</h3>
<p class="meta">${meta.map(h).join(' · ')} <span class="src">${h(f.source)}</span></p>
${evidenceList(f.evidence)}
</article>`;
}

function renderFindings(report: Report, o: Opts): string {
  if (!report.findings.length) return `<section id="findings"><h2>Findings</h2><p class="muted">No findings.</p></section>`;
  const shown = report.findings.slice(0, o.maxTableRows);
  return `<section id="findings"><h2>Findings (${report.findings.length})</h2>
<div class="findings">${shown.map(renderFinding).join('\n')}</div>${more(report.findings.length, shown.length)}</section>`;
}

function more(total: number, shown: number): string {
  return total > shown ? `<p class="more">${formatNumber(total - shown)} more not shown (all are in the JSON report).</p>` : '';
}

const CHART_GROUPS: { group: ChartSpec['group']; title: string; id: string }[] = [
  { group: 'usage', title: 'Usage over time, with trends', id: 'charts-usage' },
  { group: 'series', title: 'Series', id: 'charts-series' },
  { group: 'sites', title: 'Outstanding allocations over time', id: 'charts-sites' },
  { group: 'slab', title: 'Slab caches that grow', id: 'charts-slab' },
  { group: 'fragmentation', title: 'Fragmentation', id: 'charts-fragmentation' },
  { group: 'oom', title: 'OOM timeline', id: 'charts-oom' },
];

function renderChartFigure(c: ChartSpec, index: number): string {
  const heat = c.kind === 'heatmap' ? `<div class="readout" aria-live="polite"></div><div class="heat-legend"><span>none</span><span class="ramp"></span><span>most</span><span>(${h(c.heatmap?.colorLabel ?? '')})</span></div>` : '';
  const notes = c.notes.length ? `<ul class="notes">${c.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : '';
  return `<figure class="chart" data-chart="${index}" id="chart-${index}">
<figcaption>${h(c.title)}<span class="src">${h(c.source)}</span></figcaption>
<div class="plot"></div>${heat}${notes}
</figure>`;
}

function renderCharts(charts: readonly ChartSpec[]): { html: string; toc: [string, string][] } {
  const toc: [string, string][] = [];
  const parts: string[] = [];
  for (const g of CHART_GROUPS) {
    const figs = charts.map((c, i) => (c.group === g.group ? renderChartFigure(c, i) : '')).filter(Boolean);
    if (!figs.length) continue;
    toc.push([g.id, g.title]);
    parts.push(`<section id="${g.id}"><h2>${h(g.title)}</h2><div class="charts">${figs.join('\n')}</div></section>`);
  }
  if (parts.length) parts.unshift('<noscript><p class="muted">The charts need JavaScript; the tables below do not.</p></noscript>');
  return { html: parts.join('\n'), toc };
}

function stackDetails(stack: readonly string[], o: Opts, open = false): string {
  if (!stack.length) return '<span class="muted">no stack</span>';
  const frames = stack.slice(0, o.maxStackFrames);
  const extra = stack.length > frames.length ? `<li class="muted">… ${stack.length - frames.length} more frames</li>` : '';
  return `<details${open ? ' open' : ''}><summary>${stack.length} frame${stack.length === 1 ? '' : 's'}: <code>${h(stack[0])}</code></summary><ol class="stack">${frames.map((f) => `<li>${h(f)}</li>`).join('')}${extra}</ol></details>`;
}

const code = (s: string) => `<code>${h(s)}</code>`;

function cell(c: Cell, o: Opts): string {
  switch (c.kind) {
    case 'text':
      return h(c.text);
    case 'code':
      return c.note ? `${code(c.text)} <span class="muted">${h(c.note)}</span>` : code(c.text);
    case 'codes':
      return c.items.map(code).join(' ') + (c.hidden ? ` <span class="muted">+${c.hidden}</span>` : '');
    case 'stack':
      return stackDetails(c.frames, o);
    case 'verdict':
      return verdictBadge(c.text);
    case 'preview':
      return `<pre class="preview">${h(c.text)}</pre>`;
    case 'diagnostics':
      return diagnosticsCell(c, o);
    case 'none':
      return '–';
  }
}

/** A table of the given rows with every column the table declares. */
function tableHtml<T>(t: Table<T>, rows: readonly T[], o: Opts): string {
  const shown = rows.slice(0, o.maxTableRows);
  const cls = (c: Column<T>) => (c.align === 'right' ? ' class="num"' : c.wrap ? ' class="wrap"' : '');
  const head = t.columns.map((c) => `<th${c.align === 'right' ? ' class="num"' : ''}>${h(c.head)}</th>`).join('');
  const body = shown.map((r) => `<tr>${t.columns.map((c) => `<td${cls(c)}>${cell(c.cell(r), o)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>${more(rows.length, shown.length)}`;
}

/** A section holding one table, titled with its row count; nothing when there are no rows. */
function tableSection<T>(t: Table<T>, rows: readonly T[], o: Opts, id = t.id, title = t.title, intro = ''): string {
  if (!rows.length) return '';
  return `<section id="${h(id)}"><h2>${h(title)} (${rows.length})</h2>${intro}
${tableHtml(t, rows, o)}</section>`;
}

function renderTables(report: Report, o: Opts): { html: string; toc: [string, string][] } {
  const sections: [string, string, string][] = [];
  const add = (id: string, title: string, html: string) => {
    if (html) sections.push([id, title, html]);
  };
  add(TRENDS.id, TRENDS.title, tableSection(TRENDS, report.trends, o));
  add(ALLOCATION_SITES.id, ALLOCATION_SITES.title, tableSection(ALLOCATION_SITES, report.allocationSites, o));
  add(SLAB_CACHES.id, SLAB_CACHES.title, tableSection(SLAB_CACHES, report.slabGrowth, o));
  for (const [i, m] of report.meminfo.entries()) {
    add(`meminfo-${i}`, 'Meminfo', tableSection(MEMINFO, meminfoLines(m), o, `meminfo-${i}`, `Meminfo components: ${m.source}`));
  }
  add(KMEMLEAK_CLUSTERS.id, KMEMLEAK_CLUSTERS.title, tableSection(KMEMLEAK_CLUSTERS, report.kmemleakClusters, o));
  add(STACK_GROWTH.id, STACK_GROWTH.title, tableSection(STACK_GROWTH, report.stackGrowth, o));
  add(LEAK_SITES.id, LEAK_SITES.title, tableSection(LEAK_SITES, report.leakSites, o, LEAK_SITES.id, 'Leak sites (sanitizers, valgrind)'));
  add(OOM_KILLS.id, OOM_KILLS.title, tableSection(OOM_KILLS, report.oomEvents, o));
  if (report.fragmentation) add('fragmentation', 'Leak or fragmentation', fragmentationSection(report.fragmentation, o));
  add(ARTEFACTS.id, ARTEFACTS.title, tableSection(ARTEFACTS, report.artefacts, o));
  return { html: sections.map((s) => s[2]).join('\n'), toc: sections.map(([id, title]) => [id, title]) };
}

function diagnosticsCell(c: Extract<Cell, { kind: 'diagnostics' }>, o: Opts): string {
  const parts: string[] = [];
  if (c.error) parts.push(`<p class="diag-error">${h(c.error.code)}: ${h(c.error.message)}</p>`);
  const d = c.summary;
  if (d.total === 0) return parts.join('') || '<span class="muted">none</span>';
  const sev = Object.entries(d.bySeverity)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `<span class="diag-${h(s)}">${h(formatNumber(n))} ${h(s)}</span>`)
    .join(', ');
  const items = d.items.slice(0, o.maxTableRows);
  const rows = items
    .map((i) => `<tr><td class="num">${i.line}</td><td class="diag-${h(i.severity)}">${h(i.code)}</td><td class="wrap">${h(i.message)}${i.excerpt ? `<br><code>${h(i.excerpt)}</code>` : ''}</td></tr>`)
    .join('');
  const byCode = Object.entries(d.byCode)
    .map(([code, n]) => `${h(code)} × ${h(formatNumber(n))}`)
    .join(', ');
  parts.push(
    `<details><summary>${h(formatNumber(d.total))} diagnostic${d.total === 1 ? '' : 's'}: ${sev}</summary><p class="muted">${byCode}</p><table><thead><tr><th class="num">Line</th><th>Code</th><th>Message</th></tr></thead><tbody>${rows}</tbody></table>${more(d.items.length, items.length)}</details>`,
  );
  return parts.join('');
}

/**
 * The fragmentation section: per classification (classifyMemoryGrowth, per capture folder) its
 * kind, confidence, summary, evidence for and against and the captures that would settle it; per
 * buddyinfo analysis (src/analysis/fragmentation.ts) the zones (baseline → worst → end), the
 * checks against the kernel's own indices and the analysis' notes.
 */
function fragmentationSection(frag: FragmentationSection, o: Opts): string {
  const parts: string[] = frag.classifications.map((c) => classificationHtml(c, o));
  for (const a of frag.analyses) {
    const facts: [string, string][] = [
      ['Snapshots', formatNumber(a.snapshots)],
      ['Partial snapshots left out', formatNumber(a.partialSnapshotsSkipped)],
      ['Headline order', String(a.highOrder)],
      ['Page size', formatBytes(a.pageSize)],
      ['Zone where most happens', a.primaryZone ?? '–'],
      ['Time axis', a.timeAssumed ? 'assumed (no timestamps)' : 'from the capture'],
    ];
    const checks = a.kernelIndexChecks.map(
      (k) => `<li>${h(k.kind)} <span class="src">${h(k.source)}</span>: ${h(formatNumber(k.valuesCompared))} values in ${h(formatNumber(k.snapshotsCompared))} snapshots compared with the ones computed from buddyinfo, ${h(formatNumber(k.mismatches.length))} differ${k.mismatches.length ? ` (first: ${h(k.mismatches[0].zone)} order ${k.mismatches[0].order}, computed ${k.mismatches[0].computed}, kernel ${k.mismatches[0].kernel})` : ''}${k.unmatched ? `; ${h(formatNumber(k.unmatched))} snapshots without a buddyinfo one at the same time` : ''}.</li>`,
    );
    const notes = a.notes.map((n) => `<li>${h(n)}</li>`);
    parts.push(`<h3>Zones <span class="src">${h(a.source)}</span></h3><p class="muted">Baseline = first snapshot, worst = most fragmented, end = last snapshot.</p>
${tableHtml(fragmentationZones(a.highOrder, a.pageSize), a.zones, o)}<dl class="facts">${facts.map(([k, v]) => `<div><dt>${h(k)}</dt><dd>${h(v)}</dd></div>`).join('')}</dl>${checks.length || notes.length ? `<ul class="evidence">${[...checks, ...notes].join('')}</ul>` : ''}`);
  }
  return `<section id="fragmentation"><h2>Leak or fragmentation</h2>${parts.join('\n')}</section>`;
}

function growthEvidence(evidence: ClassificationRow['evidenceFor'], o: Opts): string {
  return evidence
    .slice(0, o.maxTableRows)
    .map((e) => `<li>${h(e.detail)} <span class="src">${h(e.source)}</span></li>`)
    .join('');
}

/** One classifyMemoryGrowth result: leak or fragmentation, with the evidence each way. */
function classificationHtml(c: ClassificationRow, o: Opts): string {
  const forItems = growthEvidence(c.evidenceFor, o);
  const againstItems = growthEvidence(c.evidenceAgainst, o);
  const warns = c.kind === 'fragmentation' || c.kind === 'leak' || c.kind === 'leak-and-fragmentation';
  return `<article class="finding ${warns ? 'sev-warning' : 'sev-info'}">
<h3>${verdictBadge(c.kind)}${h(c.summary)}</h3>
<p class="meta">leak or fragmentation? · confidence ${h(formatPercent(c.confidence))} <span class="src">${h(c.group)}</span></p>
${forItems ? `<p class="meta">Evidence for</p><ul class="evidence">${forItems}</ul>` : ''}${againstItems ? `<p class="meta">Evidence against</p><ul class="evidence">${againstItems}</ul>` : ''}${c.suggestedCaptures.length ? `<p class="meta">Would settle it</p><ul class="evidence">${c.suggestedCaptures.map((x) => `<li><code>${h(x)}</code></li>`).join('')}</ul>` : ''}
</article>`;
}

/** The `--baseline` comparison: the fix verdict, the counts, and the before/after table. */
function comparisonSection(c: Comparison, o: Opts): string {
  const holds = c.fixHolds === null ? 'nothing leaked in the baseline' : c.fixHolds ? 'the fix holds' : 'the fix does not hold';
  const cls = c.fixHolds === null ? 'sev-info' : c.fixHolds ? 'sev-info' : 'sev-critical';
  const facts: [string, string][] = [
    ['Verdict before', c.beforeVerdict],
    ['Verdict after', c.afterVerdict],
    ['Fix', holds],
    ['Gone', formatNumber(c.gone)],
    ['Remain', formatNumber(c.remains)],
    ['New', formatNumber(c.new)],
  ];
  return `<section id="comparison"><h2>Comparison with the baseline</h2>
<article class="finding ${cls}"><h3>${verdictBadge(holds)}${h(c.summary)}</h3><dl class="facts">${facts.map(([k, v]) => `<div><dt>${h(k)}</dt><dd>${h(v)}</dd></div>`).join('')}</dl></article>
${c.items.length ? tableHtml(COMPARISON, c.items, o) : '<p class="muted">No leaking item before or after.</p>'}</section>`;
}

/**
 * A time axis sampled at a fixed step travels as `[start, step, count]` instead of every value
 * (half the size of a 1 Hz series); the browser script expands it.
 */
function packTimes(t: readonly number[]): { t: readonly number[] } | { tr: [number, number, number] } {
  if (t.length < 3) return { t };
  const start = t[0];
  const step = t[1] - t[0];
  if (!(step > 0)) return { t };
  for (let i = 2; i < t.length; i++) {
    const expect = start + i * step;
    if (Math.abs(t[i] - expect) > 1e-9 * Math.max(1, Math.abs(expect))) return { t };
  }
  return { tr: [start, step, t.length] };
}

function packCharts(charts: readonly ChartSpec[]): unknown[] {
  return charts.map((c) => ({
    ...c,
    layers: c.layers.map(({ t, ...l }) => ({ ...l, ...packTimes(t) })),
    ...(c.heatmap ? { heatmap: { ...c.heatmap, t: undefined, ...packTimes(c.heatmap.t) } } : {}),
  }));
}

/**
 * Renders a Report as one self-contained HTML page: verdict, findings with evidence, interactive
 * charts (uPlot, inlined: no network), and tables. Every capture-derived string is escaped; the
 * chart data travels as JSON in a `<script type="application/json">` block; a strict
 * Content-Security-Policy allows only the report's own script and style (by sha256 hash).
 * Deterministic: the same report gives the same bytes.
 * @example
 * const html = renderHtml(report, { topN: 5 });
 * // writeFileSync('report.html', html) in Node; or new Blob([html], { type: 'text/html' }) in a browser
 */
export function renderHtml(report: Report, options: RenderHtmlOptions = {}): string {
  const o = RenderHtmlOptionsSchema.parse(options);
  const charts = buildCharts(report, { maxPointsPerSeries: o.maxPointsPerSeries, topN: o.topN });
  const chartHtml = renderCharts(charts);
  const tables = renderTables(report, o);
  const title = o.title ?? `memforensics: ${report.verdict.kind.replace(/-/g, ' ')}`;
  // A --baseline run answers "does the fix hold?" right after the verdict.
  const comparison = report.comparison ? comparisonSection(report.comparison, o) : '';
  const toc: [string, string][] = [['verdict', 'Verdict']];
  if (comparison) toc.push(['comparison', 'Comparison']);
  toc.push(['findings', 'Findings'], ...chartHtml.toc, ...tables.toc);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(REPORT_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="memforensics ${h(report.tool.version)}">
<title>${h(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header class="top"><h1>${h(title)}</h1><span class="meta">memforensics ${h(report.tool.version)} · report schema v${h(report.schemaVersion)} · ${report.artefacts.length} artefact${report.artefacts.length === 1 ? '' : 's'} · charts by uPlot ${h(UPLOT_VERSION)}</span></header>
<nav class="toc" aria-label="Contents">${toc.map(([id, t]) => `<a href="#${h(id)}">${h(t)}</a>`).join('')}</nav>
<main>
${renderVerdict(report)}
${comparison}
${renderFindings(report, o)}
${chartHtml.html}
${tables.html}
</main>
<footer>Generated by memforensics ${h(report.tool.version)} from ${report.artefacts.length} artefact${report.artefacts.length === 1 ? '' : 's'}. Times are UTC. This page makes no network requests.</footer>
<script type="application/json" id="mf-data">${jsonForScript({ schemaVersion: report.schemaVersion, charts: packCharts(charts) })}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
