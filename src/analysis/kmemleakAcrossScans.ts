import { z } from 'zod';
import type { Finding } from '../core/models.js';
import { formatBytes, formatDuration } from '../core/format.js';
import type { KmemleakObject } from '../parsers/kmemleak/index.js';
import { gradeCulprit, PROVEN_LEAK } from './alerts.js';
import { backtraceKeyOf, clusterKmemleak, KmemleakClusteringSchema, type KmemleakFindingOptions } from './clusterKmemleak.js';

/**
 * kmemleak across scans. `cat /sys/kernel/debug/kmemleak` lists every object reported so far that
 * is still unreferenced, so each scan re-lists the objects of the scans before it: a log appended
 * after each scan (`cat kmemleak >> log`) holds 3 + 7 + 12 + 18 = 40 listings of 18 objects.
 * Objects are identified by address (and, where printed, by their allocation jiffies and size, so
 * a reused address is a new object); each backtrace cluster gets its count and bytes per scan, and
 * is judged on that series: growing (a real leak accumulates), persistent, shrinking, new,
 * vanished (its objects were freed: a transient false positive, objects in flight during the
 * scan) or transient (listed in several scans but never the same object twice). The headline is
 * the latest scan: what is still leaked now.
 *
 * Scans come from appended dumps in one artefact (split by the parser) and from separate files.
 * They are ordered by the scan's time (a `date`/epoch line before the dump), else by the file
 * name (natural order: scan-2 before scan-10), appended dumps in log order. Without timestamps,
 * objects listed in two scans with their `(age N.NNNs)` (kernels before ~6.6) give the time
 * between the scans exactly (the age grows by it), which orders the scans and gives rates.
 */

export const KmemleakScanStatusSchema = z.enum(['growing', 'persistent', 'shrinking', 'new', 'vanished', 'transient', 'single-scan']);
export type KmemleakScanStatus = z.infer<typeof KmemleakScanStatusSchema>;

export const KmemleakScanSchema = z.object({
  /** Position in the series, oldest first. */
  index: z.number().int().nonnegative(),
  source: z.string(),
  /** The dump's number within its artefact (appended scans). */
  scanInSource: z.number().int().nonnegative(),
  /** Seconds: epoch from a timestamp line, or relative to the first scan when derived from object ages; null when unknown. */
  time: z.number().nullable(),
  /** Unreferenced objects listed by this scan. */
  objects: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Objects this scan lists that the previous scan did not. */
  newObjects: z.number().int().nonnegative(),
  /** Objects of the previous scan this one no longer lists (freed, or `echo clear`). */
  goneObjects: z.number().int().nonnegative(),
  /** First and last line of the scan's objects in its artefact. */
  lines: z.tuple([z.number().int(), z.number().int()]),
});
export type KmemleakScan = z.infer<typeof KmemleakScanSchema>;

export const KmemleakSeriesClusterSchema = z.object({
  culprit: z.string(),
  backtraceKey: z.string(),
  /** Objects listed per scan (0 when absent): the series the status is judged on. */
  counts: z.array(z.number().int().nonnegative()),
  bytes: z.array(z.number().nonnegative()),
  /** Objects first listed in each scan. */
  newObjects: z.array(z.number().int().nonnegative()),
  /** Distinct objects over all scans. */
  distinctObjects: z.number().int().nonnegative(),
  /** Objects of the first scan where the cluster appeared that the latest scan still lists. */
  persistingObjects: z.number().int().nonnegative(),
  firstSeenScan: z.number().int(),
  lastSeenScan: z.number().int(),
  status: KmemleakScanStatusSchema,
  /** Least-squares slope of the bytes series over the scans' times since the cluster appeared; null without times. */
  growthBytesPerSecond: z.number().nullable(),
});
export type KmemleakSeriesCluster = z.infer<typeof KmemleakSeriesClusterSchema>;

