import { z } from 'zod';
import type { AllocationSite, Finding, StackFrame } from '../core/models.js';
import { formatBytes } from '../core/format.js';
import type { KmemleakObject } from '../parsers/kmemleak/index.js';
import { gradeCulprit, PROVEN_LEAK, type AlertThresholds } from './alerts.js';
import { culpritIndex, frameText } from './allocatorFrames.js';

/**
 * kmemleak clustering: objects grouped by backtrace (the allocator's own frames skipped, the
 * first frame outside them is the culprit), then by content (decoded hex dumps that are alike:
 * the same struct layout, or the same kind of text, e.g. every leaked 4 KiB buffer holding
 * /proc/schedstat text). Several dumps (appended scans, separate files) are judged together by
 * kmemleakAcrossScans.
 */

export const ContentKindSchema = z.enum(['text', 'zeros', 'binary', 'none']);
export type ContentKind = z.infer<typeof ContentKindSchema>;

export const KmemleakClusterResultSchema = z.object({
  /** `culprit#n`: stable within one result. */
  id: z.string(),
  culprit: z.string(),
  count: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Frames of the first object of the cluster (`sym+off [module]`), top first. */
  backtrace: z.array(z.string()),
  /** Frames from the culprit down, without addresses: what the objects of the cluster share. */
  backtraceKey: z.string(),
  comms: z.array(z.string()),
  pids: z.array(z.number()),
  /** The first object's content as ASCII (non-printables as `.`), null without hex dumps. */
  contentPreview: z.string().nullable(),
  contentKind: ContentKindSchema,
  /** For text content: the printable runs (>= 4 chars) of the first object, joined by ` | `. */
  contentText: z.string().nullable(),
  /** Lowest content similarity of a member to the cluster's first object (1 = identical). */
  minSimilarity: z.number(),
  ageSeconds: z.tuple([z.number(), z.number()]).nullable(),
  jiffies: z.tuple([z.number(), z.number()]).nullable(),
  sizes: z.tuple([z.number(), z.number()]),
  /** Up to 16 object addresses (the rest counted in `count`). */
  addresses: z.array(z.string()),
  /** First and last line of the cluster's objects in the artefact. */
  lines: z.tuple([z.number().int(), z.number().int()]),
  source: z.string(),
});
export type KmemleakClusterResult = z.infer<typeof KmemleakClusterResultSchema>;

export const KmemleakContentGroupSchema = z.object({
  contentKind: ContentKindSchema,
  contentPreview: z.string(),
  contentText: z.string().nullable(),
  count: z.number().int(),
  bytes: z.number(),
  /** Culprits of the backtraces whose objects hold this content. */
  culprits: z.array(z.string()),
});

export const KmemleakClusteringSchema = z.object({
  clusters: z.array(KmemleakClusterResultSchema),
  /**
   * Content alike across different backtraces (only text and non-zero binary content, groups of 2+):
   * the content may name the culprit when the backtrace is a generic path.
   */
  contentGroups: z.array(KmemleakContentGroupSchema),
  objects: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Debug dumps (`kmemleak: Object ...`) are not leak reports; counted, not clustered. */
  debugDumpsIgnored: z.number().int().nonnegative(),
  insufficientData: z.boolean(),
  source: z.string(),
});
export type KmemleakClustering = z.infer<typeof KmemleakClusteringSchema>;

export const KmemleakClusterOptionsSchema = z.object({
  source: z.string().optional(),
  /** Content similarity (0..1) from which two objects count as alike. */
  contentSimilarity: z.number().min(0).max(1).optional(),
});
export type KmemleakClusterOptions = z.infer<typeof KmemleakClusterOptionsSchema>;

const DEFAULT_SIMILARITY = 0.6;

/**
 * Classifies decoded bytes: mostly printable text, all zeros, other binary, or no dump.
 * @example contentKindOf([0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0]) // 'text'
 */
