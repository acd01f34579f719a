import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.js';
import { fragmentationReport } from '../fixtures/reports/fragmentation.js';
import { hostileReport, PAYLOADS } from '../fixtures/reports/hostile.js';
import { LEAK_POINTS, leakReport } from '../fixtures/reports/leak.js';

describe('report fixtures validate against ReportSchema', () => {
  it('leak: one 57,600-point oscillating series with its trend', () => {
    const r = ReportSchema.parse(leakReport());
    expect(r.series[0].t).toHaveLength(LEAK_POINTS);
    expect(r.series[0].points).toBe(57_600);
    expect(r.trends[0].verdict).toBe('leak');
  });
  it('fragmentation', () => {
    const r = ReportSchema.parse(fragmentationReport());
    expect(r.verdict.kind).toBe('fragmentation');
    expect((r.fragmentation as { analyses: { zones: unknown[] }[] }).analyses[0].zones).toHaveLength(2);
  });
  it('hostile: every payload is present', () => {
    const r = ReportSchema.parse(hostileReport());
    const json = JSON.stringify(r);
    for (const p of PAYLOADS) expect(json).toContain(JSON.stringify(p).slice(1, -1));
  });
});
