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

/** The public trace-cmd / ftrace excerpts in samples/ (kernels 3.x to 6.12, x86, ARM). */
export const PUBLIC_TRACE_SAMPLES = [
  'public/tracecmd/android-4.14-mm_page_alloc-nr_free-vendor.txt',
  'public/tracecmd/elinux-ftrace-kmem-i386-boot-nop.txt',
  'public/tracecmd/rpi3-arm32-tracecmd-report-kmalloc-cpu0.txt',
  'public/tracecmd/tpoint-kmalloc_node-stacktrace-x86_64-3.x.txt',
  'public/tracecmd/x86_64-5.4-kmem-pS-callsite-no-comm.txt',
  'public/tracecmd/x86_64-6.12-kmem-tpprintk-name-accounted.txt',
];

/** The real D1 trace-cmd captures in samples/ (Linux 6.18, with their ground truth). */
export const TRACE_CAPTURES = {
  d1p: 'captures/D1_main/d1p.report.txt.gz',
  d1: 'captures/D1_mixed_noise/d1.report.txt.gz',
  d1pg: 'captures/D1_pages_timerfd/d1pg.report.txt.gz',
} as const;
