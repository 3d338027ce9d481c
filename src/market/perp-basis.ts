/**
 * The perpetual's smoothed basis. A perpetual's fair mark is the index plus a basis that is
 * smoothed over time, so one print of the order book cannot move every perp position's P&L
 * (Deribit marks its perpetuals as the index plus a short exponential moving average of the
 * book's premium over the index; the averaging window is ours to set here).
 *
 * With observations arriving at irregular times, the exponential average is updated by the
 * elapsed time: `b_t = w·b_prev + (1 − w)·observed`, `w = 2^(−Δt / halfLife)`. A first
 * observation (no previous snapshot) is taken as is.
 */
import { BallastError } from '../core/errors.ts';

/** A previous smoothed basis and when it was taken. */
export interface BasisState {
  readonly basis: number;
  readonly asOfMs: number;
}

/**
 * Smoothed basis at `asOfMs` from the observed `mid − index` and the previous state (USD).
 * `halfLifeMs` > 0. A previous state later than `asOfMs` is an error (out-of-order data).
 */
export function smoothBasis(
  observed: number,
  asOfMs: number,
  previous: BasisState | undefined,
  halfLifeMs: number,
): number {
  if (!(halfLifeMs > 0))
    throw new BallastError('INVALID_INPUT', `must be > 0, got ${halfLifeMs}`, 'basisHalfLifeMs');
  if (previous === undefined) return observed;
  const dt = asOfMs - previous.asOfMs;
  if (dt < 0)
    throw new BallastError(
      'INVALID_INPUT',
      'the previous snapshot is later than this one: basis smoothing needs data in time order',
      'previous.asOf',
    );
  const w = Math.pow(2, -dt / halfLifeMs);
  return w * previous.basis + (1 - w) * observed;
}
