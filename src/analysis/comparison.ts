import { z } from 'zod';
import { VerdictKindSchema } from '../core/models.js';

/** A before/after comparison of two runs (`--baseline`): what leaked before, what remains, what is new. */

export const ComparisonItemSchema = z.object({
  /** Which section the item comes from. */
  section: z.enum(['allocationSites', 'kmemleakClusters', 'stackGrowth', 'leakSites', 'slabGrowth', 'trends']),
  key: z.string(),
  status: z.enum(['gone', 'remains', 'new']),
  before: z.number().nullable(),
  after: z.number().nullable(),
  /** What the numbers are (outstanding bytes, bytes per hour, ...). */
  measure: z.string(),
  /**
   * The unit of `before` and `after`, so a renderer can humanise them: `bytes`, `bytes/s`,
   * `bytes/h`, or a trend's series unit per hour (`kB/h`).
   */
  unit: z.string(),
});
export type ComparisonItem = z.infer<typeof ComparisonItemSchema>;

export const ComparisonSchema = z.object({
  beforeVerdict: VerdictKindSchema,
  afterVerdict: VerdictKindSchema,
  items: z.array(ComparisonItemSchema),
  gone: z.number().int(),
  remains: z.number().int(),
  new: z.number().int(),
  /** True when what leaked before no longer leaks after and nothing new leaks; null when nothing leaked before. */
  fixHolds: z.boolean().nullable(),
  summary: z.string(),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

