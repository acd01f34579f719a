import { z } from 'zod';
import { EvidenceSchema } from '../core/models.js';
import { formatBytes, formatDuration, formatTime } from '../core/format.js';
import { pagetypeinfoAsBuddyinfo, type BuddyinfoSnapshot, type ExtfragSnapshot, type PagetypeinfoSnapshot } from '../parsers/buddyinfo/index.js';
import { meminfoSeries, type MeminfoSnapshot } from '../parsers/meminfo/index.js';
import { analyzeFragmentation, type FragmentationAnalysis, type ZoneFragmentation } from './fragmentation.js';
import { detectLeakTrend, type LeakTrendResult } from './trend/index.js';

/**
 * Leak or fragmentation? Memory that rises and stays high is not always a leak: free memory cut
 * into small pieces blocks high-order allocations too (and fires the OOM killer) with nothing to
 * find in slab or RSS. This weighs every artefact present (buddyinfo, pagetypeinfo, extfrag,
 * meminfo, trend results) the way an expert does and says which, how sure, and what to capture
 * next when the data cannot tell.
 */

export const GrowthKindSchema = z.enum(['leak', 'fragmentation', 'leak-and-fragmentation', 'no-leak', 'inconclusive']);
export type GrowthKind = z.infer<typeof GrowthKindSchema>;

export const GrowthEvidenceSchema = EvidenceSchema.extend({
  /** Which hypothesis this weighs on. */
  about: z.enum(['leak', 'fragmentation']),
  /** Contribution to that hypothesis' score (always positive; direction given by the list it is in). */
  weight: z.number(),
});
export type GrowthEvidence = z.infer<typeof GrowthEvidenceSchema>;

export const TrendSummarySchema = z.object({
  name: z.string(),
  role: z.enum(['user', 'kernel', 'total']),
  verdict: z.string(),
  slopePerHour: z.number().nullable(),
  pValue: z.number().nullable(),
  unit: z.string().optional(),
  reason: z.string().optional(),
});
export type TrendSummary = z.infer<typeof TrendSummarySchema>;

const HypothesisSchema = z.object({
  /** 0..1 after weighing evidence for and against. */
  score: z.number(),
  evidenceFor: z.array(GrowthEvidenceSchema),
  evidenceAgainst: z.array(GrowthEvidenceSchema),
});

export const MemoryGrowthClassificationSchema = z.object({
  kind: GrowthKindSchema,
  /** 0..1: how sure the kind is. */
  confidence: z.number().min(0).max(1),
  summary: z.string(),
  /** Evidence for and against the chosen kind (for `no-leak`/`inconclusive`: against/for both hypotheses). */
  evidenceFor: z.array(GrowthEvidenceSchema),
  evidenceAgainst: z.array(GrowthEvidenceSchema),
  /** Both hypotheses weighed separately. */
  hypotheses: z.object({ leak: HypothesisSchema, fragmentation: HypothesisSchema }),
  /** What to capture next to settle it (commands). */
  suggestedCaptures: z.array(z.string()),
  /** Where a leak lives, when one is seen. */
  space: z.enum(['kernel', 'user', 'both', 'unknown']),
  trends: z.array(TrendSummarySchema),
  /** The fragmentation zone most affected, in short (null without buddy data). */
  fragmentation: z
    .object({
      zone: z.string(),
      baselineUnusable: z.number(),
      worstUnusable: z.number(),
      endUnusable: z.number(),
      order: z.number().int(),
      smallerPiecesShare: z.number().nullable(),
      idleRecovery: z.enum(['full', 'partial', 'none']).nullable(),
    })
    .nullable(),
  /** Which inputs were used. */
  inputs: z.array(z.string()),
  notes: z.array(z.string()),
});
export type MemoryGrowthClassification = z.infer<typeof MemoryGrowthClassificationSchema>;

