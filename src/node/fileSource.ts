import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../parsers/trace-dat/bytes.js';

/** A ByteSource over an open file, and how to close it. */
export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

/**
 * Random access to a file through a file handle: each read is one `pread` into a buffer of its
 * own length, so memory is what the reader asks for at a time (the trace.dat reader: a 1 MiB
 * window or one compressed chunk per CPU, and one metadata part), never the whole file.
 * @example
 * const source = await openFileSource('trace.dat');
 * try { await parseTraceDatSource(source); } finally { await source.close(); }
 */
export async function openFileSource(file: string): Promise<FileByteSource> {
  const fh: FileHandle = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    return {
      size,
      async read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        const buf = new Uint8Array(n);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
          if (bytesRead === 0) break; // the file shrank while read: what came is returned
          got += bytesRead;
        }
        return got === n ? buf : buf.subarray(0, got);
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
