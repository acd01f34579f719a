import { compareSeverity, type Finding } from '../core/models.js';
import { SCHEMA_VERSION, type Artefact, type Report, type ReportSections, type Verdict } from '../report/schema.js';

export const TOOL_VERSION = '0.1.0';

/** Findings ranked: severity first, then score (higher first), then title for stable output. */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => compareSeverity(a.severity, b.severity) || (b.score ?? 0) - (a.score ?? 0) || a.title.localeCompare(b.title));
}

/**
 * Assembles the Report data object that every renderer reads. Pure: the same inputs give the
 * same report (no clock, no randomness), so reports can be diffed and golden-tested.
 * @example
 * const report = buildReport({ artefacts: [], findings: [], verdict, sections: emptySections() });
 */
export function buildReport(input: { artefacts: readonly Artefact[]; findings: readonly Finding[]; verdict: Verdict; sections: ReportSections }): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'memforensics', version: TOOL_VERSION },
    artefacts: [...input.artefacts],
    verdict: input.verdict,
    findings: rankFindings(input.findings),
    ...input.sections,
  };
}
