import { unzlibSync } from 'fflate';
import { MemforensicsInputError } from '../../core/errors.js';
import { decompress as zstdDecompress } from 'fzstd';
import { DEFAULT_DECOMPRESSION_LIMITS, expansionExcess, type DecompressionLimits } from '../../core/limits.js';
import { type ByteSource, bytesSource, corrupt, cstringAt, Endian, HeaderCursor, latin1Of, textOf } from './bytes.js';
import { type EventFormat, Kallsyms, parseCmdlines, parseEventFormat } from './formats.js';

/**
 * The metadata of a trace.dat (file versions 6 and 7, as in trace-cmd's
 * Documentation/trace-cmd/trace-cmd.dat.v6.5.txt and .v7.5.txt): everything before the per-CPU
 * ring-buffer data, and where that data is.
 */

export const TRACE_DAT_MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]; // "\x17\x08Dtracing"

/** One CPU's flyrecord data: raw pages, or (v7 compressed) a chunk list at `offset`. */
export interface CpuData {
  readonly cpu: number;
  readonly offset: number;
  readonly size: number;
}

export interface PageLayout {
  readonly timestampOffset: number;
  readonly commitOffset: number;
  /** The kernel's long size (the `commit` field's size), 4 or 8. */
  readonly commitSize: number;
  readonly dataOffset: number;
}

/** One CPU's ring-buffer statistics at the end of the recording (a CPUSTAT option). */
export interface TraceDatCpuStat {
  /** The trace buffer: '' for the top one, else the instance's name (`trace-cmd record -B name`). */
  readonly buffer: string;
  readonly cpu: number;
  /** Events left in the kernel buffer when the recording stopped: not in the file. */
  readonly entries: number | null;
  readonly overrun: number | null;
  readonly commitOverrun: number | null;
  readonly droppedEvents: number | null;
  readonly readEvents: number | null;
}

export interface TraceDatHeader {
  readonly version: number;
  readonly littleEndian: boolean;
  /** User-space long size of the traced machine. */
  readonly longSize: number;
  readonly pageSize: number;
  /** Compression of v7 sections and CPU data (null: none). */
  readonly compression: { readonly name: string; readonly version: string } | null;
  readonly page: PageLayout;
  /** Event formats by type id (ftrace's own events included: kernel_stack, user_stack). */
  readonly formats: ReadonlyMap<number, EventFormat>;
  readonly kallsyms: Kallsyms;
  readonly cmdlines: ReadonlyMap<number, string>;
  readonly cpus: readonly CpuData[];
  /**
   * The trace buffer whose CPU data `cpus` are: '' for the top buffer, else the instance
   * (`trace-cmd record -B name`) read because the top buffer holds no data.
   */
  readonly buffer: string;
  /** True when each CPU's data is a list of compressed chunks (v7 with compression). */
  readonly chunkedCpuData: boolean;
  readonly traceClock: string | null;
  readonly uname: string | null;
  readonly traceCmdVersion: string | null;
  /** The per_cpu/cpuN/stats text of each CPU at the end of the recording (CPUSTAT options). */
  readonly cpuStats: readonly string[];
  /** cpuStats read into numbers, for every buffer (a `Buffer: name` option starts an instance's). */
  readonly cpuStatCounts: readonly TraceDatCpuStat[];
  /** Nanoseconds added to every timestamp (OFFSET option). */
  readonly tsOffset: number;
  /** TSC to nanoseconds (TSC2NSEC option), applied before the offset. */
  readonly tsc2nsec: { readonly mult: number; readonly shift: number; readonly offset: number } | null;
  /** Parts of the file that are not read (named for a diagnostic). */
  readonly unsupported: readonly string[];
}

