/**
 * Shared plumbing for scenario-based models: a pool's positions in canonical order (by
 * symbol, so the order the user listed positions in changes nothing, to the bit), their
 * P&L matrix and size vector, the worst scenario and each position's contribution to it.
 */
import type { Currency } from '../core/currency.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { accountPnl, buildPnlMatrix, type PnlMatrix, type PnlMatrixOptions } from '../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../risk/portfolio.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import type { Contribution, WorstScenario } from './margin-result.ts';

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
  return [...positions].sort((a, b) => (a.instrument.symbol < b.instrument.symbol ? -1 : a.instrument.symbol > b.instrument.symbol ? 1 : 0));
}

/** Builds the book of `positions` under `scenarios`. */
export function buildBook(positions: readonly Position[], snapshot: MarketSnapshot, scenarios: readonly Scenario[], options: PnlMatrixOptions = {}): Book {
  const sorted = canonicalPositions(positions);
  const matrix = buildPnlMatrix(sorted.map((p) => p.instrument), snapshot, scenarios, options);
  const sizes = Float64Array.from(sorted.map((p) => p.size));
  return { positions: sorted, matrix, sizes, pnl: accountPnl(matrix, sizes) };
}

/** Settlement currencies of a portfolio's positions, sorted (the segregated pools). */
export function settlementPools(p: Portfolio): Currency[] {
  return [...new Set(p.positions.map((x) => x.instrument.settlementCurrency))].sort();
}

/** Positions settling in `currency`. */
export function positionsIn(p: Portfolio, currency: Currency): Position[] {
  return p.positions.filter((x) => x.instrument.settlementCurrency === currency);
}

/**
 * Index of the minimum of `values` (lowest index on ties), or -1 for an empty vector.
 */
export function argMin(values: ArrayLike<number>): number {
  let best = -1;
  let v = Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < v) {
      v = values[i]!;
      best = i;
    }
  }
  return best;
}

/** The worst scenario of a (weighted) P&L vector. */
export function worstScenarioOf(values: ArrayLike<number>, scenarios: readonly Scenario[]): WorstScenario | undefined {
  const i = argMin(values);
  if (i < 0) return undefined;
  const s = scenarios[i]!;
  const pnl = values[i]!;
  return { id: s.id, label: s.label, index: i, pnl, loss: Math.max(0, -pnl) };
}

/** Each position's unweighted P&L in scenario column `s`, scaled by `weight`. */
export function contributionsAt(book: Book, s: number, weight = 1): Contribution[] {
  const nS = book.matrix.nScenarios;
  return book.positions.map((p, i) => ({ symbol: p.instrument.symbol, size: p.size, pnl: weight * p.size * book.matrix.pnl[i * nS + s]! }));
}
