import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLES = path.join(ROOT, 'samples');
/** ../shared/real beside the checkout: present on developer machines and in CI. */
export const SHARED_REAL = path.resolve(ROOT, '../shared/real');
export const hasSharedReal = existsSync(SHARED_REAL);

/** Reads a sample (relative to samples/), gunzipping .gz. */
export function sample(rel: string): string {
  const p = path.join(SAMPLES, rel);
  const buf = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}
