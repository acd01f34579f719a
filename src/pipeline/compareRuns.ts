import type { Report } from '../report/schema.js';
import type { Comparison, ComparisonItem } from '../analysis/comparison.js';

interface Keyed {
  key: string;
  value: number;
  leaking: boolean;
  /** Unit of value (ComparisonItem.unit). */
  unit: string;
}

function keyedSections(r: Report): Record<ComparisonItem['section'], { measure: string; items: Keyed[] }> {
  return {
    allocationSites: {
      measure: 'outstanding bytes',
      // Other tools' sites are compared in their own sections (stackGrowth, leakSites, kmemleakClusters).
      items: r.allocationSites.filter((s) => 'flagged' in s).map((s) => ({ key: `${s.site}${s.comm ? ` (${s.comm})` : ''}`, value: s.outstandingBytes, unit: 'bytes', leaking: s.outstandingBytes > 0 && (s.flagged || (s.growthBytesPerSecond ?? 0) > 0) })),
    },
    kmemleakClusters: {
      measure: 'bytes',
      items: r.kmemleakClusters.map((c) => ({ key: c.culprit, value: c.bytes, unit: 'bytes', leaking: c.count > 0 })),
    },
    stackGrowth: {
      measure: 'growth bytes/s',
      items: r.stackGrowth.map((s) => ({ key: s.stack.slice(0, 3).join(' <- '), value: s.growthBytesPerSecond ?? 0, unit: 'bytes/s', leaking: (s.growthBytesPerSecond ?? 0) > 0 && s.verdict !== 'bounded' })),
    },
    leakSites: {
      measure: 'bytes',
      items: r.leakSites.filter((s) => s.kind !== 'reachable').map((s) => ({ key: `${s.site} [${s.kind}]`, value: s.bytes, unit: 'bytes', leaking: s.kind === 'definite' || s.kind === 'indirect' })),
    },
    slabGrowth: {
      measure: 'bytes/hour',
      items: r.slabGrowth.map((s) => ({ key: s.cache, value: s.slopeBytesPerHour ?? 0, unit: 'bytes/h', leaking: s.verdict === 'leak' })),
    },
    trends: {
      measure: 'slope per hour',
      items: r.trends.map((t) => ({ key: t.series, value: t.slopePerHour ?? 0, unit: `${t.unit}/h`, leaking: t.verdict === 'leak' })),
    },
  };
}

/**
 * Compares two analyses of the same system, before and after a fix: which leaking sites,
 * clusters, stacks and trends went away, which remain, which are new, and whether the fix holds.
 * Items are matched by their identity (site, culprit, stack, cache, series name).
 * @example
 * const c = compareRuns(beforeReport, afterReport); c.fixHolds // true when nothing leaks any more
 */
export function compareRuns(before: Report, after: Report): Comparison {
  const b = keyedSections(before);
  const a = keyedSections(after);
  const items: ComparisonItem[] = [];
  for (const section of Object.keys(b) as ComparisonItem['section'][]) {
    const beforeLeaks = new Map(b[section].items.filter((x) => x.leaking).map((x) => [x.key, x]));
    const afterLeaks = new Map(a[section].items.filter((x) => x.leaking).map((x) => [x.key, x]));
    const afterAll = new Map(a[section].items.map((x) => [x.key, x]));
    for (const [key, x] of beforeLeaks) {
      const y = afterLeaks.get(key);
      items.push({ section, key, status: y ? 'remains' : 'gone', before: x.value, after: y?.value ?? afterAll.get(key)?.value ?? null, measure: b[section].measure, unit: x.unit });
    }
    for (const [key, y] of afterLeaks) {
      if (!beforeLeaks.has(key)) items.push({ section, key, status: 'new', before: null, after: y.value, measure: a[section].measure, unit: y.unit });
    }
  }
  const count = (s: ComparisonItem['status']) => items.filter((i) => i.status === s).length;
  const gone = count('gone');
  const remains = count('remains');
  const fresh = count('new');
  const leakedBefore = gone + remains > 0 || before.verdict.kind === 'leak' || before.verdict.kind === 'leak-and-fragmentation';
  const leaksAfter = remains + fresh > 0 || after.verdict.kind === 'leak' || after.verdict.kind === 'leak-and-fragmentation';
  const fixHolds = leakedBefore ? !leaksAfter : null;
  const summary =
    fixHolds === null
      ? `Nothing leaked in the baseline; after: ${after.verdict.kind} (${fresh} new leaking item${fresh === 1 ? '' : 's'}).`
      : fixHolds
        ? `The fix holds: all ${gone} leaking item${gone === 1 ? '' : 's'} of the baseline are gone and nothing new leaks (verdict ${before.verdict.kind} -> ${after.verdict.kind}).`
        : `The fix does not hold: ${remains} leaking item${remains === 1 ? '' : 's'} remain, ${fresh} new, ${gone} gone (verdict ${before.verdict.kind} -> ${after.verdict.kind}).`;
  return { beforeVerdict: before.verdict.kind, afterVerdict: after.verdict.kind, items, gone, remains, new: fresh, fixHolds, summary };
}
