import type { AllocationSite, TimeSeries } from '../core/models.js';
import type { FormatId } from '../core/parser.js';
import type { MemleakReport } from '../parsers/bcc-memleak/index.js';
import type { BpftraceRecord } from '../parsers/bpftrace/index.js';
import { buddyinfoSeries, type BuddyinfoSnapshot } from '../parsers/buddyinfo/index.js';
import { csvSeries, type CsvRecord } from '../parsers/csv/index.js';
import type { KmemleakObject } from '../parsers/kmemleak/index.js';
import type { LeakReportRecord } from '../parsers/lsan/index.js';
import { meminfoSeries, type MeminfoSnapshot } from '../parsers/meminfo/index.js';
import type { OomReport } from '../parsers/oom/index.js';
import { pidstatSeries, type PidstatSample } from '../parsers/pidstat/index.js';
import { pmapSeries, type PmapSnapshot } from '../parsers/pmap/index.js';
import { rssSeries, type RssSample } from '../parsers/rss/index.js';
import { slabtopAsSlabinfo, type SlabinfoSnapshot, type SlabtopSnapshot } from '../parsers/slabinfo/index.js';
import { smapsRollupSeries, type SmapsRollupSnapshot } from '../parsers/smaps-rollup/index.js';
import type { TraceRecord } from '../parsers/tracecmd/index.js';
import type { TraceCmdCpuStat } from '../parsers/tracecmd-stat/index.js';
import { vmstatSeries, type VmstatRecord } from '../parsers/vmstat/index.js';
import type { AnalysisContext, FormatAnalyzer, ParsedArtefact, UsageRole } from './analyze.js';
import { kmemleakSites } from './clusterKmemleak.js';
import { kmemleakAcrossScans, kmemleakAcrossScansFindings } from './kmemleakAcrossScans.js';
import { analyzeFragmentation, fragmentationFindings, fragmentationSection } from './fragmentation.js';
import { leakSites, toAllocationSites } from './leakSites.js';
import { meminfoAttribution } from './meminfoAttribution.js';
import { oomTimeline } from './oomTimeline.js';
import { pairAllocations, type PairingResult } from './pairing/index.js';
import { slabGrowth } from './slabGrowth.js';
import { bpftraceStackGrowth, memleakStackGrowth, stackGrowthFindings, stackGrowthSites, type StackGrowthResult } from './stackGrowth.js';
import { bytesPerUnit } from '../core/text.js';

/** The meminfo fields whose series get a trend and a chart, and where their memory lives. */
const MEMINFO_USAGE_FIELDS: Record<string, UsageRole> = {
  Used: 'total',
  AnonPages: 'user',
  Slab: 'kernel',
  SUnreclaim: 'kernel',
  VmallocUsed: 'kernel',
};

/** The artefact's records, or the bounded subsample kept while streaming a long series. */
function records<T>(a: ParsedArtefact): T[] {
  const streamed = a.streamed?.snapshots as T[] | undefined;
  return streamed ?? ((a.result?.records ?? []) as T[]);
}

function pushSeries(ctx: AnalysisContext, source: string, s: TimeSeries): void {
  ctx.sections.series.push({ source, name: s.name, unit: s.unit, points: s.t.length, t: s.t, v: s.v, ...(s.timeAssumed ? { timeAssumed: true } : {}) });
}

/** Registers a usage series for charts and the trend engine. */
function addUsage(ctx: AnalysisContext, source: string, s: TimeSeries, role: UsageRole, limit?: number, emitFinding = true): void {
  // A single snapshot has no trend: it stays in the artefact's records, not in the charts.
  if (s.t.length < 3) return;
  pushSeries(ctx, source, s);
  ctx.usageSeries.push({ series: { ...s, source }, role, ...(limit !== undefined ? { limit } : {}), emitFinding });
}

/** The limit in a series' unit: --limit when given, else a fallback (MemTotal) in the same unit. */
function limitIn(ctx: AnalysisContext, unit: string, fallbackBytes?: number): number | undefined {
  const perUnit = bytesPerUnit(unit);
  const bytes = ctx.options.limitBytes ?? fallbackBytes;
  return perUnit !== null && bytes !== undefined ? bytes / perUnit : undefined;
}

function analyzeMeminfo(a: ParsedArtefact, ctx: AnalysisContext): void {
  const snaps = records<MeminfoSnapshot>(a);
  const memTotalKb = snaps.find((r) => r.kb.MemTotal !== undefined)?.kb.MemTotal;
  if (memTotalKb !== undefined) ctx.memTotalBytes ??= memTotalKb * 1024;
  for (const s of meminfoSeries(snaps, a.path)) {
    const role = MEMINFO_USAGE_FIELDS[s.name];
    // meminfoAttribution below reports each component's growth; the trend here feeds charts and the verdict.
    if (role) addUsage(ctx, a.path, s, role, limitIn(ctx, s.unit, memTotalKb !== undefined ? memTotalKb * 1024 : undefined), snaps.length < 2);
    else if (ctx.options.allSeries) pushSeries(ctx, a.path, s);
  }
  if (snaps.length >= 2) {
    const attribution = meminfoAttribution(snaps, { source: a.path });
    const { findings, ...section } = attribution;
    ctx.sections.meminfo.push(section);
    ctx.findings.push(...findings);
  }
}

