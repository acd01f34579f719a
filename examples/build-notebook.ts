/**
 * Builds `notebook-walkthrough.ipynb` from `notebook-walkthrough.ts`, so the notebook's cells are
 * exactly the script's sections and cannot drift.
 *
 * The script uses the "percent" cell format (the one Jupytext and VS Code read):
 * - `// %%` starts a code cell; its lines are copied as they are;
 * - `// %% [markdown]` starts a Markdown cell; its lines are `// ` comments, copied without the
 *   comment marker.
 * Blank lines at the start and end of a cell are dropped. Cell ids are `cell-01`, `cell-02`...;
 * outputs are empty, so the generated file is deterministic.
 *
 * Usage (from the repository root):
 *   npx tsx examples/build-notebook.ts          # writes examples/notebook-walkthrough.ipynb
 *   npx tsx examples/build-notebook.ts --check  # exits 1 when the committed notebook is stale
 */
import { readFile, writeFile } from 'node:fs/promises';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SCRIPT_URL = new URL('./notebook-walkthrough.ts', import.meta.url);
export const NOTEBOOK_URL = new URL('./notebook-walkthrough.ipynb', import.meta.url);

export interface NotebookCell {
  cell_type: 'code' | 'markdown';
  id: string;
  metadata: Record<string, unknown>;
  source: string[];
  execution_count?: null;
  outputs?: unknown[];
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: 4;
  nbformat_minor: 5;
}

/** Notebook metadata for Deno's Jupyter kernel (what `deno jupyter --install` registers). */
export const DENO_KERNEL_METADATA = {
  kernelspec: { display_name: 'Deno', language: 'typescript', name: 'deno' },
  language_info: {
    codemirror_mode: 'typescript',
    file_extension: '.ts',
    mimetype: 'text/x.typescript',
    name: 'typescript',
    nbconvert_exporter: 'script',
    pygments_lexer: 'typescript',
  },
};

/** One section of the script: its kind and its lines, as written in the script. */
export interface ScriptSection {
  kind: 'code' | 'markdown';
  /** 1-based line of the `// %%` marker. */
  line: number;
  lines: string[];
}

function trimBlankEdges(lines: readonly string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].trim() === '') a++;
  while (b > a && lines[b - 1].trim() === '') b--;
  return lines.slice(a, b);
}

/**
 * Splits a percent-format script into its sections. Text before the first marker is an error
 * (every line of the script must belong to a cell).
 * @example
 * splitSections('// %%\nconst x = 1;\n').map((s) => s.kind) // ['code']
 */
export function splitSections(script: string): ScriptSection[] {
  const sections: ScriptSection[] = [];
  const lines = script.replace(/\r\n/g, '\n').split('\n');
  let current: ScriptSection | null = null;
  lines.forEach((text, i) => {
    const marker = text.trimEnd();
    if (marker === '// %%' || marker === '// %% [markdown]') {
      current = { kind: marker === '// %%' ? 'code' : 'markdown', line: i + 1, lines: [] };
      sections.push(current);
      return;
    }
    if (current === null) {
      if (text.trim() !== '') throw new Error(`line ${i + 1}: text before the first '// %%' marker`);
      return;
    }
    (current as ScriptSection).lines.push(text);
  });
  return sections;
}

function markdownLine(text: string, lineNo: number): string {
  const t = text.trim();
  if (t === '') return '';
  if (t === '//') return '';
  if (t.startsWith('// ')) return t.slice(3);
  throw new Error(`line ${lineNo}: a Markdown cell's lines must be '// ' comments`);
}

/** Jupyter stores a cell's source as lines that keep their newline, except the last one. */
function sourceLines(lines: readonly string[]): string[] {
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l));
}

/**
 * Builds the notebook (nbformat 4.5, Deno kernel) from a percent-format script.
 * @example
 * const nb = buildNotebook('// %% [markdown]\n// # Title\n// %%\nconsole.log(1);\n');
 * nb.cells.map((c) => c.cell_type) // ['markdown', 'code']
 */
export function buildNotebook(script: string): Notebook {
  const cells: NotebookCell[] = [];
  for (const section of splitSections(script)) {
    const id = `cell-${String(cells.length + 1).padStart(2, '0')}`;
    if (section.kind === 'markdown') {
      const lines = trimBlankEdges(section.lines.map((l, i) => markdownLine(l, section.line + 1 + i)));
      if (lines.length) cells.push({ cell_type: 'markdown', id, metadata: {}, source: sourceLines(lines) });
    } else {
      const lines = trimBlankEdges(section.lines);
      if (lines.length) cells.push({ cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source: sourceLines(lines) });
    }
  }
  return { cells, metadata: DENO_KERNEL_METADATA, nbformat: 4, nbformat_minor: 5 };
}

/** The notebook file's text: JSON with one-space indentation (Jupyter's own layout) and a final newline. */
export function notebookText(script: string): string {
  return `${JSON.stringify(buildNotebook(script), null, 1)}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const expected = notebookText(await readFile(SCRIPT_URL, 'utf8'));
  const target = fileURLToPath(NOTEBOOK_URL);
  if (argv.includes('--check')) {
    const actual = await readFile(NOTEBOOK_URL, 'utf8').catch(() => '');
    if (actual === expected) return 0;
    console.error(`${target} is out of date: run 'npx tsx examples/build-notebook.ts'`);
    return 1;
  }
  await writeFile(NOTEBOOK_URL, expected);
  console.log(`wrote ${target}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
