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

/** Parses a number option, naming the flag in the error. */
export function numberOption(flag: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw new BallastError('INVALID_INPUT', `expected a number, got "${v}"`, flag);
    return x;
  };
}
