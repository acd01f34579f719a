import type { Report } from '../report/schema.js';

/** The renderers the CLI writes with (kept apart so the CLI loads the HTML assets only when used). */
export async function renderers(): Promise<{ markdown: (r: Report) => string; html: (r: Report) => string }> {
  const md = await import('../report/markdown.js');
  const html = await import('../report/html.js');
  return { markdown: md.renderMarkdown, html: (r) => html.renderHtml(r) };
}
