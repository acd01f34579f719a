import { ASSUMED_TIME_AXIS_MARK, LEAK_FINDING_KINDS, type Finding, type TimeAxis } from '../core/models.js';
import { formatDuration } from '../core/format.js';
import { classifyFramingLine } from '../core/framing.js';
import type { Verdict } from '../report/schema.js';
import { folderOf, type AnalysisContext, type AnalyzeOptions, type ParsedArtefact } from './context.js';

/**
 * Honest time axes (issue 15, item 4). A series captured without timestamps (`cat /proc/slabinfo`
 * in a `sleep 2` loop, `ps -o rss=` once a minute) used to be read as 1 sample per second, so its
 * rates were off by the sampling interval and graded as if they were known. Here every snapshot
 * series gets its axis, in this order, from:
 *   1. its own timestamps (nothing to do);
 *   2. `--interval` (AnalyzeOptions.intervalSeconds, or an interval the parser was given);
 *   3. sidecar epochs (NAME_epochs.txt, read by the node layer into the parser);
 *   4. a timestamped capture of the same run in the same folder (vmstat -t, meminfo with epoch
 *      lines, any series with its own times) with the same number of samples: the loops ran side by
 *      side, so this series spans the sibling's time range;
 *   5. cues in the file itself: a few snapshots stamped (`date` lines), the others placed on the
 *      interval fitted through the stamps;
 *   6. else `assumed`: 1 sample per second, and then the headline says so, every rate and time to
 *      limit carries ASSUMED_TIME_AXIS_MARK and the grade is capped at warning.
 * The records of a series whose axis was found are re-timed here, before any analysis, so every
 * analysis (trend engine, slab growth, meminfo attribution) sees the real axis.
 */

/** The snapshot shape of every /proc series parser: an index, a time (null without one), and whether it was assumed. */
interface TimedRecord {
  index: number;
  time: number | null;
  timeAssumed: boolean;
  kind?: string;
}

function isTimedRecord(r: unknown): r is TimedRecord {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return typeof o.index === 'number' && (o.time === null || typeof o.time === 'number') && typeof o.timeAssumed === 'boolean';
}

/** The records of one artefact that form its series: the largest group of timed records of one kind (vmstat samples, not its counter dumps). */
function seriesGroup(records: readonly unknown[]): { kind: string | undefined; records: TimedRecord[] } | null {
  // A trace or a leak report has no snapshot records: its first records tell, without a pass over millions.
  if (!records.slice(0, 16).some(isTimedRecord)) return null;
  const groups = new Map<string | undefined, TimedRecord[]>();
  for (const r of records) {
    if (!isTimedRecord(r)) continue;
    const g = groups.get(r.kind);
    if (g) g.push(r);
    else groups.set(r.kind, [r]);
  }
  let best: { kind: string | undefined; records: TimedRecord[] } | null = null;
  for (const [kind, group] of groups) if (!best || group.length > best.records.length) best = { kind, records: group };
  return best;
}

/** Samples in a series: its index range, so a decimated stream (every k-th snapshot kept) still counts every snapshot. */
function sampleCount(group: readonly TimedRecord[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of group) {
    lo = Math.min(lo, r.index);
    hi = Math.max(hi, r.index);
  }
  return hi >= lo ? hi - lo + 1 : 0;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One time per snapshot index (several records share one in a ps table), in index order. */
function stampsByIndex(group: readonly TimedRecord[]): { index: number; time: number }[] {
  const byIndex = new Map<number, number>();
  for (const r of group) if (r.time !== null && !byIndex.has(r.index)) byIndex.set(r.index, r.time);
  return [...byIndex].map(([index, time]) => ({ index, time })).sort((a, b) => a.index - b.index);
}

/** The median gap between consecutive stamped snapshots, per snapshot. */
function medianInterval(stamps: readonly { index: number; time: number }[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < stamps.length; i++) {
    const di = stamps[i].index - stamps[i - 1].index;
    if (di > 0) gaps.push((stamps[i].time - stamps[i - 1].time) / di);
  }
  return median(gaps);
}

/** The artefact of an epoch log: listed, not parsed, its times kept for the series beside it. */
export function epochLogArtefact(path: string, epochs: number[], bytes?: number): ParsedArtefact {
  return { path, format: null, epochs, skipped: `epoch log (${epochs.length} timestamps): the time reference of series without their own`, ...(bytes !== undefined ? { bytes } : {}) };
}

/** A series with its own complete time axis, which a sibling without one can borrow. */
interface Reference {
  path: string;
  count: number;
  first: number;
  last: number;
  /** One time per sample when every sample's time is known (not a decimated stream). */
  times: number[] | null;
  what: string;
}

/**
 * An epoch log, the capture loop's own clock (`date +%s.%N >> epochs.log` before each sample): one
 * timestamp per line (epoch seconds, `date` output, ISO 8601). Null unless at least 3 lines and
 * 90 % of them are nothing but a timestamp, so an event timeline with text after each epoch is not one.
 * @example
 * parseEpochLog('1796295834.47\n1796295836.48\n1796295838.49\n') // [1796295834.47, 1796295836.48, 1796295838.49]
 */
export function parseEpochLog(text: string): number[] | null {
  const epochs: number[] = [];
  let lines = 0;
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s.length === 0) continue;
    lines++;
    const framing = s.length <= 64 ? classifyFramingLine(s) : null;
    if (framing?.kind === 'timestamp') epochs.push(framing.time);
  }
  return epochs.length >= 3 && epochs.length >= 0.9 * lines ? epochs : null;
}