export const KmemleakAcrossScansSchema = z.object({
  scans: z.array(KmemleakScanSchema),
  /** How the scans were put in order. */
  /** `allocation-jiffies`: un-numbered files without ages, by the newest allocation each lists (a lower bound of its scan time). */
  orderedBy: z.enum(['time', 'object-age', 'allocation-jiffies', 'file-name', 'log-order']),
  /** Where the scans' times come from: timestamp lines, the ages of objects listed twice, or none. */
  timeSource: z.enum(['timestamp', 'object-age']).nullable(),
  /** One per backtrace, growing first, then by bytes in the latest scan. */
  clusters: z.array(KmemleakSeriesClusterSchema),
  /** Distinct objects over all scans (what summing the listings over-counts). */
  distinctObjects: z.number().int().nonnegative(),
  /** Listings of an object an earlier scan had already listed. */
  relistings: z.number().int().nonnegative(),
  /** The latest scan clustered (by backtrace, then content): the headline. */
  latest: KmemleakClusteringSchema,
  /** Culprits whose clusters grow across scans: the real leaks. */
  growing: z.array(z.string()),
  /** Culprits whose objects were all freed by the latest scan: transient false positives. */
  vanished: z.array(z.string()),
  /** Facts about the series a reader should know (a scan that re-lists nothing of the one before). */
  notes: z.array(z.string()),
  insufficientData: z.boolean(),
});
export type KmemleakAcrossScans = z.infer<typeof KmemleakAcrossScansSchema>;

/** One parsed kmemleak artefact: its path and its records (one or several appended dumps). */
export interface KmemleakArtefact {
  source: string;
  objects: readonly KmemleakObject[];
}

export interface KmemleakAcrossScansOptions {
  /** Content similarity for the latest scan's clustering (see clusterKmemleak). */
  contentSimilarity?: number;
}

interface ScanIn {
  source: string;
  scanInSource: number;
  objects: KmemleakObject[];
  time: number | null;
  fileOrder: number;
}

/**
 * Natural order of file names: digit runs compare as numbers (`scan-2` before `scan-10`).
 * @example naturalCompare('kmemleak-2.txt', 'kmemleak-10.txt') < 0 // true
 */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

function splitPath(p: string): { dir: string; base: string } {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return { dir: i >= 0 ? p.slice(0, i) : '', base: i >= 0 ? p.slice(i + 1) : p };
}

/**
 * A file name with its digit runs replaced by `#`; null when it holds no number (a name that
 * numbers nothing cannot be one of a numbered series).
 * @example nameStem('run/kmemleak-12.txt.gz') // 'run/kmemleak-#.txt'
 */
export function nameStem(path: string): string | null {
  const { dir, base } = splitPath(path);
  const name = base.toLowerCase().replace(/\.gz$/, '');
  let out = '';
  let hasDigits = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      hasDigits = true;
      if (!out.endsWith('#')) out += '#';
    } else out += name[i];
  }
  return hasDigits ? `${dir}/${out}` : null;
}

