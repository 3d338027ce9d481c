/**
 * Shared plumbing for the models: a pool's positions in canonical order (by symbol, so the
 * order the user listed positions in changes nothing, to the bit) with their P&L matrix,
 * size vector and account P&L; the segregated pools of a portfolio and their positions.
 */
import type { Currency } from '../core/currency.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { segregatedCollateral } from '../risk/collateral.ts';
import {
  accountPnl,
  buildPnlMatrix,
  type PnlMatrix,
  type PnlMatrixOptions,
} from '../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../risk/portfolio.ts';
import type { Scenario } from '../scenarios/scenario.ts';

/** Positions of a pool in canonical order with their matrix and account P&L vector. */
export interface Book {
  readonly positions: readonly Position[];
  readonly matrix: PnlMatrix;
  readonly sizes: Float64Array;
  /** Unweighted account P&L per scenario. */
  readonly pnl: Float64Array;
}

/** Positions sorted by symbol (canonical order). */
export function canonicalPositions(positions: readonly Position[]): Position[] {
  return [...positions].sort((a, b) =>
    a.instrument.symbol < b.instrument.symbol
      ? -1
      : a.instrument.symbol > b.instrument.symbol
        ? 1
        : 0,
  );
}

/** Builds the book of `positions` under `scenarios`. */
export function buildBook(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  scenarios: readonly Scenario[],
  options: PnlMatrixOptions = {},
): Book {
  const sorted = canonicalPositions(positions);
  const matrix = buildPnlMatrix(
    sorted.map((p) => p.instrument),
    snapshot,
    scenarios,
    options,
  );
  const sizes = Float64Array.from(sorted.map((p) => p.size));
  return { positions: sorted, matrix, sizes, pnl: accountPnl(matrix, sizes) };
}

export { underlyingsOf } from '../risk/portfolio.ts';

/**
 * The segregated pools of a portfolio, sorted: the settlement currency of every position and
 * every currency whose balances sum to a non-zero amount (the pool's collateral,
 * `segregatedCollateral`). A currency with collateral and no position is a pool of its own
 * (IM 0 before account inputs, equity the balance), so its collateral counts in equity and in
 * the USD totals; a negative sum (a loan) is a pool with negative equity, never dropped.
 * Balances that sum to exactly 0 (a zero line of a venue export, or a loan netted by a deposit
 * in the same currency) form no pool: such a pool's equity and requirement would be exactly 0,
 * and it would only demand a price for a currency that carries no value.
 */
export function settlementPools(p: Portfolio): Currency[] {
  const pools = new Set(p.positions.map((x) => x.instrument.settlementCurrency));
  for (const b of p.balances)
    if (!pools.has(b.currency) && segregatedCollateral(p.balances, b.currency) !== 0)
      pools.add(b.currency);
  return [...pools].sort();
}

/** Positions settling in `currency`. */
export function positionsIn(p: Portfolio, currency: Currency): Position[] {
  return p.positions.filter((x) => x.instrument.settlementCurrency === currency);
}
