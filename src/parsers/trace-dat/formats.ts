/**
 * The text parts of a trace.dat: event format files (field offsets, sizes, signedness, dynamic
 * strings), the `__print_flags` tables of their print formats (gfp_flags names), kallsyms and the
 * pid -> comm map. Every kernel describes its own layouts in these files, so nothing about an
 * event's layout is assumed.
 */

export interface EventField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** `__data_loc` (offset from the record start) or `__rel_loc` (from the end of the field): a u32 of length << 16 | offset. */
  readonly dynamic: 'data_loc' | 'rel_loc' | null;
  /** An array field (`unsigned long caller[8]`): its element count as declared (0: `[]`). */
  readonly arrayLength: number | null;
}

export interface FlagName {
  readonly value: number;
  readonly name: string;
}

export interface EventFormat {
  readonly system: string;
  readonly name: string;
  readonly id: number;
  readonly fields: ReadonlyMap<string, EventField>;
  /** The `__print_flags` table of gfp_flags in the print format (in declaration order), when there is one. */
  readonly gfpFlagNames: readonly FlagName[] | null;
  /** The `print fmt:` text ('' when there is none). */
  readonly printFmt: string;
}

/**
 * Parses one `events/<system>/<event>/format` file. Returns null when it has no name or ID.
 * @example
 * parseEventFormat('kmem', 'name: kfree\nID: 7\nformat:\n\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n')!.fields.get('ptr')!.offset // 16
 */
export function parseEventFormat(system: string, text: string): EventFormat | null {
  let name = '';
  let id = -1;
  const fields = new Map<string, EventField>();
  let printFmt = '';
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    const line = text.slice(from, nl);
    from = nl + 1;
    const t = line.trim();
    if (t.startsWith('name:')) name = t.slice(5).trim();
    else if (t.startsWith('ID:')) id = Number.parseInt(t.slice(3).trim(), 10);
    else if (t.startsWith('field:')) {
      const f = parseFieldLine(t);
      if (f) fields.set(f.name, f);
    } else if (t.startsWith('print fmt:')) printFmt = text.slice(from - line.length - 1 + line.indexOf('print fmt:') + 10);
  }
  if (!name || !Number.isInteger(id) || id < 0) return null;
  return { system, name, id, fields, gfpFlagNames: printFmt ? gfpFlagTable(printFmt) : null, printFmt };
}

/** `field:unsigned long caller[8];	offset:16;	size:64;	signed:0;` */
function parseFieldLine(t: string): EventField | null {
  const parts = t.split(';');
  const decl = parts[0].slice(6).trim();
  let offset = Number.NaN;
  let size = Number.NaN;
  let signed = false;
  for (const p of parts.slice(1)) {
    const kv = p.trim();
    if (kv.startsWith('offset:')) offset = Number.parseInt(kv.slice(7), 10);
    else if (kv.startsWith('size:')) size = Number.parseInt(kv.slice(5), 10);
    else if (kv.startsWith('signed:')) signed = kv.slice(7).trim() === '1';
  }
  if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0) return null;
  const dynamic = decl.startsWith('__data_loc') ? 'data_loc' : decl.startsWith('__rel_loc') ? 'rel_loc' : null;
  let d = decl;
  let arrayLength: number | null = null;
  const br = d.lastIndexOf('[');
  if (br > 0 && d.endsWith(']')) {
    const inner = d.slice(br + 1, -1).trim();
    arrayLength = inner === '' ? 0 : Number.parseInt(inner, 10);
    if (!Number.isFinite(arrayLength)) arrayLength = 0;
    d = d.slice(0, br).trim();
  }
  let e = d.length;
  while (e > 0 && isIdentChar(d.charCodeAt(e - 1))) e--;
  const name = d.slice(e);
  if (!name) return null;
  return { name, offset, size, signed, dynamic, arrayLength };
}

/**
 * The `__print_flags(REC->gfp_flags, "|", {value, "NAME"}, ...)` table of a print format, each
 * value a C constant expression of the kernel headers (`(( gfp_t)((((1UL))) << (10)))|...`)
 * evaluated here. Null when there is none or a value does not evaluate.
 */
export function gfpFlagTable(printFmt: string): FlagName[] | null {
  return valueTable(printFmt, '__print_flags(', 'gfp_flags');
}

/** The `__print_symbolic(REC->member, {0, "MM_FILEPAGES"}, ...)` table of a print format (rss_stat). */
export function symbolicTable(printFmt: string, field: string): FlagName[] | null {
  return valueTable(printFmt, '__print_symbolic(', field);
}

