import { z } from 'zod';
import { DIAGNOSTIC_CODES, SEVERITIES, type DiagnosticCode, type Severity } from './diagnostic-codes.js';

export const SeveritySchema = z.enum(['info', 'warning', 'data-loss', 'error']);

export const DiagnosticSchema = z.object({
  code: z.string(),
  severity: SeveritySchema,
  /** 1-based line number in the artefact; 0 when the diagnostic concerns the whole input. */
  line: z.number().int().nonnegative(),
  message: z.string(),
  /** At most EXCERPT_MAX characters of the offending line. */
  excerpt: z.string(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

export const DiagnosticSummarySchema = z.object({
  total: z.number().int().nonnegative(),
  bySeverity: z.record(SeveritySchema, z.number().int().nonnegative()),
  byCode: z.record(z.string(), z.number().int().nonnegative()),
  /** The stored diagnostics: at most `maxPerCode` of each code, in input order. */
  items: z.array(DiagnosticSchema),
});
export type DiagnosticSummary = z.infer<typeof DiagnosticSummarySchema>;

export const EXCERPT_MAX = 160;
export const DEFAULT_MAX_DIAGNOSTICS_PER_CODE = 100;

export function excerptOf(text: string): string {
  return text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX - 1)}…` : text;
}

/**
 * Collects diagnostics, storing at most `maxPerCode` of each code but counting all of them,
 * so a garbage file of a billion bad lines costs a counter, not a billion objects.
 */
export class DiagnosticCollector {
  readonly #maxPerCode: number;
  readonly #items: Diagnostic[] = [];
  readonly #byCode = new Map<string, number>();
  readonly #bySeverity: Record<Severity, number> = { info: 0, warning: 0, 'data-loss': 0, error: 0 };
  #total = 0;

  constructor(maxPerCode = DEFAULT_MAX_DIAGNOSTICS_PER_CODE) {
    this.#maxPerCode = maxPerCode;
  }

  add(code: DiagnosticCode, line: number, message: string, excerpt = ''): void {
    const severity = DIAGNOSTIC_CODES[code].severity;
    const seen = (this.#byCode.get(code) ?? 0) + 1;
    this.#byCode.set(code, seen);
    this.#bySeverity[severity]++;
    this.#total++;
    if (seen <= this.#maxPerCode) {
      this.#items.push({ code, severity, line, message, excerpt: excerptOf(excerpt) });
    }
  }

  get total(): number {
    return this.#total;
  }

  count(code: DiagnosticCode): number {
    return this.#byCode.get(code) ?? 0;
  }

  summary(): DiagnosticSummary {
    const bySeverity = {} as Record<Severity, number>;
    for (const s of SEVERITIES) bySeverity[s] = this.#bySeverity[s];
    return {
      total: this.#total,
      bySeverity,
      byCode: Object.fromEntries([...this.#byCode].sort(([a], [b]) => a.localeCompare(b))),
      items: [...this.#items],
    };
  }
}
