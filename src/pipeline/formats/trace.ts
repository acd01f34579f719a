import { AllocationPairer, pairAllocations } from '../../analysis/pairing/index.js';
import { parseTraceBytesAsync } from '../../parsers/tracecmd/fast.js';
import { ftraceParser, traceCmdParser, type TraceParseOptions, type TraceRecord } from '../../parsers/tracecmd/index.js';
import { traceCmdStatParser, type TraceCmdCpuStat } from '../../parsers/tracecmd-stat/index.js';
import { parseTraceDatAsync, traceDatParser } from '../../parsers/trace-dat/index.js';
import { recordsOf, type AnalysisContext, type AnalyzeOptions, type ParsedArtefact } from '../context.js';
import type { FormatModule } from './module.js';
import type { ParserDefinition } from '../../core/parser.js';
import type { PairingResult } from '../../analysis/pairing/index.js';

/** The pairing options of one trace file: the run's filters plus its source and tracer setting. */
export function pairingOptions(source: string, options: AnalyzeOptions) {
  return { ...options.pairing, source, includeTracer: options.includeTracer ?? options.pairing?.includeTracer };
}

/** The trace's pairing: done while streaming for files, or here over records held in memory. */
export function pairingOf(a: ParsedArtefact, ctx: AnalysisContext): PairingResult {
  return a.streamed?.pairing ?? pairAllocations(recordsOf<TraceRecord>(a), pairingOptions(a.path, ctx.options));
}

function traceModule(parser: ParserDefinition<TraceRecord, TraceParseOptions>): FormatModule {
  return {
    format: parser.format,
    parser,
    analyze(a, ctx) {
      const pairing = pairingOf(a, ctx);
      ctx.sections.allocationSites.push(...pairing.allocationSites.map((s) => ({ ...s, flagged: s.leak })));
      ctx.findings.push(...pairing.findings);
      ctx.traces.push({ source: a.path, pairing });
    },
    // A multi-GB trace is paired while it streams: only the live set of allocations is kept.
    streaming(source, options) {
      const pairer = new AllocationPairer(pairingOptions(source, options));
      return { onRecord: (record) => pairer.add(record as TraceRecord), finish: () => ({ pairing: pairer.finish() }) };
    },
    // The byte-level fast path: same ParseResult as the line front end (tested equal).
    parseStream: (chunks, options, hooks) => parseTraceBytesAsync(parser, chunks, { ...options, ...(hooks.decodeAscii ? { decodeAscii: hooks.decodeAscii } : {}) }),
  };
}

export const traceCmdModule = traceModule(traceCmdParser);
/** trace.dat read natively: the same records, so the same analysis as the report text. */
export const traceDatModule: FormatModule = {
  ...traceModule(traceDatParser),
  parseStream: (chunks, options) => parseTraceDatAsync(chunks as AsyncIterable<Uint8Array>, options),
};
export const ftraceModule = traceModule(ftraceParser);

/** A trace whose ring buffer overran or dropped events cannot be trusted for pairing: say so. */
export const traceCmdStatModule: FormatModule = {
  format: 'trace-cmd-stat',
  parser: traceCmdStatParser,
  analyze(a, ctx) {
    const stats = recordsOf<TraceCmdCpuStat>(a);
    const lostOn = (s: TraceCmdCpuStat) => (s.overrun ?? 0) + (s.commitOverrun ?? 0) + (s.droppedEvents ?? 0);
    const lost = stats.reduce((n, s) => n + lostOn(s), 0);
    if (lost === 0) return;
    ctx.findings.push({
      kind: 'trace-lost-events',
      severity: 'warning',
      title: `The trace lost ${lost} events (ring buffer overrun): frees may be missing, so pairing can show false leaks; record again with a larger buffer (trace-cmd record -b)`,
      source: a.path,
      space: 'kernel',
      evidence: stats
        .filter((s) => lostOn(s) > 0)
        .map((s) => ({
          source: a.path,
          lines: [s.line, s.line] as [number, number],
          detail: `CPU ${s.cpu}: overrun ${s.overrun}, commit overrun ${s.commitOverrun}, dropped ${s.droppedEvents}`,
          values: { cpu: s.cpu, overrun: s.overrun, commitOverrun: s.commitOverrun, droppedEvents: s.droppedEvents },
        })),
    });
  },
};
