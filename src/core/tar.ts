import { DecompressionLimitError } from './limits.js';

/**
 * A streaming reader of tar archives (POSIX ustar, GNU long names, pax headers), member by
 * member, over any byte stream: no Node built-ins, so it runs in browsers too (gunzip first for
 * .tar.gz). Archives are untrusted: a member's body is never larger than `maxMemberBytes` (past
 * it the body ends with a DecompressionLimitError, the `decompression-limit` diagnostic), member
 * names are only labels (never used to create or open a file; `..` and absolute names are
 * flagged), links are reported, never followed, and a header whose checksum does not match stops
 * the archive with a TarFormatError (the stream is not trustworthy past it; the members before
 * it were read).
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** The member's name as a label: leading `/` and `./` removed, control characters replaced. */
  name: string;
  type: TarEntryType;
  /** Bytes the header declares. */
  size: number;
  linkName?: string;
  /** Why the name is suspect (`..` components): such a member is listed, not read. */
  unsafe?: string;
  /** The member's bytes. Read it (or not) before asking for the next entry; what is left is skipped. */
  body: AsyncGenerator<Uint8Array>;
}

/** A header that is not a tar header (bad checksum, unreadable size): the archive is read no further. */
export class TarFormatError extends Error {
  readonly code = 'CORRUPT_INPUT';
}

/** The archive ended inside a member's body; the stream front ends report `archive-truncated`. */
export class TarTruncatedError extends Error {
  readonly code = 'ARCHIVE_TRUNCATED';
}

const BLOCK = 512;
/** GNU long names and pax headers are metadata: more than this is hostile. */
const MAX_META_BYTES = 1 << 20;

/** Pulls exact byte counts out of a chunk stream. */
class ByteReader {
  #it: AsyncIterator<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #done = false;
  offset = 0;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    if (this.#done) return false;
    const r = await this.#it.next();
    if (r.done) {
      this.#done = true;
      return false;
    }
    this.#buf = this.#buf.length === 0 ? r.value : concat(this.#buf, r.value);
    return true;
  }

