/**
 * Line splitting over strings, sync iterables and async byte or text streams.
 *
 * Handles LF and CRLF (a lone CR inside a line is kept: serial consoles emit them), a missing
 * final newline, a UTF-8 BOM, and multi-byte characters split across chunks (TextDecoder in
 * streaming mode). Invalid UTF-8 is replaced by U+FFFD and reported per line by the caller.
 * Cost is linear in the input: one indexOf scan per chunk, no regular expressions.
 */
export type LineSink = (text: string, lineNo: number) => void;

export const REPLACEMENT_CHAR = '\uFFFD';

export class LineSplitter {
  #carry = '';
  #lineNo = 0;
  #started = false;
  readonly #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  readonly #sink: LineSink;

  constructor(sink: LineSink) {
    this.#sink = sink;
  }

  get linesEmitted(): number {
    return this.#lineNo;
  }

  push(chunk: string | Uint8Array): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) return;
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      this.#carry += text;
      return;
    }
    if (this.#carry.length > 0) {
      this.#emit(this.#carry + text.slice(0, nl));
      this.#carry = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl !== -1) {
      this.#emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.#carry = start < text.length ? text.slice(start) : '';
  }

  /** Flushes the decoder and the last line when the input did not end with a newline. */
  end(): void {
    const tail = this.#decoder.decode();
    if (tail.length > 0) this.#carry += tail;
    if (this.#carry.length > 0) {
      this.#emit(this.#carry);
      this.#carry = '';
    }
  }

  #emit(line: string): void {
    const text = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    this.#sink(text, ++this.#lineNo);
  }
}

/** Splits a whole string into lines with the same rules as the streaming splitter. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  s.push(text);
  s.end();
  return out;
}

/** The first `maxBytes` characters of a text, cut at a line boundary when possible. */
export function headOf(text: string, maxChars = 16 * 1024): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf('\n', maxChars);
  return cut > 0 ? text.slice(0, cut + 1) : text.slice(0, maxChars);
}

/**
 * Non-blank lines among the first `maxLines` of a sniffed head, and how many of them `isMatch`
 * accepts: the share a sniffer scores on.
 * @example
 * countHeadLines('a 1\n\nb\nc 2\n', 64, (l) => /\d/.test(l)) // { lines: 3, matches: 2 }
 */
export function countHeadLines(head: string, maxLines: number, isMatch: (line: string) => unknown): { lines: number; matches: number } {
  let lines = 0;
  let matches = 0;
  for (const line of head.split('\n', maxLines)) {
    if (line.trim().length === 0) continue;
    lines++;
    if (isMatch(line)) matches++;
  }
  return { lines, matches };
}