/** Same object in two listings: same address and size, and the same allocation jiffies where both print them. */
function sameObject(a: KmemleakObject, b: KmemleakObject): boolean {
  return a.size === b.size && (a.jiffies === null || b.jiffies === null || a.jiffies === b.jiffies);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CONFIG_HZ values kernels are built with. */
const KERNEL_HZ = [100, 250, 300, 1000];

/**
 * The kernel's HZ from objects of one scan allocated at different jiffies: their ages differ by
 * the jiffies between them over HZ. Null unless the estimates agree on one CONFIG_HZ value.
 */
function hzFromAges(scans: readonly ScanIn[]): number | null {
  const estimates: number[] = [];
  for (const s of scans) {
    const aged = s.objects.filter((o) => o.ageSeconds !== null && o.jiffies !== null);
    if (aged.length < 2) continue;
    let lo = aged[0];
    let hi = aged[0];
    for (const o of aged) {
      if (o.jiffies! < lo.jiffies!) lo = o;
      if (o.jiffies! > hi.jiffies!) hi = o;
    }
    const dAge = lo.ageSeconds! - hi.ageSeconds!;
    // Ages are printed to the millisecond: a spread of 10 s gives HZ within 0.02 %.
    if (dAge >= 10) estimates.push((hi.jiffies! - lo.jiffies!) / dAge);
  }
  if (estimates.length === 0) return null;
  const m = median(estimates);
  const hz = KERNEL_HZ.find((h) => Math.abs(m - h) / h < 0.02);
  return hz ?? null;
}

/**
 * Scan times (seconds since boot) from each scan's own objects: allocation jiffies plus age times
 * HZ is the scan's jiffies. Works for scans that share no object; null without HZ or without ages.
 */
function timesFromJiffiesAndAges(scans: readonly ScanIn[]): number[] | null {
  const hz = hzFromAges(scans);
  if (hz === null) return null;
  const out: number[] = [];
  for (const s of scans) {
    const at = s.objects.filter((o) => o.ageSeconds !== null && o.jiffies !== null).map((o) => o.jiffies! / hz + o.ageSeconds!);
    if (at.length === 0) return null;
    out.push(median(at));
  }
  return out;
}

/**
 * Scan times relative to the first scan from objects listed by two scans with their ages (the age
 * grows by the time between the scans). Null unless every scan is linked to the first.
 */
function timesFromAges(scans: readonly ScanIn[]): number[] | null {
  if (scans.length < 2) return null;
  const byAddr = scans.map((s) => {
    const m = new Map<string, KmemleakObject>();
    for (const o of s.objects) if (o.ageSeconds !== null) m.set(o.address, o);
    return m;
  });
  const t: (number | null)[] = scans.map((_, i) => (i === 0 ? 0 : null));
  // Breadth-first over scans that share an aged object; the median difference is robust to an address reused in between.
  const queue = [0];
  while (queue.length > 0) {
    const i = queue.shift()!;
    for (let j = 0; j < scans.length; j++) {
      if (t[j] !== null) continue;
      const deltas: number[] = [];
      for (const [addr, o] of byAddr[j]) {
        const p = byAddr[i].get(addr);
        if (p && sameObject(p, o)) deltas.push(o.ageSeconds! - p.ageSeconds!);
      }
      if (deltas.length > 0) {
        t[j] = t[i]! + median(deltas);
        queue.push(j);
      }
    }
  }
  return t.every((x) => x !== null) ? (t as number[]) : null;
}

function slope(ts: readonly number[], ys: readonly number[]): number | null {
  const n = ts.length;
  if (n < 2) return null;
  const mt = ts.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (ts[i] - mt) * (ys[i] - my);
    sxx += (ts[i] - mt) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}

const STATUS_ORDER: Record<KmemleakScanStatus, number> = { growing: 0, persistent: 1, new: 2, shrinking: 3, transient: 4, vanished: 5, 'single-scan': 6 };

/**
 * Puts every scan of every kmemleak artefact of a bundle in order, identifies objects across them by
 * address, and judges each backtrace cluster on its per-scan count series; the latest scan is the headline.
 * @example
 * const r = kmemleakAcrossScans([{ source: 'kmemleak.log', objects: parseKmemleak(log).records }]);
 * r.clusters[0].counts // [3, 7, 12, 18]
 * r.latest.objects // 18 (not 40)
 */
export function kmemleakAcrossScans(artefacts: readonly KmemleakArtefact[], options: KmemleakAcrossScansOptions = {}): KmemleakAcrossScans {
  // Scans in log order per artefact; artefacts in natural file-name order.
  const files = artefacts.map((a, i) => ({ a, i })).sort((x, y) => naturalCompare(x.a.source, y.a.source) || x.i - y.i);
  let scans: ScanIn[] = [];
  files.forEach(({ a }, fileOrder) => {
    const per: KmemleakObject[][] = [];
    for (const o of a.objects) if (o.kind === 'unreferenced') (per[o.scan] ??= []).push(o);
    per.forEach((objs, k) => {
      if (objs) scans.push({ source: a.source, scanInSource: k, objects: objs, time: objs[0].scanTime, fileOrder });
    });
  });
  const single = files.length <= 1;
  let orderedBy: KmemleakAcrossScans['orderedBy'] = single ? 'log-order' : 'file-name';
  let timeSource: KmemleakAcrossScans['timeSource'] = null;
  let times: (number | null)[] = scans.map((s) => s.time);
  if (scans.length > 0 && scans.every((s) => s.time !== null)) {
    timeSource = 'timestamp';
    if (!single) orderedBy = 'time';
    const idx = scans.map((_, i) => i).sort((x, y) => scans[x].time! - scans[y].time! || x - y);
    scans = idx.map((i) => scans[i]);
    times = scans.map((s) => s.time);
  } else {
    const rel = timesFromAges(scans) ?? timesFromJiffiesAndAges(scans);
    if (rel) {
      timeSource = 'object-age';
      const idx = scans.map((_, i) => i).sort((x, y) => rel[x] - rel[y] || x - y);
      if (!single && idx.some((v, k) => v !== k)) orderedBy = 'object-age';
      const t0 = rel[idx[0]];
      scans = idx.map((i) => scans[i]);
      // Ages are printed to the millisecond: no finer time is known.
      times = idx.map((i) => Math.round((rel[i] - t0) * 1000) / 1000);
    } else {
      times = scans.map(() => null);
      // Files whose names number nothing (`before.txt`, `after.txt`), one scan each, no ages (kernels
      // >= 6.6): a scan is no older than the newest allocation it lists, the only clock left.
      const stems = new Set(files.map(({ a }) => nameStem(a.source)));
      const numbered = stems.size === 1 && !stems.has(null);
      const newest = scans.map((sc) => Math.max(...sc.objects.map((o) => o.jiffies ?? Number.NaN)));
      if (!single && !numbered && scans.length === files.length && newest.every((j) => Number.isFinite(j))) {
        const idx = scans.map((_, i) => i).sort((x, y) => newest[x] - newest[y] || x - y);
        orderedBy = 'allocation-jiffies';
        scans = idx.map((i) => scans[i]);
      }
    }
  }
  const n = scans.length;

  // Object identities: an object of scan k is the one of scan k-1 with the same address (and size, jiffies).
  let nextId = 0;
  let prev = new Map<string, { o: KmemleakObject; id: number }>();
  const idsPerScan: number[][] = [];
  const scanRows: KmemleakScan[] = [];
  const notes: string[] = [];
  let relistings = 0;
  const everSeen = new Map<string, { o: KmemleakObject; id: number }>();
  scans.forEach((s, k) => {
    const cur = new Map<string, { o: KmemleakObject; id: number }>();
    const ids: number[] = [];
    let fresh = 0;
    let relisted = 0;
    for (const o of s.objects) {
      // The previous scan first; an object skipped by one scan (a cut dump) and listed again is still the same.
      const p = prev.get(o.address) ?? everSeen.get(o.address);
      let id: number;
      if (p && sameObject(p.o, o)) {
        id = p.id;
        relisted++;
      } else {
        id = nextId++;
        fresh++;
      }
      if (!cur.has(o.address)) cur.set(o.address, { o, id });
      ids.push(id);
    }
    let gone = 0;
    for (const [addr, p] of prev) {
      const c = cur.get(addr);
      if (!c || c.id !== p.id) gone++;
    }
    if (k > 0 && prev.size > 0 && cur.size > 0 && relisted === 0) {
      notes.push(
        `scan ${k + 1} (${s.source}) lists none of the ${prev.size} objects of the scan before it: kmemleak was cleared (echo clear) or the machine rebooted in between, so counts restart there`,
      );
    }
    relistings += relisted;
    for (const [addr, v] of cur) everSeen.set(addr, v);
    prev = cur;
    idsPerScan.push(ids);
    scanRows.push({
      index: k,
      source: s.source,
      scanInSource: s.scanInSource,
      time: times[k],
      objects: s.objects.length,
      bytes: s.objects.reduce((a, o) => a + o.size, 0),
      newObjects: fresh,
      goneObjects: gone,
      lines: [Math.min(...s.objects.map((o) => o.line)), Math.max(...s.objects.map((o) => o.endLine))],
    });
  });

  // Per backtrace: counts, bytes and identities per scan.
  const byKey = new Map<string, { culprit: string; key: string; counts: number[]; bytes: number[]; ids: Set<number>[] }>();
  scans.forEach((s, k) => {
    s.objects.forEach((o, j) => {
      const { culprit, key } = backtraceKeyOf(o.backtrace);
      const mapKey = `${culprit}\u0000${key}`;
      let e = byKey.get(mapKey);
      if (!e) {
        e = { culprit, key, counts: new Array(n).fill(0), bytes: new Array(n).fill(0), ids: Array.from({ length: n }, () => new Set<number>()) };
        byKey.set(mapKey, e);
      }
      e.counts[k]++;
      e.bytes[k] += o.size;
      e.ids[k].add(idsPerScan[k][j]);
    });
  });
  const clusters: KmemleakSeriesCluster[] = [];
  for (const e of byKey.values()) {
    const first = e.counts.findIndex((c) => c > 0);
    let last = first;
    for (let i = n - 1; i >= first; i--) {
      if (e.counts[i] > 0) {
        last = i;
        break;
      }
    }
    const seen = new Set<number>();
    const newObjects = e.ids.map((ids) => {
      let f = 0;
      for (const id of ids) if (!seen.has(id)) f++;
      for (const id of ids) seen.add(id);
      return f;
    });
    let persisting = 0;
    for (const id of e.ids[first]) if (e.ids[n - 1].has(id)) persisting++;
    let relistedHere = 0;
    for (let i = first + 1; i < n; i++) relistedHere += e.ids[i].size - newObjects[i];
    let status: KmemleakScanStatus;
    if (n < 2) status = 'single-scan';
    else if (last < n - 1) status = 'vanished';
    else if (first === n - 1) status = 'new';
    else if (relistedHere === 0) status = 'transient';
    else if (e.counts[n - 1] > e.counts[first]) status = 'growing';
    else if (e.counts[n - 1] < e.counts[first]) status = 'shrinking';
    else status = 'persistent';
    let growthBytesPerSecond: number | null = null;
    if (status === 'growing' && times.every((t) => t !== null)) {
      const ts = (times as number[]).slice(first);
      const g = slope(ts, e.bytes.slice(first));
      growthBytesPerSecond = g !== null && g > 0 ? Math.round(g * 1000) / 1000 : null;
    }
    clusters.push({
      culprit: e.culprit,
      backtraceKey: e.key,
      counts: e.counts,
      bytes: e.bytes,
      newObjects,
      distinctObjects: seen.size,
      persistingObjects: persisting,
      firstSeenScan: first,
      lastSeenScan: last,
      status,
      growthBytesPerSecond,
    });
  }
  clusters.sort(
    (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (b.bytes[n - 1] ?? 0) - (a.bytes[n - 1] ?? 0) || a.culprit.localeCompare(b.culprit),
  );
  const latestScan = scans[n - 1];
  const latest = clusterKmemleak(latestScan?.objects ?? [], { source: latestScan?.source ?? '', contentSimilarity: options.contentSimilarity });
  return {
    scans: scanRows,
    orderedBy,
    timeSource,
    clusters,
    distinctObjects: nextId,
    relistings,
    latest,
    growing: [...new Set(clusters.filter((c) => c.status === 'growing').map((c) => c.culprit))],
    vanished: [...new Set(clusters.filter((c) => c.status === 'vanished').map((c) => c.culprit))],
    notes,
    insufficientData: n === 0,
  };
}

const STATUS_WORDS: Record<KmemleakScanStatus, string> = {
  growing: 'growing across scans',
  persistent: 'listed unchanged across scans',
  shrinking: 'fewer than when first listed',
  new: 'new in the latest scan',
  vanished: 'freed since: transient',
  transient: 'never the same object twice: transient',
  'single-scan': '',
};

/** Every scan's count, so the series reads against the number of scans quoted beside it; a long series keeps its ends. */
function seriesText(c: KmemleakSeriesCluster): string {
  const xs = c.counts;
  return xs.length <= 10 ? xs.join(' -> ') : `${xs.slice(0, 3).join(' -> ')} -> … -> ${xs.slice(-4).join(' -> ')}`;
}

/**
 * Findings (kind `kmemleak-cluster`, space kernel): one per cluster of the latest scan with its
 * series, and one (info) per cluster whose objects were all freed before the latest scan. Graded
 * by the alert rules (alerts.ts): a cluster that vanished or never re-lists an object is info; any
 * other is a proven leak: a culprit without a rate (warning, critical from `criticalLeakedBytes`),
 * raised by the rate of its bytes across timed scans when that brings the limit near.
 * @example
 * kmemleakAcrossScansFindings(kmemleakAcrossScans([{ source: 'k.log', objects }]))[0].title
 * // '18 unreferenced objects (1.1 KiB) allocated from do_check_common, growing across scans (3 -> 7 -> 12 -> 18 over 4 scans)'
 */
export function kmemleakAcrossScansFindings(r: KmemleakAcrossScans, options: KmemleakFindingOptions = {}): Finding[] {
  const n = r.scans.length;
  const seriesOf = new Map(r.clusters.map((c) => [`${c.culprit}\u0000${c.backtraceKey}`, c]));
  const out: Finding[] = [];
  const latestSource = r.latest.source;
  const latestScan = r.scans[n - 1];
  const where = n > 1 ? ` in the latest of ${n} scans${latestScan && latestScan.scanInSource > 0 ? ` (dump ${latestScan.scanInSource + 1} of ${latestSource})` : ''}` : '';
  // What the reader must know to read the counts (a scan that re-lists nothing, a file left out of the series).
  const notesText = r.notes.length > 0 ? `; note: ${r.notes.join('; ')}` : '';
  for (const c of r.latest.clusters) {
    const s = seriesOf.get(`${c.culprit}\u0000${c.backtraceKey}`);
    const status = s?.status ?? 'single-scan';
    const notLeak = status === 'transient';
    const rate = s?.growthBytesPerSecond ?? null;
    const values: Record<string, number | string | null> = {
      count: c.count,
      bytes: c.bytes,
      culprit: c.culprit,
      contentKind: c.contentKind,
      scans: n,
      status,
      // kmemleak lists it unreferenced now: leaked whatever its rate (alerts.ts).
      ...(notLeak ? {} : { leak: PROVEN_LEAK }),
      ...(s && n > 1 ? { counts: s.counts.join(','), firstCount: s.counts[s.firstSeenScan], persistingObjects: s.persistingObjects } : {}),
      ...(rate !== null ? { growthBytesPerSecond: rate } : {}),
    };
    const severity = notLeak ? 'info' : gradeCulprit(values, options.limitBytes ?? null, options.thresholds);
    const content = c.contentText ? `; content: "${c.contentText.slice(0, 80)}"` : '';
    const series = s && n > 1 && status !== 'single-scan' ? `, ${STATUS_WORDS[status]} (${seriesText(s)} over ${n} scans)` : '';
    const rateText = rate !== null ? `; ${formatBytes(rate * 3600)}/h across scans ${formatDuration((r.scans[n - 1].time ?? 0) - (r.scans[s!.firstSeenScan].time ?? 0))} apart` : '';
    out.push({
      kind: 'kmemleak-cluster',
      severity,
      title: `${c.count} unreferenced object${c.count === 1 ? '' : 's'} (${formatBytes(c.bytes)}) allocated from ${c.culprit}${series}`,
      evidence: [
        {
          source: c.source,
          lines: c.lines,
          detail: `kmemleak lists ${c.count} object(s) of ${c.sizes[0] === c.sizes[1] ? c.sizes[0] : `${c.sizes[0]}-${c.sizes[1]}`} bytes${where} with backtrace through ${c.culprit} (comm ${c.comms.join(', ') || 'unknown'})${content}${s && s.persistingObjects > 0 && n > 1 && s.firstSeenScan < n - 1 ? `; ${s.persistingObjects} listed since scan ${s.firstSeenScan + 1}` : ''}${rateText}${notesText}`,
          values,
        },
      ],
      source: c.source,
      score: c.bytes,
      space: 'kernel',
      culprit: c.culprit,
    });
  }
  for (const s of r.clusters) {
    if (s.status !== 'vanished') continue;
    const peak = Math.max(...s.counts);
    const scan = r.scans[s.lastSeenScan];
    out.push({
      kind: 'kmemleak-cluster',
      severity: 'info',
      title: `${peak} unreferenced object${peak === 1 ? '' : 's'} allocated from ${s.culprit} listed up to scan ${s.lastSeenScan + 1} of ${n}, ${STATUS_WORDS.vanished} (${seriesText(s)})`,
      evidence: [
        {
          source: scan.source,
          detail: `kmemleak listed objects through ${s.culprit} in scans ${s.firstSeenScan + 1}-${s.lastSeenScan + 1} (${s.counts.join(', ')} per scan); the latest scan lists none: they were freed, so they were in flight during the scan, not leaked`,
          values: { bytes: 0, culprit: s.culprit, status: s.status, counts: s.counts.join(','), scans: n },
        },
      ],
      source: scan.source,
      score: 0,
      space: 'kernel',
      culprit: s.culprit,
    });
  }
  return out;
}
