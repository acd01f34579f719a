import { CULPRIT_FINDING_KINDS, LEAK_FINDING_KINDS, compareSeverity, worseSeverity, type Evidence, type Finding, type FindingSeverity, type VerdictKind } from '../core/models.js';
import { formatDuration } from '../core/format.js';
import type { BuddyinfoSnapshot, ExtfragSnapshot, PagetypeinfoSnapshot } from '../parsers/buddyinfo/index.js';
import type { MeminfoSnapshot } from '../parsers/meminfo/index.js';
import type { Verdict } from '../report/schema.js';
import { folderOf, recordsOf, type AnalysisContext, type ParsedArtefact } from './context.js';
import { formatModule } from './formats/index.js';
import { classifyMemoryGrowth, type MemoryGrowthClassification } from '../analysis/classifyMemoryGrowth.js';
import { checkKernelIndices } from '../analysis/fragmentation.js';
import { gradeCulprit } from '../analysis/alerts.js';
import { bytesPerUnit, formatBytes } from '../core/format.js';
import { capAssumedTimeAxes } from './timeAxis.js';

/**
 * The bundle verdict, combined the way an expert works:
 * 1. qualify: is there a leak at all (trend engine on usage series, culprit tools that see growth),
 *    or fragmentation (buddy high orders lost while free memory stays), or neither;
 * 2. localise: kernel (Slab, SUnreclaim, traces, kmemleak) or user (AnonPages, RSS, memleak, LSan);
 * 3. name the culprit: one culprit seen by several tools becomes one finding with all their evidence;
 * 4. link kernel-side and user-side findings captured together.
 */

/** Growth the kernel reclaims under pressure is load, not a leak. */
function isCacheGrowth(f: Finding): boolean {
  return f.reclaimable === true;
}

/** A finding that says memory is leaking: a leak kind, graded warning or worse, not a cache. */
export function isLeakFinding(f: Finding): boolean {
  return LEAK_FINDING_KINDS.has(f.kind) && f.severity !== 'info' && !isCacheGrowth(f);
}

/** The bare symbol of a culprit, so `parse_config_entry+0x19` and `parse_config_entry (cfgleak.c:53)` match. */
export function culpritKey(culprit: string): string {
  let s = culprit.trim();
  for (const sep of [' ', '+', '(', '[']) {
    const i = s.indexOf(sep);
    if (i > 0) s = s.slice(0, i);
  }
  return s;
}

/**
 * Merges findings that name the same culprit from different tools into one finding carrying every
 * tool's evidence (one culprit seen by valgrind and LSan is one finding with two pieces of evidence).
 * @example
 * mergeByCulprit([valgrindFinding, lsanFinding]).length // 1
 */
export function mergeByCulprit(findings: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    if (!f.culprit || !CULPRIT_FINDING_KINDS.has(f.kind) || f.severity === 'info') {
      out.push(f);
      continue;
    }
    // Tools agree about one run: only findings from the same capture folder are merged.
    const key = `${folderOf(f.source.split(', ')[0])}|${f.space ?? 'unknown'}:${culpritKey(f.culprit)}`;
    const seen = byKey.get(key);
    if (!seen) {
      const copy = { ...f, evidence: [...f.evidence] };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    seen.evidence.push(...f.evidence);
    seen.severity = worseSeverity(seen.severity, f.severity);
    seen.score = Math.max(seen.score ?? 0, f.score ?? 0) + 10;
    seen.source = [...new Set([...seen.source.split(', '), f.source])].join(', ');
    if (f.kind !== seen.kind && !seen.confirmedBy?.includes(f.kind)) {
      seen.confirmedBy = [...(seen.confirmedBy ?? []), f.kind];
      seen.title = `${seen.title} (confirmed by ${f.kind.replace(/-/g, ' ')})`;
    }
  }
  return out;
}

