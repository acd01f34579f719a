import { cgroupMemoryAnalysis } from '../../analysis/cgroupMemory.js';
import { cgroupMemoryParser, type CgroupMemorySnapshot } from '../../parsers/cgroup/index.js';
import { psiParser, psiStallSeries, type PsiSnapshot } from '../../parsers/psi/index.js';
import { addUsage, pushSeries, recordsOf } from '../context.js';
import type { FormatModule } from './module.js';

/**
 * cgroup memory files: each cgroup's usage goes to the trend engine against the cgroup's own
 * limit, its OOM-kill counters become findings, and a kernel OOM report of the same cgroup gets
 * the cgroup's counters as evidence (one finding per kill, not one per file that saw it).
 * All files of one folder are read together, after the per-file analyses, so the OOM reports of
 * the folder's kernel log are known by then.
 */
export const cgroupMemoryModule: FormatModule = {
  format: 'cgroup-memory',
  parser: cgroupMemoryParser,
  analyzeTogether(artefacts, ctx) {
    for (const a of artefacts) {
      const r = cgroupMemoryAnalysis(recordsOf<CgroupMemorySnapshot>(a), { source: a.path, oomEvents: ctx.sections.oomEvents, thresholds: ctx.options.alertThresholds });
      // --limit applies only to a cgroup without a limit of its own; the analysis gives the usage finding.
      for (const u of r.usage) addUsage(ctx, a.path, u.series, u.role, u.limit ?? ctx.options.limitBytes, false);
      ctx.findings.push(...r.findings);
      for (const link of r.reportLinks) {
        const i = ctx.findings.findIndex((f) => f.kind === 'oom-kill' && f.evidence.some((e) => e.source === link.source && e.lines?.[0] === link.line));
        if (i < 0) continue;
        const f = ctx.findings[i];
        ctx.findings[i] = { ...f, title: f.title.includes(link.cgroup) ? f.title : f.title + link.titleSuffix, evidence: [...f.evidence, ...link.evidence], source: `${f.source},${a.path}` };
      }
    }
  },
};

/** PSI dumps: the share of time stalled per interval, charted (pressure is a symptom, not a usage). */
export const psiModule: FormatModule = {
  format: 'psi',
  parser: psiParser,
  analyze(a, ctx) {
    for (const s of psiStallSeries(recordsOf<PsiSnapshot>(a), a.path)) if (s.t.length >= 2) pushSeries(ctx, a.path, s);
  },
};
