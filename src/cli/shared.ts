import type { FindingSeverity } from '../core/models.js';

/** A mistake in the command line: one line and exit 2. */
export class UsageError extends Error {}
/** Files were found but none could be analysed (all binary, unknown, unreadable): exit 1. */
export class InputError extends Error {}
/**
 * An empty input set: the given paths do not exist, or hold no capture file. Exit 2, as grep and rg
 * exit 2 for a missing path: a CI job must not pass on a report of nothing.
 */
export class NoInputError extends Error {}

/** Severity words coloured on a terminal (never in files or pipes), unless NO_COLOR is set (https://no-color.org). */
const SEVERITY_COLOUR: Record<FindingSeverity, string> = { critical: '\x1b[1;31m', warning: '\x1b[33m', info: '\x1b[36m' };

/** Paints a severity word (`text`, default the severity itself, e.g. `CRITICAL`) in its colour, or leaves it plain. */
export type SeverityPainter = (severity: FindingSeverity, text?: string) => string;

export function colourFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): SeverityPainter {
  const on = stream.isTTY === true && !env.NO_COLOR;
  return (s, text = s) => (on ? `${SEVERITY_COLOUR[s]}${text}\x1b[0m` : text);
}

const SEVERITY_WORDS = /\*\*\[(CRITICAL|WARNING|INFO)\]\*\*|^(# memforensics: [A-Z -]+ )\((critical|warning|info)\)$|^(Severity: \*\*)(critical|warning|info)\*\*/gm;

/**
 * The Markdown report for a terminal: only the severity words (the heading's, the facts line's and each
 * finding's `[CRITICAL]` tag) painted; the rest stays plain Markdown. Identity when painting is off.
 */
export function paintSeverityWords(markdown: string, paint: SeverityPainter): string {
  return markdown.replace(SEVERITY_WORDS, (whole, tag?: string, head?: string, headSev?: string, facts?: string, factsSev?: string) => {
    if (tag) return `**[${paint(tag.toLowerCase() as FindingSeverity, tag)}]**`;
    if (head && headSev) return `${head}(${paint(headSev as FindingSeverity)})`;
    if (facts && factsSev) return `${facts}${paint(factsSev as FindingSeverity)}**`;
    return whole;
  });
}

export type FailLevel = 'critical' | 'warning';

/** Reads --fail-on (critical or warning). */
export function parseFailOn(value: string | undefined): FailLevel | undefined {
  if (value !== undefined && value !== 'critical' && value !== 'warning') throw new UsageError('--fail-on takes critical or warning');
  return value;
}

/** True when a finding reaches the --fail-on level (exit 3). */
export function reachesFailLevel(findings: readonly { severity: FindingSeverity }[], level: FailLevel | undefined): boolean {
  if (!level) return false;
  const levels: FindingSeverity[] = level === 'critical' ? ['critical'] : ['critical', 'warning'];
  return findings.some((f) => levels.includes(f.severity));
}
