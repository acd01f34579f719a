import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { ReportSchema } from '../../src/report/schema.js';
import { SAMPLES } from '../helpers/samples.js';

describe('files that are no capture are counted by kind, not listed one by one', () => {
  it('25 logs and 3 binaries beside a real rss capture: one summary line for the logs, rows for the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-unplaced-'));
    copyFileSync(path.join(SAMPLES, 'captures/D4_leak/rss.txt'), path.join(dir, 'rss.txt'));
    for (let i = 0; i < 25; i++) writeFileSync(path.join(dir, `step${String(i).padStart(2, '0')}.log`), `step ${i} done\n`);
    for (let i = 0; i < 3; i++) writeFileSync(path.join(dir, `core${i}.bin`), Buffer.from([0, 1, 2, 3]));
    const report = await analyzePaths([dir]);
    expect(ReportSchema.parse(report)).toEqual(report);
    expect(report.unplaced).toEqual([{ code: 'UNRECOGNIZED_FORMAT', kind: '.log', count: 25, bytes: report.unplaced![0]!.bytes, examples: ['step00.log', 'step01.log', 'step02.log'].map((f) => path.join(dir, f)) }]);
    expect(report.artefacts.map((a) => [path.basename(a.path), a.format ?? a.error?.code])).toEqual([
      ['core0.bin', 'BINARY_INPUT'],
      ['core1.bin', 'BINARY_INPUT'],
      ['core2.bin', 'BINARY_INPUT'],
      ['rss.txt', 'rss'],
    ]);
    expect(report.verdict.summary).toContain('rss grows steadily');
    expect(renderMarkdown(report)).toContain('- 25 .log files (`UNRECOGNIZED_FORMAT`)');
  });
});