function analyzeSlab(a: ParsedArtefact, ctx: AnalysisContext, snaps: readonly SlabinfoSnapshot[]): void {
  if (snaps.length < 2) return;
  const result = slabGrowth(snaps, { source: a.path });
  ctx.sections.slabGrowth.push(...result.entries);
  ctx.findings.push(...result.findings);
}

function analyzeSeriesFormat(toSeries: (a: ParsedArtefact) => TimeSeries[], role: (s: TimeSeries) => UsageRole | null): FormatAnalyzer {
  return (a, ctx) => {
    for (const s of toSeries(a)) {
      const r = bytesPerUnit(s.unit) !== null ? role(s) : null;
      if (r) addUsage(ctx, a.path, s, r, limitIn(ctx, s.unit, ctx.memTotalBytes));
      else if (ctx.options.allSeries) pushSeries(ctx, a.path, s);
    }
  };
}

/**
 * A process's resident memory is its usage: one headline series per process (RSS, or PSS when
 * smaps_rollup gives it), not its address space (VSZ, Kbytes) nor every sub-counter.
 */
function processUsageRole(s: TimeSeries): UsageRole | null {
  const n = s.name.toLowerCase();
  return n.startsWith('rss') || n === 'pss' || n.startsWith('pmap rss') ? 'user' : null;
}

function csvRole(s: TimeSeries): UsageRole | null {
  const n = s.name.toLowerCase();
  if (n.includes('rss') || n.includes('pss') || n.includes('heap') || n.includes('anon')) return 'user';
  if (n.includes('slab') || n.includes('kernel')) return 'kernel';
  if (n.includes('free') || n.includes('avail')) return null;
  return 'total';
}

function analyzeVmstat(a: ParsedArtefact, ctx: AnalysisContext): void {
  for (const s of vmstatSeries(records<VmstatRecord>(a), a.path)) {
    if (ctx.options.allSeries || s.name === 'free' || s.name === 'swpd') pushSeries(ctx, a.path, s);
  }
}

function analyzeBuddyinfo(a: ParsedArtefact, ctx: AnalysisContext): void {
  const snaps = records<BuddyinfoSnapshot>(a);
  if (ctx.options.allSeries) for (const s of buddyinfoSeries(snaps, a.path)) pushSeries(ctx, a.path, s);
  const analysis = analyzeFragmentation(snaps);
  const section = { source: a.path, ...fragmentationSection(analysis) };
  const current = (ctx.sections.fragmentation ?? { analyses: [] }) as { analyses: unknown[] };
  ctx.sections.fragmentation = { ...current, analyses: [...current.analyses, section] };
  ctx.findings.push(...fragmentationFindings(analysis, a.path));
}

export function pairingOf(a: ParsedArtefact, ctx: AnalysisContext): PairingResult {
  const streamed = a.streamed?.pairing as PairingResult | undefined;
  return streamed ?? pairAllocations(records<TraceRecord>(a), { ...ctx.options.pairing, source: a.path, includeTracer: ctx.options.includeTracer ?? ctx.options.pairing?.includeTracer });
}

function analyzeTrace(a: ParsedArtefact, ctx: AnalysisContext): void {
  const pairing = pairingOf(a, ctx);
  ctx.sections.allocationSites.push(...pairing.allocationSites.map((s) => ({ ...s, flagged: s.leak })));
  ctx.findings.push(...pairing.findings);
  ctx.traces.push({ source: a.path, pairing });
}

/** Every tool's culprits also join the shared allocation-site model (one table, one culprit key). */
function addSites(ctx: AnalysisContext, sites: readonly AllocationSite[]): void {
  ctx.sections.allocationSites.push(...sites.map((s) => ({ ...s, growthBytesPerSecond: s.growthBytesPerSecond ?? null })));
}

function analyzeStackGrowth(result: StackGrowthResult, a: ParsedArtefact, ctx: AnalysisContext, tool: string): void {
  ctx.sections.stackGrowth.push(...result.entries.map((e) => ({ ...e, source: a.path, tool })));
  ctx.findings.push(...stackGrowthFindings(result));
  addSites(ctx, stackGrowthSites(result));
}

