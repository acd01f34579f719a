import { z } from 'zod';
import { FindingSchema, type AllocationSite, type Evidence, type Finding } from '../core/models.js';
import { formatBytes } from '../core/format.js';
import type { LeakKind, LeakRecord, LeakReportRecord, LeakSummaryRecord } from '../parsers/lsan/record.js';
import { culpritIndex } from './allocatorFrames.js';

/**
 * Leak sites from LeakSanitizer and valgrind memcheck records: one entry per reported stack,
 * named by its first frame outside the allocator, plus findings (kind `leak-site`, culprit = site)
 * that the report merges with trace pairing / memleak / bpftrace sites naming the same function.
 * Still-reachable memory is listed (kind `reachable`) but never a finding: it is not a leak.
 */

export const LeakSiteEntrySchema = z.object({
  site: z.string(),
  stack: z.array(z.string()),
  bytes: z.number(),
  count: z.number(),
  kind: z.enum(['definite', 'indirect', 'possible', 'reachable']),
  source: z.string(),
  tool: z.enum(['lsan', 'valgrind']),
  pid: z.number().int().nullable(),
  /** `file:line` of the site frame when the tool printed one (`cfgleak.c:53`). */
  siteLocation: z.string().nullable(),
  /** Bytes reached only through this block (valgrind `N (D direct, I indirect)`); `bytes` is the direct part. */
  indirectBytes: z.number().nonnegative(),
  /** 1-based line of the record in the artefact. */
  line: z.number().int().positive(),
  endLine: z.number().int().positive(),
  /** Frames with their location or module, as printed: `parse_config_entry (cfgleak.c:53)`. */
  frames: z.array(z.string()),
});
export type LeakSiteEntry = z.infer<typeof LeakSiteEntrySchema>;

const BytesCount = z.object({ bytes: z.number(), count: z.number() }).nullable();

export const LeakToolSummarySchema = z.object({
  tool: z.enum(['lsan', 'valgrind']),
  pid: z.number().int().nullable(),
  line: z.number().int(),
  definite: BytesCount,
  indirect: BytesCount,
  possible: BytesCount,
  /** Still reachable at exit: memory the program could still free; NOT a leak. */
  reachable: BytesCount,
  /** LSan SUMMARY total (direct + indirect). */
  leaked: BytesCount,
  source: z.string(),
});
export type LeakToolSummary = z.infer<typeof LeakToolSummarySchema>;

export const LeakSitesResultSchema = z.object({
  sites: z.array(LeakSiteEntrySchema),
  summaries: z.array(LeakToolSummarySchema),
  findings: z.array(FindingSchema),
  /** True when no leak record was found at all (summary-only valgrind runs, empty inputs). */
  insufficientData: z.boolean(),
});
export type LeakSitesResult = z.infer<typeof LeakSitesResultSchema>;

const KIND_WORDS: Record<LeakKind, string> = {
  definite: 'definitely lost',
  indirect: 'indirectly lost',
  possible: 'possibly lost',
  reachable: 'still reachable',
};

function frameString(f: LeakRecord['frames'][number]): string {
  if (f.location) return `${f.symbol} (${f.location})`;
  if (f.module) return `${f.symbol} (${f.module}${f.offset ?? ''})`;
  return f.symbol;
}

/**
 * Turns LSan / valgrind records of one artefact into leak sites, per-process tool totals and findings.
 * @example
 * const r = leakSites(parseValgrind(text).records, 'valgrind.txt');
 * r.sites[0].site // 'parse_config_entry'
 * r.findings[0].culprit // 'parse_config_entry'
 */
export function leakSites(records: readonly LeakReportRecord[], source: string): LeakSitesResult {
  const sites: LeakSiteEntry[] = [];
  const byKey = new Map<string, LeakSiteEntry>();
  const summaries: LeakToolSummary[] = [];
  for (const r of records) {
    if (r.type === 'summary') {
      summaries.push(summaryOf(r, source));
      continue;
    }
    const ci = culpritIndex(r.frames);
    const siteFrame = ci >= 0 ? r.frames[ci] : null;
    const site = siteFrame ? stripOffset(siteFrame.symbol) : '[no stack]';
    const stack = r.frames.map((f) => f.symbol);
    const direct = r.kind === 'indirect' ? r.bytes : (r.directBytes ?? r.bytes);
    const indirect = r.kind === 'indirect' ? 0 : (r.indirectBytes ?? 0);
    const key = `${r.tool}\u0000${r.pid ?? ''}\u0000${r.kind}\u0000${stack.join('\u0001')}`;
    const prev = byKey.get(key);
    if (prev) {
      // The same stack reported twice (several LSan passes): add up.
      prev.bytes += direct;
      prev.indirectBytes += indirect;
      prev.count += r.count;
      prev.endLine = Math.max(prev.endLine, r.endLine);
      continue;
    }
    const entry: LeakSiteEntry = {
      site,
      stack,
      bytes: direct,
      count: r.count,
      kind: r.kind,
      source,
      tool: r.tool,
      pid: r.pid,
      siteLocation: siteFrame?.location ?? null,
      indirectBytes: indirect,
      line: r.line,
      endLine: r.endLine,
      frames: r.frames.map(frameString),
    };
    byKey.set(key, entry);
    sites.push(entry);
  }
  const rank: Record<LeakKind, number> = { definite: 0, possible: 1, indirect: 2, reachable: 3 };
  sites.sort((a, b) => rank[a.kind] - rank[b.kind] || b.bytes + b.indirectBytes - (a.bytes + a.indirectBytes));
  return { sites, summaries, findings: leakSiteFindings(sites, source), insufficientData: sites.length === 0 };
}

