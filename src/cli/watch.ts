import { spawn } from 'node:child_process';
import { rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FORMAT_IDS, type FormatId } from '../core/parser.js';
import type { FindingSeverity } from '../core/models.js';
import { parseSize } from '../core/text.js';
import { formatDuration } from '../core/format.js';
import { watchFolder, type WatchChange } from '../node/watch.js';
import type { Report } from '../report/schema.js';
import { renderers } from './renderers.js';
import { InputError, parseFailOn, reachesFailLevel, UsageError } from './shared.js';

/** An --on-alert command that runs longer than this is stopped: the watch must go on. */
const ALERT_COMMAND_TIMEOUT_MS = 60_000;

function positiveSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${flag} takes a positive number of seconds`);
  return n;
}

/** A change worth an alert: the verdict or a finding becoming warning or worse. */
function alerting(change: WatchChange): boolean {
  return change.severity !== 'info' && change.kind !== 'finding-gone';
}

/**
 * Runs the user's --on-alert command with sh. What changed goes in environment variables, never
 * into the command text: capture text (a comm, a cache name) must not become shell code.
 */
function runAlertCommand(command: string, report: Report, change: WatchChange): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        MEMFORENSICS_VERDICT: report.verdict.kind,
        MEMFORENSICS_SEVERITY: change.severity,
        MEMFORENSICS_CHANGE: change.message,
      },
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), ALERT_COMMAND_TIMEOUT_MS);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Writes next to the target, then renames: a browser reloading the report never sees half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function limitNote(report: Report): string {
  const t = report.verdict.timeToLimitSeconds;
  return typeof t === 'number' && t > 0 ? `; limit in ${formatDuration(t)}` : '';
}

/** `memforensics watch DIR`: follows a capture folder, prints what changes, ends with the report. */
export async function watchCommand(args: string[], paint: (s: FindingSeverity) => string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      poll: { type: 'string' },
      duration: { type: 'string' },
      'on-alert': { type: 'string' },
      html: { type: 'string' },
      json: { type: 'boolean' },
      limit: { type: 'string', short: 'l' },
      interval: { type: 'string', short: 'i' },
      format: { type: 'string', short: 'F' },
      'fail-on': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('watch takes one capture folder');
  const dir = positionals[0];
  const info = await stat(dir).catch(() => null);
  if (!info) throw new InputError(`${dir}: no such folder`);
  if (!info.isDirectory()) throw new InputError(`${dir} is a file; watch follows a capture folder`);
  if (values.format !== undefined && !(FORMAT_IDS as readonly string[]).includes(values.format)) throw new UsageError(`unknown format '${values.format}' (see 'memforensics formats')`);
  const failOn = parseFailOn(values['fail-on']);
  let limitBytes: number | undefined;
  if (values.limit !== undefined) {
    const l = parseSize(values.limit);
    if (l === null || l <= 0) throw new UsageError(`--limit: cannot read '${values.limit}' as a size (e.g. 2GiB, 512MiB)`);
    limitBytes = l;
  }
  const pollSeconds = positiveSeconds('--poll', values.poll) ?? 5;
  const durationSeconds = positiveSeconds('--duration', values.duration);
  const intervalSeconds = positiveSeconds('--interval', values.interval);
  const r = await renderers();

  const controller = new AbortController();
  // The first Ctrl-C ends the watch with the final report; a second one leaves at once.
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const report = await watchFolder(dir, {
    pollSeconds,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(intervalSeconds !== undefined ? { intervalSeconds } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(values.format ? { format: values.format as FormatId } : {}),
    signal: controller.signal,
    onPoll: async ({ report: current, changes }) => {
      const time = new Date().toISOString().slice(11, 19);
      for (const c of changes) {
        if (values.json) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...c })}\n`);
        else process.stdout.write(`${time} ${paint(c.severity)} ${c.message}${c.kind === 'verdict' ? limitNote(current) : ''}\n`);
      }
      if (changes.length > 0 && values.html) await writeAtomically(values.html, r.html(current));
      const alert = changes.find(alerting);
      if (alert && values['on-alert']) {
        const code = await runAlertCommand(values['on-alert'], current, alert);
        if (code !== 0 && !values.quiet) process.stderr.write(`memforensics: --on-alert command ${code === null ? 'could not run or was stopped' : `exited ${code}`}\n`);
      }
    },
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (values.html) await writeAtomically(values.html, r.html(report));
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${r.markdown(report)}`);
  return reachesFailLevel(report.findings, failOn) ? 3 : 0;
}
