import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isDocumentName } from '../core/documents.js';
import { DEFAULT_DECOMPRESSION_LIMITS, DecompressionLimitError, expansionExcess, type DecompressionLimits } from '../core/limits.js';

/**
 * Node-only edges: reading artefacts from disk (gzip transparently) and walking folders.
 */

const GZIP_MAGIC = [0x1f, 0x8b];
const TRACE_CMD_DAT_MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]; // "\x17\x08Dtracing"

export type ContentKind = 'text' | 'gzip' | 'trace-cmd-dat' | 'binary';

async function readPrefix(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function startsWith(buf: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

/** Tells text from gzip, trace-cmd's binary .dat and other binary files by their first bytes. */
export async function contentKind(file: string): Promise<ContentKind> {
  return kindOfPrefix(await readPrefix(file, 4096));
}

/** The content kind of an input's first bytes (a file's, an archive member's). */
export function kindOfPrefix(prefix: Uint8Array): ContentKind {
  if (startsWith(prefix, GZIP_MAGIC)) return 'gzip';
  if (startsWith(prefix, TRACE_CMD_DAT_MAGIC)) return 'trace-cmd-dat';
  let controls = 0;
  for (const b of prefix) {
    if (b === 0) return 'binary';
    if (b < 9 || (b > 13 && b < 32 && b !== 27)) controls++;
  }
  return controls > prefix.length / 10 ? 'binary' : 'text';
}

/**
 * Streams an artefact's content as byte chunks, gunzipping when it is gzip. A gzip stream
 * that is cut short ends the iteration with an error whose `code` is `Z_BUF_ERROR`; the
 * parser front end turns that into a `gzip-truncated` diagnostic and keeps what came before.
 * Past the decompression limits (see src/core/limits.ts) it yields what came before and ends with
 * a DecompressionLimitError, which becomes a `decompression-limit` diagnostic.
 */
export async function* readChunks(file: string, kind?: ContentKind, limits: Partial<DecompressionLimits> = {}, plannedBytes?: number): AsyncGenerator<Uint8Array> {
  const k = kind ?? (await contentKind(file));
  if (k === 'text' && plannedBytes !== undefined) {
    yield* readToConsistentPoint(file, plannedBytes);
    return;
  }
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  if (k !== 'gzip') {
    for await (const chunk of source) yield chunk as Buffer;
    return;
  }
  yield* gunzipLimited(source, { ...DEFAULT_DECOMPRESSION_LIMITS, ...limits });
}

/** The read of a file that grew while it was read stopped at a consistent point (code for the `live-capture-cut` diagnostic). */
export class LiveCaptureCutError extends Error {
  readonly code = 'LIVE_CAPTURE_CUT';
}

/**
 * A live capture (a stress run still appending) is read up to the size it had when it was
 * listed, never into what is being written: when the file has grown by the end of the read, a
 * last line without its newline is dropped (it is being written), so no partial record is
 * parsed, and the read ends with a LiveCaptureCutError (the `live-capture-cut` diagnostic). A
 * snapshot cut at a line boundary is the parsers' `snapshot-partial`.
 */
async function* readToConsistentPoint(file: string, plannedBytes: number): AsyncGenerator<Uint8Array> {
  if (plannedBytes === 0) return;
  const source = createReadStream(file, { highWaterMark: 1 << 20, start: 0, end: plannedBytes - 1 });
  let carry: Buffer | null = null;
  for await (const c of source) {
    const chunk: Buffer = carry ? Buffer.concat([carry, c as Buffer]) : (c as Buffer);
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      carry = chunk;
      continue;
    }
    yield chunk.subarray(0, lastNewline + 1);
    carry = lastNewline + 1 < chunk.length ? chunk.subarray(lastNewline + 1) : null;
  }
  const now = await stat(file).catch(() => null);
  const grew = now !== null && now.size > plannedBytes;
  if (!grew) {
    if (carry) yield carry;
    return;
  }
  throw new LiveCaptureCutError(
    `the file grew while it was read (${plannedBytes} bytes when listed, ${now.size} now): read up to its last complete line${carry ? ` (a line of ${carry.length} bytes being written was left out)` : ''}`,
  );
}

/** Gunzips a byte stream within the limits (the reader of .gz files and of .tar.gz archives). */
export async function* gunzipLimited(source: Readable, limits: DecompressionLimits): AsyncGenerator<Uint8Array> {
  let compressed = 0;
  source.on('data', (c: Buffer) => {
    compressed += c.length;
  });
  const stream = source.pipe(createGunzip());
  source.on('error', (e) => stream.destroy(e));
  let expanded = 0;
  try {
    for await (const chunk of stream) {
      expanded += (chunk as Buffer).length;
      const excess = expansionExcess(expanded, compressed, limits);
      if (excess) throw new DecompressionLimitError(`gzip input ${excess}; the rest was not read`);
      yield chunk as Buffer;
    }
  } finally {
    source.destroy();
    stream.destroy();
  }
}

/** The first `maxBytes` of the (decompressed) content, as text, for format detection. */
export async function readHead(file: string, maxBytes = 64 * 1024, kind?: ContentKind): Promise<string> {
  const k = kind ?? (await contentKind(file));
  if (k !== 'gzip') return new TextDecoder().decode(await readPrefix(file, maxBytes));
  // Inflated as a stream and stopped at maxBytes: a bomb's head costs maxBytes, not its expansion.
  const parts: Uint8Array[] = [];
  let have = 0;
  try {
    for await (const chunk of readChunks(file, 'gzip')) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= maxBytes) break;
    }
  } catch {
    // A cut or corrupt stream: detection works on what inflated before the damage.
  }
  return new TextDecoder().decode(Buffer.concat(parts).subarray(0, maxBytes));
}

