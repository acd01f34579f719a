import { z } from 'zod';

/**
 * How far a compressed input may expand. Captures are untrusted: a 10 MB .gz can inflate to
 * 10 GB (a decompression bomb) and would be read to the end. Real captures compress well but
 * not without bound: a 2 GB meminfo series of repeated snapshots gzips to 11 MB (about 180:1),
 * so the ratio limit sits well above that and applies only once the output is past a grace size
 * (a small file of zeros is no threat). Past a limit the read stops with a `decompression-limit`
 * diagnostic and everything before it is kept.
 */
export const DecompressionLimitsSchema = z.object({
  /** Most bytes one compressed input (or archive member) may expand to. */
  maxOutputBytes: z.number().int().positive().default(8 * 1024 ** 3),
  /** Most output bytes per compressed byte, checked once the output passes `ratioGraceBytes`. */
  maxExpansionRatio: z.number().positive().default(1000),
  ratioGraceBytes: z.number().int().nonnegative().default(64 * 1024 ** 2),
});
export type DecompressionLimits = z.infer<typeof DecompressionLimitsSchema>;
export const DEFAULT_DECOMPRESSION_LIMITS: DecompressionLimits = DecompressionLimitsSchema.parse({});

/** Thrown by a decompressing reader past a limit; the parse front ends turn it into a diagnostic. */
export class DecompressionLimitError extends Error {
  readonly code = 'DECOMPRESSION_LIMIT';
}

/**
 * Why an expansion breaks the limits, or null while it is within them.
 * @example
 * expansionExcess(10 * 2 ** 30, 10 * 2 ** 20, DEFAULT_DECOMPRESSION_LIMITS) // 'expanded past 8.0 GiB'
 */
export function expansionExcess(outputBytes: number, inputBytes: number, limits: DecompressionLimits): string | null {
  if (outputBytes > limits.maxOutputBytes) return `expanded past ${(limits.maxOutputBytes / 1024 ** 3).toFixed(1)} GiB`;
  if (outputBytes > limits.ratioGraceBytes && inputBytes > 0 && outputBytes / inputBytes > limits.maxExpansionRatio) {
    return `expanded more than ${limits.maxExpansionRatio}:1 (${Math.round(outputBytes / inputBytes)}:1 after ${Math.round(outputBytes / 1024 ** 2)} MiB)`;
  }
  return null;
}