export function contentKindOf(bytes: readonly number[]): ContentKind {
  if (bytes.length === 0) return 'none';
  let zeros = 0;
  let printable = 0;
  let nonZero = 0;
  for (const b of bytes) {
    if (b === 0) zeros++;
    else {
      nonZero++;
      if ((b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13) printable++;
    }
  }
  if (zeros === bytes.length) return 'zeros';
  // Text: most non-zero bytes printable, and enough of them (a C string padded with NULs).
  if (printable >= 4 && printable / nonZero >= 0.85 && printable / bytes.length >= 0.4) return 'text';
  return 'binary';
}

/**
 * Printable runs of at least 4 characters, joined by ` | ` (newlines shown as `\n`).
 * @example textRuns([0x68, 0x69, 0x73, 0x74, 0, 1]) // 'hist'
 */
export function textRuns(bytes: readonly number[]): string | null {
  const runs: string[] = [];
  let cur = '';
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 10 || b === 9) cur += b === 10 ? '\\n' : String.fromCharCode(b);
    else {
      if (cur.length >= 4) runs.push(cur);
      cur = '';
    }
  }
  if (cur.length >= 4) runs.push(cur);
  return runs.length > 0 ? runs.join(' | ') : null;
}

function bigrams(bytes: readonly number[]): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i + 1 < bytes.length; i++) s.add(bytes[i] * 256 + bytes[i + 1]);
  return s;
}

/**
 * Similarity of two hex dumps in 0..1: the share of equal bytes at equal offsets (a struct of the
 * same type), or for two texts the Jaccard index of their byte bigrams (the same text with other
 * numbers in it), whichever is higher. Two absent dumps are alike (1); one absent: 0.
 * @example contentSimilarity([1, 2, 3, 4], [1, 2, 3, 5]) // 0.75
 */
export function contentSimilarity(a: readonly number[], b: readonly number[]): number {
  return similarityOf(featuresOf(a), featuresOf(b));
}

interface Features {
  bytes: readonly number[];
  bigrams: Set<number> | null;
}

function featuresOf(bytes: readonly number[]): Features {
  return { bytes, bigrams: contentKindOf(bytes) === 'text' ? bigrams(bytes) : null };
}

function similarityOf(fa: Features, fb: Features): number {
  const a = fa.bytes;
  const b = fb.bytes;
  if (a.length === 0 && b.length === 0) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const n = Math.max(a.length, b.length);
  let eq = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] === b[i]) eq++;
  let sim = eq / n;
  if (fa.bigrams && fb.bigrams) {
    let inter = 0;
    for (const v of fa.bigrams) if (fb.bigrams.has(v)) inter++;
    const union = fa.bigrams.size + fb.bigrams.size - inter;
    if (union > 0) sim = Math.max(sim, inter / union);
  }
  return sim;
}

/**
 * Frames from the culprit down, symbols and offsets only (hashed/raw addresses differ by boot).
 * @example backtraceKeyOf([{ symbol: 'kmalloc_trace', offset: '+0x2a/0xa0' }, { symbol: 'foo', offset: '+0x1/0x2' }]) // { culprit: 'foo', key: 'foo+0x1/0x2' }
 */
export function backtraceKeyOf(frames: readonly StackFrame[]): { culprit: string; key: string } {
  const ci = culpritIndex(frames);
  if (ci < 0) return { culprit: '(no backtrace)', key: '' };
  const tail = frames.slice(ci).map((f) => `${f.symbol}${f.offset ?? ''}${f.module ? ` [${f.module}]` : ''}`);
  return { culprit: frames[ci].symbol, key: tail.join(';') };
}

interface Group {
  culprit: string;
  key: string;
  rep: KmemleakObject;
  members: KmemleakObject[];
  minSim: number;
}

