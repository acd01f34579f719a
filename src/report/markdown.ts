import { z } from 'zod';
import type { Evidence } from '../core/models.js';
import { escapeMarkdown, markdownCode } from './escape.js';
import { formatBytes, formatDuration, formatNumber, formatPercent, formatQuantity, formatRate, formatTime } from './format.js';
import type { Report } from './schema.js';

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
/** A capture string in a table cell. */
const cc = (s: unknown) => markdownCode(s, true);

function evidenceLine(e: Evidence, indent: string): string {
  const where = e.lines ? `${e.source}:${e.lines[0]}${e.lines[1] !== e.lines[0] ? `-${e.lines[1]}` : ''}` : e.source;
  const values = e.values
    ? Object.entries(e.values)
        .filter(([, v]) => v !== null)
        .slice(0, 8)
        .map(([k, v]) => `${md(k)}=${typeof v === 'number' ? formatNumber(v) : md(v)}`)
        .join(', ')
    : '';
  return `${indent}- ${md(e.detail)} (${markdownCode(where)})${values ? ` — ${values}` : ''}`;
}

function table(head: string[], rows: string[][], align: ('l' | 'r')[]): string[] {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
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

function preview(text: string | null, o: Opts): string {
  if (text === null) return '–';
  const flat = text.replace(/\s+/g, ' ').trim();
  return cc(flat.length > o.previewChars ? `${flat.slice(0, o.previewChars - 1)}…` : flat);
}

type Loose = Record<string, unknown>;

function fragmentationLines(frag: Loose, o: Opts): string[] {
  const isObj = (x: unknown): x is Loose => typeof x === 'object' && x !== null && !Array.isArray(x);
  const analyses = Array.isArray(frag.analyses) ? frag.analyses.filter(isObj) : [frag];
  const classifications = Array.isArray(frag.classifications) ? frag.classifications.filter(isObj) : [];
  const lines: string[] = [];
  for (const c of classifications) {
    const conf = typeof c.confidence === 'number' ? ` (confidence ${formatPercent(c.confidence)})` : '';
    lines.push(`**${md(c.kind ?? '?')}${conf}:** ${md(c.summary ?? '')}`, '');
    const ev = (x: unknown, label: string) => {
      if (!Array.isArray(x) || !x.length) return;
      lines.push(`${label}:`, ...x.filter(isObj).slice(0, o.maxEvidence).map((e) => `- ${md(e.detail ?? '')} (${markdownCode(e.source ?? '')})`), '');
    };
    ev(c.evidenceFor, 'Evidence for');
    ev(c.evidenceAgainst, 'Evidence against');
    const captures = Array.isArray(c.suggestedCaptures) ? c.suggestedCaptures.filter((x): x is string => typeof x === 'string') : [];
    if (captures.length) lines.push('Would settle it:', ...captures.map((x) => `- ${markdownCode(x)}`), '');
  }
  const unusableAt = (p: unknown) => (isObj(p) && typeof p.unusableHigh === 'number' ? p.unusableHigh.toFixed(3) : '–');
  const order0 = (p: unknown) => (isObj(p) && typeof p.order0Blocks === 'number' ? formatNumber(p.order0Blocks) : '–');
  for (const a of analyses) {
    const zones = Array.isArray(a.zones) ? a.zones.filter(isObj) : [];
    const highOrder = typeof a.highOrder === 'number' ? a.highOrder : null;
    if (zones.length) {
      if (typeof a.source === 'string') lines.push(`Zones in ${markdownCode(a.source)} (baseline → worst → end):`, '');
      lines.push(
        ...table(
          ['Zone', 'Fragmented', 'Still at end', `Unusable index${highOrder !== null ? ` (order ${highOrder})` : ''}`, 'Order-0 blocks'],
          zones.slice(0, o.topN).map((z) => [
            cc(`${typeof z.node === 'number' ? `Node ${z.node}, ` : ''}${String(z.zone ?? z.key ?? '?')}`),
            z.fragmented === true ? 'yes' : z.fragmented === false ? 'no' : '–',
            z.persistent === true ? 'yes' : z.persistent === false ? 'no' : '–',
            `${unusableAt(z.baseline)} → ${unusableAt(z.worst)} → ${unusableAt(z.end)}`,
            `${order0(z.baseline)} → ${order0(z.worst)} → ${order0(z.end)}`,
          ]),
          ['l', 'l', 'l', 'r', 'r'],
        ),
        '',
      );
    }
    const notes = Array.isArray(a.notes) ? a.notes.filter((n): n is string => typeof n === 'string') : [];
    if (notes.length) lines.push(...notes.slice(0, 6).map((n) => `- ${md(n)}`), '');
  }
  if (!lines.length) {
    const scalars = Object.entries(frag).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
    lines.push(...scalars.slice(0, 12).map(([k, v]) => `- ${md(k)}: ${typeof v === 'number' ? formatNumber(v) : md(v)}`));
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
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
  out.push(`# memforensics: ${v.kind.replace(/-/g, ' ').toUpperCase()} (${v.severity})`, '', `**${md(v.summary)}**`, '');
  const facts = [
    `Severity: **${v.severity}**`,
    v.confidence !== undefined ? `confidence: **${formatPercent(v.confidence)}**` : null,
    v.timeToLimitSeconds !== undefined && v.timeToLimitSeconds !== null ? `time to limit: **${formatDuration(v.timeToLimitSeconds)}**` : null,
    v.space ? `where: **${v.space}**` : null,
    `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} from ${report.artefacts.length} artefact${report.artefacts.length === 1 ? '' : 's'}`,
  ].filter((x): x is string => x !== null);
  out.push(facts.join(' · '));
  if (v.evidence?.length) out.push('', ...v.evidence.slice(0, o.maxEvidence).map((e) => evidenceLine(e, '')));

  // Findings.
  const findings = report.findings.slice(0, o.maxFindings);
  section(
    out,
    'Findings',
    report.findings.length,
    findings.length,
    findings.flatMap((f, i) => {
      const meta = [f.kind, f.space, f.culprit !== undefined ? `culprit ${markdownCode(f.culprit)}` : null].filter((x): x is string => !!x);
      return [
        `${i + 1}. **[${f.severity.toUpperCase()}]** ${md(f.title)}  `,
        `   ${meta.map((m) => (m.startsWith('culprit ') ? m : md(m))).join(' · ')} · ${markdownCode(f.source)}`,
        ...f.evidence.slice(0, o.maxEvidence).map((e) => evidenceLine(e, '   ')),
        ...(f.evidence.length > o.maxEvidence ? [`   - _${f.evidence.length - o.maxEvidence} more evidence items in the JSON report._`] : []),
      ];
    }),
  );

  const trends = report.trends.slice(0, o.topN);
  section(
    out,
    'Trends',
    report.trends.length,
    trends.length,
    table(
      ['Series', 'Verdict', 'Slope', '95 % interval', 'p', 'Onset', 'Time to limit', 'Source'],
      trends.map((t) => [
        cc(t.series),
        t.verdict,
        formatRate(t.slopePerHour, t.unit),
        t.ci95 ? `${formatRate(t.ci95[0], t.unit)} … ${formatRate(t.ci95[1], t.unit)}` : '–',
        t.pValue === null ? '–' : t.pValue < 1e-4 ? t.pValue.toExponential(1) : t.pValue.toFixed(4),
        formatTime(t.onset),
        formatDuration(t.timeToLimitSeconds),
        cc(t.source),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );

  // Tables keep the order the analyses ranked them in.
  const sites = report.allocationSites.slice(0, o.topN);
  section(
    out,
    'Allocation sites',
    report.allocationSites.length,
    sites.length,
    table(
      ['Site', 'Comm', 'Outstanding', 'Bytes', 'Growth', 'Stack', 'Source'],
      sites.map((s) => [
        cc(s.site),
        s.comm ? cc(s.comm) : '–',
        formatNumber(s.outstandingCount),
        formatBytes(s.outstandingBytes),
        s.growthBytesPerSecond === null ? '–' : `${formatBytes(s.growthBytesPerSecond)}/s`,
        stackCell(s.stack, o),
        cc(s.source),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'l', 'l'],
    ),
  );

  const slabs = report.slabGrowth.slice(0, o.topN);
  section(
    out,
    'Slab caches',
    report.slabGrowth.length,
    slabs.length,
    table(
      ['Cache', 'Verdict', 'Start', 'Peak', 'End', 'Objects Δ', 'Slope', 'Source'],
      slabs.map((s) => [
        cc(s.cache) + (s.reclaimable ? ' (reclaimable)' : ''),
        md(s.verdict),
        formatBytes(s.startBytes),
        formatBytes(s.peakBytes),
        formatBytes(s.endBytes),
        formatNumber(s.objectsDelta),
        formatRate(s.slopeBytesPerHour, 'bytes'),
        cc(s.source),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );

  for (const m of report.meminfo) {
    const rows = m.components.filter((c) => !['no-leak', 'flat', 'insufficient-data'].includes(c.verdict)).slice(0, o.topN);
    const lines = rows.length
      ? table(
          ['Field', 'Verdict', 'Start', 'Peak', 'End', 'Slope'],
          rows.map((c) => [cc(c.field), md(c.verdict), formatQuantity(c.startKb, 'kB'), formatQuantity(c.peakKb, 'kB'), formatQuantity(c.endKb, 'kB'), formatRate(c.slopeKbPerHour, 'kB')]),
          ['l', 'l', 'r', 'r', 'r', 'r'],
        )
      : ['No component grows.'];
    if (m.unaccounted) {
      lines.push('', `Unaccounted (MemTotal minus every counter): ${formatQuantity(m.unaccounted.startKb, 'kB')} → ${formatQuantity(m.unaccounted.endKb, 'kB')}, ${formatRate(m.unaccounted.slopeKbPerHour, 'kB')} (${md(m.unaccounted.verdict)}).`);
    }
    out.push('', `## Meminfo: ${markdownCode(m.source)}`, '', ...lines);
  }

  const clusters = report.kmemleakClusters.slice(0, o.topN);
  section(
    out,
    'kmemleak clusters',
    report.kmemleakClusters.length,
    clusters.length,
    table(
      ['Culprit', 'Objects', 'Bytes', 'Comms', 'Content', 'Backtrace', 'Source'],
      clusters.map((c) => [
        cc(c.culprit),
        formatNumber(c.count),
        formatBytes(c.bytes),
        c.comms.length ? c.comms.slice(0, 4).map(cc).join(' ') + (c.comms.length > 4 ? ` +${c.comms.length - 4}` : '') : '–',
        preview(c.contentPreview, o),
        stackCell(c.backtrace, o),
        cc(c.source),
      ]),
      ['l', 'r', 'r', 'l', 'l', 'l', 'l'],
    ),
  );

  const stacks = report.stackGrowth.slice(0, o.topN);
  section(
    out,
    'Stacks that grow',
    report.stackGrowth.length,
    stacks.length,
    table(
      ['Stack', 'First', 'Last', 'Growth', 'Source'],
      stacks.map((s) => [stackCell(s.stack, o), formatBytes(s.firstBytes), formatBytes(s.lastBytes), s.growthBytesPerSecond === null ? '–' : `${formatBytes(s.growthBytesPerSecond)}/s`, cc(s.source)]),
      ['l', 'r', 'r', 'r', 'l'],
    ),
  );

  const leaks = report.leakSites.slice(0, o.topN);
  section(
    out,
    'Leak sites',
    report.leakSites.length,
    leaks.length,
    table(
      ['Site', 'Kind', 'Bytes', 'Blocks', 'Stack', 'Source'],
      leaks.map((l) => [cc(l.site), l.kind, formatBytes(l.bytes), formatNumber(l.count), stackCell(l.stack, o), cc(l.source)]),
      ['l', 'l', 'r', 'r', 'l', 'l'],
    ),
  );

  const ooms = report.oomEvents.slice(0, o.topN);
  section(
    out,
    'OOM kills',
    report.oomEvents.length,
    ooms.length,
    table(
      ['Time', 'Victim', 'anon-rss', 'Constraint', 'Order', 'Source'],
      ooms.map((e) => [
        formatTime(e.time),
        `${e.victimComm !== null ? cc(e.victimComm) : '–'}${e.victimPid !== null ? ` (pid ${e.victimPid})` : ''}`,
        formatQuantity(e.anonRssKb, 'kB'),
        e.constraint !== null ? md(e.constraint) : '–',
        e.order !== null ? String(e.order) : '–',
        cc(e.source),
      ]),
      ['r', 'l', 'r', 'l', 'r', 'l'],
    ),
  );

  if (report.fragmentation) out.push('', '## Fragmentation', '', ...fragmentationLines(report.fragmentation, o));

  section(
    out,
    'Artefacts',
    report.artefacts.length,
    report.artefacts.length,
    table(
      ['Path', 'Format', 'Records', 'Diagnostics'],
      report.artefacts.map((a) => {
        const bySev = Object.entries(a.diagnostics.bySeverity)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${formatNumber(n)} ${s}`)
          .join(', ');
        const codes = Object.entries(a.diagnostics.byCode)
          .slice(0, 4)
          .map(([c, n]) => `${cc(c)}×${n}`)
          .join(' ');
        const diag = a.error ? `error ${cc(a.error.code)}: ${md(a.error.message)}` : a.diagnostics.total ? `${bySev} (${codes})` : 'none';
        return [cc(a.path), a.format ?? 'unknown', formatNumber(a.records), diag];
      }),
      ['l', 'l', 'r', 'l'],
    ),
  );
  out.push('', `_memforensics ${markdownCode(report.tool.version)}, report schema v${report.schemaVersion}. Times are UTC._`, '');
  return out.join('\n');
}
