import type { FormatId } from '../core/parser.js';
import type { AnalyzeOptions } from './context.js';
import { formatModule, type StreamingConsumer } from './formats/index.js';

/**
 * The streaming consumer for a format, or undefined when its records are analysed whole.
 * @example
 * const consumer = streamingConsumerFor('trace-cmd', 'trace.txt', {});
 * await parseAsync(traceCmdParser, chunks, { onRecord: consumer.onRecord });
 */
export function streamingConsumerFor(format: FormatId, source: string, options: AnalyzeOptions): StreamingConsumer | undefined {
  return formatModule(format).streaming?.(source, options);
}
