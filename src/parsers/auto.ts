import { MemforensicsInputError } from '../core/errors.js';
import { headOf } from '../core/lines.js';
import { parseAsync, parseText, type CommonParseOptions, type FormatId, type ParseResult } from '../core/parser.js';
import { detectFormat, parserFor, type FormatCandidate } from './registry.js';

export interface AutoParseOptions extends CommonParseOptions {
  /** Forces a format instead of detecting it. */
  format?: FormatId;
  /** The artefact's name, a detection hint. */
  path?: string;
  /** Options passed to the chosen parser (e.g. `timestamps`, `intervalSeconds`). */
  parserOptions?: Record<string, unknown>;
}

export interface Detection {
  method: 'sniff' | 'forced';
  confidence: number;
  reason: string;
}

/** Picks the format of a text head, or throws UNRECOGNIZED_FORMAT with what was tried. */
export function chooseFormat(head: string, options: { format?: FormatId; path?: string }): { format: FormatId; detection: Detection; candidates: FormatCandidate[] } {
  if (options.format) {
    if (!parserFor(options.format)) throw new MemforensicsInputError('BAD_OPTIONS', `unknown format '${options.format}'`);
    return { format: options.format, detection: { method: 'forced', confidence: 1, reason: 'forced by option' }, candidates: [] };
  }
  if (head.trim().length === 0) throw new MemforensicsInputError('EMPTY_INPUT', 'empty input');
  const candidates = detectFormat(head, { path: options.path });
  const best = candidates[0];
  if (!best) {
    throw new MemforensicsInputError('UNRECOGNIZED_FORMAT', 'not a format memforensics knows (use --format to force one)');
  }
  return { format: best.format, detection: { method: 'sniff', confidence: best.confidence, reason: best.reason }, candidates };
}

/**
 * Detects the format of a whole text and parses it.
 * @example
 * const { format, result } = parseArtefactText(text, { path: 'meminfo.txt' });
 */
export function parseArtefactText(text: string, options: AutoParseOptions = {}): { format: FormatId; detection: Detection; result: ParseResult<unknown> } {
  const { format, detection } = chooseFormat(headOf(text, 64 * 1024), options);
  const def = parserFor(format)!;
  const result = parseText(def, text, { ...options.parserOptions, source: options.source ?? options.path, maxDiagnosticsPerCode: options.maxDiagnosticsPerCode, onRecord: options.onRecord });
  return { format, detection, result };
}

/** The same over a stream, given its head (read separately so the stream is read once). */
export async function parseArtefactStream(
  head: string,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: AutoParseOptions = {},
): Promise<{ format: FormatId; detection: Detection; result: ParseResult<unknown> }> {
  const { format, detection } = chooseFormat(head, options);
  const def = parserFor(format)!;
  const result = await parseAsync(def, chunks, { ...options.parserOptions, source: options.source ?? options.path, maxDiagnosticsPerCode: options.maxDiagnosticsPerCode, onRecord: options.onRecord });
  return { format, detection, result };
}
