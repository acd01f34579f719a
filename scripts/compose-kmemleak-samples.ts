/**
 * Writes samples/composed/kmemleak/: multi-scan kmemleak captures with known truth, composed from
 * the real object records of samples/public/kmemleak (this machine's kernel has no kmemleak).
 * Each object is a verbatim block of a real report; only its address, allocation jiffies and age
 * are set for the scenario (test/helpers/kmemleakScans.ts, the same code the unit tests use).
 * The truth of every scenario is in samples/composed/kmemleak/README.md and test/ground-truth/kmemleak-scans.groundtruth.json.
 *
 *   npx tsx scripts/compose-kmemleak-samples.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dump, objects, realBlocks, type PlacedObject } from '../test/helpers/kmemleakScans.js';
import { SAMPLES } from '../test/helpers/samples.js';

const OUT = path.join(SAMPLES, 'composed/kmemleak');
const write = (rel: string, text: string): void => {
  const p = path.join(OUT, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
};

// A. Seed 002's workflow on x86_64 6.3 (ages printed): `echo scan > kmemleak; cat kmemleak >> kmemleak.log`
// after each stress run, 600 s apart, no separator between the dumps.
{
  const X63 = realBlocks('public/kmemleak/x86_64-6.3-hashed-age-tracing.txt');
  const scansAt = [900, 1500, 2100, 2700];
  const leak: PlacedObject[] = [
    ...objects(0, 3, 0xffff88810d8ec700n, 0x100, 300, 100),
    ...objects(0, 4, 0xffff88810d8f0000n, 0x100, 1000, 75),
    ...objects(0, 5, 0xffff88810d9a0000n, 0x100, 1600, 80),
    ...objects(0, 6, 0xffff88810da10000n, 0x100, 2200, 75),
  ];
  const inFlight = objects(1, 2, 0xffff888170c35a00n, 0x20, 850, 10);
  const listedAt = (t: number) => [...leak.filter((o) => o.allocatedAt < t), ...(t < 2000 ? inFlight : [])];
  write('appended-log/kmemleak.log', scansAt.map((t) => dump(X63, listedAt(t), t)).join(''));
}

// B. arm64 6.17 (no ages, backtrace crc, no frame addresses): one file per hourly scan, each starting
// with the `date -u` line of the capture loop. The four real objects stay listed; 2, 3, 3 more leak.
{
  const A617 = realBlocks('public/kmemleak/arm64-6.17-crc-nobracket-bpf.txt');
  const real = `${A617.join('\n')}\n`;
  const more: PlacedObject[] = [
    ...objects(0, 2, 0xffff0000c9100000n, 0x40, 1800, 600),
    ...objects(1, 3, 0xffff0000c9200000n, 0x40, 5400, 600),
    ...objects(2, 3, 0xffff0000c9300000n, 0x40, 9000, 600),
  ];
  const hours = ['10', '11', '12', '13'];
  hours.forEach((h, k) => {
    const scanAt = k * 3600;
    const listed = more.filter((o) => o.allocatedAt < scanAt);
    write(`scan-files-timestamped/kmemleak-${k + 1}.txt`, `Tue Dec  1 ${h}:00:00 UTC 2026\n${real}${listed.length > 0 ? dump(A617, listed, scanAt) : ''}`);
  });
}

// C. x86_64 3.x (ages, raw addresses, 3-space indentation): hourly scans kept as kmemleak-9.txt,
// kmemleak-10.txt, kmemleak-11.txt (the 9th to 11th hour), no timestamp lines: the ages give the times.
{
  const X3 = realBlocks('public/kmemleak/x86_64-3.x-abrt-i915-raw-addrs.txt');
  const leak: PlacedObject[] = [
    ...objects(0, 1, 0xffff880211e2aec0n, 0x220, 1000, 0),
    ...objects(0, 2, 0xffff880211e40000n, 0x220, 9.5 * 3600, 600),
    ...objects(0, 3, 0xffff880211e60000n, 0x220, 10.5 * 3600, 300),
  ];
  for (const hour of [9, 10, 11]) {
    const t = hour * 3600;
    write(`scan-files-numbered/kmemleak-${hour}.txt`, dump(X3, leak.filter((o) => o.allocatedAt < t), t));
  }
}
