/**
 * Cross-margin solvency: how far each pool is above maintenance (`solvency = equity − MM`) and
 * how that buffer changes when an underlying moves by 1 %, by re-margining the book with the
 * full model at the moved snapshot (src/risk/scaled-snapshot.ts; inverse futures/perps keep
 * their USD face, liquidation.ts `portfolioAfterMove`).
 *
 * Two views of the same move:
 * - **solvency delta**, in the pool's own currency: the collateral of a coin pool stays the same
 *   number of coins (what the venue compares with MM);
 * - **equity-volatility impact**, in USD: the pool's amounts are converted at the *moved* index,
 *   so coin collateral is shocked too. For an inverse book margined in the coin this is the
 *   number that matters to a USD-based trader: 10 BTC of collateral behind a short inverse perp
 *   of the same size is flat in USD but not in BTC.
 *
 * Per underlying: the change for +1 % and −1 % and the central delta `(S(+1 %) − S(−1 %))/2`.
 * The 1-day σ of the USD buffer, delta-normal: `√(gᵀ Σ g) / 0.01`, with `g` the USD deltas per
 * 1 % and Σ the daily covariance of log returns (risk model: ATM implied vols and the default
 * correlation unless given).
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { covarianceOf, snapshotRiskModel, type MarketRiskModel } from '../market/market-vols.ts';
import { usdPrice } from '../risk/collateral.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';
import { portfolioAfterMove, type InverseSizeConvention } from './liquidation.ts';

/** Sensitivities of one pool's buffer to one underlying. */
export interface SolvencySensitivity {
  readonly underlying: string;
  /** Change of equity − MM (pool currency) for +1 % and −1 %, and the central delta per 1 %. */
  readonly up: number;
  readonly down: number;
  readonly delta: number;
  /** The same in USD with the pool's amounts at the moved index (collateral coin shocked too). */
  readonly upUsd: number;
  readonly downUsd: number;
  readonly deltaUsd: number;
  /** Change of equity alone (pool currency), central, per 1 %. */
  readonly equityDelta: number;
  /** Change of MM alone (pool currency), central, per 1 %. */
  readonly maintenanceDelta: number;
}

/** One pool's solvency. */
export interface PoolSolvency {
  readonly currency: string;
  readonly equity: number;
  readonly maintenanceMargin: number;
  /** equity − MM (pool currency). */
  readonly solvency: number;
  readonly solvencyUsd: number;
  readonly sensitivities: readonly SolvencySensitivity[];
}

/** Solvency report over pools. */
export interface SolvencyReport {
  readonly model: string;
  readonly pools: readonly PoolSolvency[];
  /** Σ pools' equity − MM in USD. */
  readonly solvencyUsd: number;
  /** USD delta per 1 % move, per underlying, over all pools (collateral shocked). */
  readonly deltaUsd: Readonly<Record<string, number>>;
  /** 1-day σ of the USD buffer, delta-normal (undefined without a risk model). */
  readonly solvencyVolatilityUsd: number | undefined;
  /** 1-day σ / buffer: the buffer in σ (undefined without a risk model or buffer ≤ 0). */
  readonly bufferInSigmas: number | undefined;
  readonly volSource: string | undefined;
  readonly warnings: readonly string[];
}

/** Options of `solvencyReport`. */
export interface SolvencyOptions<P> {
  readonly model: MarginModel<P>;
  readonly params: P;
  readonly inverseSize?: InverseSizeConvention;
  readonly riskModel?: MarketRiskModel;
  /** Size of the move (default 0.01 = 1 %); deltas are reported per 1 % of it. */
  readonly bump?: number;
}

/** The book after a ± bump of one underlying: its results and market. */
interface BumpedBook {
  readonly u: string;
  readonly up: { results: MarginResult[]; snap: MarketSnapshot };
  readonly down: { results: MarginResult[]; snap: MarketSnapshot };
}

/**
 * One pool's solvency s = equity − MM and its central-difference sensitivities per 1 % move
 * of each underlying (in the pool's currency and in USD); adds the USD deltas to `deltaUsd`.
 */
