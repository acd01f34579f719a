import type { AllocationSite } from '../../core/models.js';
import { clusterKmemleak, compareKmemleakScans, kmemleakFindings, kmemleakSites, splitKmemleakScans } from '../../analysis/clusterKmemleak.js';
import { leakSites, toAllocationSites } from '../../analysis/leakSites.js';
import { oomTimeline } from '../../analysis/oomTimeline.js';
import { bpftraceStackGrowth, memleakStackGrowth, stackGrowthFindings, stackGrowthSites, type StackGrowthResult } from '../../analysis/stackGrowth.js';
import { bccMemleakParser, type MemleakReport } from '../../parsers/bcc-memleak/index.js';
import { bpftraceParser, type BpftraceRecord } from '../../parsers/bpftrace/index.js';
import { kmemleakParser, type KmemleakObject } from '../../parsers/kmemleak/index.js';
import { lsanParser, type LeakReportRecord } from '../../parsers/lsan/index.js';
import { oomParser, type OomReport } from '../../parsers/oom/index.js';
import { valgrindParser } from '../../parsers/valgrind/index.js';
import { recordsOf, type AnalysisContext, type ParsedArtefact } from '../context.js';
import type { FormatModule } from './module.js';

/** Every tool's culprits also join the shared allocation-site model (one table, one culprit key). */
function addSites(ctx: AnalysisContext, sites: readonly AllocationSite[]): void {
  ctx.sections.allocationSites.push(...sites.map((s) => ({ ...s, growthBytesPerSecond: s.growthBytesPerSecond ?? null })));
}

function addStackGrowth(result: StackGrowthResult, a: ParsedArtefact, ctx: AnalysisContext): void {
  ctx.sections.stackGrowth.push(...result.entries.map((e) => ({ ...e, source: a.path })));
  ctx.findings.push(...stackGrowthFindings(result));
  addSites(ctx, stackGrowthSites(result));
}

export const kmemleakModule: FormatModule = {
  format: 'kmemleak',
  parser: kmemleakParser,
  analyze(a, ctx) {
    const objects = recordsOf<KmemleakObject>(a);
    const clustering = clusterKmemleak(objects, { source: a.path });
    const scans = splitKmemleakScans(objects);
    const comparison = scans.length > 1 ? compareKmemleakScans(scans, { source: a.path }) : undefined;
    ctx.sections.kmemleakClusters.push(...clustering.clusters.map((c) => ({ ...c, source: a.path })));
    ctx.findings.push(...kmemleakFindings(clustering, comparison));
    addSites(ctx, kmemleakSites(clustering));
  },
};

export const bccMemleakModule: FormatModule = {
  format: 'bcc-memleak',
  parser: bccMemleakParser,
  analyze: (a, ctx) => addStackGrowth(memleakStackGrowth(recordsOf<MemleakReport>(a), { source: a.path }), a, ctx),
};

export const bpftraceModule: FormatModule = {
  format: 'bpftrace',
  parser: bpftraceParser,
  analyze: (a, ctx) => addStackGrowth(bpftraceStackGrowth(recordsOf<BpftraceRecord>(a), { source: a.path }), a, ctx),
};

function analyzeLeakReport(a: ParsedArtefact, ctx: AnalysisContext): void {
  const result = leakSites(recordsOf<LeakReportRecord>(a), a.path);
  ctx.sections.leakSites.push(...result.sites);
  ctx.findings.push(...result.findings);
  addSites(ctx, toAllocationSites(result.sites));
}

export const lsanModule: FormatModule = { format: 'lsan', parser: lsanParser, analyze: analyzeLeakReport };
export const valgrindModule: FormatModule = { format: 'valgrind', parser: valgrindParser, analyze: analyzeLeakReport };

export const oomModule: FormatModule = {
  format: 'oom',
  parser: oomParser,
  analyze(a, ctx) {
    const result = oomTimeline(recordsOf<OomReport>(a), a.path);
    ctx.sections.oomEvents.push(...result.events);
    ctx.findings.push(...result.findings);
  },
};
