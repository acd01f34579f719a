/**
 * Typed errors, thrown only when an input or option is unusable as a whole.
 * A malformed line never throws: it becomes a diagnostic.
 */
export const INPUT_ERROR_CODES = [
  'EMPTY_INPUT',
  'UNRECOGNIZED_FORMAT',
  'NOT_THIS_FORMAT',
  'BINARY_INPUT',
  'BAD_OPTIONS',
  'UNREADABLE',
  /** A binary input whose headers or sections are corrupt or point outside the file (trace.dat). */
  'CORRUPT_INPUT',
] as const;
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

export class MemforensicsInputError extends Error {
  override readonly name = 'MemforensicsInputError';
  readonly code: InputErrorCode;
  constructor(code: InputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isInputError(e: unknown): e is MemforensicsInputError {
  return e instanceof MemforensicsInputError;
}