function valueTable(printFmt: string, fn: string, field: string): FlagName[] | null {
  const at = printFmt.indexOf(fn);
  if (at < 0) return null;
  const argEnd = printFmt.indexOf(',', at);
  if (argEnd < 0 || !printFmt.slice(at + fn.length, argEnd).includes(field)) return null;
  const first = printFmt.indexOf('{', at);
  if (first < 0) return null;
  const out: FlagName[] = [];
  let i = first;
  // each entry: { expr, "NAME" }, the table ends with { 0, ((void *)0) } or a `)`
  for (;;) {
    while (i < printFmt.length && (printFmt[i] === ' ' || printFmt[i] === ',')) i++;
    if (printFmt[i] !== '{') break;
    const quote = printFmt.indexOf('"', i);
    const close = printFmt.indexOf('}', i);
    if (close < 0) return null;
    if (quote < 0 || quote > close) break; // the terminating { 0, ((void *)0) }
    const endQuote = printFmt.indexOf('"', quote + 1);
    if (endQuote < 0 || endQuote > close) return null;
    const comma = printFmt.lastIndexOf(',', quote);
    const value = evalConstant(printFmt.slice(i + 1, comma));
    if (value === null) return null;
    out.push({ value, name: printFmt.slice(quote + 1, endQuote) });
    i = close + 1;
  }
  return out.length > 0 ? out : null;
}

/**
 * Evaluates an integer C constant expression of | & ~ << >> + - and parentheses, with integer
 * suffixes (1UL) and casts (`( gfp_t)`, `( unsigned long)`) skipped. Null when it is not one.
 * Values are kept below 2^53 (gfp flags use the low 32 bits).
 */
export function evalConstant(expr: string): number | null {
  const tokens: string[] = [];
  for (let i = 0; i < expr.length; ) {
    const c = expr[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '(') {
      // a cast: `( type words )` of identifiers only, followed by an operand
      const close = expr.indexOf(')', i);
      const inner = close > 0 ? expr.slice(i + 1, close).trim() : '';
      if (inner && isTypeName(inner)) {
        i = close + 1;
        continue;
      }
      tokens.push('(');
      i++;
      continue;
    }
    if (c === '<' || c === '>') {
      if (expr[i + 1] !== c) return null;
      tokens.push(c + c);
      i += 2;
      continue;
    }
    if (c === ')' || c === '|' || c === '&' || c === '~' || c === '+' || c === '-') {
      tokens.push(c);
      i++;
      continue;
    }
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < expr.length && (isIdentChar(expr.charCodeAt(j)) && !isSuffix(expr.charCodeAt(j)))) j++;
      const num = Number(expr.slice(i, j));
      if (!Number.isFinite(num)) return null;
      tokens.push(String(num));
      while (j < expr.length && isSuffix(expr.charCodeAt(j))) j++;
      i = j;
      continue;
    }
    return null;
  }
  let p = 0;
  const big = (v: bigint): bigint => BigInt.asUintN(64, v);
  const primary = (): bigint | null => {
    const t = tokens[p++];
    if (t === undefined) return null;
    if (t === '(') {
      const v = or();
      if (tokens[p++] !== ')') return null;
      return v;
    }
    if (t === '~') {
      const v = primary();
      return v === null ? null : big(~v);
    }
    if (t === '-') {
      const v = primary();
      return v === null ? null : big(-v);
    }
    if (t.charCodeAt(0) >= 48 && t.charCodeAt(0) <= 57) return BigInt(t);
    return null;
  };
  const binary = (next: () => bigint | null, ops: string[], apply: (op: string, a: bigint, b: bigint) => bigint) => (): bigint | null => {
    let a = next();
    while (a !== null && ops.includes(tokens[p])) {
      const op = tokens[p++];
      const b = next();
      if (b === null) return null;
      a = big(apply(op, a, b));
    }
    return a;
  };
  const additive = binary(primary, ['+', '-'], (op, a, b) => (op === '+' ? a + b : a - b));
  const shift = binary(additive, ['<<', '>>'], (op, a, b) => (b > 63n ? 0n : op === '<<' ? a << b : a >> b));
  const and = binary(shift, ['&'], (_op, a, b) => a & b);
  const or = binary(and, ['|'], (_op, a, b) => a | b);
  const v = or();
  if (v === null || p !== tokens.length || v > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(v);
}

/**
 * Names a flags value the way libtraceevent prints `__print_flags`: the table in order, each
 * entry whose bits are all set is printed and its bits cleared, any rest as 0x...; 0 is "none"
 * (the kmem print formats' `(REC->gfp_flags) ? ... : "none"`).
 */
