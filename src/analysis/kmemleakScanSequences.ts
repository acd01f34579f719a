import { z } from 'zod';
import type { KmemleakObject } from '../parsers/kmemleak/index.js';
import { nameStem, naturalCompare, type KmemleakArtefact } from './kmemleakAcrossScans.js';

/**
 * Which kmemleak files of a folder are scans of one capture. A folder often holds unrelated
 * reports (excerpts from different machines, a dump pasted from a mail beside one of our own);
 * comparing them as one series would call an excerpt's objects "vanished" because another
 * machine's file sorts after it. Files are one capture when
 * - they list the same object (same address, size and allocation jiffies: the same boot), or
 * - their names differ only in their numbers (`kmemleak-1.txt`, `kmemleak-2.txt`,
 *   `scan_20261201-0900.txt`: numbered or timestamped) and the kernel printed them alike
 *   (pointer width, `(age ...)`, `backtrace (crc ...)`, frame address style: different kernels
 *   print differently, so a mismatch is another machine or another kernel).
 * Every other file is judged on its own.
 */

export const KmemleakSequenceLinkSchema = z.enum(['shared-objects', 'numbered-names']);

export const KmemleakScanSequenceSchema = z.object({
  /** The files of the sequence, in natural name order. */
  sources: z.array(z.string()),
  /** Why the files are one capture; empty for a file on its own. */
  linkedBy: z.array(KmemleakSequenceLinkSchema),
  /** Why a file that looks like a scan of another series is not one (printed by another kernel). */
  notes: z.array(z.string()),
});
export type KmemleakScanSequence = z.infer<typeof KmemleakScanSequenceSchema>;

export const KmemleakScanSequencesSchema = z.object({
  sequences: z.array(KmemleakScanSequenceSchema),
  /** Files whose names make them look like one series but whose kernels printed them differently. */
  notes: z.array(z.string()),
});
export type KmemleakScanSequences = z.infer<typeof KmemleakScanSequencesSchema>;

/** How the kernel printed a report; null where the file does not tell. */
export interface KmemleakPrintStyle {
  pointerBits: 32 | 64 | null;
  ages: boolean | null;
  crc: boolean | null;
  frameAddresses: 'raw' | 'hashed' | 'none' | null;
}

