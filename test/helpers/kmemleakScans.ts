import { sample } from './samples.js';

/**
 * Multi-scan kmemleak inputs with known truth, built from the real public excerpts: each object is
 * a verbatim block of a real report (comm line, hex dump, backtrace as the kernel printed them)
 * with only its address, allocation jiffies and age set for the scenario, the way
 * `cat /sys/kernel/debug/kmemleak` re-lists an object with the same address and jiffies and a
 * larger age at each scan. (kmemleak is not built into this machine's kernel, 6.18 without
 * CONFIG_DEBUG_KMEMLEAK, so no capture of our own could be made.)
 */

/** The objects of a real dump, one verbatim block each (header line through the last frame). */
export function realBlocks(rel: string): string[] {
  const lines = sample(rel).split('\n');
  const blocks: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('unreferenced object ')) blocks.push([l]);
    else if (blocks.length > 0 && l.trim().length > 0) blocks[blocks.length - 1].push(l);
  }
  return blocks.map((b) => b.join('\n'));
}

export const HZ = 250;
/** The kernel starts jiffies 300 s before wrapping (INITIAL_JIFFIES), as the real 32-bit-looking values show. */
const JIFFIES_AT_BOOT = 2 ** 32 - 300 * HZ;

export interface PlacedObject {
  /** Index of the real block it copies. */
  block: number;
  address: string;
  /** Seconds since boot of the allocation. */
  allocatedAt: number;
}

/**
 * One real block as object `o` listed by a scan at `scanAt` (seconds since boot): address, jiffies
 * and, where the kernel printed one, the age set; everything else verbatim.
 */
export function placeBlock(blocks: readonly string[], o: PlacedObject, scanAt: number): string {
  const jiffies = JIFFIES_AT_BOOT + Math.round(o.allocatedAt * HZ);
  return blocks[o.block]
    .replace(/^unreferenced object 0x[0-9a-f]+/, `unreferenced object ${o.address}`)
    .replace(/jiffies \d+/, `jiffies ${jiffies}`)
    .replace(/\(age [0-9.]+s\)/, `(age ${(scanAt - o.allocatedAt).toFixed(3)}s)`);
}

/** A dump as kmemleak prints it at `scanAt`: every listed object, oldest allocation first (object_list order). */
export function dump(blocks: readonly string[], objects: readonly PlacedObject[], scanAt: number): string {
  return `${[...objects]
    .sort((a, b) => a.allocatedAt - b.allocatedAt)
    .map((o) => placeBlock(blocks, o, scanAt))
    .join('\n')}\n`;
}

/** `n` objects copying `block`, at addresses from `base` (one slab object apart), allocated from `from` every `every` seconds. */
export function objects(block: number, n: number, base: bigint, stride: number, from: number, every: number): PlacedObject[] {
  return Array.from({ length: n }, (_, i) => ({
    block,
    address: `0x${(base + BigInt(i * stride)).toString(16)}`,
    allocatedAt: from + i * every,
  }));
}
