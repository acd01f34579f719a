/**
 * memforensics: offline forensics of Linux memory growth. The pure core: no Node-only imports,
 * so it runs in browsers, Deno, notebooks and other tools. Files, folders, gzip and the CLI
 * live in `memforensics/node`. Named exports by topic; modules' internals stay internal.
 */

// The parser contract: one push core per format, sync and async front ends, stable diagnostics and input errors.
export { CommonParseOptionsSchema, FORMAT_IDS, FormatIdSchema, MAX_LINE_CHARS, ParseStatsSchema, frontEnds, parseAsync, parseText, type CommonParseOptions, type Emit, type FormatId, type ParseResult, type ParseStats, type ParserCore, type ParserDefinition, type SniffContext, type SniffResult } from './core/parser.js';
export { IncrementalParse } from './core/incremental.js';
export { DIAGNOSTIC_CODES, SEVERITIES, severityOf, type DiagnosticCode, type Severity } from './core/diagnostic-codes.js';
export { DEFAULT_MAX_DIAGNOSTICS_PER_CODE, DiagnosticSchema, DiagnosticSummarySchema, SeveritySchema, type Diagnostic, type DiagnosticSummary } from './core/diagnostics.js';
export { INPUT_ERROR_CODES, MemforensicsInputError, isInputError, type InputErrorCode } from './core/errors.js';
export { headOf, splitLines } from './core/lines.js';

// Shared models and the concepts declared once: findings, their kinds and severities, verdict kinds, series, stacks.
export { AllocationSiteSchema, CULPRIT_FINDING_KINDS, EvidenceSchema, FINDING_KINDS, FINDING_SEVERITIES, FindingKindSchema, FindingSchema, FindingSeveritySchema, LEAK_FINDING_KINDS, MemorySpaceSchema, SnapshotSchema, StackFrameSchema, StackTraceSchema, TimeSeriesSchema, UsageRoleSchema, VERDICT_KINDS, VerdictKindSchema, compareSeverity, severityRank, type AllocationSite, type Evidence, type Finding, type FindingKind, type FindingSeverity, type MemorySpace, type StackFrame, type StackTrace, type TimeSeries, type UsageRole, type VerdictKind, worseSeverity } from './core/models.js';

// Human formatters and size parsing.
export { fields, parseSize } from './core/text.js';
export { bytesPerUnit, formatBytes, formatDuration, formatNumber, formatPercent, formatQuantity, formatRate, formatTime, formatTimeToLimit } from './core/format.js';
export { ASSUMED_TIME_AXIS_MARK, TIME_AXIS_SOURCES, TimeAxisSchema, TimeAxisSourceSchema, type TimeAxis, type TimeAxisSource } from './core/models.js';

// Format detection and the registry of parsers.
export { DETECTION_THRESHOLD, PARSERS, detectFormat, parserFor, type FormatCandidate } from './parsers/registry.js';
export { chooseFormat, parseArtefactStream, parseArtefactText, type AutoParseOptions, type Detection } from './parsers/auto.js';
export { SeriesTimeOptionsSchema, snapshotSeries, type SeriesTimeOptions } from './parsers/series-time.js';

// Kernel traces: trace-cmd report / ftrace text, trace-cmd stat.
export { ftraceParser, parseFtrace, parseFtraceAsync, parseTraceCmd, parseTraceCmdAsync, splitTraceRecords, traceCmdParser } from './parsers/tracecmd/index.js';
export { TRACE_EVENT_KINDS, TraceEventKindSchema, TraceEventSchema, TraceParseOptionsSchema, TraceRecordSchema, TraceStackRecordSchema, type TraceEvent, type TraceEventKind, type TraceParseOptions, type TraceRecord, type TraceStackRecord } from './parsers/tracecmd/core.js';
export { TraceCmdCpuStatSchema, parseTraceCmdStat, parseTraceCmdStatAsync, traceCmdStatParser, type TraceCmdCpuStat } from './parsers/tracecmd-stat/index.js';

