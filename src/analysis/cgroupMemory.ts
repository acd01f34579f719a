import { z } from 'zod';
import { formatBytes, formatDuration } from '../core/format.js';
import type { Evidence, Finding, TimeSeries, UsageRole } from '../core/models.js';
import type { CgroupMemorySnapshot } from '../parsers/cgroup/index.js';
import type { OomEventEntry } from './oomTimeline.js';
import type { AlertThresholds } from './alerts.js';
import { detectLeakTrend, toTrendFinding } from './trend/index.js';

/**
 * Per memory cgroup: its usage until its first OOM kill (after a kill the victim's memory is gone,
 * so the samples after it say nothing about the growth that caused it), projected to the cgroup's
 * OWN limit (memory.max / limit_in_bytes, not MemTotal: a memcg OOM comes when the cgroup is full,
 * whatever the machine has free), the OOM kills its counters recorded (memory.events oom_kill,
 * v1 memory.oom_control oom_kill), and the kernel OOM reports (dmesg) of the same cgroup.
 */

export const CgroupSummarySchema = z.object({
  /** The cgroup path as the kernel prints it; null when the capture named no path. */
  cgroup: z.string().nullable(),
  version: z.enum(['v1', 'v2']).nullable(),
  snapshots: z.number().int().nonnegative(),
  /** The limit in force (bytes), null when unlimited or not captured. */
  limitBytes: z.number().nullable(),
  firstUsageBytes: z.number().nullable(),
  /** The last usage before the first OOM kill (the last sample when there was none). */
  lastUsageBytesBeforeKill: z.number().nullable(),
  peakBytes: z.number().nullable(),
  /** Usage growth per second over the samples before the kill (trend engine's rate). */
  bytesPerSecond: z.number().nullable(),
  trendVerdict: z.string().nullable(),
  /** From the last sample before the kill to the limit, by the trend engine's projection. */
  timeToLimitSeconds: z.number().nullable(),
  /**
   * When the fitted growth line reaches the limit (series axis: epoch seconds when timed), to set
   * beside the kill window: the projection checked against what the kernel did.
   */
  fitReachesLimitAt: z.number().nullable(),
  /** Seconds from the growth's onset to the limit along the fitted line: the time to the memcg OOM. */
  onsetToLimitSeconds: z.number().nullable(),
  /** OOM kills the counters recorded during the capture (last minus first oom_kill). */
  oomKills: z.number().int().nonnegative(),
  /** [last sample without, first sample with] the first new kill: the kill happened in between. */
  firstKillWindow: z.tuple([z.number(), z.number()]).nullable(),
  /** Times usage hit the limit during the capture (v1 failcnt delta; v2 memory.events max delta). */
  limitHits: z.number().nullable(),
  /** Kernel OOM reports whose memory cgroup is this one (source and first line). */
  oomReports: z.array(z.object({ source: z.string(), line: z.number().int(), time: z.number().nullable(), victimComm: z.string().nullable(), victimPid: z.number().nullable() })),
  /** Share of wall time some task of the cgroup stalled on memory (v2 memory.pressure), over the capture. */
  pressureSomePercent: z.number().nullable(),
});
export type CgroupSummary = z.infer<typeof CgroupSummarySchema>;

export interface CgroupUsageSeries {
  cgroup: string | null;
  series: TimeSeries;
  /** The cgroup's own limit in the series' unit (bytes). */
  limit?: number;
  role: UsageRole;
}

export interface CgroupMemoryResult {
  cgroups: CgroupSummary[];
  /** One usage series per cgroup, cut before its first OOM kill, for the trend engine. */
  usage: CgroupUsageSeries[];
  /**
   * Per cgroup whose usage the trend engine calls a leak: its usage-trend finding, titled with
   * what happened at the limit (the pipeline registers the usage series without a second finding);
   * and the OOM kills the counters recorded that no kernel report in the bundle matches.
   */
  findings: Finding[];
  /** For each kernel OOM report tied to a cgroup: the evidence the cgroup's counters add to it. */
  reportLinks: { source: string; line: number; cgroup: string; titleSuffix: string; evidence: Evidence[] }[];
}

