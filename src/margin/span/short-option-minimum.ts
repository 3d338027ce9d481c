/**
 * SPAN short option minimum (docs/methodology/span-tims.md §1.5): a floor on a combined
 * commodity's risk for books of deep out-of-the-money short options,
 *
 *     SOM = number of short options × SOM rate,     risk(CC) = max(scan + intra + spot − inter, SOM)
 *
 * Counting ("net of rules in the file") is [I] and switchable: `gross` (default, conservative)
 * counts every short option unit; `net-per-right` lets long options of the same right (call
 * or put) in the commodity offset short ones. Crypto convention (ours): one contract = one
 * coin; the rate per coin is `max(perCoinUsd, fractionOfIndex × index)` USD.
 */
import { BallastError } from '../../core/errors.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import type { Position } from '../../risk/portfolio.ts';

/** How short options are counted. */
export type ShortOptionCount = 'gross' | 'net-per-right';

/** Short option minimum rate of one combined commodity. */
export interface ShortOptionMinimumParams {
  /** USD per short option coin (≥ 0). */
  readonly perCoinUsd: number;
  /** Fraction of the index per short option coin (≥ 0). */
  readonly fractionOfIndex: number;
}

/** The short option minimum and its inputs. */
export interface ShortOptionMinimum {
  /** Short option units counted (coins). */
  readonly shortOptions: number;
  /** USD per coin. */
  readonly ratePerCoin: number;
  /** USD. */
  readonly amount: number;
}

/** Validates SOM parameters (typed errors naming `field`). */
export function validateShortOptionMinimum(p: ShortOptionMinimumParams, field: string): void {
  for (const k of ['perCoinUsd', 'fractionOfIndex'] as const) {
    if (!(Number.isFinite(p[k]) && p[k] >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${p[k]}`,
        `${field}.${k}`,
      );
  }
}

/** Number of short option units of `positions` under `count` (module doc). */
export function countShortOptions(positions: readonly Position[], count: ShortOptionCount): number {
  if (count === 'gross') {
    let n = 0;
    for (const p of positions) if (isOptionLike(p.instrument) && p.size < 0) n -= p.size;
    return n;
  }
  let calls = 0;
  let puts = 0;
  for (const p of positions) {
    if (!isOptionLike(p.instrument)) continue;
    if (p.instrument.right === 'call') calls += p.size;
    else puts += p.size;
  }
  return Math.max(0, -calls) + Math.max(0, -puts);
}

/** The short option minimum of a combined commodity's `positions` at index `index` (USD). */
export function shortOptionMinimum(
  positions: readonly Position[],
  p: ShortOptionMinimumParams,
  count: ShortOptionCount,
  index: number,
): ShortOptionMinimum {
  const shortOptions = countShortOptions(positions, count);
  const ratePerCoin = Math.max(p.perCoinUsd, p.fractionOfIndex * index);
  return { shortOptions, ratePerCoin, amount: shortOptions * ratePerCoin };
}