function poolSolvency(
  r: MarginResult,
  snapshot: MarketSnapshot,
  moved: readonly BumpedBook[],
  per1: number,
  deltaUsd: Record<string, number>,
): PoolSolvency {
  const find = (rs: readonly MarginResult[]) => rs.find((x) => x.currency === r.currency);
  const s0 = r.equity - r.maintenanceMargin;
  const px0 = usdPrice(r.currency, snapshot);
  const sensitivities = moved.map(({ u, up, down }): SolvencySensitivity => {
    const ru = find(up.results);
    const rd = find(down.results);
    if (!ru || !rd)
      throw new BallastError(
        'INVALID_INPUT',
        `pool ${r.currency} disappeared after a move of ${u}`,
        'pool',
      );
    const su = ru.equity - ru.maintenanceMargin;
    const sd = rd.equity - rd.maintenanceMargin;
    const suUsd = su * usdPrice(r.currency, up.snap);
    const sdUsd = sd * usdPrice(r.currency, down.snap);
    const dUsd = ((suUsd - sdUsd) / 2) * per1;
    deltaUsd[u] = deltaUsd[u]! + dUsd;
    return {
      underlying: u,
      up: (su - s0) * per1,
      down: (sd - s0) * per1,
      delta: ((su - sd) / 2) * per1,
      upUsd: (suUsd - s0 * px0) * per1,
      downUsd: (sdUsd - s0 * px0) * per1,
      deltaUsd: dUsd,
      equityDelta: ((ru.equity - rd.equity) / 2) * per1,
      maintenanceDelta: ((ru.maintenanceMargin - rd.maintenanceMargin) / 2) * per1,
    };
  });
  return {
    currency: r.currency,
    equity: r.equity,
    maintenanceMargin: r.maintenanceMargin,
    solvency: s0,
    solvencyUsd: s0 * px0,
    sensitivities,
  };
}

/** 1-day σ of solvency (USD): √(δᵀΣδ)/0.01 over the USD deltas per 1 %, if Σ covers them. */
function solvencyVolatility(
  risk: MarketRiskModel | undefined,
  underlyings: readonly string[],
  deltaUsd: Record<string, number>,
): number | undefined {
  if (!(risk && underlyings.every((u) => risk.underlyings.includes(u)))) return undefined;
  const cov = covarianceOf(risk, 1);
  const g = risk.underlyings.map((u) => deltaUsd[u] ?? 0);
  let v = 0;
  for (let i = 0; i < g.length; i++)
    for (let j = 0; j < g.length; j++) v += g[i]! * cov[i]![j]! * g[j]!;
  return Math.sqrt(Math.max(0, v)) / 0.01;
}

/** Solvency and its 1 % sensitivities per pool and underlying (module doc). */
export function solvencyReport<P>(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  options: SolvencyOptions<P>,
): SolvencyReport {
  const { model, params } = options;
  const convention = options.inverseSize ?? 'usd-notional';
  const bump = options.bump ?? 0.01;
  if (!(bump > 0 && bump < 0.5))
    throw new BallastError('INVALID_INPUT', `must be in (0, 0.5), got ${bump}`, 'bump');
  const per1 = 0.01 / bump;
  const evalAt = (
    mult: Record<string, number>,
  ): { results: MarginResult[]; snap: MarketSnapshot } => {
    const snap = scaleSnapshot(snapshot, mult);
    return {
      results: model.evaluate(portfolioAfterMove(portfolio, mult, convention), snap, params),
      snap,
    };
  };
  const base = evalAt({});
  const underlyings = [
    ...new Set([
      ...portfolio.positions.map((p) => p.instrument.underlying),
      ...portfolio.balances.map((b) => b.currency),
    ]),
  ]
    .filter((u) => snapshot.underlyings[u] !== undefined)
    .sort();
  const moved = underlyings.map((u) => ({
    u,
    up: evalAt({ [u]: 1 + bump }),
    down: evalAt({ [u]: 1 - bump }),
  }));
  const deltaUsd: Record<string, number> = Object.fromEntries(underlyings.map((u) => [u, 0]));
  let solvencyUsd = 0;
  const pools = base.results.map((r): PoolSolvency => {
    const pool = poolSolvency(r, snapshot, moved, per1, deltaUsd);
    solvencyUsd += pool.solvencyUsd;
    return pool;
  });

  const warnings: string[] = [];
  let risk = options.riskModel;
  if (!risk && underlyings.length > 0) {
    try {
      risk = snapshotRiskModel(snapshot, underlyings);
    } catch (e) {
      if (!(e instanceof BallastError)) throw e;
      warnings.push(`no σ for the solvency volatility (${e.message})`);
    }
  }
  const vol = solvencyVolatility(risk, underlyings, deltaUsd);
  return {
    model: model.id,
    pools,
    solvencyUsd,
    deltaUsd,
    solvencyVolatilityUsd: vol,
    bufferInSigmas: vol !== undefined && vol > 0 && solvencyUsd > 0 ? solvencyUsd / vol : undefined,
    volSource: risk?.volSource,
    warnings,
  };
}
