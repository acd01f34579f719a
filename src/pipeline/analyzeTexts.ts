import { isInputError } from '../core/errors.js';
import type { FormatId } from '../core/parser.js';
import { parseArtefactText } from '../parsers/auto.js';
import type { Report } from '../report/schema.js';
import type { AnalyzeOptions, ParsedArtefact } from './context.js';
import { analyze } from './analyze.js';
import { epochLogArtefact, parseEpochLog } from './timeAxis.js';

export interface TextArtefact {
  path: string;
  text: string;
  /** Forces the format instead of detecting it. */
  format?: FormatId;
  /** Parser options such as `timestamps` (a sidecar's epochs) or `intervalSeconds`. */
  parserOptions?: Record<string, unknown>;
}

/**
 * Detects, parses and analyses captures held in memory: the whole pipeline without a file
 * system, for browsers, notebooks and other tools.
 * @example
 * const report = analyzeTexts([{ path: 'usage.csv', text: 'timestamp,used_kb\n...' }], { limitBytes: 2 ** 31 });
 */
export function analyzeTexts(inputs: readonly TextArtefact[], options: AnalyzeOptions = {}): Report {
  return analyze(parseTexts(inputs), options);
}

/** Detects and parses each text; a text that cannot be placed becomes an artefact with an error. */
export function parseTexts(inputs: readonly TextArtefact[]): ParsedArtefact[] {
  return inputs.map((input) => {
    try {
      const { format, detection, result } = parseArtefactText(input.text, { path: input.path, format: input.format, parserOptions: input.parserOptions });
      return { path: input.path, format, detection, result, bytes: input.text.length };
    } catch (e) {
      if (isInputError(e)) {
        const epochs = parseEpochLog(input.text);
        if (epochs) return epochLogArtefact(input.path, epochs, input.text.length);
        return { path: input.path, format: null, error: { code: e.code, message: e.message } };
      }
      throw e;
    }
  });
}
