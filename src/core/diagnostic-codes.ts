/**
 * The one table of every diagnostic code memforensics can emit.
 *
 * A code is stable (tools match on it); its severity says what the user lost:
 * - `info`: nothing lost, something worth knowing (an event kind we do not analyse, a header);
 * - `warning`: parsed, but with an assumption the user should know about;
 * - `data-loss`: part of the input could not be used (a truncated record, an unparsable line);
 * - `error`: the artefact as a whole is suspect (wrong format forced, nothing usable found).
 *
 * Add new codes here, in the section of their format, and nowhere else.
 */
export const DIAGNOSTIC_CODES = {
  // ---- input and line level (src/core) ----
  'invalid-utf8': { severity: 'warning', doc: 'The line held bytes that are not valid UTF-8; they were replaced by U+FFFD.' },
  'line-too-long': { severity: 'data-loss', doc: 'A line of more than 1 MiB characters (MAX_LINE_CHARS); skipped unparsed, so that a hostile capture cannot make the parser use gigabytes.' },
  'binary-content': { severity: 'data-loss', doc: 'The line holds NUL or other control bytes typical of binary data; it was skipped.' },
  'truncated-input': { severity: 'data-loss', doc: 'The input ended in the middle of a record (capture killed, file cut); the partial record was dropped or kept as marked.' },
  'decompression-limit': { severity: 'data-loss', doc: 'A compressed input expanded past the size or ratio limit (a decompression bomb, or a capture bigger than allowed); everything before the limit was kept. Raise the limit to read further.' },
  'archive-truncated': { severity: 'data-loss', doc: 'The tar archive ends inside this member (archive cut short); every line of the member before the cut was kept.' },
  'live-capture-cut': { severity: 'warning', doc: 'The file grew while it was read (a capture still running): it was read up to the size it had when listed and its last complete line; what was being written was left for the next run (or watch mode).' },
  'gzip-truncated': { severity: 'data-loss', doc: 'The gzip stream ended early or is corrupt; every line before the damage was kept.' },
  'unrecognized-line': { severity: 'data-loss', doc: 'A line in the body of the format that matches none of its line shapes.' },
  'foreign-line': { severity: 'info', doc: 'A line from another log interleaved with the capture (program stdout, shell prompt); skipped.' },
  'number-out-of-range': { severity: 'data-loss', doc: 'A numeric field was too large or not a finite number; the value was not used.' },
  'time-assumed': { severity: 'warning', doc: 'The capture has no timestamps; the time axis was built from the sampling interval option.' },
  'internal-error': { severity: 'error', doc: 'A parser bug raised an exception on this line; the line was not used. Please report it with the excerpt.' },
  'time-went-backwards': { severity: 'warning', doc: 'A timestamp is earlier than the one before it (clock change, concatenated captures).' },

  // ---- trace-cmd / ftrace ----
  'trace-unknown-event': { severity: 'info', doc: 'An event kind that memforensics does not analyse; counted by name.' },
  'trace-bad-event-fields': { severity: 'data-loss', doc: 'A known kmem event whose fields could not be read (missing ptr= or bytes_alloc=).' },
  'trace-orphan-stack': { severity: 'warning', doc: 'A stack trace with no event before it to attach to.' },
  'trace-stack-truncated': { severity: 'warning', doc: 'A stack deeper than 256 frames: the innermost 256 are kept, the outermost are dropped and counted (stats counter stackFramesDropped).' },
  'trace-lost-events': { severity: 'data-loss', doc: 'The tracer reported lost events (buffer overrun): pairing may show false leaks.' },

  // ---- trace.dat (trace-cmd's binary file) ----
  'trace-dat-truncated': { severity: 'data-loss', doc: 'The trace.dat file ends before the end of a CPU\'s data (the recorder was killed, the file was cut): every complete ring-buffer page before the cut was read.' },
  'trace-dat-bad-page': { severity: 'data-loss', doc: 'A ring-buffer page whose header or events do not fit the page (corrupt data): the rest of that page was skipped.' },
  'trace-dat-bad-chunk': { severity: 'data-loss', doc: 'A compressed chunk of CPU data that does not decompress, or decompresses to another size than declared (or past the decompression limits): its pages were skipped.' },
  'trace-dat-missed-events': { severity: 'data-loss', doc: 'The kernel ring buffer marked events as lost before a page (overwritten before trace-cmd read them): frees may be missing.' },
  'trace-dat-unknown-type': { severity: 'data-loss', doc: 'An event whose type id has no format file in the trace.dat: it was counted, not decoded.' },
  'trace-dat-unread-events': { severity: 'data-loss', doc: 'The trace.dat\'s CPU statistics show events still in the kernel ring buffer when the recording stopped (trace-cmd did not drain it): they are not in the file, so the last frees (and allocations) of those CPUs are missing.' },
  'trace-dat-unsupported': { severity: 'warning', doc: 'A part of the trace.dat that memforensics does not read (a latency trace, extra instances, guest time shifts); named in the message.' },

  // ---- kmemleak ----
  'kmemleak-orphan-line': { severity: 'data-loss', doc: 'A hex dump or backtrace line outside any unreferenced object block.' },
  'kmemleak-incomplete-object': { severity: 'warning', doc: 'An object header followed by another object before any backtrace; kept and marked partial.' },

  // ---- snapshot series (slabinfo, slabtop, meminfo, vmstat, buddyinfo, pagetypeinfo, extfrag) ----
  'snapshot-partial': { severity: 'data-loss', doc: 'The last snapshot was cut short (capture killed mid-write); it is reported and not used as a full sample.' },
  'snapshot-no-timestamp': { severity: 'warning', doc: 'A snapshot without a timestamp in a series where others have one.' },
  'snapshot-duplicate-key': { severity: 'warning', doc: 'A field or cache appears twice in one snapshot; the later value wins.' },
  'vmstat-since-boot': { severity: 'info', doc: 'The first vmstat sample is an average since boot, not an interval; marked.' },
  'vmstat-column-mismatch': { severity: 'data-loss', doc: 'A vmstat row has a different number of columns than its header.' },
  'vmstat-timezone-assumed': { severity: 'warning', doc: 'The vmstat -t time zone abbreviation is ambiguous or unknown; its timestamps were read as UTC.' },
  'vmstat-row-without-header': { severity: 'data-loss', doc: 'A vmstat sample row before any column header: its columns cannot be named; skipped.' },
  'csv-no-time-column': { severity: 'warning', doc: 'The CSV has no recognisable time column; rows are indexed by the sampling interval option.' },
  'csv-bad-value': { severity: 'data-loss', doc: 'A CSV cell that should be numeric is not.' },
  'csv-column-mismatch': { severity: 'data-loss', doc: 'A CSV row has a different number of cells than the header; missing cells are null, extra cells dropped.' },
  'csv-bad-row': { severity: 'data-loss', doc: 'A CSV row the CSV reader could not split (unterminated quote, row longer than 16 KiB or 1024 cells); the row was not used.' },
  'pagetypeinfo-capped-count': { severity: 'info', doc: 'pagetypeinfo printed a free-list count as `>100000`: the kernel stops counting there, so the value is a lower bound (buddyinfo has the exact per-zone count).' },
  'extfrag-wrong-file': { severity: 'warning', doc: 'An extfrag file whose `... index at order` header names the other index (unusable_index read as extfrag_index or the reverse, e.g. a forced format).' },
  'extfrag-negative-printed': { severity: 'warning', doc: 'extfrag_index printed an index between -1 and 0 as `0.-500` (the kernel prints index/1000 and index%1000 with %d.%03d; happens e.g. in a zone with a single free block); read as the negative number.' },
  'cgroup-value-without-file': { severity: 'data-loss', doc: 'A bare number in a cgroup memory capture with no file named before it (memory.current and memory.max look alike): capture with `grep -H .` or `head`, so that each value names its file.' },

  // ---- leak reports (bcc memleak, bpftrace, OOM, LSan, valgrind) ----
  'report-orphan-frame': { severity: 'data-loss', doc: 'A stack frame line outside any stack block.' },
  'memleak-bad-stack-header': { severity: 'data-loss', doc: 'A bcc memleak `N bytes in M allocations from stack` or `addr = X size = N` line whose numbers could not be read.' },
  'bpftrace-unclosed-key': { severity: 'data-loss', doc: 'A multi-line bpftrace map key (`@name[` + stack frames) that never reached its `]: value` line; the entry was dropped.' },
  'bpftrace-orphan-bucket': { severity: 'data-loss', doc: 'A hist()/lhist() bucket line that follows no histogram map entry.' },
  'bpftrace-bad-value': { severity: 'data-loss', doc: 'A bpftrace map entry whose value is neither a number, a stats() triple, a histogram nor text.' },
  'oom-incomplete-block': { severity: 'warning', doc: 'An OOM-killer report without its kill line (log cut or interleaved).' },
  'oom-malformed-line': { severity: 'data-loss', doc: 'A line with the shape of an OOM / low-memory-killer report line (trigger, kill, free list, task row, memcg counter) whose fields could not be read.' },
  'leak-summary-mismatch': { severity: 'warning', doc: 'The tool\'s own totals (LSan SUMMARY, valgrind LEAK SUMMARY) differ from the sum of the leak records read: records were cut, suppressed or not shown.' },
  'leak-truncated-record': { severity: 'data-loss', doc: 'An LSan / valgrind leak record header whose stack never came (input cut); the record is kept without frames.' },
} as const satisfies Record<string, { severity: Severity; doc: string }>;

export type Severity = 'info' | 'warning' | 'data-loss' | 'error';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'data-loss', 'error'];
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function severityOf(code: DiagnosticCode): Severity {
  return DIAGNOSTIC_CODES[code].severity;
}
