/**
 * What-if of trades: margin before, after all trades, and each trade's incremental margin
 * (margin with that trade alone minus margin before), all in USD across pools.
 *
 * The generic path re-evaluates the model (exact, any model). A model with its own
 * `MarginModel.whatIf` (Deribit PM: deribit-pm/incremental.ts) updates its scenario vectors in
 * O(scenarios) per trade instead; test/margin/deribit-pm-whatif.test.ts checks both agree.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { usdPrice } from '../risk/collateral.ts';
import {
  applyFill,
  portfolio as makePortfolio,
  type Portfolio,
  type Position,
} from '../risk/portfolio.ts';
import { isOptionLike } from '../instruments/instrument.ts';
import { markInstrument } from '../market/marks.ts';
import type { MarginModel } from './margin-model.ts';
import type { MarginResult } from './margin-result.ts';

/** Sum of IM and MM of results in USD (each pool converted at its currency's index). */
export function totalsUsd(
  results: readonly MarginResult[],
  snapshot: MarketSnapshot,
): { initialMargin: number; maintenanceMargin: number; equity: number } {
  let im = 0;
  let mm = 0;
  let eq = 0;
  for (const r of results) {
    const px = usdPrice(r.currency, snapshot, `${r.model}.currency`);
    im += r.initialMargin * px;
    mm += r.maintenanceMargin * px;
    eq += r.equity * px;
  }
  return { initialMargin: im, maintenanceMargin: mm, equity: eq };
}

/** One trade's effect. */
export interface TradeImpact {
  readonly trade: Position;
  /** IM (USD) with this trade alone minus IM before. */
  readonly incrementalInitialMarginUsd: number;
  readonly incrementalMaintenanceMarginUsd: number;
  readonly after: readonly MarginResult[];
}

/** Before, after-all and per-trade results. */
export interface WhatIfResult {
  readonly before: readonly MarginResult[];
  readonly after: readonly MarginResult[];
  readonly trades: readonly TradeImpact[];
  readonly beforeUsd: ReturnType<typeof totalsUsd>;
  readonly afterUsd: ReturnType<typeof totalsUsd>;
}

/**
 * The book after trades executed at the snapshot's marks: futures, perps and spot fill at the
 * mark (`applyFill`: reduced positions realise their P&L into the balance), options and other
 * premium products are paid for at the mark from the settlement-currency balance. So a
 * what-if changes equity only through what the trade really changes, never by a lost P&L.
 */
export function withTrades(
  p: Portfolio,
  trades: readonly Position[],
  snapshot: MarketSnapshot,
): Portfolio {
  let book = p;
  for (const t of trades) {
    const mark = markInstrument(t.instrument, snapshot).price;
    if (!isOptionLike(t.instrument)) {
      book = applyFill(book, { instrument: t.instrument, size: t.size, price: mark });
      continue;
    }
    const ccy = t.instrument.settlementCurrency;
    const premium = t.size * mark;
    const balances = book.balances.some((b) => b.currency === ccy)
      ? book.balances.map((b) =>
          b.currency === ccy ? { currency: ccy, amount: b.amount - premium } : b,
        )
      : [...book.balances, { currency: ccy, amount: -premium }];
    book = makePortfolio([...book.positions, t], balances, book.name);
  }
  return book;
}

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
