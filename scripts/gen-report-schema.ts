/**
 * Writes schema/report.schema.json, the JSON Schema (draft 2020-12) of report.json, generated
 * from the zod ReportSchema so the two cannot drift (test/report/jsonSchema.test.ts checks the
 * committed file is current). Shipped in the package as `memforensics/report.schema.json`.
 *   npx tsx scripts/gen-report-schema.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportJsonSchema } from '../src/report/jsonSchema.js';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'report.schema.json');
writeFileSync(out, `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out}`);
