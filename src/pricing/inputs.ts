/** Argument checks shared by the pricing formulas (BallastError naming the argument). */
import { BallastError } from '../core/errors.ts';
import type { OptionRight } from '../instruments/instrument.ts';

/** Throws INVALID_INPUT (field `right`) unless `right` is `'call'` or `'put'`. */
export function requireRight(right: OptionRight): void {
  if (right !== 'call' && right !== 'put') {
    throw new BallastError(
      'INVALID_INPUT',
      `must be 'call' or 'put', got ${String(right)}`,
      'right',
    );
  }
}