/** Two loops of one run that sampled as often: counts within 2 samples or 5 % (a loop started or stopped one beat apart). */
function sameRun(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(2, Math.round(0.05 * Math.max(a, b)));
}

const seconds = (s: number) => formatDuration(s);
const baseName = (p: string) => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);

/** Writes a new time onto each record (copies: the parsed records stay as parsed). */
function retime(records: readonly unknown[], kind: string | undefined, timeOf: (r: TimedRecord) => number, assumed: boolean): unknown[] {
  return records.map((r) => (isTimedRecord(r) && r.kind === kind ? { ...r, time: timeOf(r), timeAssumed: assumed } : r));
}

function withRecords(a: ParsedArtefact, retimed: (records: readonly unknown[]) => unknown[], timeAxis: TimeAxis): ParsedArtefact {
  return {
    ...a,
    ...(a.result ? { result: { ...a.result, records: retimed(a.result.records) } } : {}),
    ...(a.streamed?.snapshots ? { streamed: { ...a.streamed, snapshots: retimed(a.streamed.snapshots) } } : {}),
    timeAxis,
  };
}

/**
 * Gives every snapshot series its time axis (see the module comment) and re-times the records of
 * those that had none. Artefacts that are not snapshot series pass through unchanged.
 * @example
 * const timed = resolveTimeAxes(artefacts, { intervalSeconds: 60 });
 * timed[0].timeAxis // { source: 'interval-option', intervalSeconds: 60, detail: '...' }
 */
