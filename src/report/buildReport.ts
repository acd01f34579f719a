import type { Finding, FindingSeverity } from '../core/models.js';
import { SCHEMA_VERSION, type Artefact, type Report, type Verdict } from './schema.js';

export const TOOL_VERSION = '0.1.0';

export const SECTION_KEYS = [
  'series',
  'trends',
  'allocationSites',
  'slabGrowth',
  'meminfo',
  'kmemleakClusters',
  'stackGrowth',
  'oomEvents',
  'leakSites',
  'fragmentation',
  'comparison',
] as const;
export type ReportSections = Pick<Report, (typeof SECTION_KEYS)[number]>;

export function emptySections(): ReportSections {
  return {
    series: [],
    trends: [],
    allocationSites: [],
    slabGrowth: [],
    meminfo: [],
    kmemleakClusters: [],
    stackGrowth: [],
    oomEvents: [],
    leakSites: [],
    fragmentation: null,
    comparison: null,
  };
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { critical: 0, warning: 1, info: 2 };

/** Findings ranked: severity first, then score (higher first), then title for stable output. */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (b.score ?? 0) - (a.score ?? 0) || a.title.localeCompare(b.title),
  );
}

/**
 * Assembles the Report data object that every renderer reads. Pure: the same inputs give the
 * same report (no clock, no randomness), so reports can be diffed and golden-tested.
 * @example
 * const report = buildReport({ artefacts: [], findings: [], verdict, sections: emptySections() });
 */
export function buildReport(input: {
  artefacts: readonly Artefact[];
  findings: readonly Finding[];
  verdict: Verdict;
  sections: ReportSections;
}): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'memforensics', version: TOOL_VERSION },
    artefacts: [...input.artefacts],
    verdict: input.verdict,
    findings: rankFindings(input.findings),
    ...input.sections,
  };
}