type ClassifierInputs = {
  buddyinfo: BuddyinfoSnapshot;
  meminfo: MeminfoSnapshot;
  pagetypeinfo: PagetypeinfoSnapshot;
  extfragUnusable: ExtfragSnapshot;
  extfragIndex: ExtfragSnapshot;
};

/** One capture folder's inputs to the leak-or-fragmentation classification: the first artefact of each part. */
type GroupData = { folder: string } & { [K in keyof ClassifierInputs]?: { path: string; records: ClassifierInputs[K][] } };

function groupsOf(artefacts: readonly ParsedArtefact[]): GroupData[] {
  const groups = new Map<string, GroupData>();
  for (const a of artefacts) {
    if (!a.result || !a.format) continue;
    const part = formatModule(a.format).classifierInput;
    if (!part) continue;
    const folder = folderOf(a.path);
    const g = groups.get(folder) ?? { folder };
    g[part] ??= { path: a.path, records: recordsOf<never>(a) };
    groups.set(folder, g);
  }
  return [...groups.values()];
}

/** Runs classifyMemoryGrowth per capture folder and checks computed indices against the kernel's files. */
function classify(ctx: AnalysisContext, artefacts: readonly ParsedArtefact[]): (MemoryGrowthClassification & { group: string })[] {
  const out: (MemoryGrowthClassification & { group: string })[] = [];
  const frag = ctx.sections.fragmentation ?? { analyses: [], classifications: [] };
  for (const g of groupsOf(artefacts)) {
    if (!g.buddyinfo && !g.meminfo) continue;
    const inGroup = (source: string) => folderOf(source) === g.folder;
    const trends = ctx.trendResults
      .filter((t) => inGroup(t.source) && t.role !== 'other')
      .map((t) => ({ name: t.name, role: t.role as 'user' | 'kernel' | 'total', result: t.result }));
    const c = classifyMemoryGrowth(
      {
        buddyinfo: g.buddyinfo?.records,
        meminfo: g.meminfo?.records,
        pagetypeinfo: g.pagetypeinfo?.records,
        extfragIndex: g.extfragIndex?.records,
        trends,
      },
      {
        sources: {
          ...(g.buddyinfo ? { buddyinfo: g.buddyinfo.path } : {}),
          ...(g.meminfo ? { meminfo: g.meminfo.path } : {}),
          ...(g.pagetypeinfo ? { pagetypeinfo: g.pagetypeinfo.path } : {}),
          ...(g.extfragIndex ? { extfragIndex: g.extfragIndex.path } : {}),
        },
      },
    );
    out.push({ group: g.folder, ...c });
    if (g.buddyinfo) {
      const checks = [
        ...(g.extfragUnusable ? [{ source: g.extfragUnusable.path, ...checkKernelIndices(g.buddyinfo.records, g.extfragUnusable.records, 'unusable_index') }] : []),
        ...(g.extfragIndex ? [{ source: g.extfragIndex.path, ...checkKernelIndices(g.buddyinfo.records, g.extfragIndex.records, 'extfrag_index') }] : []),
      ];
      const entry = frag.analyses.find((a) => a.source === g.buddyinfo!.path);
      if (entry && checks.length > 0) entry.kernelIndexChecks = checks;
    }
  }
  if (out.length > 0 || frag.analyses.length > 0) ctx.sections.fragmentation = { ...frag, classifications: out };
  return out;
}

/** Adds a finding linking kernel-side and user-side leaks captured in the same folder (the same run). */
function linkKernelAndUser(findings: Finding[]): Finding | null {
  const leaks = findings.filter(isLeakFinding);
  const byFolder = new Map<string, { kernel: Finding[]; user: Finding[] }>();
  for (const f of leaks) {
    if (f.space !== 'kernel' && f.space !== 'user') continue;
    for (const src of f.source.split(', ')) {
      const g = byFolder.get(folderOf(src)) ?? { kernel: [], user: [] };
      g[f.space].push(f);
      byFolder.set(folderOf(src), g);
    }
  }
  for (const [folder, g] of byFolder) {
    if (g.kernel.length > 0 && g.user.length > 0) {
      const k = g.kernel[0];
      const u = g.user[0];
      return {
        kind: 'kernel-user-link',
        severity: 'info',
        title: `Kernel-side and user-side growth in the same capture (${folder}): ${k.culprit ?? k.title} with ${u.culprit ?? u.title}`,
        source: [...new Set([k.source, u.source])].join(', '),
        space: 'unknown',
        score: 1,
        evidence: [...k.evidence.slice(0, 1), ...u.evidence.slice(0, 1)],
      };
    }
  }
  return null;
}