/** Options both versions share (ids from trace-cmd's enum tracecmd_file_options). */
const OPT = {
  DONE: 0,
  DATE: 1,
  CPUSTAT: 2,
  BUFFER: 3,
  TRACECLOCK: 4,
  UNAME: 5,
  OFFSET: 7,
  VERSION: 9,
  TIME_SHIFT: 12,
  TSC2NSEC: 14,
  HEADER_INFO: 16,
  FTRACE_EVENTS: 17,
  EVENT_FORMATS: 18,
  KALLSYMS: 19,
  PRINTK: 20,
  CMDLINES: 21,
  BUFFER_TEXT: 22,
} as const;

/** Most bytes one metadata part may claim (kallsyms of a big kernel is some 20 MB). */
const MAX_META_BYTES = 512 * 1024 * 1024;

function cText(u: Uint8Array): string {
  let e = u.indexOf(0);
  if (e < 0) e = u.length;
  return latin1Of(u.subarray(0, e)).trim();
}

/** Decompresses one block of a v7 file, checked against the declared size and the limits. */
export function decompressBlock(algorithm: string, data: Uint8Array, declaredSize: number, limits: DecompressionLimits = DEFAULT_DECOMPRESSION_LIMITS): Uint8Array {
  const excess = expansionExcess(declaredSize, data.length, limits);
  if (excess !== null) throw corrupt(`a compressed block declares ${declaredSize} bytes from ${data.length}: ${excess}`);
  if (algorithm !== 'zstd' && algorithm !== 'zlib') throw corrupt(`compression '${algorithm}' is not supported (zstd and zlib are)`);
  let out: Uint8Array;
  try {
    out = algorithm === 'zstd' ? zstdDecompress(data, new Uint8Array(declaredSize)) : unzlibSync(data, { out: new Uint8Array(declaredSize) });
  } catch (e) {
    throw corrupt(`a ${algorithm} block does not decompress (${String((e as Error)?.message ?? e)})`);
  }
  if (out.length !== declaredSize) throw corrupt(`a compressed block gave ${out.length} bytes, ${declaredSize} declared`);
  return out;
}

class MetaBuilder {
  page: PageLayout | null = null;
  readonly formats = new Map<number, EventFormat>();
  kallsyms: Kallsyms | null = null;
  cmdlines = new Map<number, string>();
  traceClock: string | null = null;
  uname: string | null = null;
  traceCmdVersion: string | null = null;
  readonly cpuStats: string[] = [];
  tsOffset = 0;
  tsc2nsec: TraceDatHeader['tsc2nsec'] = null;
  readonly unsupported: string[] = [];
  /** The trace buffers the file declares (BUFFER options), the top one named ''. */
  readonly buffers: { name: string; sectionAt: number; cpus: CpuData[] | null }[] = [];
  readonly sectionOffsets = new Map<number, number>();

  constructor(readonly endian: Endian) {}

  async headerInfo(c: HeaderCursor): Promise<void> {
    if ((await c.cstring('header_page name', 32)) !== 'header_page') throw corrupt('no header_page where the header info starts');
    const pageSize = await c.u64('header_page size');
    if (pageSize > MAX_META_BYTES) throw corrupt('header_page size out of range');
    const pageText = textOf(await c.bytes(pageSize, 'header_page'));
    const f = parseEventFormat('header', `name: header_page\nID: 0\n${pageText}`);
    const ts = f?.fields.get('timestamp');
    const commit = f?.fields.get('commit');
    const data = f?.fields.get('data');
    if (!ts || !commit || !data || (commit.size !== 4 && commit.size !== 8)) throw corrupt('header_page lacks timestamp/commit/data fields');
    this.page = { timestampOffset: ts.offset, commitOffset: commit.offset, commitSize: commit.size, dataOffset: data.offset };
    if ((await c.cstring('header_event name', 32)) !== 'header_event') throw corrupt('no header_event after header_page');
    const eventSize = await c.u64('header_event size');
    if (eventSize > MAX_META_BYTES) throw corrupt('header_event size out of range');
    await c.bytes(eventSize, 'header_event'); // the 5-bit type_len / 27-bit delta layout every kernel since 2.6.30 uses
  }

