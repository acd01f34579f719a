import { describe, expect, it } from 'vitest';
import { parsePaths } from '../../src/node/analyzePaths.js';
import { analyze } from '../../src/pipeline/analyze.js';
import { SAMPLES } from '../helpers/samples.js';
import path from 'node:path';

describe('parsing a folder in worker threads', () => {
  it('gives the same artefacts and report as the serial run', async () => {
    const folder = path.join(SAMPLES, 'captures', 'D3_userspace');
    const folder2 = path.join(SAMPLES, 'public');
    const serial = await parsePaths([folder, folder2], { jobs: 1 });
    const parallel = await parsePaths([folder, folder2], { jobs: 2 });
    expect(parallel.map((a) => a.path)).toEqual(serial.map((a) => a.path));
    expect(parallel).toEqual(serial);
    expect(analyze(parallel)).toEqual(analyze(serial));
  });
});