/** Bytes per hour a leak finding stands for (or bytes leaked when it has no rate), to rank culprits. */
function magnitude(f: Finding): number {
  const v = f.evidence[0]?.values ?? {};
  if (typeof v.growthBytesPerSecond === 'number') return v.growthBytesPerSecond * 3600;
  if (typeof v.slopePerHour === 'number' && typeof v.unit === 'string') return v.slopePerHour * (bytesPerUnit(v.unit) ?? 1);
  for (const k of ['bytes', 'outstandingBytes', 'lastBytes']) if (typeof v[k] === 'number') return v[k] as number;
  return f.score ?? 0;
}

function spaceOf(leaks: readonly Finding[]): Verdict['space'] {
  const k = leaks.some((f) => f.space === 'kernel');
  const u = leaks.some((f) => f.space === 'user');
  return k && u ? 'both' : k ? 'kernel' : u ? 'user' : 'unknown';
}

/**
 * The bundle verdict: qualify, localise, name the culprit, from every section of the analysis.
 * Reorganises ctx.findings (culprits merged across tools, a kernel/user link added).
 * @example
 * const verdict = diagnose(ctx, artefacts); verdict.kind // 'leak'
 */
export function diagnose(ctx: AnalysisContext, artefacts: readonly ParsedArtefact[]): Verdict {
  const classifications = classify(ctx, artefacts);
  const limitBytes = ctx.options.limitBytes ?? ctx.memTotalBytes ?? null;
  // Growth that an analysis confirmed stays a leak even when the alert rules grade it info (slow).
  const confirmedBeforeGrading = ctx.findings.filter(isLeakFinding);
  const graded = ctx.findings.map((f) =>
    CULPRIT_FINDING_KINDS.has(f.kind) && f.severity !== 'info'
      ? { ...f, severity: gradeCulprit(f.evidence[0]?.values, limitBytes, ctx.options.alertThresholds) }
      : isCacheGrowth(f)
        ? { ...f, severity: 'info' as const }
        : f,
  );
  const merged = mergeByCulprit(graded);
  capAssumedTimeAxes(ctx, merged);
  const link = linkKernelAndUser(merged);
  if (link) merged.push(link);
  ctx.findings.splice(0, ctx.findings.length, ...merged);

  const leaks = merged.filter(isLeakFinding).sort((a, b) => compareSeverity(a.severity, b.severity) || magnitude(b) - magnitude(a));
  const culprits = leaks.filter((f) => CULPRIT_FINDING_KINDS.has(f.kind));
  const fragClass = classifications.filter((c) => c.kind === 'fragmentation' || c.kind === 'leak-and-fragmentation');
  const fragFindings = merged.filter((f) => f.kind === 'fragmentation' && f.severity !== 'info');
  const oomFrag = ctx.sections.oomEvents.filter((e) => (e.fragmentation as { fragmented?: boolean } | undefined)?.fragmented === true);
  const fragmented = fragClass.length > 0 || (fragFindings.length > 0 && classifications.length === 0) || oomFrag.length > 0;
  const leaking = leaks.length > 0 || confirmedBeforeGrading.length > 0 || classifications.some((c) => c.kind === 'leak' || c.kind === 'leak-and-fragmentation');

  const analysedTrends = ctx.sections.trends.filter((t) => t.verdict !== 'insufficient-data').length;
  // Tools that could have seen a leak and did not: a stack judged over several reports, a trace,
  // a sanitizer report. One memleak report alone shows outstanding memory, not growth; a bpftrace
  // sum of allocation sizes with no free audit shows volume, which cannot rule a leak out.
  const culpritToolsRan =
    ctx.sections.stackGrowth.filter((s) => s.verdict !== 'insufficient-data' && s.measure !== 'allocated').length +
    ctx.sections.leakSites.length +
    ctx.traces.length +
    ctx.sections.kmemleakClusters.length;
  const sawNoLeak = classifications.some((c) => c.kind === 'no-leak') || analysedTrends > 0 || culpritToolsRan > 0 || ctx.sections.slabGrowth.length > 0;

  let kind: VerdictKind;
  if (leaking && fragmented) kind = 'leak-and-fragmentation';
  else if (leaking) kind = 'leak';
  else if (fragmented) kind = 'fragmentation';
  else if (sawNoLeak) kind = 'no-leak';
  else kind = 'inconclusive';

  const ooms = ctx.sections.oomEvents.length;
  const severity: FindingSeverity =
    kind === 'no-leak' || kind === 'inconclusive'
      ? ooms > 0
        ? 'warning'
        : 'info'
      : leaks.length === 0 && fragFindings.length === 0 && !fragmented
        ? 'info'
        : [...leaks, ...fragFindings].reduce<FindingSeverity>((s, f) => worseSeverity(s, f.severity), 'warning');

  const leakTrends = ctx.sections.trends.filter((t) => t.verdict === 'leak' && t.timeToLimitSeconds !== null);
  const timeToLimitSeconds = leakTrends.length > 0 ? Math.min(...leakTrends.map((t) => t.timeToLimitSeconds as number)) : null;
  const space = leaking ? spaceOf(leaks.length > 0 ? leaks : confirmedBeforeGrading) : 'unknown';

  const evidence: Evidence[] = [];
  for (const f of [...culprits.slice(0, 3), ...leaks.filter((f) => !culprits.includes(f)).slice(0, 2), ...fragFindings.slice(0, 2)]) {
    evidence.push(...f.evidence.slice(0, 2));
  }
  // A classification's evidence without its weighing (about, weight): the verdict cites it.
  for (const c of fragClass.slice(0, 1)) evidence.push(...c.evidenceFor.slice(0, 2).map(({ about: _about, weight: _weight, ...e }) => e));

  // Independent tools that agree raise confidence; a classification brings its own.
  const tools = new Set(leaks.map((f) => f.kind));
  let confidence: number;
  if (kind === 'leak') confidence = Math.min(0.99, 0.55 + 0.12 * tools.size + 0.05 * Math.min(3, culprits.length));
  else if (kind === 'fragmentation' || kind === 'leak-and-fragmentation') confidence = Math.max(0.5, ...fragClass.map((c) => c.confidence));
  else if (kind === 'no-leak') confidence = Math.min(0.9, 0.5 + 0.1 * analysedTrends + 0.1 * classifications.filter((c) => c.kind === 'no-leak').length);
  else confidence = 0.2;

  return {
    kind,
    severity,
    summary: summarise(kind, leaks, culprits, confirmedBeforeGrading, fragClass, fragFindings, oomFrag.length, space, timeToLimitSeconds, analysedTrends, classifications, ctx.sections.oomEvents, allocationVolume(ctx)),
    confidence: Math.round(confidence * 100) / 100,
    timeToLimitSeconds,
    space,
    evidence,
    ...(classifications.length > 0 ? { suggestedCaptures: [...new Set(classifications.flatMap((c) => c.suggestedCaptures))] } : {}),
  };
}

