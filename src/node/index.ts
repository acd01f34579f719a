/**
 * memforensics/node: the Node-only edges (files, folders, gzip, the CLI's pipeline).
 * Everything else lives in the pure core, `memforensics`.
 */
export { analyzePaths, parsePaths, type AnalyzePathsOptions } from './analyzePaths.js';
export { openFileSource, type FileByteSource } from './fileSource.js';
export { contentKind, listArtefactFiles, readChunks, readHead, sidecarTarget, type ContentKind, type WalkEntry } from './files.js';
export { defaultPieceBytes, pairTraceFileParallel, type ParallelTraceOptions, type ParallelTraceResult } from './parallel-trace.js';
export { CaptureWatcher, reportChanges, watchFolder, type WatchChange, type WatchFolderOptions, type WatchPollResult } from './watch.js';
