import { describe, expect, it } from 'vitest';
import { parseTraceCmdStat, traceCmdStatParser } from '../../src/parsers/tracecmd-stat/index.js';
import { analyzeTexts } from '../../src/pipeline/analyzeTexts.js';
import { expectChunkingInvariant, expectLinesAccounted, fuzzParser, seriousDiagnostics } from '../helpers/contract.js';
import { sample } from '../helpers/samples.js';

const REAL = ['captures/D1_main/d1p.report-stat.txt', 'captures/D1_mixed_noise/d1.report-stat.txt', 'captures/D1_pages_timerfd/d1pg.report-stat.txt'];

describe('trace-cmd report --stat', () => {
  it.each(REAL)('%s: two CPUs, nothing lost (as the capture README says)', (rel) => {
    const r = expectChunkingInvariant(traceCmdStatParser, sample(rel));
    expectLinesAccounted(r);
    expect(seriousDiagnostics(r)).toEqual([]);
    expect(r.records.map((s) => s.cpu)).toEqual([0, 1]);
    for (const s of r.records) {
      expect(s.overrun).toBe(0);
      expect(s.droppedEvents).toBe(0);
      expect(s.recordedBytes).toBeGreaterThan(0);
    }
  });

  it('reads the D1 main numbers', () => {
    const [cpu0] = parseTraceCmdStat(sample(REAL[0])).records;
    expect(cpu0).toMatchObject({ entries: 8741, bytes: 687572, oldestEventTs: 3504.480313, readEvents: 29563, recordedBytes: 2854912 });
  });

  it('a lossy trace gets a data-loss diagnostic and a warning finding', () => {
    const lossy = sample(REAL[0]).replace('overrun: 0', 'overrun: 1234');
    const r = parseTraceCmdStat(lossy);
    expect(r.diagnostics.byCode['trace-lost-events']).toBe(1);
    const report = analyzeTexts([{ path: 'd1p.report-stat.txt', text: lossy }]);
    expect(report.findings.map((f) => f.kind)).toContain('trace-lost-events');
  });

  it('survives fuzzing', () => fuzzParser(traceCmdStatParser, REAL.map(sample)));
});
