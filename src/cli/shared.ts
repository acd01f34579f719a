import type { FindingSeverity } from '../core/models.js';

/** A mistake in the command line: one line and exit 2. */
export class UsageError extends Error {}
/** Nothing usable to analyse (missing paths, an empty folder): exit 1. */
export class InputError extends Error {}

/** Severity words coloured on a terminal (never in files or pipes), unless NO_COLOR is set. */
const SEVERITY_COLOUR: Record<FindingSeverity, string> = { critical: '\x1b[1;31m', warning: '\x1b[33m', info: '\x1b[36m' };
export function colourFor(stream: NodeJS.WriteStream): (s: FindingSeverity) => string {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  return (s) => (on ? `${SEVERITY_COLOUR[s]}${s}\x1b[0m` : s);
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
