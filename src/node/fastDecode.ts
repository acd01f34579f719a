import { Buffer, isAscii } from 'node:buffer';

/**
 * Node's fastest decoder for an all-ASCII chunk (simdutf check + latin1 copy, ~2.5x TextDecoder),
 * or null for any other chunk, which the byte front end then decodes with TextDecoder. For the
 * `decodeAscii` option of parseTraceBytes / parseTraceBytesAsync.
 * @example
 * await parseTraceBytesAsync(traceCmdParser, createReadStream(file), { decodeAscii: nodeDecodeAscii });
 */
export function nodeDecodeAscii(bytes: Uint8Array): string | null {
  if (!isAscii(bytes)) return null;
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.toString('latin1');
}