// Kernel memory: kmemleak, slabinfo/slabtop, meminfo, vmstat, buddyinfo/pagetypeinfo/extfrag, OOM and lmkd logs.
export { KmemleakDebugSchema, KmemleakObjectSchema, KmemleakOptionsSchema, kmemleakParser, parseKernelFrame, parseKmemleak, parseKmemleakAsync, type KmemleakObject, type KmemleakOptions } from './parsers/kmemleak/index.js';
export { SlabCacheSchema, SlabinfoOptionsSchema, SlabinfoSnapshotSchema, SlabtopCacheSchema, SlabtopSnapshotSchema, parseSlabinfo, parseSlabinfoAsync, parseSlabinfoCacheLine, parseSlabtop, parseSlabtopAsync, slabCacheSeries, slabinfoParser, slabinfoSeries, slabtopAsSlabinfo, slabtopParser, type SlabCache, type SlabinfoOptions, type SlabinfoSnapshot, type SlabtopCache, type SlabtopSnapshot } from './parsers/slabinfo/index.js';
export { MeminfoOptionsSchema, MeminfoSnapshotSchema, meminfoParser, meminfoSeries, parseMeminfo, parseMeminfoAsync, type MeminfoOptions, type MeminfoSnapshot } from './parsers/meminfo/index.js';
export { VmstatCountersSchema, VmstatOptionsSchema, VmstatRecordSchema, VmstatSampleSchema, VmstatSummarySchema, VmstatUnitSchema, parseVmstat, parseVmstatAsync, type VmstatCounters, type VmstatOptions, type VmstatRecord, type VmstatSample, type VmstatSummary, type VmstatUnit, vmstatParser, vmstatSeries } from './parsers/vmstat/index.js';
export { BuddyZoneSchema, BuddyinfoOptionsSchema, BuddyinfoSnapshotSchema, ExtfragSnapshotSchema, ExtfragZoneSchema, buddyinfoParser, buddyinfoSeries, extfragIndexParser, extfragUnusableParser, parseBuddyinfo, parseBuddyinfoAsync, parseExtfragIndex, parseExtfragIndexAsync, parseExtfragUnusable, parseExtfragUnusableAsync, type BuddyZone, type BuddyinfoOptions, type BuddyinfoSnapshot, type ExtfragSnapshot, type ExtfragZone, zoneFreePages, zoneKey } from './parsers/buddyinfo/index.js';
export { PagetypeBlockRowSchema, PagetypeFreeRowSchema, PagetypeinfoOptionsSchema, PagetypeinfoSnapshotSchema, pagetypeinfoAsBuddyinfo, pagetypeinfoParser, pagetypeinfoZones, parsePagetypeinfo, parsePagetypeinfoAsync, type PagetypeBlockRow, type PagetypeFreeRow, type PagetypeinfoOptions, type PagetypeinfoSnapshot } from './parsers/buddyinfo/pagetypeinfo.js';
export { MemcgCounterSchema, OomOptionsSchema, OomReportSchema, OomTaskSchema, OomVictimSchema, OomZoneSchema, oomParser, parseOom, parseOomAsync, type OomOptions, type OomReport, type OomTask, type OomVictim } from './parsers/oom/index.js';

