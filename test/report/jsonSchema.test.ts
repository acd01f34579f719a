import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { reportJsonSchema } from '../../src/report/jsonSchema.js';
import { ROOT, SAMPLES } from '../helpers/samples.js';

const committed = JSON.parse(readFileSync(path.join(ROOT, 'schema/report.schema.json'), 'utf8'));

describe('the report JSON Schema (schema/report.schema.json)', () => {
  it('is the one generated from ReportSchema (run npx tsx scripts/gen-report-schema.ts after a schema change)', () => {
    expect(committed).toEqual(reportJsonSchema());
  });

  it('accepts the report of every real capture and rejects a field no analysis writes', async () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(committed);
    for (const folder of ['D1_main', 'D3_userspace', 'D4_control', 'D5_fragmentation']) {
      const report = JSON.parse(JSON.stringify(await analyzePaths([path.join(SAMPLES, 'captures', folder)], { jobs: 1 })));
      expect(validate(report), `${folder}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      expect(validate({ ...report, timeline: [] })).toBe(false);
      expect(validate({ ...report, verdict: { ...report.verdict, kind: 'maybe' } })).toBe(false);
    }
  });
});
