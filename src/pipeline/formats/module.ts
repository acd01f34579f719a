import { parseAsync, type CommonParseOptions, type FormatId, type ParseResult, type ParserDefinition } from '../../core/parser.js';
import type { ByteSource } from '../../parsers/trace-dat/bytes.js';
import type { AnalysisContext, AnalyzeOptions, ParsedArtefact, StreamedResults } from '../context.js';

/**
 * A consumer that analyses records while they stream out of the parser, so a multi-gigabyte
 * input never sits in memory: only what the consumer keeps does.
 */
export interface StreamingConsumer {
  onRecord: (record: unknown) => void;
  /** The analysis results, stored on the artefact as `streamed`. */
  finish: (result: ParseResult<unknown>) => StreamedResults;
}

/** Host hooks a front end may use (Node's fast ASCII decoder, for instance). */
export interface StreamParseHooks {
  decodeAscii?: (bytes: Uint8Array) => string | null;
}

/**
 * What memforensics knows about one format, in one place: how to parse it, how its records are
 * analysed, how it streams, and what it is to the verdict. The pipeline and the Node layer ask
 * the format's module; nothing else branches on a format id.
 */
export interface FormatModule {
  readonly format: FormatId;
  readonly parser: ParserDefinition<any, any>;
  /** Adds this artefact's sections, findings and usage series to the context. */
  analyze?(artefact: ParsedArtefact, ctx: AnalysisContext): void;
  /**
   * Analyses every artefact of this format in one capture folder together (kmemleak scans kept in
   * separate files are one series of scans). Called once per folder, instead of `analyze`.
   */
  analyzeTogether?(artefacts: readonly ParsedArtefact[], ctx: AnalysisContext): void;
  /** A consumer for records while they stream, when holding them all would not be bounded. */
  streaming?(source: string, options: AnalyzeOptions): StreamingConsumer;
  /** Parses a byte stream (default: the parser's line front end). */
  parseStream?(
    chunks: AsyncIterable<Uint8Array | string>,
    options: CommonParseOptions & Record<string, unknown>,
    hooks: StreamParseHooks,
  ): Promise<ParseResult<unknown>>;
  /**
   * Parses a file through random access (a binary format whose parts sit at offsets: trace.dat),
   * read in bounded windows; preferred over parseStream when the host can give a ByteSource.
   */
  parseSource?(source: ByteSource, options: CommonParseOptions & Record<string, unknown>): Promise<ParseResult<unknown>>;
  /** The part this format plays in a capture folder's leak-or-fragmentation classification. */
  readonly classifierInput?: 'buddyinfo' | 'meminfo' | 'pagetypeinfo' | 'extfragUnusable' | 'extfragIndex';
}

/** Parses a stream with the module's own front end, or the shared line front end. */
export function parseStreamWith(
  module: FormatModule,
  chunks: AsyncIterable<Uint8Array | string>,
  options: CommonParseOptions & Record<string, unknown>,
  hooks: StreamParseHooks = {},
): Promise<ParseResult<unknown>> {
  return module.parseStream ? module.parseStream(chunks, options, hooks) : parseAsync(module.parser, chunks, options);
}
