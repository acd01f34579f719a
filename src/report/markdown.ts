import { z } from 'zod';
import type { Evidence } from '../core/models.js';
import type { Comparison } from '../analysis/comparison.js';
import type { LeakTrendVerdict } from '../analysis/trend/index.js';
import { ALLOCATION_SITES, ARTEFACTS, COMPARISON, fragmentationZones, KMEMLEAK_CLUSTERS, LEAK_SITES, MEMINFO, meminfoLines, OOM_KILLS, SLAB_CACHES, STACK_GROWTH, TRENDS, type Cell, type Table } from './columns.js';
import { escapeMarkdown, escapeMarkdownCell, markdownCode } from './escape.js';
import { formatDuration, formatNumber, formatPercent, formatTimeToLimit } from '../core/format.js';
import type { FragmentationSection, Report } from './schema.js';
import type { ClassificationRow } from './sections.js';

export const RenderMarkdownOptionsSchema = z.object({
  /** Rows per table (the JSON report has them all). */
  topN: z.number().int().min(1).default(10),
  /** Findings listed. */
  maxFindings: z.number().int().min(1).default(20),
  /** Evidence items per finding. */
  maxEvidence: z.number().int().min(1).default(4),
  /** Frames shown per stack in tables. */
  stackFrames: z.number().int().min(1).default(3),
  /** Characters of a kmemleak content preview. */
  previewChars: z.number().int().min(8).default(48),
});
export type RenderMarkdownOptions = z.input<typeof RenderMarkdownOptionsSchema>;
type Opts = z.output<typeof RenderMarkdownOptionsSchema>;

const md = escapeMarkdown;

/** Trend verdicts (LeakTrendVerdict) of a counter that did not move, or could not be judged. */
const QUIET: ReadonlySet<string> = new Set<LeakTrendVerdict>(['no-leak', 'insufficient-data']);
/** A capture string in a table cell. */
const cc = (s: string) => markdownCode(s, true);

/**
 * One evidence sentence and where to check it. The numbers behind it (`values`, keyed for programs:
 * slopePerHour, ci95Low...) stay in the JSON report: the sentence already says them in words and units.
 */
function evidenceLine(e: Evidence, indent: string): string {
  const where = e.lines ? `${e.source}:${e.lines[0]}${e.lines[1] !== e.lines[0] ? `-${e.lines[1]}` : ''}` : e.source;
  return `${indent}- ${md(e.detail)} (${markdownCode(where)})`;
}

function section(out: string[], title: string, total: number, shown: number, lines: string[]): void {
  if (!total) return;
  out.push('', `## ${title} (${total})`, '', ...lines);
  if (total > shown) out.push('', `_${total - shown} more in the JSON report._`);
}

function stackCell(stack: readonly string[], o: Opts): string {
  if (!stack.length) return '–';
  const shown = stack.slice(0, o.stackFrames).map(cc).join(' ← ');
  return stack.length > o.stackFrames ? `${shown} ← … (${stack.length} frames)` : shown;
}

function preview(text: string, o: Opts): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return cc(flat.length > o.previewChars ? `${flat.slice(0, o.previewChars - 1)}…` : flat);
}