/** `/a/b` and `/sys/.../a/b` name the same cgroup when one path ends with the other at a `/`. */
function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  return short !== '/' && long.endsWith(short) && (short.startsWith('/') || long[long.length - short.length - 1] === '/');
}

const ANON_KEYS = { v1: ['rss', 'rss_huge'], v2: ['anon'] } as const;
const FILE_KEYS = { v1: ['cache'], v2: ['file'] } as const;
const KERNEL_KEYS = { v1: [] as string[], v2: ['kernel'] } as const;

function sumOf(s: CgroupMemorySnapshot, keys: readonly string[]): number | null {
  let total = 0;
  let any = false;
  for (const k of keys) {
    const v = s.stat[k];
    if (v !== undefined) {
      total += v;
      any = true;
    }
  }
  return any ? total : null;
}

/** What the growth is made of, by memory.stat: anonymous memory is user space, `kernel` is the kernel. */
function roleOf(first: CgroupMemorySnapshot, last: CgroupMemorySnapshot): UsageRole {
  const v = last.version ?? 'v2';
  const grow = (keys: readonly string[]) => {
    const a = sumOf(first, keys);
    const b = sumOf(last, keys);
    return a !== null && b !== null ? b - a : 0;
  };
  const anon = grow(ANON_KEYS[v]);
  const file = grow(FILE_KEYS[v]);
  const kernel = grow(KERNEL_KEYS[v]);
  const total = Math.max(anon, 0) + Math.max(file, 0) + Math.max(kernel, 0);
  if (total <= 0) return 'total';
  if (anon >= 0.5 * total) return 'user';
  if (kernel >= 0.5 * total) return 'kernel';
  return 'total';
}

/**
 * @example
 * const r = cgroupMemoryAnalysis(parseCgroupMemory(text).records, { source: 'cgroup-memory.txt', oomEvents });
 * r.cgroups[0].oomKills // 1
 */
