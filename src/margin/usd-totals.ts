/**
 * The USD sum of margin pools: each pool's initial margin, maintenance margin and equity
 * (pool currency) converted at its currency's index (`risk/collateral.ts` `usdPrice`: USD 1,
 * stablecoins their index or 1, coins their index) and summed:
 *
 *   X_usd = Σ_pool X_pool · usdPrice(pool currency),  X ∈ {IM, MM, equity}.
 *
 * The one place pools are summed in USD: what-if, pool combination (`combine.ts`), comparison,
 * the optimizers' margin summaries and allocation all call it.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { usdPrice } from '../risk/collateral.ts';
import type { MarginResult } from './margin-result.ts';

/** IM, MM and equity summed over pools, USD. */
export interface UsdTotals {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly equity: number;
}

/** Totals in USD and the USD price each pool was converted at (aligned with the results). */
export interface PoolsInUsd {
  readonly totals: UsdTotals;
  /** USD per unit of each result's currency. */
  readonly usdPrices: readonly number[];
}

/**
 * Converts each pool at its currency's index and sums (see module doc). A pool currency
 * without a price is INVALID_INPUT (fail closed: never valued at 0); `field` names the input,
 * by default the portfolio's balances in that currency (`balances.<CCY>`): a pool whose
 * positions settle in an unpriced coin fails earlier, when they are valued, so a pool that
 * reaches here unpriced holds only collateral (margin/book.ts `settlementPools`).
 */
export function poolsInUsd(
  results: readonly MarginResult[],
  snapshot: MarketSnapshot,
  field: (r: MarginResult) => string = (r) => `balances.${r.currency}`,
): PoolsInUsd {
  let im = 0;
  let mm = 0;
  let eq = 0;
  const usdPrices = results.map((r) => {
    const px = usdPrice(r.currency, snapshot, field(r));
    im += r.initialMargin * px;
    mm += r.maintenanceMargin * px;
    eq += r.equity * px;
    return px;
  });
  return { totals: { initialMargin: im, maintenanceMargin: mm, equity: eq }, usdPrices };
}

/** Sum of IM, MM and equity of results in USD (each pool converted at its currency's index). */
export function totalsUsd(results: readonly MarginResult[], snapshot: MarketSnapshot): UsdTotals {
  return poolsInUsd(results, snapshot).totals;
}
