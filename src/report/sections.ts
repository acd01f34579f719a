import type { z } from 'zod';
import type { AllocationSiteEntry, Report, TraceSiteEntrySchema, ToolSiteEntrySchema } from './schema.js';

/**
 * Row types of the report's sections, for renderers and fixtures: named once here so no renderer
 * spells `Report['x'][number]` or guesses which variant of a union it holds.
 */
export type TraceSiteEntry = z.infer<typeof TraceSiteEntrySchema>;
export type ToolSiteEntry = z.infer<typeof ToolSiteEntrySchema>;
export type TrendRow = Report['trends'][number];
export type SeriesRow = Report['series'][number];
export type SlabRow = Report['slabGrowth'][number];
export type MeminfoRow = Report['meminfo'][number];
export type KmemleakClusterRow = Report['kmemleakClusters'][number];
export type StackGrowthRow = Report['stackGrowth'][number];
export type LeakSiteRow = Report['leakSites'][number];
export type OomEventRow = Report['oomEvents'][number];
export type ArtefactRow = Report['artefacts'][number];
export type FragmentationAnalysisRow = NonNullable<Report['fragmentation']>['analyses'][number];
export type ZoneRow = FragmentationAnalysisRow['zones'][number];
export type ClassificationRow = NonNullable<Report['fragmentation']>['classifications'][number];
export type ComparisonRow = NonNullable<Report['comparison']>['items'][number];

/** A trace pairing site (it carries the pairing's fields, `flagged` and its survivor curve). */
export function isTraceSite(s: AllocationSiteEntry): s is TraceSiteEntry {
  return 'flagged' in s;
}
