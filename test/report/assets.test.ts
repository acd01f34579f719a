import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, generateAssets } from '../../scripts/gen-assets.mjs';
import { REPORT_SCRIPT, REPORT_SCRIPT_SHA256, REPORT_STYLE, REPORT_STYLE_SHA256, UPLOT_VERSION } from '../../src/report/html/assets.generated.js';
import { ROOT } from '../helpers/samples.js';

describe('inlined HTML assets (src/report/html/assets.generated.ts)', () => {
  it('is up to date with node_modules/uplot and src/report/html/{client.js,report.css}: run `node scripts/gen-assets.mjs`', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generateAssets());
  });
  it('inlines the uPlot version the lockfile installs', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/node_modules/uplot/package.json`, 'utf8'));
    expect(UPLOT_VERSION).toBe(pkg.version);
    expect(REPORT_SCRIPT.startsWith(`/*! https://github.com/leeoniya/uPlot (v${pkg.version}) */`)).toBe(true);
  });
  it('hashes match the content, and nothing in it can close its element', () => {
    const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');
    expect(REPORT_SCRIPT_SHA256).toBe(sha(REPORT_SCRIPT));
    expect(REPORT_STYLE_SHA256).toBe(sha(REPORT_STYLE));
    expect(REPORT_SCRIPT.toLowerCase()).not.toContain('</script');
    expect(REPORT_STYLE.toLowerCase()).not.toContain('</style');
  });
});
