import { z } from 'zod';
import { StackFrameSchema } from '../../core/models.js';

/**
 * The record shapes shared by the LeakSanitizer and valgrind memcheck parsers: one `leak`
 * record per leak report entry (LSan `Direct leak of ...`, valgrind loss record) and one
 * `summary` record per process (LSan `SUMMARY:`, valgrind `HEAP SUMMARY` + `LEAK SUMMARY`).
 */
export const LeakKindSchema = z.enum(['definite', 'indirect', 'possible', 'reachable']);
export type LeakKind = z.infer<typeof LeakKindSchema>;

export const LeakRecordSchema = z.object({
  type: z.literal('leak'),
  tool: z.enum(['lsan', 'valgrind']),
  pid: z.number().int().nullable(),
  kind: LeakKindSchema,
  /** Total bytes of the entry (valgrind: direct + indirect for `N (D direct, I indirect)`). */
  bytes: z.number().nonnegative(),
  /** valgrind `N (D direct, I indirect) bytes`: the direct and indirect parts. */
  directBytes: z.number().nonnegative().nullable(),
  indirectBytes: z.number().nonnegative().nullable(),
  /** Objects (LSan) or blocks (valgrind). */
  count: z.number().int().nonnegative(),
  /** valgrind `loss record i of n`. */
  lossRecord: z.tuple([z.number().int(), z.number().int()]).nullable(),
  /** Allocation stack, innermost first (frame #0 / `at`). */
  frames: z.array(StackFrameSchema),
  /** 1-based first and last line. */
  line: z.number().int().positive(),
  endLine: z.number().int().positive(),
  /** valgrind `--time-stamp=yes`: seconds since the tool started. */
  elapsed: z.number().nullable(),
});
export type LeakRecord = z.infer<typeof LeakRecordSchema>;

const BytesBlocks = z.object({ bytes: z.number().nonnegative(), count: z.number().int().nonnegative() });

export const LeakSummaryRecordSchema = z.object({
  type: z.literal('summary'),
  tool: z.enum(['lsan', 'valgrind']),
  pid: z.number().int().nullable(),
  line: z.number().int().positive(),
  /** LSan `SUMMARY: ...: N byte(s) leaked in M allocation(s).` (definite + indirect). */
  leaked: BytesBlocks.nullable(),
  /** valgrind LEAK SUMMARY categories. */
  definite: BytesBlocks.nullable(),
  indirect: BytesBlocks.nullable(),
  possible: BytesBlocks.nullable(),
  reachable: BytesBlocks.nullable(),
  suppressed: BytesBlocks.nullable(),
  /** valgrind HEAP SUMMARY. */
  inUseAtExit: BytesBlocks.nullable(),
  totalHeapUsage: z.object({ allocs: z.number(), frees: z.number(), bytes: z.number() }).nullable(),
  /** The sanitizer named in the SUMMARY line (AddressSanitizer / LeakSanitizer). */
  sanitizer: z.string().nullable(),
  elapsed: z.number().nullable(),
});
export type LeakSummaryRecord = z.infer<typeof LeakSummaryRecordSchema>;

export const LeakReportRecordSchema = z.discriminatedUnion('type', [LeakRecordSchema, LeakSummaryRecordSchema]);
export type LeakReportRecord = z.infer<typeof LeakReportRecordSchema>;

/**
 * A summary record with every total unknown (null), filled in as the tool's summary lines arrive.
 * @example emptySummary('valgrind', 4633, 24).definite // null
 */
export function emptySummary(tool: 'lsan' | 'valgrind', pid: number | null, line: number): LeakSummaryRecord {
  return {
    type: 'summary', tool, pid, line, leaked: null, definite: null, indirect: null, possible: null, reachable: null,
    suppressed: null, inUseAtExit: null, totalHeapUsage: null, sanitizer: null, elapsed: null,
  };
}