// One artefact's appended scans; the bundle's separate scan files are to be judged together by one kmemleakAcrossScans call.
function analyzeKmemleak(a: ParsedArtefact, ctx: AnalysisContext): void {
  const across = kmemleakAcrossScans([{ source: a.path, objects: records<KmemleakObject>(a) }]);
  const series = new Map(across.clusters.map((c) => [`${c.culprit}\u0000${c.backtraceKey}`, c]));
  ctx.sections.kmemleakClusters.push(
    ...across.latest.clusters.map((c) => {
      const s = series.get(`${c.culprit}\u0000${c.backtraceKey}`);
      return { ...c, source: a.path, ...(s && across.scans.length > 1 ? { scanCounts: s.counts, scanBytes: s.bytes, scanStatus: s.status } : {}) };
    }),
  );
  ctx.findings.push(...kmemleakAcrossScansFindings(across, { limitBytes: ctx.options.limitBytes ?? ctx.memTotalBytes ?? null, thresholds: ctx.options.alertThresholds }));
  addSites(ctx, kmemleakSites(across.latest));
}

function analyzeLeakReport(a: ParsedArtefact, ctx: AnalysisContext): void {
  const result = leakSites(records<LeakReportRecord>(a), a.path);
  ctx.sections.leakSites.push(...result.sites);
  ctx.findings.push(...result.findings);
  addSites(ctx, toAllocationSites(result.sites));
}

function analyzeOom(a: ParsedArtefact, ctx: AnalysisContext): void {
  const result = oomTimeline(records<OomReport>(a), a.path);
  ctx.sections.oomEvents.push(...result.events);
  ctx.findings.push(...result.findings);
}

/** A trace whose ring buffer overran or dropped events cannot be trusted for pairing: say so. */
function analyzeTraceStat(a: ParsedArtefact, ctx: AnalysisContext): void {
  const stats = records<TraceCmdCpuStat>(a);
  const lost = stats.reduce((n, s) => n + (s.overrun ?? 0) + (s.commitOverrun ?? 0) + (s.droppedEvents ?? 0), 0);
  if (lost === 0) return;
  ctx.findings.push({
    kind: 'trace-lost-events',
    severity: 'warning',
    title: `The trace lost ${lost} events (ring buffer overrun): frees may be missing, so pairing can show false leaks; record again with a larger buffer (trace-cmd record -b)`,
    source: a.path,
    space: 'kernel',
    evidence: stats
      .filter((s) => (s.overrun ?? 0) + (s.commitOverrun ?? 0) + (s.droppedEvents ?? 0) > 0)
      .map((s) => ({ source: a.path, lines: [s.line, s.line] as [number, number], detail: `CPU ${s.cpu}: overrun ${s.overrun}, commit overrun ${s.commitOverrun}, dropped ${s.droppedEvents}`, values: { cpu: s.cpu, overrun: s.overrun, commitOverrun: s.commitOverrun, droppedEvents: s.droppedEvents } })),
  });
}

/** Per-format analyses: what the pipeline runs for each parsed artefact. */
export const FORMAT_ANALYZERS: Partial<Record<FormatId, FormatAnalyzer>> = {
  meminfo: analyzeMeminfo,
  slabinfo: (a, ctx) => analyzeSlab(a, ctx, records<SlabinfoSnapshot>(a)),
  slabtop: (a, ctx) => analyzeSlab(a, ctx, slabtopAsSlabinfo(records<SlabtopSnapshot>(a))),
  vmstat: analyzeVmstat,
  buddyinfo: analyzeBuddyinfo,
  'trace-cmd': analyzeTrace,
  ftrace: analyzeTrace,
  'trace-cmd-stat': analyzeTraceStat,
  kmemleak: analyzeKmemleak,
  'bcc-memleak': (a, ctx) => analyzeStackGrowth(memleakStackGrowth(records<MemleakReport>(a), { source: a.path }), a, ctx, 'bcc-memleak'),
  bpftrace: (a, ctx) => analyzeStackGrowth(bpftraceStackGrowth(records<BpftraceRecord>(a), { source: a.path }), a, ctx, 'bpftrace'),
  lsan: analyzeLeakReport,
  valgrind: analyzeLeakReport,
  oom: analyzeOom,
  rss: analyzeSeriesFormat((a) => rssSeries(records<RssSample>(a), a.path), () => 'user'),
  pidstat: analyzeSeriesFormat((a) => pidstatSeries(records<PidstatSample>(a), a.path), processUsageRole),
  pmap: analyzeSeriesFormat((a) => pmapSeries(records<PmapSnapshot>(a), a.path), processUsageRole),
  'smaps-rollup': analyzeSeriesFormat((a) => smapsRollupSeries(records<SmapsRollupSnapshot>(a), a.path), processUsageRole),
  csv: analyzeSeriesFormat((a) => csvSeries(records<CsvRecord>(a), a.path), csvRole),
};
