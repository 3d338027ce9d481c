/**
 * CLI error handling: a BallastError prints `error [CODE] field: message` on stderr and
 * exits 2, without a stack trace; anything else is a bug and prints its stack (exit 1).
 */
import { BallastError } from '../core/errors.ts';

/** Exit code for user errors (bad input, bad market data). */
export const EXIT_USER_ERROR = 2;

/** Prints an error the way a trader should see it and returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof BallastError) {
    process.stderr.write(`error [${e.code}] ${e.message}\n`);
    return EXIT_USER_ERROR;
  }
  process.stderr.write(
    `internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return 1;
}

/** Wraps a command action so errors exit with the right code. */
export function guarded<A extends unknown[]>(
  fn: (...args: A) => void | Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}

/** Allowed range of a number flag: bounds (inclusive unless `open`), whole numbers only. */
export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  /** Exclude `min` (e.g. > 0). */
  readonly openMin?: boolean;
  /** Exclude `max` (e.g. < 1). */
  readonly openMax?: boolean;
  readonly integer?: boolean;
}

function rangeText(r: NumberRange): string {
  const what = r.integer ? 'a whole number' : 'a number';
  if (r.min !== undefined && r.max !== undefined)
    return `in ${r.openMin ? '(' : '['}${r.min}, ${r.max}${r.openMax ? ')' : ']'}${r.integer ? ' (a whole number)' : ''}`;
  if (r.min !== undefined) return `${what} ${r.openMin ? '>' : '≥'} ${r.min}`;
  if (r.max !== undefined) return `${what} ${r.openMax ? '<' : '≤'} ${r.max}`;
  return what;
}

function inRange(x: number, r: NumberRange): boolean {
  if (r.integer && !Number.isSafeInteger(x)) return false;
  if (r.min !== undefined && (r.openMin ? !(x > r.min) : !(x >= r.min))) return false;
  if (r.max !== undefined && (r.openMax ? !(x < r.max) : !(x <= r.max))) return false;
  return true;
}

/** Parses a number option, naming the flag in the error; `range` bounds it (INVALID_INPUT). */
export function numberOption(flag: string, range: NumberRange = {}): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw new BallastError('INVALID_INPUT', `expected a number, got "${v}"`, flag);
    if (!inRange(x, range))
      throw new BallastError('INVALID_INPUT', `must be ${rangeText(range)}, got ${v}`, flag);
    return x;
  };
}