function stripOffset(symbol: string): string {
  const plus = symbol.indexOf('+0x');
  return plus > 0 ? symbol.slice(0, plus) : symbol;
}

function summaryOf(r: LeakSummaryRecord, source: string): LeakToolSummary {
  return {
    tool: r.tool, pid: r.pid, line: r.line, definite: r.definite, indirect: r.indirect, possible: r.possible, reachable: r.reachable,
    leaked: r.leaked, source,
  };
}

/**
 * One `leak-site` finding per site (definite, possible and indirect entries; reachable ones are not
 * leaks). Severity: critical for definite leaks, warning for possible only, info for indirect only.
 * @example leakSiteFindings(leakSites(records, 'asan.txt').sites, 'asan.txt')[0].kind // 'leak-site'
 */
export function leakSiteFindings(sites: readonly LeakSiteEntry[], source: string): Finding[] {
  const groups = new Map<string, LeakSiteEntry[]>();
  for (const s of sites) {
    if (s.kind === 'reachable') continue;
    const g = groups.get(s.site);
    if (g) g.push(s);
    else groups.set(s.site, [s]);
  }
  const out: Finding[] = [];
  for (const [site, entries] of groups) {
    const kinds = new Set(entries.map((e) => e.kind));
    const severity = kinds.has('definite') ? 'critical' : kinds.has('possible') ? 'warning' : 'info';
    const bytes = entries.reduce((s, e) => s + e.bytes, 0);
    const count = entries.reduce((s, e) => s + e.count, 0);
    const tools = [...new Set(entries.map((e) => e.tool))].join(', ');
    const worst = entries[0];
    const loc = worst.siteLocation ? ` (${worst.siteLocation})` : '';
    const evidence: Evidence[] = entries.slice(0, 10).map((e) => ({
      source: e.source,
      lines: [e.line, e.endLine],
      detail: `${e.tool}: ${e.bytes} bytes in ${e.count} ${e.tool === 'lsan' ? 'object(s)' : 'blocks'} ${KIND_WORDS[e.kind]}${
        e.indirectBytes > 0 ? ` (+${e.indirectBytes} bytes indirectly)` : ''
      }, allocated from ${e.frames.slice(0, 4).join(' <- ')}`,
      values: { bytes: e.bytes, count: e.count, kind: e.kind, pid: e.pid, indirectBytes: e.indirectBytes, location: e.siteLocation },
    }));
    out.push({
      kind: 'leak-site',
      severity,
      title: `${site}${loc} leaked ${formatBytes(bytes)} in ${count} allocation(s) (${tools}, ${[...kinds].map((k) => KIND_WORDS[k]).join(' / ')})`,
      evidence,
      source,
      score: bytes + (severity === 'critical' ? 1e12 : 0),
      space: 'user',
      culprit: site,
    });
  }
  return out.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
}

/**
 * The sites in the shared allocation-site model (leaks only: reachable entries are left out), so
 * one culprit seen by valgrind, LSan and bcc memleak lines up in `allocationSites`.
 * @example toAllocationSites(leakSites(records, 'valgrind.txt').sites)[0].outstandingBytes // 16384
 */
export function toAllocationSites(sites: readonly LeakSiteEntry[]): AllocationSite[] {
  return sites
    .filter((s) => s.kind !== 'reachable')
    .map((s) => ({
      site: s.site,
      ...(s.pid !== null ? { pid: s.pid } : {}),
      stack: [...s.stack],
      outstandingCount: s.count,
      outstandingBytes: s.bytes,
      growthBytesPerSecond: null,
      tool: s.tool,
      source: s.source,
    }));
}
