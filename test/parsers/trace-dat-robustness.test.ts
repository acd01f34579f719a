import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { xorshift } from '../../bench/xorshift.js';
import { DIAGNOSTIC_CODES } from '../../src/core/diagnostic-codes.js';
import { isInputError } from '../../src/core/errors.js';
import { type ByteSource, bytesSource, parseTraceDat, parseTraceDatAsync, parseTraceDatSource } from '../../src/parsers/trace-dat/index.js';
import { decompressBlock } from '../../src/parsers/trace-dat/header.js';
import { MAX_CHUNK_BYTES } from '../../src/parsers/trace-dat/reader.js';

/**
 * The trace.dat byte reader on damaged real files: cut at every place it reads, bytes flipped,
 * sizes and offsets that point outside the file, chunks that claim to expand past the limits.
 * Whatever the damage: a typed CORRUPT_INPUT error or a result, never another exception; no read
 * bigger than the bound; and a data-loss diagnostic that says what was lost.
 */

const DIR = 'samples/captures/T1_tracedat';
const V7 = new Uint8Array(readFileSync(`${DIR}/v7-zstd-stacks.dat`));
const V6 = new Uint8Array(gunzipSync(readFileSync(`${DIR}/v6-pages.dat.gz`)));
const DATA_LOSS = new Set(Object.entries(DIAGNOSTIC_CODES).filter(([, v]) => v.severity === 'data-loss').map(([k]) => k));

/** A source that remembers where the reader read and the largest read it asked for. */
function recording(bytes: Uint8Array): ByteSource & { offsets: Set<number>; maxRead: number } {
  const inner = bytesSource(bytes);
  const out = {
    size: inner.size,
    offsets: new Set<number>(),
    maxRead: 0,
    read(offset: number, length: number) {
      out.offsets.add(offset);
      out.maxRead = Math.max(out.maxRead, Math.min(length, bytes.length - offset));
      return inner.read(offset, length);
    },
  };
  return out;
}

type Outcome = { error: string } | { records: number; dataLoss: number; codes: Record<string, number>; maxRead: number };

async function outcome(bytes: Uint8Array): Promise<Outcome> {
  const source = recording(bytes);
  try {
    const r = await parseTraceDatSource(source);
    const dataLoss = Object.entries(r.diagnostics.byCode).reduce((n, [code, c]) => n + (DATA_LOSS.has(code) ? c : 0), 0);
    return { records: r.records.length, dataLoss, codes: r.diagnostics.byCode, maxRead: source.maxRead };
  } catch (e) {
    // the only exception allowed: the typed input error
    if (isInputError(e)) return { error: e.code };
    throw e;
  }
}

const le64 = (u: Uint8Array, at: number, v: number) => new DataView(u.buffer, u.byteOffset).setBigUint64(at, BigInt(v), true);
const le32 = (u: Uint8Array, at: number, v: number) => new DataView(u.buffer, u.byteOffset).setUint32(at, v, true);