function majority<T>(votes: readonly T[]): T | null {
  const counts = new Map<T, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | null = null;
  let bestN = 0;
  for (const [v, n] of counts) {
    if (n > bestN) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

/**
 * The print style of a report's unreferenced objects.
 * @example printStyle(parseKmemleak(text).records) // { pointerBits: 64, ages: false, crc: true, frameAddresses: 'none' }
 */
export function printStyle(objects: readonly KmemleakObject[]): KmemleakPrintStyle {
  const objs = objects.filter((o) => o.kind === 'unreferenced' && !o.partial);
  if (objs.length === 0) return { pointerBits: null, ages: null, crc: null, frameAddresses: null };
  const frames = objs.flatMap((o) => o.backtrace.slice(0, 3));
  return {
    // `0x` plus more than 8 hex digits: a 64-bit kernel.
    pointerBits: majority(objs.map((o) => (o.address.length > 10 ? 64 : 32))),
    ages: majority(objs.map((o) => o.ageSeconds !== null)),
    crc: majority(objs.map((o) => o.crc !== null)),
    frameAddresses:
      frames.length === 0
        ? null
        : majority(frames.map((f) => (f.address === undefined ? 'none' : f.address.length === 18 && f.address.startsWith('0x00000000') ? 'hashed' : 'raw'))),
  };
}

/** The style dimensions in which two reports differ (both known and unequal). */
export function styleDifferences(a: KmemleakPrintStyle, b: KmemleakPrintStyle): string[] {
  const out: string[] = [];
  if (a.pointerBits !== null && b.pointerBits !== null && a.pointerBits !== b.pointerBits) out.push(`${a.pointerBits}- vs ${b.pointerBits}-bit addresses`);
  if (a.ages !== null && b.ages !== null && a.ages !== b.ages) out.push('object ages printed in one only');
  if (a.crc !== null && b.crc !== null && a.crc !== b.crc) out.push('backtrace crc printed in one only');
  if (a.frameAddresses !== null && b.frameAddresses !== null && a.frameAddresses !== b.frameAddresses) out.push(`${a.frameAddresses} vs ${b.frameAddresses} frame addresses`);
  return out;
}

/**
 * Splits the kmemleak files of a capture folder into scan sequences (see the file comment).
 * @example
 * kmemleakScanSequences([{ source: 'k/scan-1.txt', objects: a }, { source: 'k/scan-2.txt', objects: b }, { source: 'k/other-box.txt', objects: c }])
 *   .sequences.map((s) => s.sources) // [['k/other-box.txt'], ['k/scan-1.txt', 'k/scan-2.txt']]
 */
export function kmemleakScanSequences(artefacts: readonly KmemleakArtefact[]): KmemleakScanSequences {
  const n = artefacts.length;
  const parent = artefacts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const links = artefacts.map(() => new Set<z.infer<typeof KmemleakSequenceLinkSchema>>());
  const union = (i: number, j: number, why: z.infer<typeof KmemleakSequenceLinkSchema>): void => {
    links[i].add(why);
    links[j].add(why);
    const a = find(i);
    const b = find(j);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  };

  // One object listed by two files: the same boot of the same machine.
  const owner = new Map<string, number>();
  artefacts.forEach((a, i) => {
    for (const o of a.objects) {
      if (o.kind !== 'unreferenced' || o.jiffies === null) continue;
      const key = `${o.address}\u0000${o.size}\u0000${o.jiffies}`;
      const j = owner.get(key);
      if (j === undefined) owner.set(key, i);
      else if (j !== i) union(j, i, 'shared-objects');
    }
  });

  // Numbered or timestamped names of one stem, printed alike.
  const notes: string[] = [];
  const notesOf = artefacts.map((): string[] => []);
  const styles = artefacts.map((a) => printStyle(a.objects));
  const byStem = new Map<string, number[]>();
  artefacts.forEach((a, i) => {
    const stem = nameStem(a.source);
    if (stem !== null) byStem.set(stem, [...(byStem.get(stem) ?? []), i]);
  });
  for (const unordered of byStem.values()) {
    // In name order, so the result does not depend on the order the files were given in.
    const members = [...unordered].sort((x, y) => naturalCompare(artefacts[x].source, artefacts[y].source));
    for (let k = 1; k < members.length; k++) {
      const i = members[k];
      // Join the first earlier member printed alike (a stem may hold two machines' series).
      const match = members.slice(0, k).find((j) => styleDifferences(styles[j], styles[i]).length === 0);
      if (match !== undefined) union(match, i, 'numbered-names');
      else {
        const j = members[0];
        const note = `${artefacts[i].source} is named like ${artefacts[j].source} but was printed by another kernel (${styleDifferences(styles[j], styles[i]).join(', ')}): judged on its own, not as a scan of the same series`;
        notes.push(note);
        notesOf[i].push(note);
      }
    }
  }

  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) groups.set(find(i), [...(groups.get(find(i)) ?? []), i]);
  const sequences = [...groups.values()]
    .map((idx) => {
      const sources = idx.map((i) => artefacts[i].source).sort(naturalCompare);
      const why = new Set(idx.length > 1 ? idx.flatMap((i) => [...links[i]]) : []);
      return { sources, linkedBy: KmemleakSequenceLinkSchema.options.filter((l) => why.has(l)), notes: idx.flatMap((i) => notesOf[i]) };
    })
    .sort((a, b) => naturalCompare(a.sources[0], b.sources[0]));
  return { sequences, notes };
}
