import type { Report } from '../report/schema.js';
import { buildReport } from './buildReport.js';
import { artefactEntry, createContext, folderOf, type AnalyzeOptions, type ParsedArtefact } from './context.js';
import { formatModule } from './formats/index.js';
import { markVerdictTimeAxes, resolveTimeAxes } from './timeAxis.js';
import { runUsageTrends } from './usageTrends.js';
import { diagnose } from './verdict.js';

/**
 * Runs every analysis that applies to a set of parsed artefacts, then the bundle verdict, and
 * builds the report. Pure: parsing and I/O happen before (see `analyzeTexts` and the Node
 * `analyzePaths`), so it runs in browsers and notebooks.
 *
 * 1. each artefact's format module adds its sections, findings and usage series;
 * 2. the trend engine qualifies every usage series (runUsageTrends);
 * 0. every snapshot series gets its time axis (resolveTimeAxes);
 * 3. the verdict grades, merges culprits across tools and concludes (diagnose); a grade resting on an
 *    assumed time axis is capped and the headline says so (timeAxis.ts);
 * 4. buildReport ranks the findings and assembles the Report.
 * @example
 * const report = analyze([{ path: 'meminfo.txt', format: 'meminfo', result: parseMeminfo(text) }]);
 */
export function analyze(parsed: readonly ParsedArtefact[], options: AnalyzeOptions = {}): Report {
  const ctx = createContext(options);
  // Every snapshot series gets its time axis first, so every analysis sees the real one (timeAxis.ts).
  const artefacts = resolveTimeAxes(parsed, options);
  for (const a of artefacts) if (a.timeAxis) ctx.timeAxes.set(a.path, a.timeAxis);
  const together = new Map<string, ParsedArtefact[]>();
  for (const a of artefacts) {
    if (!a.format || !a.result) continue;
    const module = formatModule(a.format);
    if (module.analyzeTogether) {
      const key = `${a.format}\u0000${folderOf(a.path)}`;
      together.set(key, [...(together.get(key) ?? []), a]);
    } else module.analyze?.(a, ctx);
  }
  for (const group of together.values()) formatModule(group[0].format!).analyzeTogether!(group, ctx);
  runUsageTrends(ctx);
  const verdict = markVerdictTimeAxes(diagnose(ctx, artefacts), ctx);
  return buildReport({ artefacts: artefacts.map(artefactEntry), findings: ctx.findings, verdict, sections: ctx.sections });
}
