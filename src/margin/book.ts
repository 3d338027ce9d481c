/**
 * Shared plumbing for the models: a pool's positions in canonical order (by symbol, so the
 * order the user listed positions in changes nothing, to the bit) with their P&L matrix,
 * size vector and account P&L; the segregated pools of a portfolio and their positions.
 */
import type { Currency } from '../core/currency.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
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

/** Settlement currencies of a portfolio's positions, sorted (the segregated pools). */
export function settlementPools(p: Portfolio): Currency[] {
  return [...new Set(p.positions.map((x) => x.instrument.settlementCurrency))].sort();
}

/** Positions settling in `currency`. */
export function positionsIn(p: Portfolio, currency: Currency): Position[] {
  return p.positions.filter((x) => x.instrument.settlementCurrency === currency);
}