  async ftraceEvents(c: HeaderCursor): Promise<void> {
    const count = await c.u32('ftrace event count');
    for (let i = 0; i < count; i++) await this.#format(c, 'ftrace');
  }

  async eventFormats(c: HeaderCursor): Promise<void> {
    const systems = await c.u32('event system count');
    for (let s = 0; s < systems; s++) {
      const system = await c.cstring('event system name');
      const count = await c.u32('event count');
      for (let i = 0; i < count; i++) await this.#format(c, system);
    }
  }

  async #format(c: HeaderCursor, system: string): Promise<void> {
    const size = await c.u64('event format size');
    if (size > MAX_META_BYTES) throw corrupt(`event format size ${size} out of range`);
    const f = parseEventFormat(system, textOf(await c.bytes(size, 'event format')));
    if (f) this.formats.set(f.id, f);
  }

  async kallsymsPart(c: HeaderCursor): Promise<void> {
    const size = await c.u32('kallsyms size');
    this.kallsyms = new Kallsyms(textOf(await c.bytes(size, 'kallsyms')));
  }

  async printk(c: HeaderCursor): Promise<void> {
    const size = await c.u32('printk formats size');
    await c.bytes(size, 'printk formats'); // trace_printk formats: no kmem event needs them
  }

  async cmdlinesPart(c: HeaderCursor): Promise<void> {
    const size = await c.u64('saved cmdlines size');
    if (size > MAX_META_BYTES) throw corrupt('saved cmdlines size out of range');
    this.cmdlines = parseCmdlines(textOf(await c.bytes(size, 'saved cmdlines')));
  }

  /** One option (both versions); v7's section pointers are collected in sectionOffsets. */
  option(id: number, data: Uint8Array, version: number): void {
    const e = this.endian;
    switch (id) {
      case OPT.CPUSTAT:
        this.cpuStats.push(cText(data));
        break;
      case OPT.TRACECLOCK:
        this.traceClock = selectedClock(cText(data));
        break;
      case OPT.UNAME:
        this.uname = cText(data);
        break;
      case OPT.VERSION:
        this.traceCmdVersion = cText(data);
        break;
      case OPT.OFFSET: {
        const v = Number(cText(data));
        if (Number.isFinite(v)) this.tsOffset += v;
        break;
      }
      case OPT.TSC2NSEC:
        if (data.length >= 16) this.tsc2nsec = { mult: e.u32(data, 0), shift: e.u32(data, 4), offset: e.u64(data, 8) };
        break;
      case OPT.TIME_SHIFT:
        this.unsupported.push('guest/host time shift (TIME_SHIFT option): timestamps are the guest\'s own');
        break;
      case OPT.BUFFER:
        this.buffer(data, version);
        break;
      case OPT.BUFFER_TEXT:
        this.unsupported.push('a latency (text) trace buffer');
        break;
      case OPT.HEADER_INFO:
      case OPT.FTRACE_EVENTS:
      case OPT.EVENT_FORMATS:
      case OPT.KALLSYMS:
      case OPT.PRINTK:
      case OPT.CMDLINES:
        if (data.length >= 8) this.sectionOffsets.set(id, e.u64(data, 0));
        break;
      default:
        break;
    }
  }

  buffer(data: Uint8Array, version: number): void {
    const e = this.endian;
    if (data.length < 9) throw corrupt('a BUFFER option too short');
    const name = cstringAt(data, 8);
    if (version < 7) {
      // v6: an instance recorded with -B; its flyrecord CPU list is at the offset
      this.buffers.push({ name: name.text, sectionAt: e.u64(data, 0), cpus: null });
      return;
    }
    const clock = cstringAt(data, name.next);
    let at = clock.next;
    if (at + 8 > data.length) throw corrupt('BUFFER option cut short');
    at += 4; // the buffer's page size (the file header's, for the top buffer)
    const count = e.u32(data, at);
    at += 4;
    if (count > 65536 || at + count * 20 > data.length) throw corrupt(`BUFFER option declares ${count} CPUs in ${data.length} bytes`);
    const cpus: CpuData[] = [];
    for (let i = 0; i < count; i++, at += 20) cpus.push({ cpu: e.u32(data, at), offset: e.u64(data, at + 4), size: e.u64(data, at + 12) });
    this.buffers.push({ name: name.text, cpus, sectionAt: e.u64(data, 0) });
    if (clock.text && (name.text === '' || this.traceClock === null)) this.traceClock = clock.text;
  }
}

