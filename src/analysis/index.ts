import type { Report } from '../report/schema.js';
import { analyzeArtefacts, type AnalyzeOptions, type ParsedArtefact } from './analyze.js';
import { FORMAT_ANALYZERS } from './formatAnalyzers.js';
import { diagnose } from './diagnose.js';

export * from './analyze.js';
export { streamingConsumerFor, type StreamingConsumer } from './streaming.js';

/**
 * Runs every analysis that applies and the bundle verdict.
 * @example
 * const report = analyze([{ path: 'meminfo.txt', format: 'meminfo', result: parseMeminfo(text) }]);
 */
export function analyze(artefacts: readonly ParsedArtefact[], options: AnalyzeOptions = {}): Report {
  return analyzeArtefacts(artefacts, options, FORMAT_ANALYZERS, diagnose);
}
