/**
 * The `MarginModel` contract (docs/architecture.md, "Contracts"): an id, a version, default
 * parameters (data, every documented parameter configurable), and a function from
 * (portfolio, market, parameters) to one `MarginResult` per margin pool (a settlement
 * currency for segregated models, one USD pool for cross models).
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio, Position } from '../risk/portfolio.ts';
import type { HypothesisTable } from './hypotheses.ts';
import type { LinearMarginPool, LinearTrade } from './linear-terms.ts';
import type { MarginResult } from './margin-result.ts';
import type { UsdTotals } from './usd-totals.ts';

/** One trade's effect in a what-if. */
export interface TradeImpact {
  readonly trade: Position;
  /** IM (USD) with this trade alone minus IM before. */
  readonly incrementalInitialMarginUsd: number;
  readonly incrementalMaintenanceMarginUsd: number;
  readonly after: readonly MarginResult[];
}

/**
 * What-if of trades (margin/what-if.ts): results before, after all trades, and each trade's
 * effect alone; USD totals summed over pools by `usd-totals.ts`.
 */
export interface WhatIfResult {
  readonly before: readonly MarginResult[];
  readonly after: readonly MarginResult[];
  readonly trades: readonly TradeImpact[];
  readonly beforeUsd: UsdTotals;
  readonly afterUsd: UsdTotals;
}

/** A margin model. `P` is its parameter object (plain JSON data). */
export interface MarginModel<P = unknown> {
  readonly id: string;
  readonly version: string;
  /** One line for tables and help. */
  readonly title: string;
  /**
   * True if the requirement is (a weighting of) scenario losses plus add-ons, so that
   * scaling every size by k scales the scenario part by k.
   */
  readonly scenarioBased: boolean;
  readonly defaultParams: P;
  /**
   * The rules of this model that are hypotheses with several plausible readings: the default
   * charges the highest over them (src/margin/hypotheses.ts); `--hypothesis` pins one.
   */
  readonly hypotheses?: HypothesisTable<P>;
  /** Margins the portfolio; one result per pool. Throws typed errors on bad input. */
  evaluate(portfolio: Portfolio, snapshot: MarketSnapshot, params: P): MarginResult[];
  /**
   * Optional incremental what-if: the same results as re-evaluating with the trades added,
   * but updating the scenario vectors in O(scenarios) per trade instead of repricing the book.
   */
  whatIf?(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: P,
    trades: readonly Position[],
  ): WhatIfResult;
  /**
   * Optional linear face (linear-terms.ts): each pool's margin after trades of unknown sizes
   * in `trades`, as scenario rows linear in the sizes plus add-ons, for an LP. A model with it
   * is written into the optimizer's LP exactly (up to what it documents as left out); one
   * without is approximated by the optimizer's scenario surrogate.
   */
  linearTerms?(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: P,
    trades: readonly LinearTrade[],
  ): LinearMarginPool[];
}
