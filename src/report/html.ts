import { z } from 'zod';
import type { Evidence, Finding } from '../core/models.js';
import { buildCharts, type ChartSpec } from './charts.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { formatBytes, formatDuration, formatNumber, formatPercent, formatQuantity, formatRate, formatTime } from './format.js';
import { REPORT_SCRIPT, REPORT_SCRIPT_SHA256, REPORT_STYLE, REPORT_STYLE_SHA256, UPLOT_VERSION } from './html/assets.generated.js';
import type { Report } from './schema.js';

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

type Loose = Record<string, unknown>;

function sevClass(sev: string): string {
  return sev === 'critical' || sev === 'warning' || sev === 'info' ? `sev-${sev}` : 'sev-info';
}

function badge(sev: string): string {
  return `<span class="badge ${sevClass(sev)}">${h(sev)}</span>`;
}

function verdictBadge(v: string): string {
  const cls = v === 'leak' ? 'v-leak' : v === 'no-leak' ? 'v-no-leak' : 'v-other';
  return `<span class="badge ${cls}">${h(v)}</span>`;
}

function evidenceValues(values: Evidence['values']): string {
  if (!values) return '';
  const parts = Object.entries(values).map(([k, v]) => `<span>${h(k)} <b>${h(typeof v === 'number' ? formatNumber(v) : (v ?? '–'))}</b></span>`);
  return parts.length ? ` <span class="values">${parts.join('')}</span>` : '';
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
    ['Time to limit', v.timeToLimitSeconds === undefined || v.timeToLimitSeconds === null ? '–' : formatDuration(v.timeToLimitSeconds)],
    ['Where', v.space ?? '–'],
    ['Findings', String(report.findings.length)],
    ['Artefacts', String(report.artefacts.length)],
  ];
  return `<section id="verdict" class="verdict ${sevClass(v.severity)} kind-${h(v.kind)}" aria-label="Verdict">
<p class="kind">${h(v.kind.replace(/-/g, ' '))}</p>
<p class="summary">${h(v.summary)}</p>
<dl class="facts">${facts.map(([k, val]) => `<div><dt>${h(k)}</dt><dd>${h(val)}</dd></div>`).join('')}</dl>
${evidenceList(v.evidence ?? [])}
</section>`;
}