/** The top buffer when it holds data, else the first instance that does (a `record -B name` file). */
function chooseBuffer(buffers: readonly { name: string; sectionAt: number; cpus: CpuData[] | null }[]) {
  const hasData = (b: (typeof buffers)[number]) => b.cpus?.some((x) => x.size > 0) ?? false;
  const top = buffers.find((b) => b.name === '');
  if (top && hasData(top)) return top;
  return buffers.find(hasData) ?? top ?? buffers[0];
}

const STAT_KEYS: Record<string, 'entries' | 'overrun' | 'commitOverrun' | 'droppedEvents' | 'readEvents'> = {
  entries: 'entries',
  overrun: 'overrun',
  'commit overrun': 'commitOverrun',
  'dropped events': 'droppedEvents',
  'read events': 'readEvents',
};

/** The CPUSTAT texts (`CPU: 0\nentries: 0\noverrun: 0...`, a `Buffer: name` one before an instance's) as numbers. */
export function cpuStatCounts(texts: readonly string[]): TraceDatCpuStat[] {
  const out: TraceDatCpuStat[] = [];
  let buffer = '';
  for (const text of texts) {
    if (text.startsWith('Buffer: ')) {
      buffer = text.slice(8).trim();
      continue;
    }
    const stat: { -readonly [K in keyof TraceDatCpuStat]: TraceDatCpuStat[K] } = { buffer, cpu: -1, entries: null, overrun: null, commitOverrun: null, droppedEvents: null, readEvents: null };
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim();
      const v = Number(line.slice(colon + 1).trim());
      if (!Number.isFinite(v)) continue;
      if (key === 'CPU') stat.cpu = v;
      else if (STAT_KEYS[key]) stat[STAT_KEYS[key]] = v;
    }
    if (stat.cpu >= 0) out.push(stat);
  }
  return out;
}

/** The clock in brackets of a trace_clock file (`[local] global counter ...`), or the text. */
function selectedClock(text: string): string {
  const a = text.indexOf('[');
  const b = text.indexOf(']', a + 1);
  return a >= 0 && b > a ? text.slice(a + 1, b) : text;
}

/**
 * Reads the metadata of a trace.dat. Throws a CORRUPT_INPUT MemforensicsInputError when the
 * file is not one, or a header part is cut or points outside the file.
 */
export async function readTraceDatHeader(source: ByteSource, limits: DecompressionLimits = DEFAULT_DECOMPRESSION_LIMITS): Promise<TraceDatHeader> {
  try {
    return await readHeader(source, limits);
  } catch (e) {
    // a decompressor's or decoder's own error on corrupt bytes: still the typed input error
    if (e instanceof MemforensicsInputError) throw e;
    throw corrupt(`unreadable metadata (${String((e as Error)?.message ?? e)})`);
  }
}