export function cgroupMemoryAnalysis(
  snapshots: readonly CgroupMemorySnapshot[],
  options: { source: string; oomEvents?: readonly OomEventEntry[]; thresholds?: Partial<AlertThresholds> },
): CgroupMemoryResult {
  const byCgroup = new Map<string | null, CgroupMemorySnapshot[]>();
  for (const s of snapshots) {
    if (s.partial) continue;
    const g = byCgroup.get(s.cgroup);
    if (g) g.push(s);
    else byCgroup.set(s.cgroup, [s]);
  }
  const out: CgroupMemoryResult = { cgroups: [], usage: [], findings: [], reportLinks: [] };
  for (const [cgroup, group] of byCgroup) {
    const timed = group.every((s) => s.time !== null);
    const ordered = timed ? [...group].sort((a, b) => a.time! - b.time!) : group;
    const killsAt = (s: CgroupMemorySnapshot) => s.events.oom_kill ?? null;
    const firstKills = ordered.map(killsAt).find((k) => k !== null) ?? null;
    const lastKills = [...ordered].reverse().map(killsAt).find((k) => k !== null) ?? null;
    const oomKills = firstKills !== null && lastKills !== null ? Math.max(0, lastKills - firstKills) : 0;
    // The samples before the first new kill.
    let cut = ordered.length;
    if (firstKills !== null) {
      const i = ordered.findIndex((s) => (killsAt(s) ?? firstKills) > firstKills);
      if (i >= 0) cut = i;
    }
    const before = ordered.slice(0, cut);
    const limitOf = (s: CgroupMemorySnapshot) => s.limitBytes;
    const limitBytes = [...ordered].reverse().map(limitOf).find((l) => l !== null) ?? null;
    const usagePoints = before.filter((s) => s.usageBytes !== null);
    const t = usagePoints.map((s) => s.time ?? s.index);
    const v = usagePoints.map((s) => s.usageBytes!);
    const name = `memcg ${cgroup ?? '(unnamed)'} usage`;
    const series: TimeSeries = { name, unit: 'B', t, v, source: options.source, ...(timed ? {} : { timeAssumed: true }) };
    const trend = v.length >= 3 ? detectLeakTrend(series, limitBytes !== null ? { limit: limitBytes } : {}) : null;
    if (usagePoints.length > 0) {
      out.usage.push({ cgroup, series, role: roleOf(usagePoints[0], usagePoints[usagePoints.length - 1]), ...(limitBytes !== null ? { limit: limitBytes } : {}) });
    }
    const delta = (get: (s: CgroupMemorySnapshot) => number | null | undefined): number | null => {
      const xs = ordered.map(get).filter((x): x is number => x !== null && x !== undefined);
      return xs.length >= 2 ? xs[xs.length - 1] - xs[0] : null;
    };
    const limitHits = delta((s) => s.failcnt) ?? delta((s) => s.events.max);
    const peaks = ordered.map((s) => s.peakBytes ?? s.usageBytes).filter((x): x is number => x !== null);
    const pressured = ordered.filter((s) => s.pressure?.some && s.time !== null);
    const pressureSomePercent =
      pressured.length >= 2 && pressured[pressured.length - 1].time! > pressured[0].time!
        ? (100 * (pressured[pressured.length - 1].pressure!.some!.totalUs - pressured[0].pressure!.some!.totalUs)) /
          ((pressured[pressured.length - 1].time! - pressured[0].time!) * 1e6)
        : null;
    const span = timed && ordered.length > 0 ? [ordered[0].time!, ordered[ordered.length - 1].time!] : null;
    // A report of the same cgroup; with wall times on both sides, within the capture (5 min slack for clocks).
    const reports = (options.oomEvents ?? []).filter(
      (e) =>
        cgroup !== null &&
        e.memcgPath !== null &&
        samePath(e.memcgPath, cgroup) &&
        (span === null || e.time === null || e.timeKind !== 'wall' || (e.time >= span[0] - 300 && e.time <= span[1] + 300)),
    );
    const killIdx = cut < ordered.length ? cut : -1;
    const firstKillWindow: [number, number] | null =
      killIdx > 0 && timed ? [ordered[killIdx - 1].time!, ordered[killIdx].time!] : null;
    const fit = trend?.verdict === 'leak' ? trend.fit : null;
    const fitReachesLimitAt = fit && limitBytes !== null && fit.slopePerSecond > 0 ? fit.t0 + (limitBytes - fit.v0) / fit.slopePerSecond : null;
    const onset = trend?.onset ?? fit?.t0 ?? null;
    const summary: CgroupSummary = {
      cgroup,
      version: ordered.find((s) => s.version !== null)?.version ?? null,
      snapshots: ordered.length,
      limitBytes,
      firstUsageBytes: v[0] ?? null,
      lastUsageBytesBeforeKill: v[v.length - 1] ?? null,
      peakBytes: peaks.length ? Math.max(...peaks) : null,
      bytesPerSecond: trend?.slopePerHour != null ? trend.slopePerHour / 3600 : null,
      trendVerdict: trend?.verdict ?? null,
      timeToLimitSeconds: trend?.timeToLimitSeconds ?? null,
      fitReachesLimitAt,
      onsetToLimitSeconds: fitReachesLimitAt !== null && onset !== null ? fitReachesLimitAt - onset : null,
      oomKills,
      firstKillWindow,
      limitHits,
      oomReports: reports.map((e) => ({ source: e.source, line: e.line, time: e.time, victimComm: e.victimComm, victimPid: e.victimPid })),
      pressureSomePercent,
    };
    out.cgroups.push(summary);

    const label = cgroup ?? 'the cgroup';
    const limitText = limitBytes !== null ? formatBytes(limitBytes) : 'no limit';
    const growth =
      summary.bytesPerSecond !== null && trend?.verdict === 'leak'
        ? `usage grew ${formatBytes(summary.bytesPerSecond)}/s (${formatBytes(summary.bytesPerSecond * 3600)}/h) from ${formatBytes(summary.firstUsageBytes)} to ${formatBytes(summary.lastUsageBytesBeforeKill)} of its ${limitText} limit`
        : `usage ${formatBytes(summary.firstUsageBytes)} -> ${formatBytes(summary.lastUsageBytesBeforeKill)} of its ${limitText} limit`;
    const counterFile = summary.version === 'v1' ? 'memory.oom_control' : 'memory.events';
    const counterEvidence: Evidence = {
      source: options.source,
      lines: ordered.length ? [ordered[0].line, ordered[ordered.length - 1].line] : undefined,
      detail: `${label}: ${counterFile} oom_kill ${firstKills ?? '?'} -> ${lastKills ?? '?'}; ${growth}${
        limitHits !== null ? `; ${summary.version === 'v1' ? 'failcnt' : 'memory.events max'} +${limitHits}` : ''
      }${summary.peakBytes !== null ? `; peak ${formatBytes(summary.peakBytes)}` : ''}${
        summary.onsetToLimitSeconds !== null ? `; at that rate it fills its limit ${formatDuration(summary.onsetToLimitSeconds)} after the growth began` : ''
      }${
        fitReachesLimitAt !== null && firstKillWindow ? ` (fitted line at the limit at ${fitReachesLimitAt.toFixed(1)}; the kernel killed between ${firstKillWindow[0]} and ${firstKillWindow[1]})` : ''
      }`,
      values: {
        cgroup,
        oomKills,
        limitBytes,
        bytesPerSecond: summary.bytesPerSecond,
        timeToLimitSeconds: summary.timeToLimitSeconds,
        onsetToLimitSeconds: summary.onsetToLimitSeconds,
        fitReachesLimitAt,
        killWindowStart: firstKillWindow?.[0] ?? null,
        killWindowEnd: firstKillWindow?.[1] ?? null,
        limitHits,
        peakBytes: summary.peakBytes,
      },
    };
    const usageEntry = out.usage[out.usage.length - 1];
    const trendFinding = trend && usageEntry?.cgroup === cgroup ? toTrendFinding(trend, options.source, name, { space: usageEntry.role === 'user' ? 'user' : usageEntry.role === 'kernel' ? 'kernel' : 'unknown', bytesPerUnit: 1, thresholds: options.thresholds }) : null;
    if (trendFinding) {
      // After the kill the projection from the last sample ("reaches the limit in 0.2 s") says less than what happened.
      if (trend!.verdict === 'leak' && oomKills > 0 && summary.onsetToLimitSeconds !== null && summary.bytesPerSecond !== null) {
        trendFinding.title = `${name} grows steadily at ${formatBytes(summary.bytesPerSecond * 3600)}/h (${formatBytes(summary.bytesPerSecond)}/s): it filled its ${limitText} limit ${formatDuration(summary.onsetToLimitSeconds)} after the growth began and the memcg OOM killer fired`;
      }
      out.findings.push(trendFinding);
    }
    if (oomKills > 0 && reports.length === 0) {
      out.findings.push({
        kind: 'oom-kill',
        severity: 'critical',
        title: `memory cgroup ${label} OOM-killed ${oomKills} task${oomKills > 1 ? 's' : ''} at its ${limitText} limit (${counterFile} oom_kill +${oomKills})`,
        evidence: [counterEvidence],
        source: options.source,
        score: oomKills,
        space: roleOf(ordered[0], ordered[Math.max(0, cut - 1)]) === 'kernel' ? 'kernel' : 'user',
      });
    }
    for (const e of reports) {
      out.reportLinks.push({
        source: e.source,
        line: e.line,
        cgroup: cgroup!,
        titleSuffix: ` ${cgroup} (limit ${limitText}; ${counterFile} oom_kill ${firstKills ?? '?'} -> ${lastKills ?? '?'})`,
        evidence: [counterEvidence],
      });
    }
  }
  return out;
}
