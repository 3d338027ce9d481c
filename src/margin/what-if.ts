/**
 * What-if of trades: margin before, after all trades, and each trade's incremental margin
 * (margin with that trade alone minus margin before), all in USD across pools.
 *
 * The generic path re-evaluates the model (exact, any model). A model with its own
 * `MarginModel.whatIf` (Deribit PM: deribit-pm/incremental.ts) updates its scenario vectors in
 * O(scenarios) per trade instead; test/margin/deribit-pm-whatif.test.ts checks both agree.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Position, Portfolio } from '../risk/portfolio.ts';
import { withTrades } from '../risk/with-trades.ts';
import type { MarginModel, WhatIfResult } from './margin-model.ts';
import type { MarginResult } from './margin-result.ts';
import { totalsUsd } from './usd-totals.ts';

/** Runs the what-if: the model's incremental path if it has one, else exact re-evaluation. */
export function whatIf<P>(
  model: MarginModel<P>,
  p: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
  trades: readonly Position[],
): WhatIfResult {
  return model.whatIf
    ? model.whatIf(p, snapshot, params, trades)
    : whatIfByRevaluation(model, p, snapshot, params, trades);
}

/** What-if by re-evaluating the model on each modified portfolio (exact for any model). */
export function whatIfByRevaluation<P>(
  model: MarginModel<P>,
  p: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
  trades: readonly Position[],
): WhatIfResult {
  const before = model.evaluate(p, snapshot, params);
  const after = model.evaluate(withTrades(p, trades, snapshot), snapshot, params);
  const alone = trades.map((t) => model.evaluate(withTrades(p, [t], snapshot), snapshot, params));
  return whatIfResult(snapshot, before, after, trades, alone);
}

/** Assembles a `WhatIfResult` from before, after-all and each trade's after-alone results. */
export function whatIfResult(
  snapshot: MarketSnapshot,
  before: readonly MarginResult[],
  after: readonly MarginResult[],
  trades: readonly Position[],
  alone: readonly (readonly MarginResult[])[],
): WhatIfResult {
  const beforeUsd = totalsUsd(before, snapshot);
  const impacts = trades.map((t, i) => {
    const u = totalsUsd(alone[i]!, snapshot);
    return {
      trade: t,
      incrementalInitialMarginUsd: u.initialMargin - beforeUsd.initialMargin,
      incrementalMaintenanceMarginUsd: u.maintenanceMargin - beforeUsd.maintenanceMargin,
      after: alone[i]!,
    };
  });
  return { before, after, trades: impacts, beforeUsd, afterUsd: totalsUsd(after, snapshot) };
}
