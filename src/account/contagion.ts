/**
 * Contagion: margin and health after a shock to one underlying carried to the others through
 * correlation.
 *
 * A shock `s` to underlying i (simple return, −0.2 = −20 %) is a log move `x_i = ln(1 + s)`.
 * Every other underlying j moves by its regression on i: `x_j = β_ji · x_i` with
 * `β_ji = ρ_ij · σ_j / σ_i` (the conditional expectation of j's log return given i's under a
 * joint normal model). The book is re-margined by the full model at the moved snapshot
 * (src/risk/scaled-snapshot.ts; inverse futures/perps keep their USD face), and the account's
 * health (health.ts) compared before and after. Vols and correlation come from the risk model:
 * the snapshot's ATM implied vols and the default correlation unless given (market-vols.ts).
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { snapshotRiskModel, type MarketRiskModel } from '../market/market-vols.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';
import { accountHealth, type AccountHealth, type HealthThresholds } from './health.ts';
import { portfolioAfterMove, type InverseSizeConvention } from './liquidation.ts';

/** Options of `contagion`. */
export interface ContagionOptions<P> {
  readonly model: MarginModel<P>;
  readonly params: P;
  /** The shocked underlying and its simple return (−0.2 = −20 %; > −1). */
  readonly underlying: string;
  readonly shock: number;
  /** Vols and correlation (default: the snapshot's, over the book's underlyings and the shocked one). */
  readonly riskModel?: MarketRiskModel;
  readonly inverseSize?: InverseSizeConvention;
  readonly thresholds?: HealthThresholds;
}

/** One underlying's move in the contagion scenario. */
export interface ContagionMove {
  readonly underlying: string;
  /** β of its log return on the shocked underlying's (1 for the shocked one). */
  readonly beta: number;
  /** Simple return applied (m − 1). */
  readonly move: number;
}

/** Result of `contagion`. */
export interface ContagionReport {
  readonly model: string;
  readonly shocked: string;
  readonly shock: number;
  readonly moves: readonly ContagionMove[];
  readonly before: AccountHealth;
  readonly after: AccountHealth;
  /** Per-pool results after the shock. */
  readonly results: readonly MarginResult[];
  /** Changes in USD (after − before). */
  readonly equityChangeUsd: number;
  readonly initialMarginChangeUsd: number;
  readonly maintenanceMarginChangeUsd: number;
  readonly volSource: string;
  readonly correlationSource: string;
}

/** Multipliers of every underlying in `risk` for a shock `shock` to `underlying` (module doc). */
export function contagionMoves(
  risk: MarketRiskModel,
  underlying: string,
  shock: number,
): ContagionMove[] {
  const i = risk.underlyings.indexOf(underlying);
  if (i < 0)
    throw new BallastError(
      'INVALID_INPUT',
      `no vol for ${underlying} in the risk model`,
      'underlying',
    );
  if (!(Number.isFinite(shock) && shock > -1))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a simple return > −1 (−0.2 = −20 %), got ${shock}`,
      'shock',
    );
  const x = Math.log1p(shock);
  const si = risk.vols[i]!;
  return risk.underlyings.map((u, j) => {
    const beta = j === i ? 1 : (risk.correlation[i]![j]! * risk.vols[j]!) / si;
    return { underlying: u, beta, move: j === i ? shock : Math.expm1(beta * x) };
  });
}

/** Margin and health before and after a correlated shock (module doc). */
export function contagion<P>(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  options: ContagionOptions<P>,
): ContagionReport {
  const { model, params } = options;
  if (!snapshot.underlyings[options.underlying])
    throw new BallastError(
      'INVALID_INPUT',
      `the market snapshot has no data for ${options.underlying}`,
      'underlying',
    );
  const names = [
    ...new Set([
      options.underlying,
      ...portfolio.positions.map((p) => p.instrument.underlying),
      ...portfolio.balances.map((b) => b.currency),
    ]),
  ].filter((u) => snapshot.underlyings[u] !== undefined);
  const risk = options.riskModel ?? snapshotRiskModel(snapshot, names);
  const moves = contagionMoves(risk, options.underlying, options.shock).filter(
    (m) => snapshot.underlyings[m.underlying] !== undefined,
  );
  const mult = Object.fromEntries(moves.map((m) => [m.underlying, 1 + m.move]));
  const beforeResults = model.evaluate(portfolio, snapshot, params);
  const moved = scaleSnapshot(snapshot, mult);
  const results = model.evaluate(
    portfolioAfterMove(portfolio, mult, options.inverseSize ?? 'usd-notional'),
    moved,
    params,
  );
  const before = accountHealth(beforeResults, snapshot, options.thresholds);
  const after = accountHealth(results, moved, options.thresholds);
  return {
    model: model.id,
    shocked: options.underlying,
    shock: options.shock,
    moves,
    before,
    after,
    results,
    equityChangeUsd: after.equityUsd - before.equityUsd,
    initialMarginChangeUsd: after.initialMarginUsd - before.initialMarginUsd,
    maintenanceMarginChangeUsd: after.maintenanceMarginUsd - before.maintenanceMarginUsd,
    volSource: risk.volSource,
    correlationSource: risk.correlationSource,
  };
}
