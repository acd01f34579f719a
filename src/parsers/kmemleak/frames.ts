import type { StackFrame } from '../../core/models.js';

/**
 * Frame-text helpers shared by the kmemleak, bcc memleak and bpftrace parsers. Linear scans
 * only (no regular expressions on untrusted text).
 */

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True for `0x1c`, `0x1c/0x40`, `391` (bpftrace's decimal offsets): what may follow `+`. */
export function isOffsetText(s: string): boolean {
  if (s.length === 0 || s.length > 40) return false;
  const parts = s.split('/');
  if (parts.length > 2) return false;
  for (const p of parts) {
    if (p.startsWith('0x') || p.startsWith('0X')) {
      if (p.length < 3) return false;
      for (let i = 2; i < p.length; i++) if (!isHexDigit(p.charCodeAt(i))) return false;
    } else {
      if (p.length === 0) return false;
      for (let i = 0; i < p.length; i++) if (!isDigit(p.charCodeAt(i))) return false;
    }
  }
  return true;
}

/** True for a bare hex number with or without `0x` (an address column). */
export function isHexAddress(s: string, minDigits = 4): boolean {
  const t = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (t.length < minDigits || t.length > 20) return false;
  for (let i = 0; i < t.length; i++) if (!isHexDigit(t.charCodeAt(i))) return false;
  return true;
}

/**
 * Splits `func+0x1c/0x40` / `main+185` / `func` into symbol and offset.
 * @example splitSymbolOffset('kmalloc_trace+0x2a/0xa0') // { symbol: 'kmalloc_trace', offset: '+0x2a/0xa0' }
 */
export function splitSymbolOffset(text: string): Pick<StackFrame, 'symbol' | 'offset'> {
  const plus = text.lastIndexOf('+');
  if (plus > 0 && isOffsetText(text.slice(plus + 1))) return { symbol: text.slice(0, plus), offset: text.slice(plus) };
  return { symbol: text };
}

/** True when every hex digit of the address is f: the old kernels' stack terminator frame. */
export function isTerminatorAddress(s: string): boolean {
  const t = s.startsWith('0x') ? s.slice(2) : s;
  if (t.length < 8) return false;
  for (let i = 0; i < t.length; i++) if (t[i] !== 'f' && t[i] !== 'F') return false;
  return true;
}
