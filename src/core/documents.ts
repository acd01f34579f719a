/**
 * Documents shipped beside captures: a README, notes, the list of sources. They often quote
 * capture output (a SOURCES.md quoting a pmap header and a slabinfo line read as pmap with
 * confidence 0.95), so they are told by their name, never by their content, and never detected
 * as a capture. Forcing a format (--format) still parses one.
 */
const DOCUMENT_STEMS = ['readme', 'notes', 'note', 'sources', 'changelog', 'changes', 'license', 'licence', 'copying', 'authors', 'todo'];
const DOCUMENT_EXTENSIONS = ['.md', '.markdown', '.rst', '.adoc', '.org'];

/**
 * Whether a file name is that of a document (README, NOTES.txt, SOURCES-public.md, x.md).
 * @example
 * isDocumentName('captures/NOTES.txt') // true
 * isDocumentName('meminfo.txt') // false
 */
export function isDocumentName(filePath: string): boolean {
  const base = filePath.slice(Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\')) + 1).toLowerCase();
  if (DOCUMENT_EXTENSIONS.some((e) => base.endsWith(e))) return true;
  const stem = base.endsWith('.txt') ? base.slice(0, -4) : base.endsWith('.text') ? base.slice(0, -5) : base;
  // README, README.txt, NOTES-run2, SOURCES_public: the stem, then nothing or a separator.
  return DOCUMENT_STEMS.some((s) => stem === s || (stem.startsWith(s) && '-_. '.includes(stem.charAt(s.length))));
}
