/**
 * Line-level sniffing shared by the OOM, LSan and valgrind parsers: counts head lines holding one
 * of the markers, ignoring documentation lines (Markdown bullets, headings, tables, backquoted
 * text), so a README that quotes a report is not taken for the report itself.
 * @example markerLines('x invoked oom-killer: gfp_mask=0xd0\n- `invoked oom-killer:`', ['invoked oom-killer:']).hits // 1
 */
export function markerLines(head: string, markers: readonly string[], maxLines = 400): { hits: number; markers: Set<string> } {
  let hits = 0;
  const seen = new Set<string>();
  let start = 0;
  for (let n = 0; n < maxLines && start < head.length; n++) {
    let end = head.indexOf('\n', start);
    if (end < 0) end = head.length;
    const line = head.slice(start, end);
    start = end + 1;
    if (line.includes('`')) continue;
    const t = line.trimStart();
    if (t.startsWith('#') || t.startsWith('- ') || t.startsWith('* ') || t.startsWith('|') || t.startsWith('> ')) continue;
    for (const m of markers) {
      if (line.includes(m)) {
        hits++;
        seen.add(m);
        break;
      }
    }
  }
  return { hits, markers: seen };
}
