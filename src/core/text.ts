/**
 * Small, linear-time text helpers shared by parsers. None uses a backtracking regular expression
 * on unbounded input: captures are untrusted and can hold megabyte-long lines.
 */

/** Splits on runs of spaces and tabs; never on fixed columns (7-digit counts collapse gaps). */
export function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isBlank(line.charCodeAt(i))) i++;
    out.push(line.slice(start, i));
  }
  return out;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/** Parses a non-negative decimal integer; null for anything else (including 500-digit numbers). */
export function parseUInt(s: string): number | null {
  if (s.length === 0 || s.length > 16) return null;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

/** Parses a decimal number (sign, fraction, exponent); null when not finite or absurdly long. */
export function parseNum(s: string): number | null {
  if (s.length === 0 || s.length > 40) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** Parses `1,234,567` (valgrind, LSan) or plain digits. */
export function parseGroupedInt(s: string): number | null {
  return parseUInt(s.includes(',') ? s.replaceAll(',', '') : s);
}

/** Parses hex with or without 0x; returns a normalised lowercase string without leading zeros. */
export function normHex(s: string): string | null {
  let t = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (t.length === 0 || t.length > 32) return null;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return null;
  }
  t = t.toLowerCase();
  let z = 0;
  while (z < t.length - 1 && t.charCodeAt(z) === 48) z++;
  return t.slice(z);
}

const UNIT_FACTORS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Parses a human size (`2GiB`, `512 MB`, `2048k`, `123456`) to bytes. /proc's `kB` means KiB,
 * so kB/MB/GB are read as binary units here, as the kernel and procps print them.
 * @example parseSize('2GiB') // 2147483648
 */
export function parseSize(text: string): number | null {
  const s = text.trim();
  let i = 0;
  while (i < s.length && ((s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) || s[i] === '.')) i++;
  const num = parseNum(s.slice(0, i));
  if (num === null) return null;
  const unit = s.slice(i).trim().toLowerCase();
  if (unit === '') return num;
  const f = UNIT_FACTORS[unit];
  return f === undefined ? null : num * f;
}

/** Case-sensitive "starts with after optional leading blanks". */
export function trimmedStartsWith(line: string, prefix: string): boolean {
  let i = 0;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return line.startsWith(prefix, i);
}
