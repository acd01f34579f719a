import { describe, expect, it } from 'vitest';
import { ALLOCATION_SITES, ARTEFACTS, COMPARISON, fragmentationZones, KMEMLEAK_CLUSTERS, LEAK_SITES, MEMINFO, meminfoLines, OOM_KILLS, SLAB_CACHES, STACK_GROWTH, TRENDS, type Cell, type Table } from '../../src/report/columns.js';
import { ReportSchema } from '../../src/report/schema.js';
import { FRAG_SNAPSHOTS, fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { hostileReport, PAYLOADS } from '../fixtures/reports/hostile.js';
import { KMEMLEAK_OBJECTS, LEAK_ONSET, LEAK_PERIOD, LEAK_POINTS, LEAK_RATE_KB_PER_HOUR, leakReport, SLAB_GROWTH, TRACE_ITERATIONS, TRACE_LEAKS } from '../fixtures/reports/leak.js';

describe('report fixtures are reports the schema takes unchanged (strict round-trip)', () => {
  it('leak: the analyses find the synthetic ground truth', () => {
    const report = leakReport();
    expect(ReportSchema.parse(report)).toEqual(report);
    const [used] = report.series;
    expect(used.t).toHaveLength(LEAK_POINTS);
    const [trend] = report.trends;
    expect(trend.verdict).toBe('leak');
    // The trend engine finds the 40 MiB/h creep under the 150 MiB, 10-minute swing.
    expect(trend.slopePerHour! / LEAK_RATE_KB_PER_HOUR).toBeCloseTo(1, 2);
    expect(trend.period! / LEAK_PERIOD).toBeCloseTo(1, 2);
    expect(trend.onset).toBe(LEAK_ONSET);
    // Each leaking trace site keeps one object per iteration (the last second's are "young").
    for (const l of TRACE_LEAKS) {
      const site = report.allocationSites.find((s) => 'flagged' in s && s.site === l.site);
      expect(site && 'flagged' in site && site.flagged).toBe(true);
      if (site && 'flagged' in site) expect(site.outstandingCount + site.young.count).toBe(TRACE_ITERATIONS);
    }
    expect(report.kmemleakClusters.map((c) => [c.culprit, c.count])).toEqual([['do_eventfd', KMEMLEAK_OBJECTS]]);
    expect(report.slabGrowth.filter((s) => s.verdict === 'leak').map((s) => s.cache).sort()).toEqual(SLAB_GROWTH.filter((c) => c.perSnapshot > 0).map((c) => c.cache).sort());
  });
  it('fragmentation: the D5 capture', () => {
    const report = fragmentationReport();
    expect(ReportSchema.parse(report)).toEqual(report);
    expect(report.verdict.kind).toBe('fragmentation');
    const zones = report.fragmentation?.analyses[0].zones ?? [];
    expect(zones.map((z) => z.key)).toEqual(['node0/DMA', 'node0/DMA32', 'node0/Normal']);
    for (const z of zones) expect(z.t).toHaveLength(FRAG_SNAPSHOTS);
  });
  it('hostile: every payload is in the report, in the schema`s own fields', () => {
    const report = hostileReport();
    expect(ReportSchema.parse(report)).toEqual(report);
    const json = JSON.stringify(report);
    for (const p of PAYLOADS) expect(json).toContain(JSON.stringify(p).slice(1, -1));
  });
});

/** The capture strings a cell shows. */
function captureText(c: Cell): string[] {
  switch (c.kind) {
    case 'code':
      return [c.text];
    case 'codes':
      return [...c.items];
    case 'stack':
      return [...c.frames];
    case 'preview':
      return [c.text];
    default:
      return [];
  }
}

describe('the hostile fixture puts a payload in every capture string the tables show', () => {
  const report = hostileReport();
  const frag = report.fragmentation!.analyses[0];
  const isPayload = (s: string) => PAYLOADS.some((p) => s.includes(p));
  function check<T>(table: Table<T>, rows: readonly T[]): void {
    expect(rows.length, table.title).toBeGreaterThan(0);
    for (const col of table.columns) {
      for (const row of rows) {
        for (const s of captureText(col.cell(row))) expect(isPayload(s), `${table.title} / ${col.head}: ${s}`).toBe(true);
      }
    }
  }
  it.each([
    ['trends', () => check(TRENDS, report.trends)],
    ['allocation sites', () => check(ALLOCATION_SITES, report.allocationSites)],
    ['slab caches', () => check(SLAB_CACHES, report.slabGrowth)],
    ['meminfo (components)', () => check(MEMINFO, report.meminfo[0].components.map((c) => meminfoLines({ ...report.meminfo[0], components: [c], unaccounted: null })[0]))],
    ['kmemleak clusters', () => check(KMEMLEAK_CLUSTERS, report.kmemleakClusters)],
    ['stacks', () => check(STACK_GROWTH, report.stackGrowth)],
    ['leak sites', () => check(LEAK_SITES, report.leakSites)],
    ['OOM kills', () => check(OOM_KILLS, report.oomEvents)],
    ['fragmentation zones', () => check(fragmentationZones(frag.highOrder, frag.pageSize), frag.zones)],
    ['comparison', () => check(COMPARISON, report.comparison!.items)],
    ['artefacts', () => check(ARTEFACTS, report.artefacts)],
  ])('%s', (_name, run) => run());
  it('and in the prose fields: verdicts of the analyses, constraints, detection reasons, measures', () => {
    expect(isPayload(report.slabGrowth[0].verdict)).toBe(true);
    expect(isPayload(report.meminfo[0].components[0].verdict)).toBe(true);
    expect(isPayload(report.meminfo[0].unaccounted!.verdict)).toBe(true);
    expect(report.oomEvents.every((e) => e.constraint !== null && isPayload(e.constraint))).toBe(true);
    expect(isPayload(report.artefacts[0].detection!.reason)).toBe(true);
    expect(report.comparison!.items.every((i) => isPayload(i.measure))).toBe(true);
    expect(isPayload(report.comparison!.summary)).toBe(true);
    expect(report.trends.every((t) => isPayload(t.method) && isPayload(t.series))).toBe(true);
  });
});
