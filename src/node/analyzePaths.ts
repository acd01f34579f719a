import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { isInputError } from '../core/errors.js';
import type { FormatId } from '../core/parser.js';
import { analyze, type AnalyzeOptions, type ParsedArtefact } from '../analysis/index.js';
import { streamingConsumerFor } from '../analysis/streaming.js';
import { chooseFormat } from '../parsers/auto.js';
import { parserFor } from '../parsers/registry.js';
import { parseAsync } from '../core/parser.js';
import type { Report } from '../report/schema.js';
import { contentKind, listArtefactFiles, readChunks, readHead, sidecarTarget } from './files.js';

export interface AnalyzePathsOptions extends AnalyzeOptions {
  /** Forces a format for files detection cannot place (applies to every file). */
  format?: FormatId;
  /** Seconds between snapshots for series captured without timestamps. */
  intervalSeconds?: number;
  /** Called with progress for large inputs (bytes read so far of the current file). */
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
  /** Called when a file starts, for progress lines. */
  onFile?: (file: string, index: number, count: number) => void;
}

function parseTimestampsSidecar(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s.length === 0) continue;
    const v = Number(s.split(/\s+/)[0]);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

async function* counting(chunks: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    onBytes(n);
    yield c;
  }
}

/**
 * Reads, detects and parses every file under the given paths (folders recursively, .gz
 * transparently). A file that cannot be read or placed becomes an artefact with an `error`;
 * it never stops the others.
 */
export async function parsePaths(paths: readonly string[], options: AnalyzePathsOptions = {}): Promise<ParsedArtefact[]> {
  const { files, missing } = await listArtefactFiles(paths);
  const out: ParsedArtefact[] = missing.map((p) => ({ path: p, format: null, error: { code: 'UNREADABLE', message: 'no such file or directory' } }));
  const all = new Set(files.map((f) => f.path));
  const sidecars = new Map<string, string>();
  for (const f of files) {
    const target = sidecarTarget(f.path, all);
    if (target) sidecars.set(target, f.path);
  }
  const sidecarFiles = new Set(sidecars.values());
  let index = 0;
  for (const f of files) {
    options.onFile?.(f.path, index++, files.length);
    if (f.documentation) {
      out.push({ path: f.path, format: null, bytes: f.bytes, skipped: 'documentation' });
      continue;
    }
    if (sidecarFiles.has(f.path)) {
      const target = [...sidecars].find(([, s]) => s === f.path)![0];
      out.push({ path: f.path, format: null, bytes: f.bytes, sidecarOf: target });
      continue;
    }
    out.push(await parseOne(f.path, f.bytes, sidecars.get(f.path), options));
  }
  return out;
}

async function parseOne(file: string, bytes: number, sidecar: string | undefined, options: AnalyzePathsOptions): Promise<ParsedArtefact> {
  try {
    const kind = await contentKind(file);
    if (kind === 'trace-cmd-dat') {
      return {
        path: file,
        format: null,
        bytes,
        error: { code: 'BINARY_INPUT', message: `binary trace-cmd data: convert it with 'trace-cmd report -i ${path.basename(file)} > ${path.basename(file, '.dat')}.report.txt'` },
      };
    }
    if (kind === 'binary') return { path: file, format: null, bytes, error: { code: 'BINARY_INPUT', message: 'binary file, not a text capture' } };
    const head = await readHead(file, 64 * 1024, kind);
    const parserOptions: Record<string, unknown> = {};
    if (options.intervalSeconds) parserOptions.intervalSeconds = options.intervalSeconds;
    if (sidecar) parserOptions.timestamps = parseTimestampsSidecar(await readFile(sidecar, 'utf8'));
    // Formats whose records are consumed while streaming (traces) never hold all records.
    const { format, detection } = chooseFormat(head, { path: file, format: options.format });
    const consumer = streamingConsumerFor(format, file, options);
    const chunks = options.onProgress ? counting(readChunks(file, kind), (n) => options.onProgress!(file, n, bytes)) : readChunks(file, kind);
    const result = await parseAsync(parserFor(format)!, chunks, { ...parserOptions, source: file, onRecord: consumer?.onRecord });
    return { path: file, format, detection, result, bytes, streamed: consumer?.finish(result) };
  } catch (e) {
    if (isInputError(e)) return { path: file, format: null, bytes, error: { code: e.code, message: e.message } };
    return { path: file, format: null, bytes, error: { code: 'UNREADABLE', message: String((e as Error)?.message ?? e) } };
  }
}

/**
 * Analyses files and folders of captures and returns the report data object.
 * @example
 * const report = await analyzePaths(['captures/'], { limitBytes: 2 * 1024 ** 3 });
 */
export async function analyzePaths(paths: readonly string[], options: AnalyzePathsOptions = {}): Promise<Report> {
  return analyze(await parsePaths(paths, options), options);
}
