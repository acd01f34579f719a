import type { FormatId, ParseResult } from '../core/parser.js';
import type { TraceRecord } from '../parsers/tracecmd/index.js';
import type { AnalyzeOptions } from './analyze.js';
import { AllocationPairer } from './pairing/index.js';
import { SnapshotDecimator } from './snapshotDecimator.js';

/** Snapshot series whose records are large enough to decimate while streaming. */
const DECIMATED_FORMATS = new Set<FormatId>(['slabinfo', 'slabtop', 'buddyinfo', 'pagetypeinfo']);

/**
 * A consumer that analyses records while they stream out of the parser, so a multi-gigabyte
 * trace never sits in memory: only the pairing's live set does.
 */
export interface StreamingConsumer {
  onRecord: (record: unknown) => void;
  /** The analysis results, stored on the artefact as `streamed`. */
  finish: (result: ParseResult<unknown>) => Record<string, unknown>;
}

/**
 * The streaming consumer for a format, or undefined when its records are analysed whole.
 * @example
 * const consumer = streamingConsumerFor('trace-cmd', 'trace.txt', {});
 * await parseAsync(traceCmdParser, chunks, { onRecord: consumer.onRecord });
 */
export function streamingConsumerFor(format: FormatId, source: string, options: AnalyzeOptions): StreamingConsumer | undefined {
  if (DECIMATED_FORMATS.has(format)) {
    // A 16-hour 1 Hz slabinfo series is 57,600 snapshots of ~200 caches: keep an evenly spaced,
    // bounded subsample (always with the last snapshot) instead of every record.
    const decimator = new SnapshotDecimator<unknown>({ max: options.maxSnapshots ?? 2048 });
    return {
      onRecord: (record) => decimator.push(record),
      finish: () => ({ snapshots: decimator.snapshots(), snapshotsSeen: decimator.seen, snapshotStride: decimator.stride }),
    };
  }
  if (format !== 'trace-cmd' && format !== 'ftrace') return undefined;
  const pairer = new AllocationPairer({ ...options.pairing, source, includeTracer: options.includeTracer ?? options.pairing?.includeTracer });
  return {
    onRecord: (record) => pairer.add(record as TraceRecord),
    finish: () => ({ pairing: pairer.finish() }),
  };
}
