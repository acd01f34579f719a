import { AllocationPairer, pairAllocations } from '../../analysis/pairing/index.js';
import { parseTraceBytesAsync } from '../../parsers/tracecmd/fast.js';
import { ftraceParser, traceCmdParser, type TraceParseOptions, type TraceRecord } from '../../parsers/tracecmd/index.js';
import { traceCmdStatParser, type TraceCmdCpuStat } from '../../parsers/tracecmd-stat/index.js';
import { parseTraceDatAsync, parseTraceDatSource, traceDatParser, type TraceDatCpuStat, type TraceDatHeader } from '../../parsers/trace-dat/index.js';
import { recordsOf, type AnalysisContext, type AnalyzeOptions, type ParsedArtefact } from '../context.js';
import type { FormatModule } from './module.js';
import type { ParseResult, ParserDefinition } from '../../core/parser.js';
import type { Finding } from '../../core/models.js';
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
/**
 * What the pipeline keeps of a trace.dat's header beside its records: the small facts a finding
 * needs (kallsyms, formats and the pid map stay in the parser; they would be cloned out of a worker).
 */
export interface TraceDatFacts {
  readonly version: number;
  readonly compression: string | null;
  /** '' for the top buffer, else the instance read (`trace-cmd record -B name`). */
  readonly buffer: string;
  readonly cpuStats: readonly TraceDatCpuStat[];
}

function withFacts(result: ParseResult<unknown> & { header: TraceDatHeader }): ParseResult<unknown> & { traceDat: TraceDatFacts } {
  const { header, ...rest } = result;
  return { ...rest, traceDat: { version: header.version, compression: header.compression?.name ?? null, buffer: header.buffer, cpuStats: header.cpuStatCounts.filter((s) => s.buffer === header.buffer) } };
}

const traceDatBase = traceModule(traceDatParser);
/** trace.dat read natively: the same records, so the same analysis as the report text, plus its own CPU stats. */
export const traceDatModule: FormatModule = {
  ...traceDatBase,
  analyze(a, ctx) {
    traceDatBase.analyze!(a, ctx);
    const facts = (a.result as { traceDat?: TraceDatFacts } | undefined)?.traceDat;
    const finding = facts ? lostEventsFinding(a.path, facts.cpuStats) : null;
    if (finding) ctx.findings.push(finding);
  },
  parseStream: async (chunks, options) => withFacts(await parseTraceDatAsync(chunks as AsyncIterable<Uint8Array>, options)),
  // a file on disk is read through a file handle, page windows at a time (src/node)
  parseSource: async (source, options) => withFacts(await parseTraceDatSource(source, options)),
};
export const ftraceModule = traceModule(ftraceParser);

type LossStat = Pick<TraceCmdCpuStat, 'cpu' | 'overrun' | 'commitOverrun' | 'droppedEvents'> & { line?: number };

/**
 * The warning of a trace whose ring buffer overran or dropped events (from `trace-cmd report
 * --stat` text or a trace.dat's own CPU stats), or null when nothing was lost.
 */
export function lostEventsFinding(source: string, stats: readonly LossStat[]): Finding | null {
  const lostOn = (s: LossStat) => (s.overrun ?? 0) + (s.commitOverrun ?? 0) + (s.droppedEvents ?? 0);
  const lost = stats.reduce((n, s) => n + lostOn(s), 0);
  if (lost === 0) return null;
  return {
    kind: 'trace-lost-events',
    severity: 'warning',
    title: `The trace lost ${lost} events (ring buffer overrun): frees may be missing, so pairing can show false leaks; record again with a larger buffer (trace-cmd record -b)`,
    source,
    space: 'kernel',
    evidence: stats
      .filter((s) => lostOn(s) > 0)
      .map((s) => ({
        source,
        ...(s.line !== undefined ? { lines: [s.line, s.line] as [number, number] } : {}),
        detail: `CPU ${s.cpu} lost ${lostOn(s).toLocaleString('en-US')} events: overrun ${s.overrun}, commit overrun ${s.commitOverrun}, dropped ${s.droppedEvents}`,
        values: { cpu: s.cpu, overrun: s.overrun, commitOverrun: s.commitOverrun, droppedEvents: s.droppedEvents },
      })),
  };
}

/** A trace whose ring buffer overran or dropped events cannot be trusted for pairing: say so. */
export const traceCmdStatModule: FormatModule = {
  format: 'trace-cmd-stat',
  parser: traceCmdStatParser,
  analyze(a, ctx) {
    const finding = lostEventsFinding(a.path, recordsOf<TraceCmdCpuStat>(a));
    if (finding) ctx.findings.push(finding);
  },
};
