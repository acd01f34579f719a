import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AllocationPairer } from '../../src/analysis/pairing/index.js';
import type { TraceEvent, TraceEventKind } from '../../src/parsers/tracecmd/index.js';
import { LiveMap, PointerSet } from '../../src/analysis/pairing/pointerSet.js';

/**
 * Piece mode against the serial pairer on random event sequences over a few pointers: whatever
 * the cuts, pairing each piece apart and merging in order gives the serial result (inferred
 * frees over pointers live from an earlier piece, frees of them, double frees, re-allocations).
 */
const KINDS: TraceEventKind[] = ['kmalloc', 'kfree', 'kmem_cache_alloc', 'kmem_cache_free', 'mm_page_alloc', 'mm_page_free'];
const POINTERS = ['ffff888100000040', 'ffff888100000080', '40', '1f', 'ffffffffffffffff', 'g12', '0'];

function event(i: number, kind: TraceEventKind, p: number, comm: number): TraceEvent {
  const page = kind.startsWith('mm_page');
  return {
    type: 'event', ts: i * 0.001, cpu: 0, comm: ['a', 'b'][comm], pid: comm + 1, tgid: undefined, event: kind,
    callSite: `site${p % 3}+0x1`, ptr: page ? undefined : POINTERS[p], bytesReq: 8, bytesAlloc: 8 << (p % 3), gfpFlags: undefined,
    node: undefined, accounted: undefined, cacheName: kind.startsWith('kmem_cache') ? 'c' : undefined, page: undefined,
    pfn: page ? [1, 2, 4096, 2 ** 40][p % 4] : undefined, order: page ? 0 : undefined, migratetype: undefined, failed: undefined,
    rssType: undefined, rssSize: undefined, mmId: undefined, stackId: undefined, userStackId: undefined, line: i + 1,
  };
}

describe('AllocationPairer piece mode', () => {
  it('merges pieces cut anywhere to exactly the serial result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom(...KINDS), p: fc.nat(POINTERS.length - 1), comm: fc.nat(1) }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.nat(80), { maxLength: 6 }),
        (specs, cutsRaw) => {
          const events = specs.map((s, i) => event(i, s.kind, s.p, s.comm));
          const serial = new AllocationPairer({ source: 't', youngAgeSeconds: 0 });
          for (const e of events) serial.addEvent(e);
          const cuts = [...new Set([0, ...cutsRaw.map((c) => c % events.length), events.length])].sort((a, b) => a - b);
          const merged = new AllocationPairer({ source: 't', youngAgeSeconds: 0 });
          for (let k = 0; k + 1 < cuts.length; k++) {
            const piece = new AllocationPairer({ source: 't', youngAgeSeconds: 0 });
            piece.startPiece();
            // lines stay global here: the merge shifts by 0
            for (const e of events.slice(cuts[k], cuts[k + 1])) piece.addEvent(e);
            merged.mergePiece(structuredClone(piece.exportPiece()), 0);
          }
          expect(merged.finish()).toEqual(serial.finish());
        },
      ),
      { numRuns: 400, seed: 5 },
    );
  });
});

describe('PointerSet', () => {
  it('holds hex keys as numbers and any other key as a string, and gives back what was added', () => {
    const s = new PointerSet(4);
    const keys = ['0', '1', 'f', 'ffff888100000040', 'ffffffffffffffff', '100000000', '10000000000000000', '0ff', 'g12', 'ABC', '12345678', '123456789'];
    for (const k of keys) s.add(k);
    for (const k of keys) s.add(k);
    expect(s.size).toBe(keys.length);
    for (const k of keys) expect(s.has(k)).toBe(true);
    for (const k of ['2', 'ff', 'ffff888100000041', '00', 'g13', '1000000000']) expect(s.has(k)).toBe(false);
    expect([...s.keys()].sort()).toEqual([...keys].sort());
    const copy = PointerSet.from(structuredClone(s.export()));
    expect([...copy.keys()].sort()).toEqual([...keys].sort());
    expect(copy.has('ffff888100000040')).toBe(true);
  });
});

describe('LiveMap', () => {
  it('behaves as a Map (values, sizes, insertion order) under random sets and deletes', () => {
    const keys = ['0', '1', 'ffff888100000040', 'ffff888100000041', 'ffffffffffffffff', '100000000', 'g12', 'g13', '0ff', '', 'x'];
    fc.assert(
      fc.property(fc.array(fc.record({ op: fc.constantFrom('set', 'set', 'delete', 'get', 'has'), k: fc.nat(keys.length - 1), v: fc.nat(99) }), { maxLength: 300 }), (ops) => {
        const real = new Map<string, number>();
        const ours = new LiveMap<number>();
        for (const { op, k, v } of ops) {
          const key = keys[k];
          if (op === 'set') {
            real.set(key, v);
            ours.set(key, v);
          } else if (op === 'delete') expect(ours.delete(key)).toBe(real.delete(key));
          else if (op === 'get') expect(ours.get(key)).toBe(real.get(key));
          else expect(ours.has(key)).toBe(real.has(key));
          expect(ours.size).toBe(real.size);
        }
        expect([...ours]).toEqual([...real]);
        expect([...ours.keys()]).toEqual([...real.keys()]);
        expect([...ours.values()]).toEqual([...real.values()]);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('keeps order and content through growth and compaction (100,000 pointers coming and going)', () => {
    const real = new Map<string, number>();
    const ours = new LiveMap<number>();
    for (let i = 0; i < 100_000; i++) {
      const key = (0xffff888100000000n + BigInt((i * 7919) % 50_000) * 64n).toString(16);
      if (real.has(key) && i % 3 !== 0) {
        real.delete(key);
        ours.delete(key);
      } else {
        real.set(key, i);
        ours.set(key, i);
      }
    }
    expect(ours.size).toBe(real.size);
    expect([...ours]).toEqual([...real]);
    // most of them freed: the entries are compacted, the survivors keep their order
    let n = 0;
    for (const key of [...real.keys()]) {
      if (n++ % 50 === 0) continue;
      real.delete(key);
      ours.delete(key);
    }
    for (const key of ['g1', '1', 'ffff888100000000']) {
      real.set(key, -1);
      ours.set(key, -1);
    }
    expect(ours.size).toBe(real.size);
    expect([...ours]).toEqual([...real]);
    for (const key of real.keys()) expect(ours.get(key)).toBe(real.get(key));
  });
});
