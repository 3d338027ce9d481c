/**
 * Trade lots: the smallest size step an optimized trade is rounded to before the exact
 * margin check.
 *
 * - Deribit inverse options: 0.1 coin for BTC (the venue's minimum and step), 1 coin for ETH
 *   and others (contract size 1, minimum 1).
 * - Deribit inverse futures and perpetuals are traded in USD face (10 USD per BTC contract,
 *   1 USD per ETH contract). Sizes here are coins at the mark, so a trade is rounded to a whole
 *   number of contracts *in USD at the mark*: `round(x·F / face)·face / F` coins. That is exactly
 *   what the venue would fill, not an arbitrary coin step.
 * - Linear (USDC) products and other venues: `contract.size × (minTradeContracts ?? 1)` coins,
 *   or the USD face for inverse swaps/futures (OKX 100 USD BTC-USD-SWAP).
 */
import type { Instrument } from '../instruments/instrument.ts';

/** A lot: `size` coins, or `size` USD of face value converted at the mark. */
export interface TradeLot {
  readonly unit: 'coin' | 'usd';
  readonly size: number;
}

/** The lot of an instrument (see module doc). */
export function tradeLot(inst: Instrument): TradeLot {
  const c = inst.contract;
  if (inst.venue === 'deribit' && inst.kind === 'option' && inst.settlement === 'inverse')
    return { unit: 'coin', size: inst.underlying === 'BTC' ? 0.1 : 1 };
  if (c.unit === 'usd') return { unit: 'usd', size: c.size * (c.minTradeContracts ?? 1) };
  return { unit: 'coin', size: c.size * (c.minTradeContracts ?? 1) };
}

/** The lot in coins at the USD price `markUsd` of one coin of the underlying. */
export function lotCoins(lot: TradeLot, markUsd: number): number {
  return lot.unit === 'coin' ? lot.size : lot.size / markUsd;
}

/**
 * `x` coins rounded to a whole number of lots (`nearest`, or `toward-zero` so a trade never
 * grows). Returns exactly 0 below half a lot under `nearest`. The result is a multiple of
 * the lot expressed in coins, cleaned of binary noise (12 significant digits).
 */
export function roundToLot(
  x: number,
  lot: TradeLot,
  markUsd: number,
  mode: 'nearest' | 'toward-zero' = 'nearest',
): number {
  const step = lotCoins(lot, markUsd);
  const n =
    mode === 'nearest' ? Math.round(Math.abs(x) / step) : Math.floor(Math.abs(x) / step + 1e-9);
  if (n === 0) return 0;
  return Math.sign(x) * Number((n * step).toPrecision(12));
}
