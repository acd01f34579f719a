import { z } from 'zod';
import { ReportSchema, SCHEMA_VERSION } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of a report, generated from ReportSchema: for validators and
 * query engines that do not read zod (DuckDB, jq, other languages).
 * @example
 * JSON.stringify(reportJsonSchema()) // what schema/report.schema.json holds
 */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    $id: `urn:memforensics:report:v${SCHEMA_VERSION}`,
    title: 'memforensics report',
    description: 'The JSON report of `memforensics analyze --json` (schemaVersion ' + SCHEMA_VERSION + '); with `--each --json`, each NDJSON line is {"run": name, "report": <this>}.',
    ...z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'output' }),
  };
}
