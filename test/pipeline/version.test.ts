import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../src/index.js';
import { emptyReport } from '../fixtures/reports/common.js';

const packageVersion: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

describe('tool version', () => {
  it('is the version of package.json, in the API and in every report', () => {
    expect(packageVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(TOOL_VERSION).toBe(packageVersion);
    expect(emptyReport().tool).toEqual({ name: 'memforensics', version: packageVersion });
  });
});
