/**
 * Trade lots: the smallest size step an optimized trade is rounded to before the exact
 * margin check (the rounding itself: execution.ts `roundSizes`).
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
