import { compareSeverity, type Finding } from '../core/models.js';
import { SCHEMA_VERSION, type Artefact, type Report, type ReportSections, type Verdict } from '../report/schema.js';

// A named import of one field: esbuild (tsup, tsx, vitest) inlines just this string at build time, so the
// version has one source, package.json, and the bundle carries no other field of it.
import { version } from '../../package.json';

/** The memforensics version, read from package.json at build time. */
export const TOOL_VERSION: string = version;

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