export function resolveTimeAxes(artefacts: readonly ParsedArtefact[], options: Pick<AnalyzeOptions, 'intervalSeconds'> = {}): ParsedArtefact[] {
  const sidecarFor = new Map<string, string>();
  for (const a of artefacts) if (a.sidecarOf) sidecarFor.set(a.sidecarOf, a.path);
  const groups = artefacts.map((a) => {
    const records = a.streamed?.snapshots ?? a.result?.records;
    return records && !a.sidecarOf ? seriesGroup(records) : null;
  });

  // Series with a complete axis of their own (timestamps or sidecar epochs): what a sibling may borrow.
  const references = new Map<string, Reference[]>();
  const addReference = (ref: Reference) => {
    if (ref.last > ref.first) references.set(folderOf(ref.path), [...(references.get(folderOf(ref.path)) ?? []), ref]);
  };
  artefacts.forEach((a, i) => {
    if (a.epochs && a.epochs.length >= 3) {
      const e = a.epochs;
      addReference({ path: a.path, count: e.length, first: e[0], last: e[e.length - 1], times: e, what: 'epochs' });
      return;
    }
    const g = groups[i];
    if (!g || g.records.some((r) => r.time === null || r.timeAssumed)) return;
    const stamps = stampsByIndex(g.records);
    if (stamps.length < 3) return;
    const count = sampleCount(g.records);
    const times = stamps.length === count ? stamps.map((x) => x.time) : null;
    addReference({ path: a.path, count, first: stamps[0].time, last: stamps[stamps.length - 1].time, times, what: 'timestamped samples' });
  });

  return artefacts.map((a, i) => {
    const g = groups[i];
    if (!g) return a;
    const count = sampleCount(g.records);
    // One snapshot (a before/after pair kept in separate files, slabtop -o) has no axis to get wrong.
    if (count < 2) return a;
    const stamps = stampsByIndex(g.records);
    const complete = !g.records.some((r) => r.time === null);
    const parserAssumed = g.records.some((r) => r.timeAssumed);
    const sidecar = sidecarFor.get(a.path);
    const atIndex = (t0: number, step: number, i0 = 0) => (r: TimedRecord) => t0 + (r.index - i0) * step;

    // 2. --interval: the user's word beats everything but the file's own stamps.
    const interval = options.intervalSeconds;
    if (interval !== undefined && (parserAssumed || sidecar !== undefined || !complete)) {
      const anchor = !parserAssumed && sidecar === undefined ? stamps[0] : undefined;
      return withRecords(a, (rs) => retime(rs, g.kind, atIndex(anchor?.time ?? 0, interval, anchor?.index ?? 0), false), {
        source: 'interval-option',
        intervalSeconds: interval,
        detail: `no timestamps in the file: --interval ${interval} s between samples`,
      });
    }
    if (complete && parserAssumed) {
      // The parser was given an interval (a library caller's parser option, a capture manifest).
      const step = medianInterval(stamps);
      return withRecords(a, (rs) => retime(rs, g.kind, (r) => r.time!, false), {
        source: 'interval-option',
        intervalSeconds: step,
        detail: `no timestamps in the file: the declared interval${step !== null ? ` of ${step} s` : ''} between samples`,
      });
    }
    if (complete) {
      const step = medianInterval(stamps);
      const every = step !== null ? `, every ${seconds(step)} (median)` : '';
      return {
        ...a,
        timeAxis:
          sidecar !== undefined
            ? { source: 'sidecar-epochs', intervalSeconds: step, from: sidecar, detail: `epochs from the sidecar ${baseName(sidecar)}${every}` }
            : { source: 'timestamps', intervalSeconds: step, detail: `${stamps.length} samples stamped in the file${every}` },
      };
    }

    // 4. A timestamped capture of the same run beside it.
    // A stamp the file does have (a `date` at the top) must fall inside the sibling's span: overlap is checked where it can be.
    const overlaps = (r: Reference) => {
      const slack = Math.max(5, 0.05 * (r.last - r.first));
      return stamps.every((x) => x.time >= r.first - slack && x.time <= r.last + slack);
    };
    const siblings = (references.get(folderOf(a.path)) ?? []).filter((r) => r.path !== a.path && count >= 3 && sameRun(r.count, count) && overlaps(r));
    siblings.sort((x, y) => Math.abs(x.count - count) - Math.abs(y.count - count) || y.count - x.count);
    const sibling = siblings[0];
    if (sibling) {
      // The loops ran side by side over one span: this series' samples spread over the sibling's;
      // with as many samples as the sibling has times, sample k is the sibling's sample k.
      const step = (sibling.last - sibling.first) / (count - 1);
      const i0 = g.records.reduce((lo, r) => Math.min(lo, r.index), Infinity);
      const times = sibling.times;
      const oneToOne = times !== null && times.length === count;
      const timeOf = oneToOne ? (r: TimedRecord) => times[r.index - i0] : atIndex(sibling.first, step, i0);
      return withRecords(a, (rs) => retime(rs, g.kind, timeOf, false), {
        source: 'sibling-capture',
        intervalSeconds: step,
        from: sibling.path,
        detail:
          `no timestamps in the file: its ${count} samples taken as the same run as ${baseName(sibling.path)} ` +
          `(${sibling.count} ${sibling.what} over ${seconds(sibling.last - sibling.first)}, same folder): ` +
          (oneToOne ? `sample k at its time k, ${seconds(step)} apart on average` : `${seconds(step)} per sample`),
      });
    }

    // 5. Cues in the file: some snapshots stamped, the others on the interval fitted through the stamps.
    if (stamps.length >= 2 && stamps[stamps.length - 1].index > stamps[0].index) {
      const first = stamps[0];
      const last = stamps[stamps.length - 1];
      const step = (last.time - first.time) / (last.index - first.index);
      if (step > 0) {
        const stamped = new Map(stamps.map((s) => [s.index, s.time]));
        return withRecords(a, (rs) => retime(rs, g.kind, (r) => stamped.get(r.index) ?? first.time + (r.index - first.index) * step, false), {
          source: 'file-cues',
          intervalSeconds: step,
          detail: `${stamps.length} of ${count} samples stamped in the file (date or epoch lines): the others placed ${seconds(step)} apart, the interval between the first and last stamp`,
        });
      }
    }

    // 6. Assumed: 1 sample per second, from the one stamp when there is one.
    const anchor = stamps[0];
    return withRecords(a, (rs) => retime(rs, g.kind, atIndex(anchor?.time ?? 0, 1, anchor?.index ?? 0), true), {
      source: 'assumed',
      intervalSeconds: 1,
      detail:
        'no timestamps, no --interval, no sidecar epochs and no timestamped capture of the same run beside it: ' +
        '1 sample taken as 1 s, so every rate is per sample and every time counts samples (pass --interval SECONDS)',
    });
  });
}

