import { MemforensicsInputError } from '../../core/errors.js';

/**
 * Random access to the bytes of one file: a trace.dat keeps each CPU's data at its own offset and
 * the reader merges the CPUs by timestamp, so it reads several places of the file in turn. Node
 * file handles (src/node) and browser Blobs both fit this; nothing here needs Node.
 */
export interface ByteSource {
  /** Bytes in the file. */
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** A ByteSource over a Blob or File (browsers, Node >= 18). */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

const TWO32 = 2 ** 32;

/** A corrupt or truncated header: the file as a whole cannot be read. */
export function corrupt(message: string): MemforensicsInputError {
  return new MemforensicsInputError('CORRUPT_INPUT', `trace.dat: ${message}`);
}

/** Endian-aware number reads on a byte array (the file's endianness, from its initial header). */
export class Endian {
  constructor(readonly little: boolean) {}
  u16(u: Uint8Array, at: number): number {
    return this.little ? u[at] | (u[at + 1] << 8) : (u[at] << 8) | u[at + 1];
  }
  u32(u: Uint8Array, at: number): number {
    return this.little
      ? (u[at] | (u[at + 1] << 8) | (u[at + 2] << 16) | (u[at + 3] << 24)) >>> 0
      : ((u[at] << 24) | (u[at + 1] << 16) | (u[at + 2] << 8) | u[at + 3]) >>> 0;
  }
  /** The high 32 bits of the 64-bit number at `at`. */
  hi32(u: Uint8Array, at: number): number {
    return this.little ? this.u32(u, at + 4) : this.u32(u, at);
  }
  lo32(u: Uint8Array, at: number): number {
    return this.little ? this.u32(u, at) : this.u32(u, at + 4);
  }
  /** A 64-bit unsigned number as a double: exact below 2^53 (offsets, sizes, nanoseconds). */
  u64(u: Uint8Array, at: number): number {
    return this.hi32(u, at) * TWO32 + this.lo32(u, at);
  }
  /** An unsigned number of 1, 2, 4 or 8 bytes. */
  uint(u: Uint8Array, at: number, size: number): number {
    switch (size) {
      case 1:
        return u[at];
      case 2:
        return this.u16(u, at);
      case 4:
        return this.u32(u, at);
      case 8:
        return this.u64(u, at);
      default:
        return Number.NaN;
    }
  }
  /** A signed number of 1, 2, 4 or 8 bytes (8: exact within +-2^53). */
  int(u: Uint8Array, at: number, size: number): number {
    switch (size) {
      case 1:
        return (u[at] << 24) >> 24;
      case 2:
        return (this.u16(u, at) << 16) >> 16;
      case 4:
        return this.u32(u, at) | 0;
      case 8:
        return (this.hi32(u, at) | 0) * TWO32 + this.lo32(u, at);
      default:
        return Number.NaN;
    }
  }
}

const HEX = '0123456789abcdef';

/** Lowercase hex of a 32-bit value, no leading zeros ('0' for 0). */
function hex32(v: number): string {
  return v.toString(16);
}

/** Lowercase hex of hi:lo without leading zeros, as the text parser normalises pointers ('0' for NULL). */
export function hex64(hi: number, lo: number): string {
  if (hi === 0) return hex32(lo);
  let low = '';
  for (let s = 28; s >= 0; s -= 4) low += HEX[(lo >>> s) & 15];
  return hex32(hi) + low;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** Text of bytes (format files, kallsyms, cmdlines: ASCII in practice). */
export function textOf(u: Uint8Array): string {
  return utf8.decode(u);
}

/** ASCII/latin1 text of bytes (names, strings in records), one char per byte. */
export function latin1Of(u: Uint8Array): string {
  return latin1.decode(u);
}

/**
 * Sequential reads of the file's header part through a window of the source, with every size
 * checked against the file: a size or offset pointing outside the file is a CORRUPT_INPUT error.
 */
export class HeaderCursor {
  #buf: Uint8Array = new Uint8Array(0);
  #bufAt = 0;
  pos: number;
  constructor(
    readonly source: ByteSource,
    readonly endian: Endian,
    at = 0,
  ) {
    this.pos = at;
  }

  async #need(n: number, what: string): Promise<void> {
    if (this.pos + n > this.source.size) throw corrupt(`${what} at offset ${this.pos} needs ${n} bytes, the file ends at ${this.source.size}`);
    if (this.pos >= this.#bufAt && this.pos + n <= this.#bufAt + this.#buf.length) return;
    const want = Math.max(n, 1 << 20);
    this.#buf = await this.source.read(this.pos, Math.min(want, this.source.size - this.pos));
    this.#bufAt = this.pos;
    if (this.#buf.length < n) throw corrupt(`${what}: short read at offset ${this.pos}`);
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    if (!Number.isFinite(n) || n < 0) throw corrupt(`${what}: size ${n} is not valid`);
    await this.#need(n, what);
    const at = this.pos - this.#bufAt;
    this.pos += n;
    return this.#buf.subarray(at, at + n);
  }
  async u8(what: string): Promise<number> {
    return (await this.bytes(1, what))[0];
  }
  async u16(what: string): Promise<number> {
    return this.endian.u16(await this.bytes(2, what), 0);
  }
  async u32(what: string): Promise<number> {
    return this.endian.u32(await this.bytes(4, what), 0);
  }
  async u64(what: string): Promise<number> {
    return this.endian.u64(await this.bytes(8, what), 0);
  }
  /** A NUL-terminated string of at most `max` bytes. */
  async cstring(what: string, max = 4096): Promise<string> {
    const start = this.pos;
    const chars: number[] = [];
    for (;;) {
      const c = await this.u8(what);
      if (c === 0) break;
      chars.push(c);
      if (chars.length > max) throw corrupt(`${what} at offset ${start}: no NUL within ${max} bytes`);
    }
    return String.fromCharCode(...chars);
  }
}

/** A NUL-terminated string in u[at..end): the string and the offset after its NUL. */
export function cstringAt(u: Uint8Array, at: number, end = u.length): { text: string; next: number } {
  let e = at;
  while (e < end && u[e] !== 0) e++;
  return { text: latin1Of(u.subarray(at, e)), next: Math.min(end, e + 1) };
}