// User space: bcc memleak, bpftrace, LSan/ASan, valgrind, ps/rss, pidstat, pmap, smaps_rollup, CSV.
export { MemleakOptionsSchema, MemleakReportSchema, MemleakStackSchema, bccMemleakParser, parseBccMemleak, parseBccMemleakAsync, parseMemleakFrame, type MemleakOptions, type MemleakReport, type MemleakStack } from './parsers/bcc-memleak/index.js';
export { BpftraceBucketSchema, BpftraceEntrySchema, BpftraceMarkerSchema, BpftraceOptionsSchema, BpftraceRecordSchema, bpftraceParser, parseBpftrace, parseBpftraceAsync, parseBpftraceFrame, type BpftraceEntry, type BpftraceMarker, type BpftraceOptions, type BpftraceRecord } from './parsers/bpftrace/index.js';
export { lsanParser, parseLsan, parseLsanAsync, parseSanitizerFrame } from './parsers/lsan/index.js';
export { LeakKindSchema, LeakRecordSchema, LeakReportRecordSchema, LeakSummaryRecordSchema, type LeakKind, type LeakRecord, type LeakReportRecord, type LeakSummaryRecord } from './parsers/lsan/record.js';
export { parseValgrind, parseValgrindAsync, parseValgrindFrame, valgrindParser } from './parsers/valgrind/index.js';
export { RssOptionsSchema, RssSampleSchema, parseRss, parseRssAsync, rssParser, rssSeries, type RssOptions, type RssSample } from './parsers/rss/index.js';
export { PidstatOptionsSchema, PidstatSampleSchema, parsePidstat, parsePidstatAsync, pidstatParser, pidstatSeries, type PidstatOptions, type PidstatSample } from './parsers/pidstat/index.js';
export { PmapMappingSchema, PmapOptionsSchema, PmapSnapshotSchema, parsePmap, parsePmapAsync, pmapParser, pmapSeries, type PmapMapping, type PmapOptions, type PmapSnapshot } from './parsers/pmap/index.js';
export { SmapsRollupOptionsSchema, SmapsRollupSnapshotSchema, parseSmapsRollup, parseSmapsRollupAsync, smapsRollupParser, smapsRollupSeries, type SmapsRollupOptions, type SmapsRollupSnapshot } from './parsers/smaps-rollup/index.js';
export { CsvColumnSchema, CsvHeaderRecordSchema, CsvOptionsSchema, CsvRecordSchema, CsvRowRecordSchema, csvParser, csvSeries, parseCsv, parseCsvAsync, type CsvColumn, type CsvHeaderRecord, type CsvOptions, type CsvRecord, type CsvRowRecord } from './parsers/csv/index.js';
export { CgroupMemoryOptionsSchema, CgroupMemorySnapshotSchema, cgroupMemoryParser, cgroupPathOf, parseCgroupMemory, parseCgroupMemoryAsync, type CgroupMemoryOptions, type CgroupMemorySnapshot } from './parsers/cgroup/index.js';
export { PsiLineSchema, PsiOptionsSchema, PsiPressureSchema, PsiSnapshotSchema, parsePsi, parsePsiAsync, parsePsiLine, psiParser, psiStallSeries, type PsiLine, type PsiOptions, type PsiPressure, type PsiSnapshot } from './parsers/psi/index.js';
export { AllocinfoOptionsSchema, AllocinfoSiteSchema, AllocinfoSnapshotSchema, allocinfoParser, allocinfoSiteKey, parseAllocinfo, parseAllocinfoAsync, parseAllocinfoLine, type AllocinfoOptions, type AllocinfoSite, type AllocinfoSnapshot } from './parsers/allocinfo/index.js';
export { ZoneinfoOptionsSchema, ZoneinfoSnapshotSchema, ZoneinfoZoneSchema, parseZoneinfo, parseZoneinfoAsync, zoneinfoParser, type ZoneinfoOptions, type ZoneinfoSnapshot, type ZoneinfoZone } from './parsers/zoneinfo/index.js';
export { VmallocAreaSchema, VmallocinfoOptionsSchema, VmallocinfoSnapshotSchema, parseVmallocLine, parseVmallocinfo, parseVmallocinfoAsync, vmallocCallerFunction, vmallocinfoParser, type VmallocArea, type VmallocinfoOptions, type VmallocinfoSnapshot } from './parsers/vmallocinfo/index.js';

// Qualify: the trend engine (lower envelope, regimes, cycles, robust rates, time to limit) and its estimators.
export { DetectLeakTrendOptionsSchema, LeakTrendResultSchema, LeakTrendVerdictSchema, TrendRegimeSchema, detectLeakTrend, type DetectLeakTrendOptions, type LeakTrendResult, type LeakTrendVerdict, type TrendRegime, type TrendSeriesInput } from './analysis/trend/detectLeakTrend.js';
export { TrendEntrySchema, toTrendEntry, toTrendFinding, type TrendEntry, type TrendFindingOptions } from './analysis/trend/toReport.js';
export { MannKendallResultSchema, mannKendall, type MannKendallOptions, type MannKendallResult } from './analysis/trend/mannKendall.js';
export { SenSlopeResultSchema, senSlope, type SenSlopeResult } from './analysis/trend/senSlope.js';
export { NeweyWestResultSchema, neweyWestSlope, type NeweyWestResult } from './analysis/trend/neweyWest.js';
export { olsFit, olsSlope, type OlsFit } from './analysis/trend/ols.js';
export { CycleResultSchema, detectCycle, type CycleOptions, type CycleResult } from './analysis/trend/cycles.js';
export { RegimeFitSchema, fitRegimes, type RegimeFit } from './analysis/trend/changePoints.js';
export { SegmentSchema, splitRestarts, type RestartOptions, type Segment } from './analysis/trend/segments.js';
export { BinSeriesSchema, reduceSeries, robustSigma, type BinSeries, type ReduceOptions, type Reduction } from './analysis/trend/reduce.js';
export { TimeToLimitResultSchema, envelopeLevel, timeToLimit, type TimeToLimitInput, type TimeToLimitResult } from './analysis/trend/timeToLimit.js';

