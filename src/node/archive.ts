import { Readable } from 'node:stream';
import { isDocumentName } from '../core/documents.js';
import { isInputError } from '../core/errors.js';
import { DEFAULT_DECOMPRESSION_LIMITS } from '../core/limits.js';
import { readTar, type TarEntry } from '../core/tar.js';
import { chooseFormat } from '../parsers/auto.js';
import type { ParsedArtefact } from '../pipeline/context.js';
import { formatModule, parseStreamWith } from '../pipeline/formats/index.js';
import { nodeDecodeAscii } from './fastDecode.js';
import { gunzipLimited, isDocumentationExtension, kindOfPrefix, parseTimestampsSidecar, readChunks, sidecarTarget } from './files.js';
import type { AnalyzePathsOptions } from './tasks.js';

/**
 * Tar and tar.gz archives of capture folders, read in place: each member is its own artefact
 * (`archive.tar.gz!/D4_leak/meminfo.txt`, so the members of one folder are one run), timestamp
 * sidecars stamp their series as in a folder, and nothing is ever written: member names are only
 * labels. The archive is read twice (a first pass collects the sidecars, which a tar may hold
 * after their series), so memory holds one member's parse at a time, never the archive.
 */

const ARCHIVE_NAME = /\.(tar|tar\.gz|tgz)$/i;
const HEAD_BYTES = 64 * 1024;
/** Sidecars are lists of times: one longer than this is not a sidecar worth holding. */
const MAX_SIDECAR_BYTES = 16 << 20;

export function isArchiveName(file: string): boolean {
  return ARCHIVE_NAME.test(file);
}

/** The artefact path of an archive member: the archive, `!/`, the member's label. */
export function memberPath(archive: string, name: string): string {
  return `${archive}!/${name}`;
}

function members(file: string, options: AnalyzePathsOptions): AsyncGenerator<TarEntry> {
  const limits = { ...DEFAULT_DECOMPRESSION_LIMITS, ...options.decompression };
  // .tar.gz: readChunks gunzips within the limits, which then bound the whole archive's expansion.
  return readTar(readChunks(file, undefined, limits), { maxMemberBytes: limits.maxOutputBytes });
}

/** Why a member is listed and not parsed, or null when it is parsed. */
function notParsed(m: TarEntry): string | null {
  if (m.unsafe) return `${m.unsafe}; not read`;
  if (m.type === 'symlink') return `symbolic link to ${JSON.stringify(m.linkName ?? '')}, not followed`;
  if (m.type === 'hardlink') return `hard link to ${JSON.stringify(m.linkName ?? '')}, not followed`;
  if (m.type === 'other') return 'not a regular file (device, fifo or unknown member type)';
  if (isDocumentName(m.name) || isDocumentationExtension(m.name)) return 'documentation';
  return null;
}

function hidden(m: TarEntry): boolean {
  return m.name.split('/').some((part) => part.startsWith('.'));
}

