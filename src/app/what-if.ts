/**
 * The what-if use case: margin before the trades, after all of them, and each trade's
 * incremental margin alone (margin/what-if.ts: the model's incremental path where it has one).
 * `whatIfUseCase` returns `ballast whatif --json`'s object; `simulatePortfolioFields` adds the
 * fields of Deribit's `private/simulate_portfolio` the result determines.
 */
import { BallastError } from '../core/errors.ts';
import { checkPlausibleSize } from '../io/portfolio-input.ts';
import type { MarginModel, WhatIfResult } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { marginModel } from '../margin/registry.ts';
import { whatIf } from '../margin/what-if.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio, Position } from '../risk/portfolio.ts';

/** A what-if request (trades: sizes in coins, signed; `tradeField(k)` names trade k in errors). */
export interface WhatIfRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly modelId: string;
  readonly params?: unknown;
  readonly trades: readonly Position[];
  readonly tradeField: (k: number) => string;
  readonly tradesField: string;
  /**
   * How to run the what-if (default margin/what-if.ts's `whatIf`): the service passes its
   * prepared books (server/prepared-books.ts). Must return `whatIf`'s result.
   */
  readonly whatIf?: (
    model: MarginModel<unknown>,
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: unknown,
    trades: readonly Position[],
  ) => WhatIfResult;
}

/** One trade's incremental margin (USD): margin with this trade alone minus margin before. */
export interface WhatIfTradeRow {
  readonly symbol: string;
  readonly size: number;
  readonly incrementalInitialMarginUsd: number;
  readonly incrementalMaintenanceMarginUsd: number;
}

/** The what-if result (USD totals across pools; per-pool results before and after). */
export interface WhatIfOutput {
  readonly model: string;
  readonly beforeUsd: { initialMargin: number; maintenanceMargin: number; equity: number };
  readonly afterUsd: { initialMargin: number; maintenanceMargin: number; equity: number };
  readonly trades: readonly WhatIfTradeRow[];
  readonly before: readonly MarginResult[];
  readonly after: readonly MarginResult[];
}

/** Runs the what-if (see module doc). At least one trade; each of plausible size. */
export function whatIfUseCase(req: WhatIfRequest): WhatIfOutput {
  if (req.trades.length === 0)
    throw new BallastError('INVALID_INPUT', 'give at least one trade', req.tradesField);
  req.trades.forEach((t, k) => checkPlausibleSize(t, req.snapshot, req.tradeField(k)));
  const model = marginModel(req.modelId);
  const params = req.params === undefined ? model.defaultParams : req.params;
  const r = (req.whatIf ?? whatIf)(model, req.portfolio, req.snapshot, params, req.trades);
  return {
    model: model.id,
    beforeUsd: r.beforeUsd,
    afterUsd: r.afterUsd,
    trades: r.trades.map((t) => ({
      symbol: t.trade.instrument.symbol,
      size: t.trade.size,
      incrementalInitialMarginUsd: t.incrementalInitialMarginUsd,
      incrementalMaintenanceMarginUsd: t.incrementalMaintenanceMarginUsd,
    })),
    before: r.before,
    after: r.after,
  };
}

/**
 * The fields of Deribit `private/simulate_portfolio` per pool currency (lower case), in that
 * currency: `initial_margin`/`maintenance_margin` before the trades, `projected_*` after,
 * `equity` = `margin_balance` (after), `available_funds` = equity − projected IM. Only pools
 * present before or after appear; a pool missing on one side counts 0 there.
 */
export function simulatePortfolioFields(
  out: WhatIfOutput,
): Record<string, Record<string, number | string>> {
  const fields: Record<string, Record<string, number | string>> = {};
  const currencies = [...new Set([...out.before, ...out.after].map((r) => r.currency))].sort();
  for (const ccy of currencies) {
    const b = out.before.find((r) => r.currency === ccy);
    const a = out.after.find((r) => r.currency === ccy);
    const equity = a?.equity ?? b?.equity ?? 0;
    const projectedIm = a?.initialMargin ?? 0;
    fields[ccy.toLowerCase()] = {
      currency: ccy,
      initial_margin: b?.initialMargin ?? 0,
      maintenance_margin: b?.maintenanceMargin ?? 0,
      projected_initial_margin: projectedIm,
      projected_maintenance_margin: a?.maintenanceMargin ?? 0,
      equity,
      margin_balance: equity,
      available_funds: equity - projectedIm,
    };
  }
  return fields;
}

/**
 * The `private/pme/simulate` mirror of each pool after the trades, keyed by pool currency
 * (lower case), for models that produce one (Deribit PM: `details.simulate`); empty otherwise.
 */
export function pmeSimulateFields(results: readonly MarginResult[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of results) {
    const d = r.details as { simulate?: unknown } | undefined;
    if (d !== null && typeof d === 'object' && d.simulate !== undefined)
      out[r.currency.toLowerCase()] = d.simulate;
  }
  return out;
}