function greedyByContent(objects: readonly KmemleakObject[], threshold: number): { rep: KmemleakObject; members: KmemleakObject[]; minSim: number }[] {
  const groups: { rep: KmemleakObject; f: Features; members: KmemleakObject[]; minSim: number }[] = [];
  // Bounded work: at most 64 representatives per call (pathological dumps stay linear).
  const MAX_GROUPS = 64;
  for (const o of objects) {
    const f = featuresOf(o.bytes);
    let best = -1;
    let bestSim = -1;
    for (let i = 0; i < groups.length; i++) {
      const s = similarityOf(groups[i].f, f);
      if (s >= threshold && s > bestSim) {
        best = i;
        bestSim = s;
        if (s === 1) break;
      }
    }
    if (best < 0 && groups.length >= MAX_GROUPS) {
      best = groups.length - 1;
      bestSim = similarityOf(groups[best].f, f);
    }
    if (best >= 0) {
      groups[best].members.push(o);
      groups[best].minSim = Math.min(groups[best].minSim, bestSim);
    } else groups.push({ rep: o, f, members: [o], minSim: 1 });
  }
  return groups.map(({ rep, members, minSim }) => ({ rep, members, minSim }));
}

function range(values: readonly (number | null)[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? null : [lo, hi];
}

/**
 * Clusters kmemleak objects by backtrace (culprit = first frame outside the allocator), then by
 * content similarity of their hex dumps. Clusters are sorted by bytes, largest first.
 * @example
 * const { clusters } = clusterKmemleak(parseKmemleak(text).records, { source: 'kmemleak.txt' });
 * clusters[0].culprit // 'do_check_common'
 */
export function clusterKmemleak(objects: readonly KmemleakObject[], options: KmemleakClusterOptions = {}): KmemleakClustering {
  const source = options.source ?? '';
  const threshold = options.contentSimilarity ?? DEFAULT_SIMILARITY;
  const leaks = objects.filter((o) => o.kind === 'unreferenced');
  const byKey = new Map<string, { culprit: string; key: string; objs: KmemleakObject[] }>();
  for (const o of leaks) {
    const { culprit, key } = backtraceKeyOf(o.backtrace);
    const k = `${culprit}\u0000${key}`;
    let g = byKey.get(k);
    if (!g) byKey.set(k, (g = { culprit, key, objs: [] }));
    g.objs.push(o);
  }
  const groups: Group[] = [];
  for (const g of byKey.values()) {
    for (const c of greedyByContent(g.objs, threshold)) groups.push({ culprit: g.culprit, key: g.key, ...c });
  }
  const clusters: KmemleakClusterResult[] = groups.map((g) => {
    const m = g.members;
    const comms = [...new Set(m.map((o) => o.comm).filter((c): c is string => c !== null))].sort();
    const pids = [...new Set(m.map((o) => o.pid).filter((p): p is number => p !== null))].sort((a, b) => a - b);
    const kind = contentKindOf(g.rep.bytes);
    return {
      id: '',
      culprit: g.culprit,
      count: m.length,
      bytes: m.reduce((a, o) => a + o.size, 0),
      backtrace: g.rep.backtrace.map(frameText),
      backtraceKey: g.key,
      comms,
      pids,
      contentPreview: g.rep.bytes.length > 0 ? g.rep.ascii : null,
      contentKind: kind,
      contentText: kind === 'text' ? textRuns(g.rep.bytes) : null,
      minSimilarity: Math.round(g.minSim * 1000) / 1000,
      ageSeconds: range(m.map((o) => o.ageSeconds)),
      jiffies: range(m.map((o) => o.jiffies)),
      sizes: range(m.map((o) => o.size)) ?? [0, 0],
      addresses: m.slice(0, 16).map((o) => o.address),
      lines: [m.reduce((a, o) => Math.min(a, o.line), Infinity), m.reduce((a, o) => Math.max(a, o.endLine), 0)],
      source,
    };
  });
  clusters.sort((a, b) => b.bytes - a.bytes || b.count - a.count || a.culprit.localeCompare(b.culprit));
  const seen = new Map<string, number>();
  for (const c of clusters) {
    const n = (seen.get(c.culprit) ?? 0) + 1;
    seen.set(c.culprit, n);
    c.id = `${c.culprit}#${n}`;
  }
  // Content alike across backtraces.
  const contentful = leaks.filter((o) => {
    const k = contentKindOf(o.bytes);
    return k === 'text' || k === 'binary';
  });
  const contentGroups = greedyByContent(contentful, threshold)
    .filter((g) => g.members.length >= 2)
    .map((g) => ({
      contentKind: contentKindOf(g.rep.bytes),
      contentPreview: g.rep.ascii,
      contentText: contentKindOf(g.rep.bytes) === 'text' ? textRuns(g.rep.bytes) : null,
      count: g.members.length,
      bytes: g.members.reduce((a, o) => a + o.size, 0),
      culprits: [...new Set(g.members.map((o) => backtraceKeyOf(o.backtrace).culprit))].sort(),
    }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    clusters,
    contentGroups,
    objects: leaks.length,
    bytes: leaks.reduce((a, o) => a + o.size, 0),
    debugDumpsIgnored: objects.length - leaks.length,
    insufficientData: leaks.length === 0,
    source,
  };
}

export interface KmemleakFindingOptions {
  /** The memory limit a growth rate is projected to (bytes). */
  limitBytes?: number | null;
  thresholds?: Partial<AlertThresholds>;
}

/**
 * Findings (kind `kmemleak-cluster`, space kernel) for each cluster of one scan, graded by the alert
 * rules (alerts.ts: a culprit seen without a rate is a warning, critical from `criticalLeakedBytes`).
 * Several scans are judged by kmemleakAcrossScans and its findings.
 * @example
 * const findings = kmemleakFindings(clusterKmemleak(objects, { source: 'kmemleak.txt' }));
 */
export function kmemleakFindings(clustering: KmemleakClustering, options: KmemleakFindingOptions = {}): Finding[] {
  return clustering.clusters.map((c) => {
    const content = c.contentText ? `; content: "${c.contentText.slice(0, 80)}"` : '';
    const values = { count: c.count, bytes: c.bytes, culprit: c.culprit, contentKind: c.contentKind, leak: PROVEN_LEAK };
    return {
      kind: 'kmemleak-cluster',
      severity: gradeCulprit(values, options.limitBytes ?? null, options.thresholds),
      title: `${c.count} unreferenced object${c.count === 1 ? '' : 's'} (${formatBytes(c.bytes)}) allocated from ${c.culprit}`,
      evidence: [
        {
          source: c.source,
          lines: c.lines,
          detail: `kmemleak lists ${c.count} object(s) of ${c.sizes[0] === c.sizes[1] ? c.sizes[0] : `${c.sizes[0]}-${c.sizes[1]}`} bytes with backtrace through ${c.culprit} (comm ${c.comms.join(', ') || 'unknown'})${content}`,
          values,
        },
      ],
      source: c.source,
      score: c.bytes,
      space: 'kernel',
      culprit: c.culprit,
    } satisfies Finding;
  });
}

/**
 * Each cluster as the shared AllocationSite model (tool `kmemleak`): joins kmemleak's culprit
 * with the same function seen by trace pairing. Content sub-clusters of one backtrace merge.
 * @example
 * const sites = kmemleakSites(clusterKmemleak(objects, { source: 'kmemleak.txt' }));
 */
export function kmemleakSites(clustering: KmemleakClustering): AllocationSite[] {
  const byKey = new Map<string, AllocationSite>();
  for (const c of clustering.clusters) {
    const k = `${c.culprit}\u0000${c.backtraceKey}`;
    const e = byKey.get(k);
    if (e) {
      e.outstandingCount += c.count;
      e.outstandingBytes += c.bytes;
      continue;
    }
    byKey.set(k, {
      site: c.culprit,
      ...(c.comms.length === 1 ? { comm: c.comms[0] } : {}),
      ...(c.pids.length === 1 ? { pid: c.pids[0] } : {}),
      stack: c.backtraceKey.length > 0 ? c.backtraceKey.split(';') : [],
      outstandingCount: c.count,
      outstandingBytes: c.bytes,
      growthBytesPerSecond: null,
      tool: 'kmemleak',
      source: c.source,
    });
  }
  return [...byKey.values()];
}
