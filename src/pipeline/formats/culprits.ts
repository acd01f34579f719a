import type { AllocationSite } from '../../core/models.js';
import { kmemleakSites } from '../../analysis/clusterKmemleak.js';
import { kmemleakAcrossScans, kmemleakAcrossScansFindings } from '../../analysis/kmemleakAcrossScans.js';
import { kmemleakScanSequences } from '../../analysis/kmemleakScanSequences.js';
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

/**
 * The kmemleak files of a capture folder that are scans of one capture (listing the same objects,
 * or numbered names printed by the same kernel) are one series of scans: objects are identified
 * by address across them, and the latest scan heads. Unrelated reports in the same folder
 * (excerpts from other machines) are each judged on their own.
 */
export const kmemleakModule: FormatModule = {
  format: 'kmemleak',
  parser: kmemleakParser,
  analyzeTogether(artefacts, ctx) {
    const inputs = artefacts.map((a) => ({ source: a.path, objects: recordsOf<KmemleakObject>(a) }));
    const bySource = new Map(inputs.map((x) => [x.source, x]));
    for (const sequence of kmemleakScanSequences(inputs).sequences) {
      const across = kmemleakAcrossScans(sequence.sources.map((s) => bySource.get(s)!));
      const series = new Map(across.clusters.map((c) => [`${c.culprit}\u0000${c.backtraceKey}`, c]));
      ctx.sections.kmemleakClusters.push(
        ...across.latest.clusters.map((c) => {
          const s = series.get(`${c.culprit}\u0000${c.backtraceKey}`);
          return { ...c, ...(s && across.scans.length > 1 ? { scanCounts: s.counts, scanBytes: s.bytes, scanStatus: s.status } : {}) };
        }),
      );
      ctx.findings.push(...kmemleakAcrossScansFindings({ ...across, notes: [...across.notes, ...sequence.notes] }, { limitBytes: ctx.options.limitBytes ?? ctx.memTotalBytes ?? null, thresholds: ctx.options.alertThresholds }));
      addSites(ctx, kmemleakSites(across.latest));
    }
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
