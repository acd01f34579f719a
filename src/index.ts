/**
 * memforensics: offline forensics of Linux memory growth. The pure core: no Node-only imports,
 * so it runs in browsers, Deno, notebooks and other tools. Files, folders, gzip and the CLI
 * live in `memforensics/node`.
 */

// The parser contract, diagnostics, errors and shared models.
export * from './core/parser.js';
export * from './core/diagnostic-codes.js';
export * from './core/diagnostics.js';
export * from './core/errors.js';
export * from './core/lines.js';
export * from './core/models.js';
export * from './core/framing.js';
export { fields, parseSize, formatBytes, formatDuration, bytesPerUnit } from './core/text.js';

// Format detection and every parser.
export * from './parsers/registry.js';
export * from './parsers/auto.js';
export * from './parsers/series-time.js';
export * from './parsers/tracecmd/index.js';
export * from './parsers/tracecmd-stat/index.js';
export * from './parsers/kmemleak/index.js';
export * from './parsers/slabinfo/index.js';
export * from './parsers/meminfo/index.js';
export * from './parsers/vmstat/index.js';
export * from './parsers/buddyinfo/index.js';
export * from './parsers/bcc-memleak/index.js';
export * from './parsers/bpftrace/index.js';
export * from './parsers/oom/index.js';
export * from './parsers/lsan/index.js';
export * from './parsers/valgrind/index.js';
export * from './parsers/rss/index.js';
export * from './parsers/pidstat/index.js';
export * from './parsers/pmap/index.js';
export * from './parsers/smaps-rollup/index.js';
export * from './parsers/csv/index.js';

// Analyses: pure functions over typed records.
export * from './analysis/index.js';
export * from './analysis/analyzeTexts.js';
export * from './analysis/trend/index.js';
export * from './analysis/pairing/index.js';
export * from './analysis/slabGrowth.js';
export * from './analysis/meminfoAttribution.js';
export * from './analysis/fragmentation.js';
export * from './analysis/classifyMemoryGrowth.js';
export * from './analysis/clusterKmemleak.js';
export * from './analysis/kmemleakAcrossScans.js';
export * from './analysis/stackGrowth.js';
export * from './analysis/oomTimeline.js';
export * from './analysis/leakSites.js';
export * from './analysis/allocatorFrames.js';
export * from './analysis/alerts.js';
export * from './analysis/diagnose.js';
export * from './analysis/compareRuns.js';
export { runUsageTrends } from './analysis/usageTrends.js';

// Reports: the data object and its renderers.
export * from './report/schema.js';
export * from './report/buildReport.js';
export * from './report/markdown.js';
export * from './report/html.js';
export * from './report/vegaLite.js';
export * from './report/charts.js';
export { escapeHtml, escapeMarkdown, markdownCode, jsonForScript, visibleText } from './report/escape.js';