export interface ClassifyMemoryGrowthInput {
  buddyinfo?: readonly BuddyinfoSnapshot[];
  meminfo?: readonly MeminfoSnapshot[];
  pagetypeinfo?: readonly PagetypeinfoSnapshot[];
  /** extfrag/extfrag_index snapshots (the kernel's own), when captured. */
  extfragIndex?: readonly ExtfragSnapshot[];
  /** Trend results already computed (e.g. by the analyze pipeline); computed from meminfo when absent. */
  trends?: ReadonlyArray<{ name: string; role?: 'user' | 'kernel' | 'total'; result: LeakTrendResult; source?: string }>;
  /** A precomputed fragmentation analysis (else computed from buddyinfo). */
  fragmentationAnalysis?: FragmentationAnalysis;
}

export const ClassifyMemoryGrowthOptionsSchema = z.object({
  /** Order whose unusable index headlines fragmentation (default 9). */
  highOrder: z.number().int().positive().optional(),
  /** A score at or above this accepts a hypothesis (default 0.5). */
  acceptScore: z.number().min(0).max(1).optional(),
  /** Between this and acceptScore a hypothesis is "possible": the result is inconclusive (default 0.3). */
  possibleScore: z.number().min(0).max(1).optional(),
  /** Labels of the artefacts for evidence (default: the format names). */
  sources: z
    .object({ buddyinfo: z.string(), meminfo: z.string(), pagetypeinfo: z.string(), extfragIndex: z.string() })
    .partial()
    .optional(),
});
export type ClassifyMemoryGrowthOptions = z.infer<typeof ClassifyMemoryGrowthOptionsSchema>;

/** meminfo fields that are memory in use (not free/available/cache), and where they live. */
const USAGE_FIELDS: Record<string, 'user' | 'kernel' | 'total'> = {
  Used: 'total',
  AnonPages: 'user',
  Shmem: 'user',
  Slab: 'kernel',
  SUnreclaim: 'kernel',
  VmallocUsed: 'kernel',
  // Page tables follow process mappings: they grow with user memory, not as a kernel leak of their own.
  PageTables: 'user',
  KernelStack: 'kernel',
};

function meminfoTrends(meminfo: readonly MeminfoSnapshot[]): Array<{ name: string; role: 'user' | 'kernel' | 'total'; result: LeakTrendResult; source?: string }> {
  const memTotal = meminfo.find((s) => s.kb.MemTotal !== undefined)?.kb.MemTotal;
  const out: Array<{ name: string; role: 'user' | 'kernel' | 'total'; result: LeakTrendResult; source?: string }> = [];
  for (const s of meminfoSeries(meminfo)) {
    const role = USAGE_FIELDS[s.name];
    if (!role) continue;
    out.push({ name: s.name, role, result: detectLeakTrend(s, memTotal ? { limit: memTotal } : {}) });
  }
  return out;
}

function roleOf(name: string): 'user' | 'kernel' | 'total' {
  const base = name.includes(' ') ? name.slice(name.lastIndexOf(' ') + 1) : name;
  return USAGE_FIELDS[base] ?? USAGE_FIELDS[name] ?? (name.toLowerCase().includes('rss') ? 'user' : 'total');
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}

