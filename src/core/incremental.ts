import { LineAccounting, type CommonParseOptions, type ParseResult, type ParserCore, type ParserDefinition } from './parser.js';
import { LineSplitter } from './lines.js';

/**
 * A parse that is fed as its input grows and can be read at any time: the engine of watch mode.
 * Each byte is pushed once (nothing already read is read again); `peek()` shows the records so
 * far, `finish()` ends the input and gives exactly what a one-shot parse of the same bytes gives
 * (same core, same line accounting, same end-of-input checks).
 * @example
 * const parse = new IncrementalParse(meminfoParser, { source: 'meminfo.log' });
 * parse.push(firstBytes);
 * parse.peek()?.records.length; // snapshots complete so far
 * parse.push(moreBytes);
 * const result = parse.finish();
 */
export class IncrementalParse<R> {
  readonly #accounting: LineAccounting<R>;
  readonly #core: ParserCore<R>;
  readonly #splitter: LineSplitter;
  #bytes = 0;
  #finished = false;

  constructor(def: ParserDefinition<R, object>, options: CommonParseOptions & Record<string, unknown> = {}) {
    this.#accounting = new LineAccounting<R>(def.format, options);
    this.#core = def.createCore(options);
    this.#splitter = new LineSplitter((text, lineNo) => this.#accounting.line(this.#core, text, lineNo, text.length > 0 && text.trim().length > 0));
  }

  /** Bytes (or UTF-16 units for string chunks) pushed so far. */
  get bytesPushed(): number {
    return this.#bytes;
  }

  push(chunk: string | Uint8Array): void {
    if (this.#finished) throw new Error('IncrementalParse: push after finish');
    this.#bytes += chunk.length;
    this.#splitter.push(chunk);
  }

  /** The records and stats so far (complete lines only), or null while nothing is recognised. */
  peek(): ParseResult<R> | null {
    return this.#finished ? null : this.#accounting.peek();
  }

  /** Ends the input: the same result (or typed error) as a one-shot parse of everything pushed. */
  finish(): ParseResult<R> {
    this.#finished = true;
    this.#splitter.end();
    return this.#accounting.finish((emit) => this.#core.end(emit));
  }
}