describe('trace-dat reader on damaged real files', () => {
  for (const [name, bytes] of [
    ['v7 zstd', V7],
    ['v6', V6],
  ] as const) {
    it(`${name}: cut at every offset the reader reads (sections, options, CPU data, chunk headers): a typed error, or the pages before the cut with a data-loss diagnostic`, async () => {
      const full = recording(bytes);
      const whole = await parseTraceDatSource(full);
      const cuts = [...full.offsets].filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b);
      // both sides of each boundary, and inside the part that starts there
      // and inside each CPU's data: mid-way and a little before its end (a recorder killed while writing)
      const inData = whole.header.cpus.filter((c) => c.size > 0).flatMap((c) => [c.offset + Math.floor(c.size / 2), c.offset + c.size - 100]);
      const at = [...new Set([...cuts.flatMap((o) => [o, o + 1, o + 9]), ...inData])].filter((o) => o < bytes.length);
      expect(at.length).toBeGreaterThan(name === 'v6' ? 6 : 30);
      let errors = 0;
      let kept = 0;
      for (const cut of at) {
        const o = await outcome(bytes.subarray(0, cut));
        if ('error' in o) {
          expect(o.error).toBe('CORRUPT_INPUT');
          errors++;
          continue;
        }
        kept++;
        expect(o.records).toBeLessThan(whole.records.length);
        expect(o.dataLoss, `cut at ${cut}: ${JSON.stringify(o.codes)}`).toBeGreaterThan(0);
      }
      // cuts in the metadata are errors; in a v6 file cuts in the CPU data keep what came before,
      // a v7 file lists where its CPU data is in an options section after it: cut, it is an error
      expect(errors).toBeGreaterThan(0);
      if (name === 'v6') expect(kept).toBeGreaterThan(0);
    }, 120_000);
  }

  it('v7: random byte flips anywhere: never an untyped exception, never a read past the bound', async () => {
    const rand = xorshift(17);
    const dataStart = 1_024_000; // CPU 0's data offset in this file
    for (let round = 0; round < 24; round++) {
      const bytes = V7.slice();
      const inData = round % 2 === 0;
      for (let k = 0; k < 1 + (round % 8); k++) {
        const at = inData ? dataStart + Math.floor(rand() * (bytes.length - dataStart)) : Math.floor(rand() * dataStart);
        bytes[at] ^= 1 + Math.floor(rand() * 255);
      }
      const o = await outcome(bytes);
      if ('error' in o) expect(o.error).toBe('CORRUPT_INPUT');
      else expect(o.maxRead).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    }
  }, 120_000);

  it('v7: a chunk declaring 4 GiB of output is skipped with trace-dat-bad-chunk; the other CPU is read whole', async () => {
    const { header, records } = await parseTraceDat(V7);
    const bytes = V7.slice();
    const first = header.cpus[0].offset; // u32 chunk count, then per chunk: u32 compressed, u32 uncompressed size
    le32(bytes, first + 8, 0xfffffff0);
    const o = await outcome(bytes);
    expect('error' in o).toBe(false);
    if ('error' in o) return;
    expect(o.codes['trace-dat-bad-chunk']).toBe(1);
    expect(o.records).toBeGreaterThan(0);
    expect(o.records).toBeLessThan(records.length);
    expect(o.maxRead).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
  });

  it('v7: a chunk size and a chunk count pointing past the end of the file give data-loss diagnostics, not reads outside it', async () => {
    const { header } = await parseTraceDat(V7);
    const huge = V7.slice();
    le32(huge, header.cpus[1].offset + 4, 0x7ffffff0);
    const a = await outcome(huge);
    expect('error' in a ? a : a.codes['trace-dat-bad-chunk'] ?? a.codes['trace-dat-truncated']).toBeGreaterThan(0);
    const many = V7.slice();
    le32(many, header.cpus[1].offset, 0xffffffff);
    const b = await outcome(many);
    expect('error' in b).toBe(false);
    if (!('error' in b)) expect(b.dataLoss).toBeGreaterThan(0);
  });

  it('v6: a CPU data size past the end of the file gives trace-dat-truncated with every event kept; an offset past it, a typed error', async () => {
    const { header, records } = await parseTraceDat(V6);
    // the flyrecord CPU list is the last thing before the data: find CPU 1's (offset, size) pair
    // (CPU 0 recorded nothing in this file)
    const bytes = V6.slice();
    const view = new DataView(bytes.buffer);
    let pair = -1;
    for (let p = header.cpus[0].offset - 16; p > 0; p--) {
      if (Number(view.getBigUint64(p, true)) === header.cpus[1].offset && Number(view.getBigUint64(p + 8, true)) === header.cpus[1].size) {
        pair = p;
        break;
      }
    }
    expect(pair).toBeGreaterThan(0);
    le64(bytes, pair + 8, 2 ** 50);
    const longer = await outcome(bytes);
    expect(longer).toMatchObject({ records: records.length, codes: { 'trace-dat-truncated': 1 } });
    le64(bytes, pair, 2 ** 50);
    expect(await outcome(bytes)).toEqual({ error: 'CORRUPT_INPUT' });
  });

  it('a compressed block past the decompression limits is a typed error before anything is allocated', () => {
    let err: unknown;
    try {
      decompressBlock('zstd', new Uint8Array(1000), 2 ** 31);
    } catch (e) {
      err = e;
    }
    expect(isInputError(err) && err.message).toMatch(/expanded/);
    expect(() => decompressBlock('zstd', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 100)).toThrowError(/trace\.dat/);
  });

  it('the stream front end gives the same records whatever the chunk sizes', async () => {
    const whole = await parseTraceDat(V7);
    for (const size of [1, 7, 4096, 65_537]) {
      const chunks = function* () {
        for (let at = 0; at < V7.length; at += size) yield V7.subarray(at, at + size);
      };
      const r = await parseTraceDatAsync(chunks());
      expect(r.records.length).toBe(whole.records.length);
      expect(r.stats.counters).toEqual(whole.stats.counters);
    }
  }, 60_000);

  it('lost and unread events in the CPU stats become diagnostics a user reads', async () => {
    const bytes = V6.slice();
    const text = Buffer.from(bytes.buffer);
    const first = text.indexOf('overrun: 0');
    bytes.set(Buffer.from('overrun: 7'), first); // CPU 0's overrun
    const entries = text.indexOf('entries: 0');
    bytes.set(Buffer.from('entries: 9'), entries);
    const r = await parseTraceDat(bytes);
    expect(r.header.cpuStatCounts[0]).toMatchObject({ cpu: 0, overrun: 7, entries: 9 });
    expect(r.diagnostics.byCode['trace-lost-events']).toBe(1);
    expect(r.diagnostics.byCode['trace-dat-unread-events']).toBe(1);
    const messages = r.diagnostics.items.map((d) => d.message);
    expect(messages.some((m) => m.startsWith('CPU 0 lost 7 events'))).toBe(true);
  });
});