// Localize and root-cause: trace pairing, slab growth, meminfo attribution, kmemleak clusters, stack growth, leak sites, OOM timeline.
export { AllocationPairer, DEFAULT_TRACER_COMMS, LifetimeStatsSchema, PairedSiteSchema, PairedStackSchema, PairedTaskSchema, PairingOptionsSchema, PairingResultSchema, UnmatchedFreeSampleSchema, pairAllocations, type LifetimeStats, type PairedSite, type PairedStack, type PairedTask, type PairingOptions, type PairingResult, type PieceTaskAgg, type PieceUnmatched } from './analysis/pairing/pairAllocations.js';
export { firstFrameOutsideAllocator, frameText, isAllocatorFrame, isUnknownFrame } from './analysis/allocatorFrames.js';
export { SlabGrowthOptionsSchema, SlabGrowthResultEntrySchema, SlabGrowthResultSchema, isReclaimableCache, slabGrowth, type SlabGrowthOptions, type SlabGrowthResult, type SlabGrowthResultEntry } from './analysis/slabGrowth.js';
export { MEMINFO_COMPONENTS, MeminfoAttributionComponentSchema, MeminfoAttributionOptionsSchema, MeminfoAttributionResultSchema, meminfoAttribution, type MeminfoAttributionComponent, type MeminfoAttributionOptions, type MeminfoAttributionResult, unaccountedKb } from './analysis/meminfoAttribution.js';
export { ContentKindSchema, KmemleakClusterOptionsSchema, KmemleakClusterResultSchema, KmemleakClusteringSchema, KmemleakContentGroupSchema, backtraceKeyOf, clusterKmemleak, contentKindOf, contentSimilarity, kmemleakFindings, kmemleakSites, textRuns, type ContentKind, type KmemleakClusterOptions, type KmemleakClusterResult, type KmemleakClustering } from './analysis/clusterKmemleak.js';
export { KmemleakAcrossScansSchema, KmemleakScanSchema, KmemleakScanStatusSchema, KmemleakSeriesClusterSchema, kmemleakAcrossScans, kmemleakAcrossScansFindings, type KmemleakAcrossScans, type KmemleakAcrossScansOptions, type KmemleakArtefact, type KmemleakScan, type KmemleakScanStatus, type KmemleakSeriesCluster } from './analysis/kmemleakAcrossScans.js';
export { KmemleakScanSequenceSchema, KmemleakScanSequencesSchema, kmemleakScanSequences, printStyle as kmemleakPrintStyle, type KmemleakScanSequence, type KmemleakScanSequences } from './analysis/kmemleakScanSequences.js';
export { StackGrowthComparisonSchema, StackGrowthEntrySchema, StackGrowthOptionsSchema, StackGrowthResultSchema, StackGrowthVerdictSchema, bpftraceStackGrowth, compareStackGrowth, guessStackSpace, memleakStackGrowth, stackGrowthFindings, stackGrowthSites, type StackGrowthComparison, type StackGrowthEntry, type StackGrowthOptions, type StackGrowthResult, type StackGrowthVerdict } from './analysis/stackGrowth.js';
export { LeakSiteEntrySchema, LeakSitesResultSchema, LeakToolSummarySchema, leakSiteFindings, leakSites, toAllocationSites, type LeakSiteEntry, type LeakSitesResult, type LeakToolSummary } from './analysis/leakSites.js';
export { OomEventEntrySchema, OomFragmentationSchema, OomTimelineResultSchema, judgeOomFragmentation, oomAllocCaller, oomTimeline, type OomEventEntry, type OomFragmentation, type OomTimelineResult } from './analysis/oomTimeline.js';

