import type { FormatId, ParseResult } from '../core/parser.js';
import type { AnalyzeOptions } from './analyze.js';

/**
 * A consumer that analyses records while they stream out of the parser, so a multi-gigabyte
 * trace never sits in memory: only the pairing's live set does.
 */
export interface StreamingConsumer {
  onRecord: (record: unknown) => void;
  /** The analysis results, stored on the artefact as `streamed`. */
  finish: (result: ParseResult<unknown>) => Record<string, unknown>;
}

/** The streaming consumer for a format, or undefined when its records are analysed whole. */
export function streamingConsumerFor(format: FormatId, source: string, options: AnalyzeOptions): StreamingConsumer | undefined {
  void format;
  void source;
  void options;
  return undefined;
}
