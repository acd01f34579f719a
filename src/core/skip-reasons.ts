/**
 * The one table of reasons a parser may give for skipping a line on purpose (Emit.skip). Each
 * lands in `stats.skippedByReason`, so a user can check that every skipped line was meant to be
 * skipped. Add new reasons here, with what they mean, and nowhere else.
 */
export const SKIP_REASONS = {
  // ---- shared framing ----
  blank: 'An empty line.',
  header: 'A column header or format banner line.',
  'repeated-header': 'A column header printed again mid-capture (vmstat every screenful).',
  separator: 'A separator between snapshots (`===`, `---`).',
  'table-separator': 'A rule line under a table header.',
  timestamp: 'A timestamp line that stamps the next snapshot (epoch or date).',
  comment: 'A comment line (`#`).',
  foreign: 'A line from another log interleaved with the capture (program output, a shell prompt).',
  banner: 'A tool banner (`Attaching N probes...`, `Tracing outstanding memory allocs...`).',
  preamble: 'Lines a tool prints before its data.',
  elided: 'A tool elided lines (`...`) and said so.',
  elision: 'A marker that the tool elided part of its output.',
  heuristic: 'A line kept out by a heuristic of its format (e.g. unreliable guesses the tool marks).',
  'program-output': 'Output of the program under a tool (valgrind) rather than of the tool.',
  'time-without-value': 'A time stamp printed with no value after it.',
  'per-cpu': 'A per-CPU line that the totals already count.',
  // ---- traces ----
  'trace-marker': 'A trace_marker write (user annotation) in a trace.',
  'other-event': 'A trace event that memforensics does not analyse (counted by name).',
  'orphan-frame': 'A stack frame line with no event before it.',
  'unreliable-frame': 'A stack frame the unwinder marked unreliable (`?`).',
  // ---- kmemleak, sanitizers, valgrind, OOM ----
  'kmemleak-message': 'A kmemleak status message (`kmemleak: N new suspected memory leaks`).',
  'kmemleak-summary': 'A kmemleak summary line.',
  'leaked-objects': 'A count of leaked objects the records already hold.',
  'sanitizer-message': 'A sanitizer message that is not a leak record.',
  'other-report': 'Another sanitizer report kind (use-after-free, overflow) in the same log.',
  'other-report-frame': 'A stack frame of another report kind.',
  'other-summary': 'A summary line of another report kind.',
  'other-error': 'Another valgrind error kind (invalid read, uninitialised value).',
  'error-frame': 'A stack frame of another valgrind error.',
  suppressions: 'Sanitizer or valgrind suppression output.',
  'tool-message': 'A message of the tool about itself.',
  'tool-warning': 'A warning of the tool about itself.',
  'report-detail': 'A detail line of an OOM report that the timeline does not use.',
  registers: 'CPU register dump lines of a kernel report.',
  'hardware-name': 'The `Hardware name:` line of a kernel report.',
  'syzbot-header': 'A syzbot report header.',
  'lowmemorykiller-select': 'lowmemorykiller selecting a victim (the kill line follows).',
  'other-message': 'A kernel log message that is not part of an OOM report.',
  // ---- formats' own ----
  vmflags: 'The VmFlags line of a smaps entry.',
  'unused-file': 'A line of a cgroup memory file memforensics does not read (memory.numa_stat, memory.swappiness, ...).',
  'legacy-2.4-byte-table': 'The byte table of a Linux 2.4 meminfo, which the kB lines repeat.',
} as const;

export type SkipReason = keyof typeof SKIP_REASONS;
