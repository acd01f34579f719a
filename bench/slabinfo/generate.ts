/**
 * Generates a 16-hour, 1 Hz /proc/slabinfo series (57,600 snapshots by default, about 1.4 GB):
 * the 235 caches of the real D2 capture (SLUB, 6.x) as the template, each snapshot preceded by an
 * `epoch=` line and followed by `===` (the D2 capture loop's layout), with
 * - one steady leak: `kmalloc-256`, `filp`, `lsm_file_cache` and `dentry` +1 object every 2 s;
 * - a sawtooth that is not a leak: `kmalloc-64` +30 objects/s for 60 s, freed, every 300 s;
 * - small random jitter on every active cache.
 *
 *   npx tsx bench/slabinfo/generate.ts [OUT_PATH] [SNAPSHOTS] [SEED]
 *
 * Ground truth is printed on stderr as JSON. Deterministic for a seed; memory: one snapshot.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { xorshift } from '../xorshift.js';

const [, , outPath = '/tmp/slabinfo-16h.txt', countArg = '57600', seedArg = '1'] = process.argv;
const count = Number(countArg);
const rand = xorshift(Number(seedArg));

const here = path.dirname(fileURLToPath(import.meta.url));
const d2 = gunzipSync(readFileSync(path.join(here, '../../samples/captures/D2_slab_meminfo/slabinfo.txt.gz'))).toString('utf8');
const firstSnapshot = d2.slice(0, d2.indexOf('\n===\n'));
const lines = firstSnapshot.split('\n');
const header = lines.slice(0, 2).join('\n');
interface Cache { name: string; active: number; num: number; objsize: number; perSlab: number; pages: number }
const caches: Cache[] = lines.slice(2).map((l) => {
  const f = l.trim().split(/\s+/);
  return { name: f[0], active: Number(f[1]), num: Number(f[2]), objsize: Number(f[3]), perSlab: Number(f[4]), pages: Number(f[5]) };
});
const LEAKERS = new Set(['kmalloc-256', 'filp', 'lsm_file_cache', 'dentry']);
const pad = (s: string | number, n: number): string => String(s).padStart(n);
const t0 = 1795332545;
const fd = openSync(outPath, 'w');
let buf = '';
let bytes = 0;
const flush = (): void => {
  bytes += Buffer.byteLength(buf);
  writeSync(fd, buf);
  buf = '';
};
for (let k = 0; k < count; k++) {
  buf += `epoch=${t0 + k}.${String(Math.floor(rand() * 1e9)).padStart(9, '0')}\n${header}\n`;
  const burst = k % 300 < 60 ? (k % 300) * 30 : 0;
  for (const c of caches) {
    let active = c.active;
    if (LEAKERS.has(c.name)) active += Math.floor(k / 2);
    if (c.name === 'kmalloc-64') active += burst;
    if (active > 0 && !LEAKERS.has(c.name)) active += Math.floor(rand() * 3) - 1;
    active = Math.max(0, active);
    const per = Math.max(1, c.perSlab);
    const slabs = Math.ceil(Math.max(active, c.num) / per);
    const num = Math.max(c.num, slabs * per);
    buf +=
      `${c.name.padEnd(17)} ${pad(active, 6)} ${pad(num, 6)} ${pad(c.objsize, 6)} ${pad(c.perSlab, 4)} ${pad(c.pages, 4)}` +
      ` : tunables    0    0    0 : slabdata ${pad(slabs, 6)} ${pad(slabs, 6)}      0\n`;
  }
  buf += '===\n';
  if (buf.length > 1 << 20) flush();
}
flush();
closeSync(fd);
process.stderr.write(
  `${JSON.stringify({ path: outPath, snapshots: count, bytes, leakers: [...LEAKERS], leakObjectsPerHour: 1800, sawtooth: 'kmalloc-64' })}\n`,
);
