import { expect } from 'vitest';
import fc from 'fast-check';
import { parseChunks, parseText, type ParserDefinition, type ParseResult } from '../../src/core/parser.js';
import { isInputError } from '../../src/core/errors.js';

/** Splits a text into pieces of pseudo-random sizes (1..maxSize chars), deterministic per seed. */
export function randomChunks(text: string, seed: number, maxSize = 97): string[] {
  const out: string[] = [];
  let x = seed >>> 0 || 1;
  let i = 0;
  while (i < text.length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const n = 1 + ((x >>> 0) % maxSize);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** The same text as UTF-8 bytes split at random byte offsets (splits multi-byte characters). */
export function randomByteChunks(text: string, seed: number, maxSize = 97): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  let x = seed >>> 0 || 7;
  let i = 0;
  while (i < bytes.length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const n = 1 + ((x >>> 0) % maxSize);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Asserts: whole string, random string chunks and random byte chunks give identical results. */
export function expectChunkingInvariant<R>(def: ParserDefinition<R, any>, text: string, options: object = {}): ParseResult<R> {
  const whole = parseText(def, text, options);
  for (const seed of [1, 2, 3]) {
    expect(parseChunks(def, randomChunks(text, seed), options)).toEqual(whole);
    expect(parseChunks(def, randomByteChunks(text, seed * 31), options)).toEqual(whole);
  }
  return whole;
}

/** Asserts the line-accounting invariant. */
export function expectLinesAccounted(result: ParseResult<unknown>): void {
  const s = result.stats;
  expect(s.linesParsed + s.linesSkipped + s.linesDiagnosed).toBe(s.linesRead);
  expect(Object.values(s.skippedByReason).reduce((a, b) => a + b, 0)).toBe(s.linesSkipped);
}

/** Diagnostics of severity error or data-loss (what real samples must not produce). */
export function seriousDiagnostics(result: ParseResult<unknown>) {
  return result.diagnostics.items.filter((d) => d.severity === 'error' || d.severity === 'data-loss');
}

/** Lines from other logs that end up interleaved with captures on a shared console. */
export const FOREIGN_LINES = [
  '[  804.478288] usb 1-1: new high-speed USB device number 2 using ehci-pci',
  'Nov 22 07:25:51 host systemd[1]: Started Session 3 of user root.',
  '\u001b[0m\u001b[1;32mroot@board\u001b[0m:~# cat /proc/meminfo',
  'I/ActivityManager( 1234): Start proc 4321:com.example/u0a12 for activity',
  '==1234== Memcheck, a memory error detector',
];

/**
 * Fuzz property: random text and mutated samples never throw anything but the typed input error,
 * never produce an internal-error diagnostic, and always account for every line.
 */
export function fuzzParser(def: ParserDefinition<any, any>, seeds: string[], runs = 150): void {
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.string({ maxLength: 40 }), fc.constantFrom('cut', 'flip', 'crlf', 'insert', 'dup', 'drop', 'foreign'))
    .map(([s, a, b, junk, op]) => {
      const i = s.length ? a % s.length : 0;
      const lines = s.split('\n');
      switch (op) {
        case 'cut':
          return s.slice(0, i);
        case 'flip':
          return s.slice(0, i) + String.fromCharCode((s.charCodeAt(i) ^ (1 + (b % 127))) & 0xffff) + s.slice(i + 1);
        case 'crlf':
          return s.replaceAll('\n', '\r\n');
        case 'insert':
          return s.slice(0, i) + junk + '\n' + s.slice(i);
        case 'foreign': {
          // Lines of another log interleaved every few lines (a shared serial console).
          return lines.map((l, k) => (k % (2 + (b % 5)) === 0 ? `${FOREIGN_LINES[k % FOREIGN_LINES.length]}\n${l}` : l)).join('\n');
        }
        case 'dup': {
          const k = lines.length ? b % lines.length : 0;
          lines.splice(k, 0, lines[k] ?? '');
          return lines.join('\n');
        }
        default: {
          const k = lines.length ? b % lines.length : 0;
          lines.splice(k, 1);
          return lines.join('\n');
        }
      }
    });
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), mutated), (input) => {
      let whole: ParseResult<unknown> | string;
      try {
        const r = parseText(def, input);
        expectLinesAccounted(r);
        expect(r.diagnostics.byCode['internal-error'] ?? 0).toBe(0);
        whole = r;
      } catch (e) {
        if (!isInputError(e)) throw e;
        whole = e.code;
      }
      // The same damaged input in random chunks gives the same result (or the same typed error).
      let chunked: ParseResult<unknown> | string;
      try {
        chunked = parseChunks(def, randomChunks(input, input.length + 1, 13));
      } catch (e) {
        if (!isInputError(e)) throw e;
        chunked = e.code;
      }
      expect(chunked).toEqual(whole);
    }),
    { numRuns: runs, seed: 42 },
  );
}