function renderFinding(f: Finding): string {
  const meta = [f.kind, f.space, f.culprit ? `culprit ${f.culprit}` : undefined, f.score !== undefined ? `score ${formatNumber(f.score)}` : undefined].filter((x): x is string => !!x);
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

interface Column<T> {
  head: string;
  cell: (row: T) => string;
  num?: boolean;
  wrap?: boolean;
}

function table<T>(id: string, title: string, rows: readonly T[], cols: Column<T>[], o: Opts, intro = ''): string {
  if (!rows.length) return '';
  const shown = rows.slice(0, o.maxTableRows);
  const head = cols.map((c) => `<th${c.num ? ' class="num"' : ''}>${h(c.head)}</th>`).join('');
  const body = shown
    .map((r) => `<tr>${cols.map((c) => `<td${c.num ? ' class="num"' : c.wrap ? ' class="wrap"' : ''}>${c.cell(r)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<section id="${id}"><h2>${h(title)} (${rows.length})</h2>${intro}
<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>${more(rows.length, shown.length)}</section>`;
}

function stackDetails(stack: readonly string[], o: Opts, open = false): string {
  if (!stack.length) return '<span class="muted">no stack</span>';
  const frames = stack.slice(0, o.maxStackFrames);
  const extra = stack.length > frames.length ? `<li class="muted">… ${stack.length - frames.length} more frames</li>` : '';
  return `<details${open ? ' open' : ''}><summary>${stack.length} frame${stack.length === 1 ? '' : 's'}: <code>${h(stack[0])}</code></summary><ol class="stack">${frames.map((f) => `<li>${h(f)}</li>`).join('')}${extra}</ol></details>`;
}

const code = (s: unknown) => `<code>${h(s)}</code>`;
const src = (s: string) => `<span class="src">${h(s)}</span>`;

function renderTables(report: Report, o: Opts): { html: string; toc: [string, string][] } {
  const sections: [string, string, string][] = [];
  const add = (id: string, title: string, html: string) => {
    if (html) sections.push([id, title, html]);
  };
  add(
    'trends',
    'Trends',
    table('trends', 'Trends', report.trends, [
      { head: 'Series', cell: (r) => code(r.series), wrap: true },
      { head: 'Verdict', cell: (r) => verdictBadge(r.verdict) },
      { head: 'Slope', cell: (r) => h(formatRate(r.slopePerHour, r.unit)), num: true },
      { head: '95 % interval', cell: (r) => (r.ci95 ? h(`${formatRate(r.ci95[0], r.unit)} … ${formatRate(r.ci95[1], r.unit)}`) : '–'), num: true },
      { head: 'p', cell: (r) => h(r.pValue === null ? '–' : r.pValue < 1e-4 ? r.pValue.toExponential(1) : r.pValue.toFixed(4)), num: true },
      { head: 'Period', cell: (r) => h(formatDuration(r.period)), num: true },
      { head: 'Onset', cell: (r) => h(formatTime(r.onset)), num: true },
      { head: 'Time to limit', cell: (r) => h(formatDuration(r.timeToLimitSeconds)), num: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  add(
    'allocation-sites',
    'Allocation sites',
    table('allocation-sites', 'Allocation sites', report.allocationSites, [
      { head: 'Site', cell: (r) => code(r.site), wrap: true },
      { head: 'Comm', cell: (r) => (r.comm ? code(r.comm) : '–') },
      { head: 'Outstanding', cell: (r) => h(formatNumber(r.outstandingCount)), num: true },
      { head: 'Bytes', cell: (r) => h(formatBytes(r.outstandingBytes)), num: true },
      { head: 'Allocs / frees', cell: (r) => h(`${formatNumber(r.allocs ?? null)} / ${formatNumber(r.frees ?? null)}`), num: true },
      { head: 'Growth', cell: (r) => h(r.growthBytesPerSecond === null ? '–' : `${formatBytes(r.growthBytesPerSecond)}/s`), num: true },
      { head: 'Stack', cell: (r) => stackDetails(r.stack, o), wrap: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  add(
    'slab-growth',
    'Slab growth',
    table('slab-growth', 'Slab caches', report.slabGrowth, [
      { head: 'Cache', cell: (r) => code(r.cache) + (r.reclaimable ? ' <span class="muted">reclaimable</span>' : ''), wrap: true },
      { head: 'Verdict', cell: (r) => verdictBadge(r.verdict) },
      { head: 'Start', cell: (r) => h(formatBytes(r.startBytes)), num: true },
      { head: 'Peak', cell: (r) => h(formatBytes(r.peakBytes)), num: true },
      { head: 'End', cell: (r) => h(formatBytes(r.endBytes)), num: true },
      { head: 'Objects Δ', cell: (r) => h(formatNumber(r.objectsDelta)), num: true },
      { head: 'Slope', cell: (r) => h(formatRate(r.slopeBytesPerHour, 'bytes')), num: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  for (const [i, m] of report.meminfo.entries()) {
    const rows = [...m.components];
    if (m.unaccounted) rows.push({ field: 'unaccounted (MemTotal minus all counters)', ...m.unaccounted, peakKb: Math.max(m.unaccounted.startKb, m.unaccounted.endKb) });
    add(
      `meminfo-${i}`,
      'Meminfo',
      table(`meminfo-${i}`, `Meminfo components: ${m.source}`, rows, [
        { head: 'Field', cell: (r) => code(r.field) },
        { head: 'Verdict', cell: (r) => verdictBadge(r.verdict) },
        { head: 'Start', cell: (r) => h(formatQuantity(r.startKb, 'kB')), num: true },
        { head: 'Peak', cell: (r) => h(formatQuantity(r.peakKb, 'kB')), num: true },
        { head: 'End', cell: (r) => h(formatQuantity(r.endKb, 'kB')), num: true },
        { head: 'Slope', cell: (r) => h(formatRate(r.slopeKbPerHour, 'kB')), num: true },
      ], o),
    );
  }
  add(
    'kmemleak',
    'kmemleak clusters',
    table('kmemleak', 'kmemleak clusters', report.kmemleakClusters, [
      { head: 'Culprit', cell: (r) => code(r.culprit), wrap: true },
      { head: 'Objects', cell: (r) => h(formatNumber(r.count)), num: true },
      { head: 'Bytes', cell: (r) => h(formatBytes(r.bytes)), num: true },
      { head: 'Comms', cell: (r) => r.comms.slice(0, 8).map(code).join(' ') + (r.comms.length > 8 ? ` <span class="muted">+${r.comms.length - 8}</span>` : ''), wrap: true },
      { head: 'Content preview', cell: (r) => (r.contentPreview === null ? '–' : `<pre class="preview">${h(r.contentPreview)}</pre>`) },
      { head: 'Backtrace', cell: (r) => stackDetails(r.backtrace, o), wrap: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  add(
    'stack-growth',
    'Stack growth',
    table('stack-growth', 'Stacks that grow', report.stackGrowth, [
      { head: 'Stack', cell: (r) => stackDetails(r.stack, o), wrap: true },
      { head: 'First', cell: (r) => h(formatBytes(r.firstBytes)), num: true },
      { head: 'Last', cell: (r) => h(formatBytes(r.lastBytes)), num: true },
      { head: 'Growth', cell: (r) => h(r.growthBytesPerSecond === null ? '–' : `${formatBytes(r.growthBytesPerSecond)}/s`), num: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  add(
    'leak-sites',
    'Leak sites',
    table('leak-sites', 'Leak sites (sanitizers, valgrind)', report.leakSites, [
      { head: 'Site', cell: (r) => code(r.site), wrap: true },
      { head: 'Kind', cell: (r) => h(r.kind) },
      { head: 'Bytes', cell: (r) => h(formatBytes(r.bytes)), num: true },
      { head: 'Blocks', cell: (r) => h(formatNumber(r.count)), num: true },
      { head: 'Stack', cell: (r) => stackDetails(r.stack, o), wrap: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  add(
    'oom-events',
    'OOM kills',
    table('oom-events', 'OOM kills', report.oomEvents, [
      { head: 'Time', cell: (r) => h(formatTime(r.time)), num: true },
      { head: 'Victim', cell: (r) => (r.victimComm !== null ? code(r.victimComm) : '–') + (r.victimPid !== null ? ` <span class="muted">pid ${h(r.victimPid)}</span>` : '') },
      { head: 'anon-rss', cell: (r) => h(formatQuantity(r.anonRssKb, 'kB')), num: true },
      { head: 'Constraint', cell: (r) => h(r.constraint ?? '–') },
      { head: 'Order', cell: (r) => h(r.order ?? '–'), num: true },
      { head: 'Source', cell: (r) => src(r.source), wrap: true },
    ], o),
  );
  add('fragmentation', 'Fragmentation', fragmentationSection(report.fragmentation, o));
  add('comparison', 'Comparison', looseSection('comparison', 'Comparison with the baseline', report.comparison, o));
  add(
    'artefacts',
    'Artefacts',
    table('artefacts', 'Artefacts', report.artefacts, [
      { head: 'Path', cell: (r) => code(r.path), wrap: true },
      { head: 'Format', cell: (r) => (r.format ? h(r.format) : '<span class="muted">unknown</span>') + (r.detection ? `<br><span class="muted">${h(r.detection.method)} ${h(formatPercent(r.detection.confidence))}: ${h(r.detection.reason)}</span>` : '') },
      { head: 'Records', cell: (r) => h(formatNumber(r.records)), num: true },
      { head: 'Lines read / parsed / skipped / diagnosed', cell: (r) => (r.stats ? h([r.stats.linesRead, r.stats.linesParsed, r.stats.linesSkipped, r.stats.linesDiagnosed].map(formatNumber).join(' / ')) : '–'), num: true },
      { head: 'Size', cell: (r) => h(r.bytes !== undefined ? formatBytes(r.bytes) : '–'), num: true },
      { head: 'Diagnostics', cell: (r) => diagnosticsCell(r, o), wrap: true },
    ], o),
  );
  return { html: sections.map((s) => s[2]).join('\n'), toc: sections.map(([id, title]) => [id, title]) };
}

function diagnosticsCell(a: Report['artefacts'][number], o: Opts): string {
  const parts: string[] = [];
  if (a.error) parts.push(`<p class="diag-error">${h(a.error.code)}: ${h(a.error.message)}</p>`);
  const d = a.diagnostics;
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
    .map(([c, n]) => `${h(c)} × ${h(formatNumber(n))}`)
    .join(', ');
  parts.push(
    `<details><summary>${h(formatNumber(d.total))} diagnostic${d.total === 1 ? '' : 's'}: ${sev}</summary><p class="muted">${byCode}</p><table><thead><tr><th class="num">Line</th><th>Code</th><th>Message</th></tr></thead><tbody>${rows}</tbody></table>${more(d.items.length, items.length)}</details>`,
  );
  return parts.join('');
}

/**
 * The fragmentation section. Reads `{ analyses: [analysis + source], classifications: [...] }` (what
 * analyze() fills) or one analysis directly: per analysis a table of zones (baseline → worst → end
 * of the headline unusable index, order-0 blocks and free memory, as src/analysis/fragmentation.ts
 * gives them); per classification (classifyMemoryGrowth) its kind, confidence, summary, evidence
 * for and against and the captures that would settle it; any other field generically.
 */
function fragmentationSection(frag: Loose | null, o: Opts): string {
  if (!frag) return '';
  const isObj = (x: unknown): x is Loose => typeof x === 'object' && x !== null && !Array.isArray(x);
  const analyses = Array.isArray(frag.analyses) ? frag.analyses.filter(isObj) : [frag];
  const classifications = Array.isArray(frag.classifications) ? frag.classifications.filter(isObj) : [];
  const parts: string[] = [];
  for (const c of classifications) parts.push(classificationHtml(c, o));
  for (const a of analyses) {
    const zones = Array.isArray(a.zones) ? a.zones.filter(isObj) : [];
    const pointed = zones.filter((z) => isObj(z.baseline));
    if (!pointed.length) {
      if (a !== frag) parts.push(looseValue(a, 0, o));
      continue;
    }
    const pageSize = typeof a.pageSize === 'number' ? a.pageSize : 4096;
    const highOrder = typeof a.highOrder === 'number' ? a.highOrder : null;
    const at = (z: Loose, k: string) => (isObj(z[k]) ? (z[k] as Loose) : {});
    const trio = (z: Loose, f: (p: Loose) => string) => `${f(at(z, 'baseline'))} → ${f(at(z, 'worst'))} → ${f(at(z, 'end'))}`;
    const numOr = (x: unknown, fmt: (n: number) => string) => (typeof x === 'number' ? fmt(x) : '–');
    const yes = (x: unknown) => (x === true ? 'yes' : x === false ? 'no' : '–');
    const rows = pointed.slice(0, o.maxTableRows);
    const cols: Column<Loose>[] = [
      { head: 'Zone', cell: (z) => code(`${typeof z.node === 'number' ? `Node ${z.node}, ` : ''}${String(z.zone ?? z.key ?? '?')}`) },
      { head: 'Fragmented', cell: (z) => h(yes(z.fragmented)) },
      { head: 'Still at end', cell: (z) => h(yes(z.persistent)) },
      { head: `Unusable index${highOrder !== null ? ` (order ${highOrder})` : ''}: baseline → worst → end`, cell: (z) => h(trio(z, (p) => numOr(p.unusableHigh, (n) => n.toFixed(3)))), num: true },
      { head: 'Order-0 blocks', cell: (z) => h(trio(z, (p) => numOr(p.order0Blocks, formatNumber))), num: true },
      { head: 'Free memory', cell: (z) => h(trio(z, (p) => numOr(p.freePages, (n) => formatBytes(n * pageSize)))), num: true },
      { head: 'After release', cell: (z) => h(typeof at(z, 'idleWindow').recovered === 'string' ? `${at(z, 'idleWindow').recovered as string} recovery` : '–') },
    ];
    const source = typeof a.source === 'string' ? a.source : '';
    const notes = Array.isArray(a.notes) ? a.notes.filter((n): n is string => typeof n === 'string') : [];
    parts.push(`<h3>Zones${source ? ` <span class="src">${h(source)}</span>` : ''}</h3><p class="muted">Baseline = first snapshot, worst = most fragmented, end = last snapshot.</p>
<div class="table-wrap"><table><thead><tr>${cols.map((c) => `<th${c.num ? ' class="num"' : ''}>${h(c.head)}</th>`).join('')}</tr></thead><tbody>
${rows.map((z) => `<tr>${cols.map((c) => `<td${c.num ? ' class="num"' : ''}>${c.cell(z)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table></div>${more(pointed.length, rows.length)}${notes.length ? `<ul class="evidence">${notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}`);
    const rest = Object.fromEntries(Object.entries(a).filter(([k]) => !['zones', 'notes', 'source'].includes(k)));
    parts.push(`<details><summary>Analysis details</summary>${looseValue(rest, 0, o)}</details>`);
  }
  const others = Object.fromEntries(Object.entries(frag).filter(([k]) => !['analyses', 'classifications'].includes(k)));
  if (analyses[0] !== frag && Object.keys(others).length) parts.push(looseValue(others, 0, o));
  if (!parts.length) return looseSection('fragmentation', 'Fragmentation', frag, o);
  return `<section id="fragmentation"><h2>Fragmentation</h2>${parts.join('\n')}</section>`;
}

/** One classifyMemoryGrowth result: leak or fragmentation, with the evidence each way. */
function classificationHtml(c: Loose, o: Opts): string {
  const kind = typeof c.kind === 'string' ? c.kind : '?';
  const conf = typeof c.confidence === 'number' ? ` · confidence ${formatPercent(c.confidence)}` : '';
  const ev = (x: unknown) =>
    Array.isArray(x)
      ? x
          .filter((e): e is Loose => typeof e === 'object' && e !== null)
          .slice(0, o.maxTableRows)
          .map((e) => `<li>${h(e.detail ?? '')} <span class="src">${h(e.source ?? '')}</span></li>`)
          .join('')
      : '';
  const forItems = ev(c.evidenceFor);
  const againstItems = ev(c.evidenceAgainst);
  const captures = Array.isArray(c.suggestedCaptures) ? c.suggestedCaptures.filter((x): x is string => typeof x === 'string') : [];
  return `<article class="finding ${kind === 'fragmentation' || kind === 'leak' || kind === 'leak-and-fragmentation' ? 'sev-warning' : 'sev-info'}">
<h3>${verdictBadge(kind)}${h(c.summary ?? '')}</h3>
<p class="meta">leak or fragmentation?${h(conf)}${typeof c.group === 'string' ? ` <span class="src">${h(c.group)}</span>` : ''}</p>
${forItems ? `<p class="meta">Evidence for</p><ul class="evidence">${forItems}</ul>` : ''}${againstItems ? `<p class="meta">Evidence against</p><ul class="evidence">${againstItems}</ul>` : ''}${captures.length ? `<p class="meta">Would settle it</p><ul class="evidence">${captures.map((x) => `<li><code>${h(x)}</code></li>`).join('')}</ul>` : ''}
</article>`;
}

/** A loose section (fragmentation, comparison): scalars as a definition list, small arrays as tables. */
function looseSection(id: string, title: string, obj: Loose | null, o: Opts): string {
  if (!obj) return '';
  const body = looseValue(obj, 0, o);
  return `<section id="${id}"><h2>${h(title)}</h2>${body}</section>`;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return h(formatNumber(v));
  return h(String(v));
}

function looseValue(v: unknown, depth: number, o: Opts): string {
  if (v === null || typeof v !== 'object') return scalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '<span class="muted">none</span>';
    if (v.every((x) => x === null || typeof x !== 'object')) {
      const shown = v.slice(0, 24).map(scalar).join(', ');
      return `<span class="mono">${shown}${v.length > 24 ? ` … (${v.length} values)` : ''}</span>`;
    }
    if (depth >= 2) return `<span class="muted">${v.length} entries (see the JSON report)</span>`;
    const objs = v.filter((x): x is Loose => typeof x === 'object' && x !== null && !Array.isArray(x));
    const keys = [...new Set(objs.flatMap((x) => Object.keys(x)))].filter((k) => objs.some((x) => x[k] === null || typeof x[k] !== 'object')).slice(0, 10);
    if (!keys.length) return `<span class="muted">${v.length} entries (see the JSON report)</span>`;
    const shown = objs.slice(0, Math.min(o.maxTableRows, 20));
    return `<div class="table-wrap"><table><thead><tr>${keys.map((k) => `<th>${h(k)}</th>`).join('')}</tr></thead><tbody>${shown
      .map((x) => `<tr>${keys.map((k) => `<td>${x[k] !== null && typeof x[k] === 'object' ? '…' : scalar(x[k])}</td>`).join('')}</tr>`)
      .join('')}</tbody></table></div>${more(objs.length, shown.length)}`;
  }
  if (depth >= 3) return '<span class="muted">(see the JSON report)</span>';
  const entries = Object.entries(v as Loose);
  if (!entries.length) return '<span class="muted">empty</span>';
  return `<dl class="kv">${entries.map(([k, x]) => `<dt>${h(k)}</dt><dd>${looseValue(x, depth + 1, o)}</dd>`).join('')}</dl>`;
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
  const toc: [string, string][] = [['verdict', 'Verdict'], ['findings', 'Findings'], ...chartHtml.toc, ...tables.toc];
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
