/**
 * The health use case: the account's state against the venue thresholds (account/health.ts),
 * liquidation prices and distances per underlying and along the joint move
 * (account/liquidation.ts), solvency, and optionally contagion of a shock to one underlying.
 * σ and correlation come from the ATM implied vols, or from an EWMA of a price history the
 * adapter loaded (attached to the market, where the risk-based models read it too).
 * `healthJson` is the object `ballast health --json` prints.
 */
import { accountHealth, type AccountHealth } from '../account/health.ts';
import { contagion } from '../account/contagion.ts';
import {
  liquidationDistances,
  type InverseSizeConvention,
  type LiquidationReport,
} from '../account/liquidation.ts';
import { solvencyReport } from '../account/solvency.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import { marginModel } from '../margin/registry.ts';
import { historyRiskModel } from '../margin/risk-based/scenario-source.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { underlyingsOf, type Portfolio } from '../risk/portfolio.ts';
import { withLoadedHistory, type LoadedHistory } from './risk-params.ts';

/** A health request (sizes in coins; the shock a fraction, e.g. −0.2 for −20 %). */
export interface HealthRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly modelId: string;
  readonly params?: unknown;
  /** Price history of `healthUnderlyings(...)`, loaded by the adapter; undefined: implied vols. */
  readonly history?: LoadedHistory;
  /** Horizon of the σ unit of distances, days. */
  readonly sigmaHorizonDays: number;
  readonly inverseSize: InverseSizeConvention;
  /** Also search the joint (first principal component) move. */
  readonly joint: boolean;
  readonly shock?: { readonly underlying: string; readonly shock: number };
  readonly warnings?: readonly string[];
}

/** Everything the health report shows. */
export interface HealthOutput {
  readonly model: string;
  readonly health: AccountHealth;
  readonly liquidation: LiquidationReport;
  readonly solvency: ReturnType<typeof solvencyReport>;
  readonly contagion: ReturnType<typeof contagion> | undefined;
  readonly warnings: readonly string[];
}

/** The underlyings a health request needs history for: the book's and its balances', priced. */
export function healthUnderlyings(portfolio: Portfolio, snapshot: MarketSnapshot): string[] {
  return [
    ...new Set([
      ...underlyingsOf(portfolio.positions),
      ...portfolio.balances.map((b) => b.currency),
    ]),
  ]
    .filter((u) => snapshot.underlyings[u] !== undefined)
    .sort();
}

/** Runs the health analysis (see module doc). */
export function healthUseCase(req: HealthRequest): HealthOutput {
  const model = marginModel(req.modelId) as MarginModel<unknown>;
  const { portfolio, history, inverseSize } = req;
  const snapshot = withLoadedHistory(req.snapshot, history);
  const params = req.params === undefined ? model.defaultParams : req.params;
  let riskModel;
  if (history) {
    const hm = historyRiskModel(history.series);
    riskModel = {
      underlyings: healthUnderlyings(portfolio, snapshot),
      vols: hm.vols,
      correlation: hm.correlation,
      volSource: `EWMA of ${history.sources.join('; ')}`,
      correlationSource: 'EWMA of the history',
    };
  }
  const withRisk = riskModel ? { riskModel } : {};
  const health = accountHealth(model.evaluate(portfolio, snapshot, params), snapshot);
  const liquidation = liquidationDistances(portfolio, snapshot, {
    model,
    params,
    inverseSize,
    sigmaHorizonDays: req.sigmaHorizonDays,
    joint: req.joint,
    ...withRisk,
  });
  const solvency = solvencyReport(portfolio, snapshot, { model, params, inverseSize, ...withRisk });
  const cont = req.shock
    ? contagion(portfolio, snapshot, { model, params, ...req.shock, inverseSize, ...withRisk })
    : undefined;
  return {
    model: model.id,
    health,
    liquidation,
    solvency,
    contagion: cont,
    warnings: req.warnings ?? [],
  };
}

/** The machine-readable health object (`ballast health --json`, `POST /v1/health`). */
export function healthJson(h: HealthOutput): unknown {
  return {
    model: h.model,
    health: h.health,
    liquidation: h.liquidation,
    solvency: h.solvency,
    contagion: h.contagion ? { ...h.contagion, results: undefined } : null,
    warnings: h.warnings,
  };
}