/** The time axis of a finding's rates: the one of its first source that is a series. */
function axisOf(f: Finding, ctx: AnalysisContext): TimeAxis | undefined {
  for (const src of f.source.split(', ')) {
    const axis = ctx.timeAxes.get(src);
    if (axis) return axis;
  }
  return undefined;
}

function mark(text: string): string {
  return text.includes(ASSUMED_TIME_AXIS_MARK) ? text : `${text} ${ASSUMED_TIME_AXIS_MARK}`;
}

/**
 * After grading: every finding says where its time axis comes from; a leak finding whose rates rest
 * on an assumed axis carries the mark in its title and evidence and is graded warning at most (its
 * rate could be 60 times off). Mutates the findings in place (the verdict's working list).
 * @example
 * capAssumedTimeAxes(ctx, merged); // after mergeByCulprit, before the verdict reads severities
 */
export function capAssumedTimeAxes(ctx: AnalysisContext, findings: Finding[]): void {
  for (const f of findings) {
    const axis = axisOf(f, ctx);
    if (!axis) continue;
    f.timeAxis = axis.source;
    if (axis.source !== 'assumed' || !LEAK_FINDING_KINDS.has(f.kind)) continue;
    if (f.severity === 'critical') f.severity = 'warning';
    f.title = mark(f.title);
    f.evidence = f.evidence.map((e) => (ctx.timeAxes.get(e.source)?.source === 'assumed' ? { ...e, detail: mark(e.detail) } : e));
  }
}

/**
 * The headline says when a time axis is assumed and which files it concerns, and never states a
 * time to limit of "0 s" (the projection starts at or above the limit: it has been reached).
 */
export function markVerdictTimeAxes(verdict: Verdict, ctx: AnalysisContext): Verdict {
  const assumed = [...ctx.timeAxes].filter(([, axis]) => axis.source === 'assumed').map(([path]) => path);
  let summary = verdict.summary;
  if (verdict.timeToLimitSeconds === 0) summary = summary.replace('Projected to reach the limit in 0 s.', 'Usage has already reached the limit.');
  const ttlTrend =
    verdict.timeToLimitSeconds !== null && verdict.timeToLimitSeconds !== undefined
      ? ctx.sections.trends.find((t) => t.verdict === 'leak' && t.timeToLimitSeconds === verdict.timeToLimitSeconds)
      : undefined;
  const ttlAssumed = ttlTrend !== undefined && ctx.timeAxes.get(ttlTrend.source)?.source === 'assumed';
  if (assumed.length === 0) return summary === verdict.summary ? verdict : { ...verdict, summary };
  const names = assumed.map(baseName);
  const list = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  if (ttlAssumed) {
    const d = formatDuration(verdict.timeToLimitSeconds!);
    summary = summary.replace(`reach the limit in ${d}.`, `reach the limit in ${d} ${ASSUMED_TIME_AXIS_MARK}.`);
  }
  summary =
    `Time axis assumed for ${list} (no timestamps, --interval, sidecar epochs or timestamped capture of the same run): ` +
    `1 sample taken as 1 s, so its rates are per sample and its grades capped at warning; pass --interval SECONDS. ${summary}`;
  return { ...verdict, summary, assumedTimeAxes: assumed, ...(ttlAssumed ? { timeToLimitAxisAssumed: true } : {}) };
}