// Leak or fragmentation, graded alerts, before/after comparison.
export { CapacityLossSchema, DEFAULT_HIGH_ORDER, FragmentationAnalysisSchema, FragmentationOptionsSchema, IdleWindowSchema, KernelIndexCheckSchema, PAGE_ALLOC_COSTLY_ORDER, ZoneFragmentationSchema, ZoneIndicesSchema, analyzeFragmentation, checkKernelIndices, contigPageInfo, fragmentationFindings, fragmentationIndex, fragmentationIndices, highOrderPages, splitCapacityLoss, type CapacityLoss, type ContigPageInfo, type FragmentationAnalysis, type FragmentationOptions, type FragmentationPoint, type IdleWindow, type KernelIndexCheck, type ZoneFragmentation, type ZoneIndices, unusableFreeIndex } from './analysis/fragmentation.js';
export { ClassifyMemoryGrowthOptionsSchema, GrowthEvidenceSchema, GrowthKindSchema, MemoryGrowthClassificationSchema, TrendSummarySchema, classifyMemoryGrowth, type ClassifyMemoryGrowthInput, type ClassifyMemoryGrowthOptions, type GrowthEvidence, type GrowthKind, type MemoryGrowthClassification, type TrendSummary } from './analysis/classifyMemoryGrowth.js';
export { CgroupSummarySchema, cgroupMemoryAnalysis, type CgroupMemoryResult, type CgroupSummary, type CgroupUsageSeries } from './analysis/cgroupMemory.js';
export { AllocinfoSiteGrowthSchema, allocinfoGrowth, type AllocinfoGrowthResult, type AllocinfoSiteGrowth } from './analysis/allocinfoGrowth.js';
export { ZoneWatermarkSummarySchema, zoneWatermarks, type ZoneWatermarkResult, type ZoneWatermarkSummary } from './analysis/zoneWatermarks.js';
export { VmallocCallerGrowthSchema, vmallocGrowth, type VmallocCallerGrowth, type VmallocGrowthResult } from './analysis/vmallocGrowth.js';
export { AlertThresholdsSchema, DEFAULT_ALERT_THRESHOLDS, gradeCulprit, gradeLeak, type AlertThresholds, type LeakSignal } from './analysis/alerts.js';
export { ComparisonItemSchema, ComparisonSchema, type Comparison, type ComparisonItem } from './analysis/comparison.js';

// The pipeline: parsed artefacts -> every format's analysis -> the verdict -> a Report.
export { analyze } from './pipeline/analyze.js';
export { analyzeTexts, parseTexts, type TextArtefact } from './pipeline/analyzeTexts.js';
export { AnalyzeOptionsSchema, type AnalysisContext, type AnalyzeOptions, type ParsedArtefact, type StreamedResults } from './pipeline/context.js';
export { FORMAT_MODULES, formatModule } from './pipeline/formats/index.js';
export { parseStreamWith, type FormatModule, type StreamingConsumer } from './pipeline/formats/module.js';
export { culpritKey, diagnose, isLeakFinding, mergeByCulprit } from './pipeline/verdict.js';
export { TOOL_VERSION, buildReport, rankFindings } from './pipeline/buildReport.js';
export { compareRuns } from './pipeline/compareRuns.js';
export { parseEpochLog, resolveTimeAxes } from './pipeline/timeAxis.js';

// Reports: the strict Report schema and its pure renderers.
export { AllocationSiteEntrySchema, ArtefactSchema, FragmentationSectionSchema, KmemleakClusterSchema, LeakSiteSchema, MeminfoSectionSchema, OomEventSchema, ReportSchema, ReportSeriesSchema, SCHEMA_VERSION, SlabGrowthEntrySchema, StackGrowthSchema, ToolSiteEntrySchema, TraceSiteEntrySchema, VerdictSchema, type AllocationSiteEntry, type Artefact, type FragmentationSection, type Report, type ReportSections, type ReportSeries, type Verdict } from './report/schema.js';
export { RenderMarkdownOptionsSchema, renderMarkdown, type RenderMarkdownOptions } from './report/markdown.js';
export { REPORT_CSP, RenderHtmlOptionsSchema, renderHtml, type RenderHtmlOptions } from './report/html.js';
export { ToVegaLiteOptionsSchema, VEGA_LITE_SCHEMA, VegaLiteChartSchema, toVegaLite, type ToVegaLiteOptions, type VegaLiteChart } from './report/vegaLite.js';
export { BuildChartsOptionsSchema, ChartLayerRoleSchema, ChartLayerSchema, ChartMarkerSchema, ChartSpecSchema, HeatmapSchema, buildCharts, trendOverlays, type BuildChartsOptions, type ChartLayer, type ChartLayerRole, type ChartMarker, type ChartSpec } from './report/charts.js';
export { reportJsonSchema } from './report/jsonSchema.js';
export { escapeHtml, escapeMarkdown, jsonForScript, markdownCode, visibleText } from './report/escape.js';