/**
 * What a capture of allocation sums (bpftrace `sum(size)`, no free audit) says: where the
 * allocations go, which is not what stays allocated. Null when no such stack grows.
 */
function allocationVolume(ctx: AnalysisContext): string | null {
  const growing = ctx.sections.stackGrowth.filter((s) => s.measure === 'allocated' && s.verdict === 'growing' && s.unit === 'bytes');
  if (growing.length === 0) return null;
  const top = [...growing].sort((a, b) => (b.growthBytesPerSecond ?? 0) - (a.growthBytesPerSecond ?? 0)).slice(0, 3);
  const list = top.map((s) => `${s.culprit ?? s.key}${s.growthBytesPerSecond !== null ? ` ${formatBytes(s.growthBytesPerSecond)}/s` : ''}`).join(', ');
  return `bpftrace sums allocation sizes by stack and traces no frees: allocation volume (${list}), not memory held, so it neither shows nor rules out a leak. Subtract on free (a live-bytes map) or run memleak -p PID on the same process.`;
}

function summarise(
  kind: VerdictKind,
  leaks: readonly Finding[],
  culprits: readonly Finding[],
  slowLeaks: readonly Finding[],
  fragClass: readonly MemoryGrowthClassification[],
  fragFindings: readonly Finding[],
  oomFrag: number,
  space: Verdict['space'],
  timeToLimitSeconds: number | null,
  analysedTrends: number,
  classifications: readonly MemoryGrowthClassification[],
  oomEvents: AnalysisContext['sections']['oomEvents'] = [],
  volume: string | null = null,
): string {
  const where = space === 'both' ? 'kernel and user space' : space === 'kernel' ? 'kernel space' : space === 'user' ? 'user space' : 'an unlocalised place';
  // The headline is the most severe leak; a named culprit only when it is as severe as that.
  const top = culprits[0] && (!leaks[0] || compareSeverity(culprits[0].severity, leaks[0].severity) <= 0) ? culprits[0] : (leaks[0] ?? slowLeaks[0]);
  const ttl = timeToLimitSeconds !== null && !top?.title.includes('limit') ? ` Projected to reach the limit in ${formatDuration(timeToLimitSeconds)}.` : '';
  const names = [...new Set(culprits.map((f) => f.culprit).filter((c): c is string => !!c))].slice(0, 4);
  const culpritText = names.length > 0 ? ` Culprit${names.length > 1 ? 's' : ''}: ${names.join(', ')}.` : '';
  const fz = fragClass[0]?.fragmentation;
  const fragText =
    (kind === 'fragmentation' ? fragClass[0]?.summary : undefined) ??
    fragFindings[0]?.title ??
    (fz ? `${fz.zone} order-${fz.order} unusable index ${fz.baselineUnusable.toFixed(3)} -> ${fz.worstUnusable.toFixed(3)} (end ${fz.endUnusable.toFixed(3)}).` : undefined) ??
    (oomFrag > 0 ? `${oomFrag} OOM kill(s) failed high-order allocations with memory still free.` : '');
  switch (kind) {
    case 'leak':
      return `Memory is leaking in ${where}: ${top?.title ?? 'growth confirmed'}.${culpritText}${ttl}`;
    case 'leak-and-fragmentation':
      return `Memory is leaking in ${where} (${top?.title ?? 'growth confirmed'}) and free memory is fragmented: ${fragText}${culpritText}${ttl}`;
    case 'fragmentation':
      return `No leak: free memory is fragmented. ${fragText}`;
    case 'no-leak':
      return `No leak found: ${analysedTrends} usage series analysed${classifications.length ? `, ${classifications.length} capture(s) classified` : ''}, and no culprit tool shows growing outstanding memory.`;
    default: {
      const victims = [...new Set(oomEvents.map((e) => e.victimComm).filter((c): c is string => !!c))].slice(0, 4);
      const oom = oomEvents.length > 0 ? `${oomEvents.length} OOM kill${oomEvents.length > 1 ? 's' : ''}${victims.length ? ` (${victims.join(', ')})` : ''}, but ` : '';
      if (volume !== null) return `Inconclusive: ${oom}${volume}`;
      return `Inconclusive: ${oom}the captures hold no usage series, trace or leak report long enough to tell a leak from load. Capture meminfo or slabinfo every few seconds over several stress cycles.`;
    }
  }
}