async function readHeader(source: ByteSource, limits: DecompressionLimits): Promise<TraceDatHeader> {
  const first = await source.read(0, Math.min(source.size, 64));
  if (first.length < 16 || !TRACE_DAT_MAGIC.every((b, i) => first[i] === b)) throw corrupt('not a trace.dat (no "\\x17\\x08Dtracing" magic)');
  let c = new HeaderCursor(source, new Endian(true), TRACE_DAT_MAGIC.length);
  const versionText = await c.cstring('file version', 16);
  const version = Number.parseInt(versionText, 10);
  if (!Number.isInteger(version) || version < 6 || version > 7) throw corrupt(`file version '${versionText}' (versions 6 and 7 are read)`);
  const endianFlag = await c.u8('endianness');
  if (endianFlag > 1) throw corrupt(`endianness flag ${endianFlag}`);
  const endian = new Endian(endianFlag === 0);
  const longSize = await c.u8('long size');
  if (longSize !== 4 && longSize !== 8) throw corrupt(`long size ${longSize}`);
  c = new HeaderCursor(source, endian, c.pos);
  const pageSize = await c.u32('page size');
  if (pageSize < 256 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) throw corrupt(`page size ${pageSize}`);
  const meta = new MetaBuilder(endian);
  let compression: TraceDatHeader['compression'] = null;
  let cpus: CpuData[];
  let chunked = false;

  if (version === 6) {
    await meta.headerInfo(c);
    await meta.ftraceEvents(c);
    await meta.eventFormats(c);
    await meta.kallsymsPart(c);
    await meta.printk(c);
    await meta.cmdlinesPart(c);
    const cpuCount = await c.u32('CPU count');
    if (cpuCount > 65536) throw corrupt(`CPU count ${cpuCount}`);
    let kind = latin1Of(await c.bytes(10, 'data kind'));
    if (kind === 'options  \0') {
      for (let n = 0; ; n++) {
        const id = await c.u16('option id');
        if (id === 0) break;
        const size = await c.u32('option size');
        meta.option(id, await c.bytes(size, `option ${id}`), 6);
        if (n > 100000) throw corrupt('endless option list');
      }
      kind = latin1Of(await c.bytes(10, 'data kind'));
    }
    if (kind === 'latency  \0') throw corrupt('a latency trace (text), not flyrecord data: read it with trace-cmd report');
    if (kind !== 'flyrecord\0') throw corrupt(`data kind '${kind.replaceAll('\0', '')}' (expected flyrecord)`);
    cpus = [];
    for (let i = 0; i < cpuCount; i++) cpus.push({ cpu: i, offset: await c.u64('CPU data offset'), size: await c.u64('CPU data size') });
    meta.buffers.unshift({ name: '', sectionAt: 0, cpus });
    // an instance's CPU list: "flyrecord\0" then an offset and a size per CPU, as the top buffer's
    for (const b of meta.buffers) {
      if (b.cpus !== null) continue;
      const at = new HeaderCursor(source, endian, b.sectionAt);
      if (latin1Of(await at.bytes(10, `instance '${b.name}' data kind`)) !== 'flyrecord\0') throw corrupt(`instance '${b.name}' has no flyrecord data`);
      b.cpus = [];
      for (let i = 0; i < cpuCount; i++) b.cpus.push({ cpu: i, offset: await at.u64('CPU data offset'), size: await at.u64('CPU data size') });
    }
  } else {
    const name = await c.cstring('compression name', 64);
    const cversion = await c.cstring('compression version', 64);
    if (name !== 'none') compression = { name, version: cversion };
    let next = await c.u64('first options offset');
    const seen = new Set<number>();
    const section = async (offset: number, what: string): Promise<{ id: number; cursor: HeaderCursor }> => {
      const h = new HeaderCursor(source, endian, offset);
      const id = await h.u16(`${what} section id`);
      const flags = await h.u16(`${what} section flags`);
      await h.u32(`${what} section string id`);
      const size = await h.u64(`${what} section size`);
      if (size > source.size) throw corrupt(`${what} section size ${size} is past the end of the file`);
      if ((flags & 1) === 0) return { id, cursor: h };
      if (!compression) throw corrupt(`${what} section is compressed in a file without compression`);
      const csize = await h.u32(`${what} compressed size`);
      const usize = await h.u32(`${what} uncompressed size`);
      if (usize > MAX_META_BYTES) throw corrupt(`${what} section declares ${usize} uncompressed bytes (at most ${MAX_META_BYTES})`);
      const data = decompressBlock(compression.name, await h.bytes(csize, `${what} compressed data`), usize, limits);
      return { id, cursor: new HeaderCursor(bytesSource(data), endian, 0) };
    };
    while (next !== 0) {
      if (seen.has(next) || seen.size > 1000) throw corrupt('options sections form a loop');
      if (next >= source.size) {
        throw corrupt(`the options section at byte ${next} is past the end of the file (${source.size} bytes): the file was cut short, and a version 7 file says where its CPU data is in its last options section`);
      }
      seen.add(next);
      const { id, cursor } = await section(next, 'options');
      if (id !== 0) throw corrupt(`the options section at ${next} has id ${id}`);
      next = 0;
      for (let n = 0; ; n++) {
        const oid = await cursor.u16('option id');
        const size = await cursor.u32('option size');
        const data = await cursor.bytes(size, `option ${oid}`);
        if (oid === OPT.DONE) {
          next = size >= 8 ? endian.u64(data, 0) : 0;
          break;
        }
        meta.option(oid, data, 7);
        if (n > 100000) throw corrupt('endless option list');
      }
    }
    const parts: [number, string, (c: HeaderCursor) => Promise<void>][] = [
      [OPT.HEADER_INFO, 'header info', (x) => meta.headerInfo(x)],
      [OPT.FTRACE_EVENTS, 'ftrace events', (x) => meta.ftraceEvents(x)],
      [OPT.EVENT_FORMATS, 'event formats', (x) => meta.eventFormats(x)],
      [OPT.KALLSYMS, 'kallsyms', (x) => meta.kallsymsPart(x)],
      [OPT.PRINTK, 'printk formats', (x) => meta.printk(x)],
      [OPT.CMDLINES, 'saved cmdlines', (x) => meta.cmdlinesPart(x)],
    ];
    for (const [id, what, read] of parts) {
      const at = meta.sectionOffsets.get(id);
      if (at === undefined) {
        if (id === OPT.HEADER_INFO || id === OPT.EVENT_FORMATS) throw corrupt(`no ${what} section`);
        continue;
      }
      const s = await section(at, what);
      if (s.id !== id) throw corrupt(`the ${what} section at ${at} has id ${s.id}`);
      await read(s.cursor);
    }
    if (meta.buffers.length === 0) throw corrupt('no BUFFER option for a trace buffer');
  }
  const chosen = chooseBuffer(meta.buffers);
  for (const b of meta.buffers) if (b !== chosen && b.cpus?.some((x) => x.size > 0)) meta.unsupported.push(`trace instance '${b.name || '(top)'}' (one buffer is read: '${chosen.name || '(top)'}')`);
  cpus = chosen.cpus ?? [];
  if (version === 7) {
    // the BUFFER FLYRECORD section's flags say whether its CPU data is in compressed chunks
    const flags = new HeaderCursor(source, endian, chosen.sectionAt + 2);
    chunked = ((await flags.u16('flyrecord section flags')) & 1) === 1;
    if (chunked && !compression) throw corrupt('compressed CPU data in a file without compression');
  }
  if (!meta.page) throw corrupt('no header_page');
  return {
    version,
    littleEndian: endian.little,
    longSize,
    pageSize,
    compression,
    page: meta.page,
    formats: meta.formats,
    kallsyms: meta.kallsyms ?? new Kallsyms(''),
    cmdlines: meta.cmdlines,
    cpus,
    buffer: chosen.name,
    chunkedCpuData: chunked,
    traceClock: meta.traceClock,
    uname: meta.uname,
    traceCmdVersion: meta.traceCmdVersion,
    cpuStats: meta.cpuStats,
    cpuStatCounts: cpuStatCounts(meta.cpuStats),
    tsOffset: meta.tsOffset,
    tsc2nsec: meta.tsc2nsec,
    unsupported: meta.unsupported,
  };
}