export function flagNames(table: readonly FlagName[], value: number): string {
  if (value === 0) return 'none';
  let rest = value;
  let out = '';
  for (const f of table) {
    if (f.value !== 0 && bitsSet(rest, f.value)) {
      out += out ? `|${f.name}` : f.name;
      rest = clearBits(rest, f.value);
    }
  }
  if (rest !== 0) out += (out ? '|' : '') + `0x${rest.toString(16)}`;
  return out;
}

const TWO32 = 2 ** 32;
function bitsSet(v: number, mask: number): boolean {
  const vh = Math.floor(v / TWO32);
  const mh = Math.floor(mask / TWO32);
  return ((v >>> 0) & (mask >>> 0)) >>> 0 === mask >>> 0 && (vh & mh) === mh;
}
function clearBits(v: number, mask: number): number {
  const vh = Math.floor(v / TWO32);
  const mh = Math.floor(mask / TWO32);
  return (vh & ~mh) * TWO32 + (((v >>> 0) & ~(mask >>> 0)) >>> 0);
}

/**
 * /proc/kallsyms of the traced machine, for `func+0xoff` lookups: the symbol at or below an
 * address, as libtraceevent finds it (the last of several at one address, in file order).
 */
export class Kallsyms {
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #names: string[];
  /** Distinct symbol count. */
  readonly size: number;
  constructor(text: string) {
    const his: number[] = [];
    const los: number[] = [];
    const names: string[] = [];
    let from = 0;
    while (from < text.length) {
      let nl = text.indexOf('\n', from);
      if (nl < 0) nl = text.length;
      // `ffffffff81000000 T _stext` or `ffffffffc0a01000 t foo\t[mod]`
      const sp = text.indexOf(' ', from);
      if (sp > from && sp < nl && sp - from <= 16) {
        const sp2 = text.indexOf(' ', sp + 1);
        if (sp2 > sp && sp2 < nl) {
          // `name\t[module]`: the name ends at the tab (searched within the line: most have none)
          let name = text.slice(sp2 + 1, nl);
          const tab = name.indexOf('\t');
          if (tab >= 0) name = name.slice(0, tab);
          const hex = text.slice(from, sp);
          const hiHex = hex.length > 8 ? hex.slice(0, hex.length - 8) : '0';
          const loHex = hex.length > 8 ? hex.slice(hex.length - 8) : hex;
          const hi = Number.parseInt(hiHex, 16);
          const lo = Number.parseInt(loHex, 16);
          // libtraceevent skips ARM's `$a`/`$d` mapping symbols
          if (name && name[0] !== '$' && Number.isFinite(hi) && Number.isFinite(lo)) {
            his.push(hi);
            los.push(lo);
            names.push(name);
          }
        }
      }
      from = nl + 1;
    }
    const order = names.map((_, i) => i);
    order.sort((a, b) => his[a] - his[b] || los[a] - los[b] || a - b);
    this.#hi = Uint32Array.from(order, (i) => his[i]);
    this.#lo = Uint32Array.from(order, (i) => los[i]);
    this.#names = order.map((i) => names[i]);
    this.size = names.length;
  }

  /** Index of the last symbol at or below hi:lo, or -1. */
  #find(hi: number, lo: number): number {
    let a = 0;
    let b = this.#hi.length - 1;
    let found = -1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const mh = this.#hi[m];
      if (mh < hi || (mh === hi && this.#lo[m] <= lo)) {
        found = m;
        a = m + 1;
      } else b = m - 1;
    }
    return found;
  }

  /** The function containing hi:lo and the offset into it, or null (below every symbol). */
  lookup(hi: number, lo: number): { name: string; offset: number } | null {
    const i = this.#find(hi, lo);
    if (i < 0) return null;
    return { name: this.#names[i], offset: (hi - this.#hi[i]) * TWO32 + (lo - this.#lo[i]) };
  }
}

/** `PID COMM` lines of saved_cmdlines. */
export function parseCmdlines(text: string): Map<number, string> {
  const map = new Map<number, string>();
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    const sp = text.indexOf(' ', from);
    if (sp > from && sp < nl) {
      const pid = Number.parseInt(text.slice(from, sp), 10);
      if (Number.isInteger(pid)) map.set(pid, text.slice(sp + 1, nl));
    }
    from = nl + 1;
  }
  return map;
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
/** Integer suffix letters (u, l); hex digits never include them. */
function isSuffix(c: number): boolean {
  return c === 117 || c === 85 || c === 108 || c === 76;
}
/** `gfp_t`, `unsigned long`, `void *`: a cast's type name (identifiers, blanks, trailing stars). */
function isTypeName(t: string): boolean {
  const c0 = t.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return false;
  let i = 0;
  while (i < t.length && (isIdentChar(t.charCodeAt(i)) || t.charCodeAt(i) === 32)) i++;
  while (i < t.length && t.charCodeAt(i) === 42) i++;
  return i === t.length;
}
