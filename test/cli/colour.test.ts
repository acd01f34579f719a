import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourFor, paintSeverityWords } from '../../src/cli/shared.js';
import { analyzePaths } from '../../src/node/analyzePaths.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { SAMPLES } from '../helpers/samples.js';

const RED = '\x1b[1;31m';
const RESET = '\x1b[0m';

describe('colour on a terminal: the severity words only', () => {
  it('paints on a TTY, never in a pipe or with NO_COLOR', () => {
    expect(colourFor({ isTTY: true }, {})('critical')).toBe(`${RED}critical${RESET}`);
    expect(colourFor({ isTTY: true }, {})('warning', 'WARNING')).toBe('\x1b[33mWARNING\x1b[0m');
    expect(colourFor({ isTTY: false }, {})('critical')).toBe('critical');
    expect(colourFor({ isTTY: true }, { NO_COLOR: '1' })('critical')).toBe('critical');
    // no-color.org: an empty NO_COLOR does not turn colour off.
    expect(colourFor({ isTTY: true }, { NO_COLOR: '' })('info')).toBe('\x1b[36minfo\x1b[0m');
  });

  it('in the Markdown report of D4_leak: the heading, the facts line and each finding tag, nothing else', async () => {
    const md = renderMarkdown(await analyzePaths([path.join(SAMPLES, 'captures/D4_leak')]));
    const painted = paintSeverityWords(md, colourFor({ isTTY: true }, {}));
    const lines = painted.split('\n');
    expect(lines[0]).toBe(`# memforensics: LEAK (${RED}critical${RESET})`);
    expect(lines.find((l) => l.startsWith('Severity: '))).toMatch(new RegExp(`^Severity: \\*\\*${RED.replace('[', '\\[')}critical${RESET.replace('[', '\\[')}\\*\\* · `));
    const tags = lines.filter((l) => /^\d+\. \*\*\[/.test(l));
    expect(tags.length).toBeGreaterThan(0);
    for (const t of tags) expect(t).toMatch(/^\d+\. \*\*\[\x1b\[[0-9;]+m(CRITICAL|WARNING|INFO)\x1b\[0m\]\*\* /);
    // Removing the escapes gives back the plain report: only colour was added.
    // eslint-disable-next-line no-control-regex
    expect(painted.replace(/\x1b\[[0-9;]*m/g, '')).toBe(md);
    expect(paintSeverityWords(md, colourFor({ isTTY: false }, {}))).toBe(md);
  });
});
