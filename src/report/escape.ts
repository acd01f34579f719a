/**
 * Escaping for every renderer. Strings that come from a capture (comm names, symbols, file
 * names, hex-dump text, diagnostics' excerpts) are untrusted: a kernel log can contain anything a
 * process chose to call itself. Every capture-derived string goes through one of these before it
 * reaches HTML or Markdown. Pure functions, browser-safe.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Bidirectional overrides and isolates (the "Trojan Source" characters), zero-width characters
 * and the line/paragraph separators U+2028/U+2029: they can make a symbol read differently from
 * what it is, or break a line. Shown as visible `<U+202E>` style escapes instead.
 */
const INVISIBLE = /[\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
/** C0/C1 control characters other than tab and newline. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function codePoint(ch: string): string {
  return `<U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * Makes invisible and control characters visible (`<U+202E>`), so what a reader sees is what the
 * capture holds. Applied by the HTML and Markdown escapers before their own escaping.
 * @example
 * visibleText('a\u202Eb') // 'a<U+202E>b'
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, codePoint).replace(CONTROL, codePoint);
}

/**
 * Escapes text for HTML element content and quoted attribute values (`& < > " ' \``).
 * @example
 * escapeHtml('<img src=x onerror=alert(1)>') // '&lt;img src=x onerror=alert(1)&gt;'
 */
export function escapeHtml(value: unknown): string {
  return visibleText(String(value ?? '')).replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]!);
}

/**
 * Serialises a value as JSON that is safe inside `<script type="application/json">`: `<`, `>`
 * and `&` become `\u003c`, `\u003e`, `\u0026` (so neither `</script>` nor `<!--` can end or
 * change the block), and U+2028/U+2029 are escaped too. `JSON.parse` of the text gives the value.
 * @example
 * jsonForScript({ s: '</script>' }) // '{"s":"\\u003c/script\\u003e"}'
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Characters with an inline meaning in CommonMark/GFM (emphasis, code, links, tables,
 * strikethrough), plus `<` (no tag can open without it) and `&` before an entity name. `(`, `)`
 * and `!` only matter next to `[`/`]`, which are escaped, and a `>` only at a line start (a quote),
 * so they stay as they are: `do_eventfd+0x24/0x60` and `0.04 -> 0.25` stay readable.
 */
const MD_SPECIAL = /[\\`*_[\]|~<]|&(?=[#A-Za-z0-9])/g;
const MD_ENTITIES: Record<string, string> = { '<': '&lt;', '&': '&amp;' };
/** A line start that CommonMark reads as a block (heading, list, quote, thematic break, list number). */
const MD_BLOCK_START = /^[#+=>-]/;
const MD_ORDERED_START = /^(\d{1,9})([.)])(?=\s|$)/;

/**
 * Escapes capture text for Markdown inline content: Markdown punctuation is backslash-escaped,
 * HTML-significant characters become entities (GitHub and GitLab render raw HTML in Markdown),
 * newlines become spaces. Safe in table cells (pipes are escaped).
 * @example
 * escapeMarkdown('a|b <script>') // 'a\\|b &lt;script>'
 */
export function escapeMarkdown(value: unknown): string {
  const text = escapeMarkdownCell(value);
  if (MD_BLOCK_START.test(text)) return `\\${text}`;
  return text.replace(MD_ORDERED_START, '$1\\$2');
}

/**
 * Escapes text for a GFM table cell: as escapeMarkdown, without the line-start escapes (a cell
 * holds inline content only: `+40 MiB/h` or `- 3` cannot open a list there).
 * @example
 * escapeMarkdownCell('+2.00 MiB/h') // '+2.00 MiB/h'
 */
export function escapeMarkdownCell(value: unknown): string {
  return visibleText(String(value ?? ''))
    .replace(/\r\n?|\n/g, ' ')
    .replace(MD_SPECIAL, (ch) => MD_ENTITIES[ch] ?? `\\${ch}`);
}

/**
 * Capture text as a Markdown code span: monospace and literal. Backticks inside are handled with a
 * longer fence and newlines become spaces. In a GFM table cell (`inTable`) pipes, which end the
 * cell even inside a code span, are written `\|` (GFM renders them as `|` there).
 * @example
 * markdownCode('kmalloc-64') // '`kmalloc-64`'
 * markdownCode('a|b', true) // '`a\\|b`'
 */
export function markdownCode(value: unknown, inTable = false): string {
  let text = visibleText(String(value ?? '')).replace(/\r\n?|\n/g, ' ');
  if (inTable) text = escapeTablePipes(text);
  if (text === '') return '` `';
  let longest = 0;
  let run = 0;
  for (const ch of text) {
    run = ch === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * GFM splits table cells at pipes not preceded by a backslash escape (`\\` counts as an escaped
 * backslash), even inside code spans: every pipe becomes `\|` and backslashes right before it are
 * doubled, so no capture text can add a cell.
 */
function escapeTablePipes(text: string): string {
  let out = '';
  let run = 0;
  for (const ch of text) {
    if (ch === '\\') {
      run++;
      continue;
    }
    out += ch === '|' ? `${'\\'.repeat(run * 2)}\\|` : `${'\\'.repeat(run)}${ch}`;
    run = 0;
  }
  return out + '\\'.repeat(run);
}
