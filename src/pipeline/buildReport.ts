import { compareSeverity, type Finding } from '../core/models.js';
import { SCHEMA_VERSION, type Artefact, type Report, type ReportSections, type UnplacedFiles, type Verdict } from '../report/schema.js';

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
  const { rows, unplaced } = summariseUnplaced(input.artefacts);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'memforensics', version: TOOL_VERSION },
    artefacts: rows,
    ...(unplaced.length ? { unplaced } : {}),
    verdict: input.verdict,
    findings: rankFindings(input.findings),
    ...input.sections,
  };
}

/** Groups of at least this many unplaced files of one kind are one summary line instead of rows. */
export const UNPLACED_SUMMARY_MIN = 20;
const UNPLACED_CODES = new Set(['UNRECOGNIZED_FORMAT', 'BINARY_INPUT', 'EMPTY_INPUT']);
const EXAMPLES = 3;

function kindOf(p: string): string {
  const base = p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '(none)';
}

/** Rows of files that are no capture, grouped by (error code, kind); big groups become counts. */
function summariseUnplaced(artefacts: readonly Artefact[]): { rows: Artefact[]; unplaced: UnplacedFiles[] } {
  const groups = new Map<string, Artefact[]>();
  for (const a of artefacts) {
    if (a.format !== null || !a.error || !UNPLACED_CODES.has(a.error.code)) continue;
    const key = `${a.error.code}\u0000${kindOf(a.path)}`;
    const g = groups.get(key);
    if (g) g.push(a);
    else groups.set(key, [a]);
  }
  const summarised = new Set<Artefact>();
  const unplaced: UnplacedFiles[] = [];
  for (const g of groups.values()) {
    if (g.length < UNPLACED_SUMMARY_MIN) continue;
    for (const a of g) summarised.add(a);
    unplaced.push({ code: g[0]!.error!.code, kind: kindOf(g[0]!.path), count: g.length, bytes: g.reduce((n, a) => n + (a.bytes ?? 0), 0), examples: g.slice(0, EXAMPLES).map((a) => a.path) });
  }
  unplaced.sort((a, b) => b.count - a.count || (a.kind < b.kind ? -1 : 1));
  return { rows: summarised.size ? artefacts.filter((a) => !summarised.has(a)) : [...artefacts], unplaced };
}