  /** Exactly n bytes, or null at the end of the stream (with fewer left). */
  async exact(n: number): Promise<Uint8Array | null> {
    while (this.#buf.length < n) if (!(await this.#fill())) return null;
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    this.offset += n;
    return out;
  }

  /** Up to n bytes, at least one, or null at the end of the stream. */
  async some(n: number): Promise<Uint8Array | null> {
    if (this.#buf.length === 0 && !(await this.#fill())) return null;
    const out = this.#buf.subarray(0, Math.min(n, this.#buf.length));
    this.#buf = this.#buf.subarray(out.length);
    this.offset += out.length;
    return out;
  }

  async close(): Promise<void> {
    await this.#it.return?.();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();

function cString(block: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return utf8.decode(block.subarray(start, end));
}

/** An octal field, or a GNU base-256 one (first byte 0x80: sizes past 8 GiB); null when unreadable. */
function numberField(block: Uint8Array, start: number, length: number): number | null {
  if (block[start]! & 0x80) {
    let v = block[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + block[i]!;
    return Number.isSafeInteger(v) ? v : null;
  }
  // Octal digits, padded with spaces or NULs on either side (tar writers differ).
  let v = 0;
  let digits = 0;
  let ended = false;
  for (let i = start; i < start + length; i++) {
    const b = block[i]!;
    if (b >= 0x30 && b <= 0x37) {
      if (ended) return null;
      v = v * 8 + (b - 0x30);
      digits++;
    } else if (b === 0x20 || b === 0) {
      if (digits > 0) ended = true;
    } else return null;
  }
  return Number.isSafeInteger(v) ? v : null;
}

function checksumOk(block: Uint8Array): boolean {
  const declared = numberField(block, 148, 8);
  if (declared === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return declared === unsigned || declared === signed;
}

/** A label for a member: never a path to act on. */
function labelOf(raw: string): { name: string; unsafe?: string } {
  let cleaned = '';
  for (const ch of raw) {
    const c = ch.charCodeAt(0);
    cleaned += c < 0x20 || c === 0x7f ? '?' : ch === '\\' ? '/' : ch;
  }
  const parts = cleaned.split('/').filter((p) => p !== '' && p !== '.');
  // `..` is dropped from the label too, so that no report shows a member outside its archive.
  const name = parts.filter((p) => p !== '..').join('/');
  if (parts.includes('..')) return { name, unsafe: `the member name ${JSON.stringify(raw)} climbs out of the archive (..)` };
  return { name };
}

/** pax extended header records (`len key=value\n`): the keys that change the next member. */
function paxRecords(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = utf8.decode(bytes);
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(' ', i);
    if (space < 0) break;
    const len = Number(text.slice(i, space));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

export interface TarReadOptions {
  /** Most bytes one member's body may give (the decompression limit per member). */
  maxMemberBytes: number;
}

/**
 * The members of a tar stream, in archive order.
 * @example
 * for await (const m of readTar(chunks, { maxMemberBytes: 2 ** 30 })) if (m.type === 'file') for await (const b of m.body) use(b);
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, options: TarReadOptions): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  try {
    for (;;) {
      const header = await reader.exact(BLOCK);
      if (header === null) return; // an archive without its end blocks: everything was read
      if (header.every((b) => b === 0)) return;
      if (!checksumOk(header)) throw new TarFormatError(`tar header at byte ${reader.offset - BLOCK} has a bad checksum: the rest of the archive was not read`);
      const declaredSize = numberField(header, 124, 12);
      if (declaredSize === null) throw new TarFormatError(`tar header at byte ${reader.offset - BLOCK} has an unreadable size: the rest of the archive was not read`);
      const paxSize = pax.has('size') ? Number(pax.get('size')) : NaN;
      const size = Number.isSafeInteger(paxSize) && paxSize >= 0 ? paxSize : declaredSize;
      const flag = String.fromCharCode(header[156]!);
      const padded = Math.ceil(size / BLOCK) * BLOCK;

      if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
        if (size > MAX_META_BYTES) throw new TarFormatError(`tar metadata header of ${size} bytes at byte ${reader.offset - BLOCK} (more than ${MAX_META_BYTES}): the rest of the archive was not read`);
        const meta = await reader.exact(padded);
        if (meta === null) throw new TarTruncatedError('the archive ends inside a metadata header');
        const bytes = meta.subarray(0, size);
        if (flag === 'L') longName = cString(bytes, 0, bytes.length);
        else if (flag === 'K') longLink = cString(bytes, 0, bytes.length);
        else if (flag === 'x') pax = paxRecords(bytes);
        continue; // 'g' (global pax) holds nothing a reader of captures needs
      }

      const ustar = latin1.decode(header.subarray(257, 262)) === 'ustar';
      const prefix = ustar ? cString(header, 345, 155) : '';
      const baseName = cString(header, 0, 100);
      const rawName = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${baseName}` : baseName);
      const linkName = pax.get('linkpath') ?? longLink ?? cString(header, 157, 100);
      longName = longLink = undefined;
      pax = new Map();
      const type: TarEntryType =
        flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
      // Links, directories and devices have no body to read, whatever the size field says.
      const bodyBytes = type === 'file' || type === 'other' ? size : 0;
      const bodyPadded = Math.ceil(bodyBytes / BLOCK) * BLOCK;
      let consumed = 0;
      let truncated = false;
      const body = (async function* (): AsyncGenerator<Uint8Array> {
        const limit = Math.min(bodyBytes, options.maxMemberBytes);
        while (consumed < limit) {
          const part = await reader.some(limit - consumed);
          if (part === null) {
            truncated = true;
            throw new TarTruncatedError(`the archive ends after ${consumed} of the member's ${bodyBytes} bytes`);
          }
          consumed += part.length;
          yield part;
        }
        if (bodyBytes > options.maxMemberBytes) throw new DecompressionLimitError(`archive member of ${bodyBytes} bytes is larger than the limit of ${options.maxMemberBytes}; the rest was not read`);
      })();
      yield { ...labelOf(rawName), type, size, ...(type === 'symlink' || type === 'hardlink' ? { linkName } : {}), body };
      await body.return(undefined);
      if (truncated) return;
      // What the consumer left of the body, and the padding to the next header.
      let rest = bodyPadded - consumed;
      while (rest > 0) {
        const part = await reader.some(rest);
        if (part === null) throw new TarTruncatedError(`the archive ends inside the member ${JSON.stringify(rawName)}`);
        rest -= part.length;
      }
    }
  } finally {
    await reader.close();
  }
}