function sum(list: readonly GrowthEvidence[]): number {
  return list.reduce((a, e) => a + e.weight, 0);
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(0)}%`;
}

/** The most fragmented zone (highest worst unusable index among fragmented, else the primary). */
function keyZone(a: FragmentationAnalysis): ZoneFragmentation | null {
  const fragmented = a.zones.filter((z) => z.fragmented);
  if (fragmented.length > 0) return fragmented.reduce((m, z) => (z.worst.unusableHigh > m.worst.unusableHigh ? z : m));
  return a.zones.find((z) => z.key === a.primaryZone) ?? null;
}

/**
 * Classifies memory growth as `leak`, `fragmentation`, `leak-and-fragmentation`, `no-leak` or
 * `inconclusive`, with a confidence, the evidence for and against each hypothesis, and the
 * captures that would settle an inconclusive case. Pure; never throws on messy data.
 *
 * Each hypothesis scores sum(weights for) - 0.5 x sum(weights against), clamped to 0..1; a score
 * >= acceptScore accepts it, one between possibleScore and acceptScore next to an accepted other
 * (or alone) makes the result `inconclusive`. Leak evidence: a usage series (AnonPages, Used,
 * Slab, SUnreclaim, ...) whose lower envelope rises steadily (trend engine), free memory that does
 * not come back after the release. Fragmentation evidence: the high-order unusable index rising
 * well above its baseline while memory is still free, the share of the high-order loss due to
 * smaller pieces, order-0 blocks multiplying, high orders that stay split after free memory came
 * back, capped order-0 counts and spreading Unmovable pageblocks in pagetypeinfo, and a positive
 * kernel extfrag_index; against it: every order still succeeding (extfrag_index -1.000).
 * @example
 * const c = classifyMemoryGrowth({ buddyinfo: parseBuddyinfo(b).records, meminfo: parseMeminfo(m).records });
 * c.kind // 'fragmentation'
 */
export function classifyMemoryGrowth(input: ClassifyMemoryGrowthInput, options: ClassifyMemoryGrowthOptions = {}): MemoryGrowthClassification {
  const accept = options.acceptScore ?? 0.5;
  const possible = options.possibleScore ?? 0.3;
  const src = {
    buddyinfo: options.sources?.buddyinfo ?? 'buddyinfo',
    meminfo: options.sources?.meminfo ?? 'meminfo',
    pagetypeinfo: options.sources?.pagetypeinfo ?? 'pagetypeinfo',
    extfragIndex: options.sources?.extfragIndex ?? 'extfrag_index',
  };
  const inputs: string[] = [];
  const notes: string[] = [];
  const leakFor: GrowthEvidence[] = [];
  const leakAgainst: GrowthEvidence[] = [];
  const fragFor: GrowthEvidence[] = [];
  const fragAgainst: GrowthEvidence[] = [];
  const suggested = new Set<string>();
  const ev = (about: 'leak' | 'fragmentation', weight: number, source: string, detail: string, values?: GrowthEvidence['values']): GrowthEvidence => ({
    about,
    weight,
    source,
    detail,
    ...(values ? { values } : {}),
  });

  // ---- trends (qualify: is there growth at all?)
  const meminfo = input.meminfo ?? [];
  if (meminfo.length > 0) inputs.push('meminfo');
  const memTotalKb = meminfo.find((s) => s.kb.MemTotal !== undefined)?.kb.MemTotal ?? null;
  const rawTrends = input.trends
    ? input.trends.map((t) => ({ name: t.name, role: t.role ?? roleOf(t.name), result: t.result, source: t.source ?? 'trends' }))
    : meminfo.length > 0
      ? meminfoTrends(meminfo)
      : [];
  if (input.trends) inputs.push('trends');
  const trends: TrendSummary[] = rawTrends.map((t) => ({
    name: t.name,
    role: t.role,
    verdict: t.result.verdict,
    slopePerHour: t.result.slopePerHour,
    pValue: t.result.pValue,
    ...(t.result.unit ? { unit: t.result.unit } : {}),
    reason: t.result.reason,
  }));
  const leaking = rawTrends.filter((t) => t.result.verdict === 'leak');
  const adequateTrends = rawTrends.filter((t) => t.result.verdict !== 'insufficient-data');
  let space: MemoryGrowthClassification['space'] = 'unknown';
  leaking.forEach((t, i) => {
    leakFor.push(
      ev(
        'leak',
        i === 0 ? (t.result.pValue !== null && t.result.pValue < 0.001 ? 0.8 : 0.6) : 0.1,
        t.source ?? src.meminfo,
        `${t.name}: ${t.result.reason}`,
        { series: t.name, slopePerHour: t.result.slopePerHour, pValue: t.result.pValue, onset: t.result.onset, timeToLimitSeconds: t.result.timeToLimitSeconds },
      ),
    );
  });
  if (leaking.length > 0) {
    const roles = new Set(leaking.map((t) => t.role));
    space = roles.has('user') && roles.has('kernel') ? 'both' : roles.has('user') ? 'user' : roles.has('kernel') ? 'kernel' : 'unknown';
  }
  const significant = (r: LeakTrendResult): boolean => {
    const regime = r.regimes[r.regimes.length - 1];
    const rise = regime ? Math.abs(regime.levelEnd - regime.levelStart) : 0;
    return memTotalKb !== null && r.unit === 'kB' ? rise >= memTotalKb * 0.01 : rise > 0;
  };
  const stepLike = rawTrends.filter((t) => (t.result.verdict === 'step' || t.result.verdict === 'plateau') && significant(t.result));
  if (leaking.length > 0 && stepLike.length > 0) {
    // A step or plateau beside a steady leak is the same growth seen coarser: no extra weight.
  } else if (stepLike.length > 0) {
    leakFor.push(
      ev('leak', 0.15, src.meminfo, `${stepLike.map((t) => t.name).join(', ')} rose as a step or warm-up and then stayed flat: growth, but not a steady leak`, {
        series: stepLike.map((t) => t.name).join(','),
      }),
    );
  }
  if (leaking.length === 0 && adequateTrends.length > 0) {
    leakAgainst.push(
      ev('leak', 0.3, src.meminfo, `no usage series shows a steady rise of its lower envelope (${adequateTrends.map((t) => `${t.name}: ${t.result.verdict}`).join(', ')})`),
    );
  }
  if (rawTrends.length > 0 && adequateTrends.length === 0) notes.push('every trend had too few points: the leak hypothesis could not be tested');

  // ---- fragmentation (buddy allocator)
  let buddy: readonly BuddyinfoSnapshot[] = input.buddyinfo ?? [];
  let buddySource = src.buddyinfo;
  let understated = false;
  if (buddy.length > 0) inputs.push('buddyinfo');
  else if ((input.pagetypeinfo?.length ?? 0) > 0 && !input.fragmentationAnalysis) {
    const derived = pagetypeinfoAsBuddyinfo(input.pagetypeinfo!);
    buddy = derived.snapshots;
    buddySource = src.pagetypeinfo;
    understated = derived.capped > 0;
    if (understated) {
      suggested.add('capture /proc/buddyinfo beside pagetypeinfo: pagetypeinfo stops counting a free list at 100000, buddyinfo has exact per-zone counts');
    }
    notes.push(
      `no buddyinfo: free lists summed from pagetypeinfo over migrate types${derived.capped > 0 ? ` (${derived.capped} snapshot(s) with counts capped at 100000: lower bounds, indices understated)` : ''}`,
    );
  }
  const frag =
    input.fragmentationAnalysis ?? (buddy.length > 0 ? analyzeFragmentation(buddy, options.highOrder ? { highOrder: options.highOrder } : {}) : null);
  const kz = frag ? keyZone(frag) : null;
  let fragSummary: MemoryGrowthClassification['fragmentation'] = null;
  if (frag && kz && !frag.insufficientData) {
    const ho = frag.highOrder;
    const ps = frag.pageSize;
    fragSummary = {
      zone: kz.key,
      baselineUnusable: kz.baseline.unusableHigh,
      worstUnusable: kz.worst.unusableHigh,
      endUnusable: kz.end.unusableHigh,
      order: ho,
      smallerPiecesShare: kz.loss.smallerPiecesShare,
      idleRecovery: kz.idleWindow?.recovered ?? null,
    };
    const vals = {
      zone: kz.key,
      baselineTime: kz.baseline.time,
      worstTime: kz.worst.time,
      baselineUnusable: kz.baseline.unusableHigh,
      worstUnusable: kz.worst.unusableHigh,
      worstFreePages: kz.worst.freePages,
    };
    if (kz.fragmented) {
      fragFor.push(
        ev(
          'fragmentation',
          0.45,
          buddySource,
          `${kz.key}: order-${ho} unusable index ${kz.baseline.unusableHigh.toFixed(3)} -> ${kz.worst.unusableHigh.toFixed(3)} (${(kz.worst.unusableHigh / Math.max(kz.baseline.unusableHigh, 0.001)).toFixed(1)}x) while ${formatBytes(kz.worst.freePages * ps)} was still free`,
          vals,
        ),
      );
      if (kz.loss.smallerPiecesShare !== null && kz.loss.smallerPiecesShare >= 0.25) {
        fragFor.push(
          ev(
            'fragmentation',
            0.15,
            buddySource,
            `${pct(kz.loss.smallerPiecesShare)} of the lost order-${ho} capacity (${formatBytes(-kz.loss.smallerPiecesPages * ps)} of ${formatBytes(-kz.loss.deltaPages * ps)}) is free memory in smaller pieces, not memory in use`,
            { deltaPages: kz.loss.deltaPages, smallerPiecesPages: Math.round(kz.loss.smallerPiecesPages), lessFreeMemoryPages: Math.round(kz.loss.lessFreeMemoryPages) },
          ),
        );
      }
      if (kz.baseline.order0Blocks > 0 && kz.worst.order0Blocks >= 10 * kz.baseline.order0Blocks) {
        fragFor.push(
          ev('fragmentation', 0.1, buddySource, `free order-0 blocks ${kz.baseline.order0Blocks} -> ${kz.worst.order0Blocks}: isolated single pages`, {
            baselineOrder0: kz.baseline.order0Blocks,
            worstOrder0: kz.worst.order0Blocks,
          }),
        );
      }
    } else if (understated) {
      if (kz.baseline.order0Blocks > 0 && kz.worst.order0Blocks >= 10 * kz.baseline.order0Blocks) {
        fragFor.push(
          ev(
            'fragmentation',
            0.3,
            buddySource,
            `free order-0 blocks rose from ${kz.baseline.order0Blocks} to at least ${kz.worst.order0Blocks} (pagetypeinfo stops counting at 100000): many isolated single pages, but the indices from capped counts are understated`,
            { baselineOrder0: kz.baseline.order0Blocks, worstOrder0AtLeast: kz.worst.order0Blocks },
          ),
        );
      }
      notes.push('fragmentation indices from capped pagetypeinfo counts are lower bounds: not used as evidence against fragmentation');
    } else {
      fragAgainst.push(
        ev(
          'fragmentation',
          0.4,
          buddySource,
          `no zone lost high-order blocks faster than free memory: ${kz.key} order-${ho} unusable index peaked at ${kz.worst.unusableHigh.toFixed(3)} (baseline ${kz.baseline.unusableHigh.toFixed(3)})`,
          vals,
        ),
      );
    }
    const w = kz.idleWindow;
    if (w) {
      const wv = {
        releaseTime: w.start.time,
        freeRecovery: w.freeRecovery,
        highOrderRecovery: w.highOrderRecovery,
        unusableHighVsBaseline: w.unusableHighVsBaseline,
        order0VsBaseline: w.order0VsBaseline,
      };
      if (w.freeRecovery !== null && w.freeRecovery >= 0.7) {
        leakAgainst.push(
          ev('leak', 0.3, buddySource, `after the release at ${formatTime(w.start.time)}, ${pct(w.freeRecovery)} of the free memory came back within ${formatDuration(w.durationSeconds)}: nothing kept it`, wv),
        );
        if (kz.fragmented && kz.persistent) {
          fragFor.push(
            ev(
              'fragmentation',
              0.25,
              buddySource,
              `free memory returned (${pct(w.freeRecovery)}) but high orders did not: order-${ho} unusable index still ${kz.end.unusableHigh.toFixed(3)} (${(w.unusableHighVsBaseline ?? 0).toFixed(1)}x baseline), order-0 blocks ${(w.order0VsBaseline ?? 0).toFixed(0)}x baseline at the end`,
              wv,
            ),
          );
        } else if (kz.fragmented) {
          fragFor.push(ev('fragmentation', 0.05, buddySource, 'the zone re-merged its free blocks after the release: transient fragmentation', wv));
        }
      } else if (w.freeRecovery !== null && w.freeRecovery < 0.3) {
        leakFor.push(ev('leak', 0.3, buddySource, `after the release at ${formatTime(w.start.time)} only ${pct(w.freeRecovery)} of the free memory came back: something keeps it`, wv));
      }
    } else if (kz.active) {
      notes.push('no release of memory after the worst point: the capture ends in the stressed state');
      suggested.add('keep sampling /proc/buddyinfo and /proc/meminfo for a few minutes after the workload stops (an idle window shows whether free memory and high orders come back)');
    }
    if (kz.allOrdersSucceed) {
      fragAgainst.push(
        ev('fragmentation', 0.1, buddySource, `extfrag_index computed from the free lists is -1.000 for every order: no allocation in ${kz.key} would fail yet`, { zone: kz.key }),
      );
    }
    if (kz.fragmented) {
      suggested.add('echo 1 > /proc/sys/vm/compact_memory, then one more snapshot of /proc/buddyinfo and /proc/pagetypeinfo: high orders that come back were movable pages (compaction helps); blocks that stay split are pinned by unmovable pages');
      suggested.add('grep -E "compact_|pgmigrate_" /proc/vmstat before and after the run: whether compaction ran and succeeded');
    }
  } else if (frag && frag.insufficientData) {
    notes.push(`buddyinfo has only ${frag.snapshots} complete snapshot(s): fragmentation over time cannot be judged`);
  }

  // ---- pagetypeinfo: capped order-0 counts and unmovable pageblocks spreading
  const pti = input.pagetypeinfo ?? [];
  if (pti.length > 0) {
    inputs.push('pagetypeinfo');
    const capped = pti.filter((s) => s.free.some((r) => r.capped.includes(0)));
    if (capped.length > 0 && fragFor.length > 0) {
      const first = capped[0];
      const row = first.free.find((r) => r.capped.includes(0))!;
      fragFor.push(
        ev('fragmentation', 0.05, src.pagetypeinfo, `${capped.length} snapshot(s) print more than ${row.freeBlocks[0]} free order-0 ${row.type} blocks in ${row.zone} (kernel-capped count)`, {
          snapshots: capped.length,
          firstTime: first.time,
          type: row.type,
        }),
      );
    }
    const unmov = (s: PagetypeinfoSnapshot): number => s.blocks.reduce((a, b) => a + (b.counts.Unmovable ?? 0), 0);
    const full = pti.filter((s) => !s.partial && s.blocks.length > 0);
    if (full.length >= 2) {
      const a = unmov(full[0]);
      const b = unmov(full[full.length - 1]);
      if (b > a * 1.1 && b - a >= 8) {
        fragFor.push(
          ev('fragmentation', 0.1, src.pagetypeinfo, `Unmovable pageblocks grew ${a} -> ${b}: unmovable allocations spread over more blocks, which compaction cannot fix`, {
            unmovableBlocksStart: a,
            unmovableBlocksEnd: b,
          }),
        );
      }
    }
  }

  // ---- the kernel's own extfrag_index
  const efi = input.extfragIndex ?? [];
  if (efi.length > 0) {
    inputs.push('extfrag_index');
    let positive = 0;
    let maxVal = -1000;
    for (const s of efi) for (const z of s.zones) for (const m of z.milli) {
      if (m > 0) positive++;
      if (m > maxVal) maxVal = m;
    }
    if (positive > 0 && maxVal >= 500) {
      fragFor.push(
        ev('fragmentation', 0.15, src.extfragIndex, `the kernel's extfrag_index reached ${(maxVal / 1000).toFixed(3)}: some orders would fail because of fragmentation, not lack of memory`, {
          maxIndex: maxVal / 1000,
          positiveValues: positive,
        }),
      );
    } else if (positive === 0 && !kz?.allOrdersSucceed) {
      fragAgainst.push(ev('fragmentation', 0.1, src.extfragIndex, 'the kernel\'s extfrag_index is -1.000 (or 0) everywhere: no allocation would fail yet', {}));
    }
  }

  // ---- weigh
  const leakScore = clamp01(sum(leakFor) - sum(leakAgainst) * 0.5);
  const fragScore = clamp01(sum(fragFor) - sum(fragAgainst) * 0.5);
  const haveLeakData = adequateTrends.length > 0 || (kz?.idleWindow ?? null) !== null;
  const haveFragData = frag !== null && !frag.insufficientData;
  if (!haveFragData) {
    suggested.add('capture /proc/buddyinfo (and /proc/pagetypeinfo as root) beside meminfo, e.g. every 2 s: free memory in high orders tells fragmentation from a leak');
  }
  if (!haveLeakData) {
    suggested.add('capture /proc/meminfo every few seconds over the whole run (and after it): usage trends tell a leak from load');
  }

  const isLeak = leakScore >= accept;
  const isFrag = fragScore >= accept;
  let kind: GrowthKind;
  let confidence: number;
  if (isLeak && isFrag) {
    kind = 'leak-and-fragmentation';
    confidence = Math.min(leakScore, fragScore);
  } else if (isLeak) {
    kind = fragScore >= possible ? 'inconclusive' : 'leak';
    confidence = kind === 'leak' ? leakScore * (haveFragData ? 1 : 0.9) : 0.5 - (accept - fragScore);
  } else if (isFrag) {
    kind = leakScore >= possible ? 'inconclusive' : 'fragmentation';
    confidence = kind === 'fragmentation' ? fragScore * (haveLeakData ? 1 : 0.9) : 0.5 - (accept - leakScore);
  } else if (leakScore >= possible || fragScore >= possible || (!haveLeakData && !haveFragData)) {
    kind = 'inconclusive';
    confidence = haveLeakData || haveFragData ? 0.3 : 0;
  } else {
    kind = 'no-leak';
    const strength = Math.max(sum(leakAgainst), haveFragData ? sum(fragAgainst) : 0);
    confidence = clamp01((1 - Math.max(leakScore, fragScore)) * Math.min(1, 0.5 + strength) * (haveFragData ? 1 : 0.9));
  }
  confidence = Number(clamp01(confidence).toFixed(3));

  if (kind === 'leak' || kind === 'leak-and-fragmentation') {
    if (space === 'kernel' || space === 'both') {
      suggested.add('localize the kernel leak: /proc/slabinfo series (which cache grows), kmemleak scan, or trace-cmd kmem events with stacks');
    }
    if (space === 'user' || space === 'both' || space === 'unknown') {
      suggested.add('localize the user-space leak: per-process RSS series (ps -o rss / smaps_rollup), then bcc memleak -p PID or LSan/valgrind on the suspect');
    }
  }
  if (kind === 'inconclusive' && haveFragData && haveLeakData) {
    suggested.add('echo 1 > /proc/sys/vm/compact_memory after the load stops, then snapshot /proc/buddyinfo and /proc/meminfo: fragmentation recovers high orders, a leak keeps free memory low');
  }

  const summaryText = ((): string => {
    const fz = fragSummary
      ? `${fragSummary.zone} order-${fragSummary.order} unusable index ${fragSummary.baselineUnusable.toFixed(3)} -> ${fragSummary.worstUnusable.toFixed(3)} (end ${fragSummary.endUnusable.toFixed(3)})`
      : 'no buddy data';
    const lz = leaking.length > 0 ? `${leaking.map((t) => t.name).join(', ')} rise steadily` : 'no usage series rises steadily';
    switch (kind) {
      case 'fragmentation':
        return `Fragmentation, not a leak: ${fz}; ${lz}.`;
      case 'leak':
        return `Leak: ${lz}; ${fz}.`;
      case 'leak-and-fragmentation':
        return `Leak and fragmentation: ${lz}; ${fz}.`;
      case 'no-leak':
        return fragSummary ? `No leak and no lasting fragmentation: ${lz}; ${fz}.` : `No leak: ${lz} (fragmentation not assessed: no buddyinfo).`;
      default:
        return `Inconclusive (leak score ${leakScore.toFixed(2)}, fragmentation score ${fragScore.toFixed(2)}): ${lz}; ${fz}.`;
    }
  })();

  const chosenFor =
    kind === 'leak' ? leakFor : kind === 'fragmentation' ? fragFor : kind === 'leak-and-fragmentation' ? [...leakFor, ...fragFor] : kind === 'no-leak' ? [...leakAgainst, ...fragAgainst] : [...leakFor, ...fragFor];
  const chosenAgainst =
    kind === 'leak' ? leakAgainst : kind === 'fragmentation' ? fragAgainst : kind === 'leak-and-fragmentation' ? [...leakAgainst, ...fragAgainst] : kind === 'no-leak' ? [...leakFor, ...fragFor] : [...leakAgainst, ...fragAgainst];

  return {
    kind,
    confidence,
    summary: summaryText,
    evidenceFor: chosenFor,
    evidenceAgainst: chosenAgainst,
    hypotheses: {
      leak: { score: Number(leakScore.toFixed(3)), evidenceFor: leakFor, evidenceAgainst: leakAgainst },
      fragmentation: { score: Number(fragScore.toFixed(3)), evidenceFor: fragFor, evidenceAgainst: fragAgainst },
    },
    suggestedCaptures: [...suggested],
    space,
    trends,
    fragmentation: fragSummary,
    inputs,
    notes,
  };
}