const SKIPPED_NAMES = new Set(['node_modules', '.git']);
/** Found in capture folders beside the data: documentation and the capture scripts themselves. */
const DOC_EXTENSIONS = new Set(['.md', '.markdown', '.rst', '.html', '.png', '.svg', '.sh', '.py', '.c', '.bt']);

/** Whether a name has the extension of documentation or a capture script (inside a folder or archive). */
export function isDocumentationExtension(file: string): boolean {
  return DOC_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** A timestamps sidecar's times, one a line (the first number of each). */
export function parseTimestampsSidecar(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s.length === 0) continue;
    const v = Number(s.split(/\s+/)[0]);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

export interface WalkEntry {
  path: string;
  bytes: number;
  /** A README or other document found in a folder: listed, not parsed. */
  documentation?: boolean;
}

/**
 * Lists the files under the given paths (files as given, folders recursively, sorted), leaving
 * out hidden files and node_modules. Documentation found in folders (.md, .html: a capture folder
 * often holds the README that describes it) is listed and flagged, so it is accounted for but not parsed.
 */
export async function listArtefactFiles(paths: readonly string[]): Promise<{ files: WalkEntry[]; missing: string[] }> {
  const files: WalkEntry[] = [];
  const missing: string[] = [];
  async function visit(p: string, explicit: boolean): Promise<void> {
    let st;
    try {
      st = await stat(p);
    } catch {
      if (explicit) missing.push(p);
      return;
    }
    if (st.isDirectory()) {
      const entries = (await readdir(p)).sort();
      for (const e of entries) {
        if (e.startsWith('.') || SKIPPED_NAMES.has(e)) continue;
        await visit(path.join(p, e), false);
      }
    } else if (st.isFile()) {
      const ext = path.extname(p).toLowerCase();
      // A README or NOTES.txt is documentation even when named on the command line; capture
      // scripts (.sh, .py) only inside a folder (named alone they are still sniffed).
      const documentation = isDocumentName(p) || (!explicit && DOC_EXTENSIONS.has(ext));
      files.push({ path: p, bytes: st.size, ...(documentation ? { documentation: true } : {}) });
    }
  }
  for (const p of paths) await visit(p, true);
  return { files, missing };
}

/**
 * A sidecar file of timestamps written by a capture loop beside a series without stamps
 * (`meminfo_epochs.txt` beside `meminfo.txt`): returns the series file it belongs to.
 */
export function sidecarTarget(file: string, all: ReadonlySet<string>): string | null {
  const dir = path.dirname(file);
  const base = path.basename(file);
  for (const suffix of ['_epochs.txt', '.epochs.txt', '_timestamps.txt', '.epochs', '.timestamps']) {
    if (base.endsWith(suffix)) {
      const stem = base.slice(0, -suffix.length);
      for (const ext of ['.txt', '', '.log', '.txt.gz']) {
        const candidate = path.join(dir, stem + ext);
        if (all.has(candidate)) return candidate;
      }
    }
  }
  return null;
}