function diagnosticsCell(c: Extract<Cell, { kind: 'diagnostics' }>): string {
  if (c.error) return `error ${cc(c.error.code)}: ${md(c.error.message)}`;
  const d = c.summary;
  if (!d.total) return 'none';
  const bySev = Object.entries(d.bySeverity)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${formatNumber(n)} ${s}`)
    .join(', ');
  const codes = Object.entries(d.byCode)
    .slice(0, 4)
    .map(([code, n]) => `${cc(code)}×${n}`)
    .join(' ');
  return `${bySev} (${codes})`;
}

function cell(c: Cell, o: Opts): string {
  switch (c.kind) {
    case 'text':
    case 'verdict':
      return escapeMarkdownCell(c.text);
    case 'code':
      return c.note ? `${cc(c.text)} (${escapeMarkdownCell(c.note)})` : cc(c.text);
    case 'codes':
      return c.items.map(cc).join(' ') + (c.hidden ? ` +${c.hidden}` : '');
    case 'stack':
      return stackCell(c.frames, o);
    case 'preview':
      return preview(c.text, o);
    case 'diagnostics':
      return diagnosticsCell(c);
    case 'none':
      return '–';
  }
}

/** A GFM table of the given rows, with the columns the table declares for Markdown. */
function table<T>(t: Table<T>, rows: readonly T[], o: Opts): string[] {
  const cols = t.columns.filter((c) => !c.htmlOnly);
  return [
    `| ${cols.map((c) => c.head).join(' | ')} |`,
    `| ${cols.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((c) => cell(c.cell(r), o)).join(' | ')} |`),
  ];
}

/** A table section of the top rows (in the order the analyses ranked them). */
function tableSection<T>(out: string[], t: Table<T>, rows: readonly T[], o: Opts): void {
  const shown = rows.slice(0, o.topN);
  section(out, t.title, rows.length, shown.length, table(t, shown, o));
}

function evidenceList(label: string, evidence: readonly Evidence[], o: Opts): string[] {
  if (!evidence.length) return [];
  return [`${label}:`, ...evidence.slice(0, o.maxEvidence).map((e) => evidenceLine(e, '')), ''];
}

function classificationLines(c: ClassificationRow, o: Opts): string[] {
  return [
    `**${md(c.kind)} (confidence ${formatPercent(c.confidence)}):** ${md(c.summary)} (${markdownCode(c.group)})`,
    '',
    ...evidenceList('Evidence for', c.evidenceFor, o),
    ...evidenceList('Evidence against', c.evidenceAgainst, o),
    ...(c.suggestedCaptures.length ? ['Would settle it:', ...c.suggestedCaptures.map((x) => `- ${markdownCode(x)}`), ''] : []),
  ];
}

function fragmentationLines(frag: FragmentationSection, o: Opts): string[] {
  const lines: string[] = [];
  for (const c of frag.classifications) lines.push(...classificationLines(c, o));
  for (const a of frag.analyses) {
    if (a.zones.length) {
      lines.push(`Zones in ${markdownCode(a.source)} (baseline → worst → end, ${formatNumber(a.snapshots)} snapshots):`, '');
      lines.push(...table(fragmentationZones(a.highOrder, a.pageSize), a.zones.slice(0, o.topN), o), '');
    }
    for (const k of a.kernelIndexChecks) {
      lines.push(`- ${markdownCode(k.kind)} of ${markdownCode(k.source)}: ${formatNumber(k.valuesCompared)} values compared with the ones computed from buddyinfo, ${formatNumber(k.mismatches.length)} differ.`);
    }
    lines.push(...a.notes.slice(0, 6).map((n) => `- ${md(n)}`));
    if (a.kernelIndexChecks.length || a.notes.length) lines.push('');
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The `--baseline` comparison: the fix verdict, then what is gone, remains and is new. */
function comparisonLines(c: Comparison, o: Opts): string[] {
  const holds = c.fixHolds === null ? 'nothing leaked in the baseline' : c.fixHolds ? '**the fix holds**' : '**the fix does not hold**';
  const lines = [
    `Verdict before → after: **${md(c.beforeVerdict)}** → **${md(c.afterVerdict)}**; ${holds}. ${formatNumber(c.gone)} gone, ${formatNumber(c.remains)} remain, ${formatNumber(c.new)} new.`,
    '',
    md(c.summary),
  ];
  if (c.items.length) {
    const shown = c.items.slice(0, o.topN);
    lines.push('', ...table(COMPARISON, shown, o));
    if (c.items.length > shown.length) lines.push('', `_${c.items.length - shown.length} more in the JSON report._`);
  }
  return lines;
}

/**
 * Renders a Report as Markdown: the verdict, the findings with their evidence and the top rows of
 * each table. Readable as plain text in a terminal and rendered by GitHub/GitLab in PR comments
 * and issues. Every capture-derived string is escaped (code spans for symbols and paths, with
 * pipes escaped in tables; Markdown and HTML punctuation escaped in prose).
 * @example
 * console.log(renderMarkdown(report, { topN: 5 }));
 */
export function renderMarkdown(report: Report, options: RenderMarkdownOptions = {}): string {
  const o = RenderMarkdownOptionsSchema.parse(options);
  const v = report.verdict;
  const out: string[] = [];
  out.push(`# memforensics: ${v.kind.replace(/-/g, ' ').toUpperCase()} (${v.severity}${v.assumedTimeAxes?.length ? ', time axis assumed' : ''})`, '', `**${md(v.summary)}**`, '');
  const facts = [
    `Severity: **${v.severity}**`,
    v.confidence !== undefined ? `confidence: **${formatPercent(v.confidence)}**` : null,
    v.timeToLimitSeconds !== undefined && v.timeToLimitSeconds !== null ? `time to limit: **${formatTimeToLimit(v.timeToLimitSeconds, v.timeToLimitAxisAssumed)}**` : null,
    v.space ? `where: **${v.space}**` : null,
    `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} from ${report.artefacts.length} artefact${report.artefacts.length === 1 ? '' : 's'}`,
  ].filter((x): x is string => x !== null);
  out.push(facts.join(' · '));
  if (v.evidence?.length) out.push('', ...v.evidence.slice(0, o.maxEvidence).map((e) => evidenceLine(e, '')));
  if (v.suggestedCaptures?.length) out.push('', 'What to capture next:', ...v.suggestedCaptures.map((c) => `- ${markdownCode(c)}`));

  // A --baseline run answers "does the fix hold?" first.
  if (report.comparison) out.push('', '## Comparison with the baseline', '', ...comparisonLines(report.comparison, o));

  // Findings.
  const findings = report.findings.slice(0, o.maxFindings);
  section(
    out,
    'Findings',
    report.findings.length,
    findings.length,
    findings.flatMap((f, i) => {
      const meta = [
        md(f.kind),
        f.confirmedBy?.length ? `confirmed by ${f.confirmedBy.map(md).join(', ')}` : null,
        f.space ? md(f.space) : null,
        f.culprit !== undefined ? `culprit ${markdownCode(f.culprit)}` : null,
      ].filter((x): x is string => x !== null);
      return [
        `${i + 1}. **[${f.severity.toUpperCase()}]** ${md(f.title)}  `,
        `   ${meta.join(' · ')} · ${markdownCode(f.source)}`,
        ...f.evidence.slice(0, o.maxEvidence).map((e) => evidenceLine(e, '   ')),
        ...(f.evidence.length > o.maxEvidence ? [`   - _${f.evidence.length - o.maxEvidence} more evidence items in the JSON report._`] : []),
      ];
    }),
  );

  // Tables keep the order the analyses ranked them in.
  tableSection(out, TRENDS, report.trends, o);
  tableSection(out, ALLOCATION_SITES, report.allocationSites, o);
  tableSection(out, SLAB_CACHES, report.slabGrowth, o);
  for (const m of report.meminfo) {
    // Counters the trend engine found flat or could not judge stay in the JSON report: the table is what moved.
    const rows = meminfoLines(m).filter((c) => !QUIET.has(c.verdict));
    const shown = rows.slice(0, o.topN);
    out.push('', `## Meminfo: ${markdownCode(m.source)}`, '', ...(rows.length ? table(MEMINFO, shown, o) : ['No counter grows.']));
    if (rows.length > shown.length) out.push('', `_${rows.length - shown.length} more in the JSON report._`);
  }
  tableSection(out, KMEMLEAK_CLUSTERS, report.kmemleakClusters, o);
  tableSection(out, STACK_GROWTH, report.stackGrowth, o);
  tableSection(out, LEAK_SITES, report.leakSites, o);
  tableSection(out, OOM_KILLS, report.oomEvents, o);
  if (report.fragmentation) out.push('', '## Leak or fragmentation', '', ...fragmentationLines(report.fragmentation, o));
  section(out, ARTEFACTS.title, report.artefacts.length, report.artefacts.length, table(ARTEFACTS, report.artefacts, o));
  if (report.unplaced?.length) {
    out.push('', '## Files that are no capture', '', ...report.unplaced.map((u) => `- ${formatNumber(u.count)} ${md(u.kind)} files (${cc(u.code)}), e.g. ${markdownCode(u.examples[0] ?? '')}`));
  }
  out.push('', `_memforensics ${markdownCode(report.tool.version)}, report schema v${report.schemaVersion}. Times are UTC._`, '');
  return out.join('\n');
}