/** The first bytes of a stream for detection, and the whole stream again (an error is rethrown in place). */
async function peel(stream: AsyncGenerator<Uint8Array>, bytes: number): Promise<{ head: Uint8Array; all: AsyncGenerator<Uint8Array> }> {
  const parts: Uint8Array[] = [];
  let have = 0;
  let failure: unknown = null;
  let ended = false;
  try {
    while (have < bytes) {
      const r = await stream.next();
      if (r.done) {
        ended = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
  } catch (e) {
    failure = e;
  }
  const head = new Uint8Array(have);
  let at = 0;
  for (const p of parts) {
    head.set(p, at);
    at += p.length;
  }
  const all = (async function* () {
    yield* parts;
    if (failure !== null) throw failure;
    if (!ended) yield* stream;
  })();
  return { head: head.subarray(0, Math.min(bytes, head.length)), all };
}

/**
 * The artefacts of one archive: its own row (the member count, or why reading stopped) followed
 * by one per member, in archive order.
 */
export async function parseArchive(file: string, bytes: number, options: AnalyzePathsOptions): Promise<ParsedArtefact[]> {
  const sidecars = new Map<string, string>();
  const names = new Set<string>();
  const out: ParsedArtefact[] = [];
  let stopped: { code: string; message: string } | undefined;
  try {
    for await (const m of members(file, options)) {
      if (m.type !== 'file' || hidden(m) || m.unsafe) continue;
      const p = memberPath(file, m.name);
      names.add(p);
      if (/(_epochs\.txt|\.epochs\.txt|_timestamps\.txt|\.epochs|\.timestamps)$/.test(m.name) && m.size <= MAX_SIDECAR_BYTES) {
        const chunks: Uint8Array[] = [];
        try {
          for await (const c of m.body) chunks.push(c);
        } catch {
          // A cut sidecar stamps what it has; the second pass reports the cut.
        }
        sidecars.set(p, Buffer.concat(chunks).toString('utf8'));
      }
    }
  } catch {
    // The second pass meets the same damage and reports it.
  }
  const sidecarOf = new Map<string, string>();
  for (const s of sidecars.keys()) {
    const target = sidecarTarget(s, names);
    if (target) sidecarOf.set(s, target);
  }
  const stampsOf = new Map([...sidecarOf].map(([s, target]) => [target, parseTimestampsSidecar(sidecars.get(s)!)]));

  let read = 0;
  try {
    for await (const m of members(file, options)) {
      if (m.type === 'directory' || hidden(m)) continue;
      read++;
      const p = memberPath(file, m.name);
      const why = notParsed(m);
      if (why) out.push({ path: p, format: null, bytes: m.size, skipped: why });
      else if (sidecarOf.has(p)) out.push({ path: p, format: null, bytes: m.size, sidecarOf: sidecarOf.get(p) });
      else out.push(await parseMember(p, m, stampsOf.get(p), options));
    }
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    stopped = { code: typeof code === 'string' ? code : 'CORRUPT_INPUT', message: String((e as Error)?.message ?? e) };
  }
  const row: ParsedArtefact = {
    path: file,
    format: null,
    bytes,
    skipped: `tar archive of ${read} member${read === 1 ? '' : 's'}, each listed as its own artefact`,
    ...(stopped ? { error: { code: stopped.code, message: `${stopped.message} (${read} members before it were read)` } } : {}),
  };
  // Listed in name order like a folder's files (tar keeps the order the files were added in),
  // so an archive and the folder it was made of give the same report.
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [row, ...out];
}

async function parseMember(p: string, m: TarEntry, timestamps: number[] | undefined, options: AnalyzePathsOptions): Promise<ParsedArtefact> {
  try {
    const raw = await peel(m.body, 4096);
    const kind = kindOfPrefix(raw.head);
    if (kind === 'binary') return { path: p, format: null, bytes: m.size, error: { code: 'BINARY_INPUT', message: 'binary file, not a text capture' } };
    const limits = { ...DEFAULT_DECOMPRESSION_LIMITS, ...options.decompression };
    const content = kind === 'gzip' ? gunzipLimited(Readable.from(raw.all), limits) : raw.all;
    const { head, all } = await peel(content, HEAD_BYTES);
    const parserOptions: Record<string, unknown> = {};
    if (options.intervalSeconds) parserOptions.intervalSeconds = options.intervalSeconds;
    if (timestamps) parserOptions.timestamps = timestamps;
    const { format, detection } = chooseFormat(new TextDecoder().decode(head), { path: p, format: options.format });
    const module = formatModule(format);
    const consumer = module.streaming?.(p, options);
    const result = await parseStreamWith(module, all, { ...parserOptions, source: p, onRecord: consumer?.onRecord }, { decodeAscii: nodeDecodeAscii });
    return { path: p, format, detection, result, bytes: m.size, streamed: consumer?.finish(result) };
  } catch (e) {
    if (isInputError(e)) return { path: p, format: null, bytes: m.size, error: { code: e.code, message: e.message } };
    return { path: p, format: null, bytes: m.size, error: { code: 'UNREADABLE', message: String((e as Error)?.message ?? e) } };
  }
}
