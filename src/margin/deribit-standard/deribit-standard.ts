/**
 * Deribit segregated standard margin (S:SM), docs/methodology/deribit-standard.md: per-position
 * formulas (formulas.ts: tiered futures/perpetual rates, inverse and USDC-linear; short-option
 * IM/MM, inverse and linear) summed per settlement currency, plus the open-orders IM input.
 * One `MarginResult` per settlement currency, amounts in that currency.
 *
 * `IM = Σ IM(position) + open_orders_margin`, `MM = Σ MM(position)`; equity = the pool's
 * balances + the marked value of its positions. No scenarios: `worstScenario` is undefined
 * and `contributions` is empty; per-position margins are in `details.positions`.
 */
import { marginInputsHash } from '../inputs-hash.ts';
import { BallastError } from '../../core/errors.ts';
import type { Currency } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import { type Portfolio } from '../../risk/portfolio.ts';
import { positionsIn, settlementPools } from '../book.ts';
import type { MarginModel } from '../margin-model.ts';
import { marginResult, type MarginResult } from '../margin-result.ts';
import {
  DERIBIT_STANDARD_DEFAULT_PARAMS,
  positionMargins,
  standardUnverified,
  type DeribitStandardParams,
  type LongOptionMargin,
  type PositionMargin,
  type PositionMargins,
  type SizeAggregation,
  type StandardFormulaParams,
} from './formulas.ts';

export type { DeribitStandardParams } from './formulas.ts';

/** Model id. */
export const DERIBIT_STANDARD_ID = 'deribit-standard';
/** Model version. */
export const DERIBIT_STANDARD_VERSION = '1.0.0';

/** `details` of a Deribit standard-margin result. */
export interface DeribitStandardDetails {
  /** Per-position margins (canonical order), in the pool currency. */
  readonly positions: readonly PositionMargin[];
  readonly openOrdersMargin: number;
  readonly sizeAggregation: DeribitStandardParams['sizeAggregation'];
  readonly longOptionMargin: DeribitStandardParams['longOptionMargin'];
  readonly optionUnderlyingPrice: DeribitStandardParams['optionUnderlyingPrice'];
}

/** One settlement-currency pool under the per-position formulas. */
export interface StandardPool {
  /** Per-position margins (canonical order) with their positions and base states. */
  readonly pm: PositionMargins;
  /** Σ IM and Σ MM of the positions, pool currency. */
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** The pool currency's balances + the marked value of its positions (src/risk/equity.ts). */
  readonly equity: number;
  readonly warnings: readonly string[];
}

/**
 * The positions of `portfolio` settling in `ccy` under the per-position formulas
 * (docs/methodology/deribit-standard.md §2–§3): their margins, the plain sums `Σ IM`, `Σ MM` and the pool's
 * equity, all in `ccy`. Shared by the standard model and the isolated baseline.
 */
export function standardPool(
  portfolio: Portfolio,
  ccy: Currency,
  snapshot: MarketSnapshot,
  params: StandardFormulaParams,
  aggregation: SizeAggregation,
  longOptions: LongOptionMargin,
): StandardPool {
  const pm = positionMargins(
    positionsIn(portfolio, ccy),
    snapshot,
    params,
    aggregation,
    longOptions,
  );
  let initialMargin = 0;
  let maintenanceMargin = 0;
  for (const m of pm.margins) {
    initialMargin += m.initialMargin;
    maintenanceMargin += m.maintenanceMargin;
  }
  const pv = positionsValue(pm.positions, pm.states);
  return {
    pm,
    initialMargin,
    maintenanceMargin,
    equity: segregatedCollateral(portfolio.balances, ccy) + pv.value,
    warnings: pv.warnings,
  };
}

function openOrders(params: DeribitStandardParams, ccy: Currency): number {
  const key = ccy.toLowerCase();
  const v = params.account?.[key]?.open_orders_margin ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new BallastError(
      'INVALID_INPUT',
      `must be a finite number ≥ 0, got ${String(v)}`,
      `params.account.${key}.open_orders_margin`,
    );
  return v;
}

function checkSwitches(p: DeribitStandardParams): void {
  if (!['per-position', 'gross', 'net'].includes(p.sizeAggregation))
    throw new BallastError(
      'INVALID_INPUT',
      `must be per-position, gross or net, got ${String(p.sizeAggregation)}`,
      'params.sizeAggregation',
    );
  if (!['none', 'mark'].includes(p.longOptionMargin))
    throw new BallastError(
      'INVALID_INPUT',
      `must be none or mark, got ${String(p.longOptionMargin)}`,
      'params.longOptionMargin',
    );
}

/**
 * Deribit standard margin (S:SM): per-position formulas of docs/methodology/deribit-standard.md §2–§3 summed
 * per settlement currency (one result each; coin for inverse, USDC for linear products).
 */
export const deribitStandardModel: MarginModel<DeribitStandardParams> = {
  id: DERIBIT_STANDARD_ID,
  version: DERIBIT_STANDARD_VERSION,
  title: 'Deribit standard margin (S:SM), per-position formulas per settlement currency',
  scenarioBased: false,
  defaultParams: DERIBIT_STANDARD_DEFAULT_PARAMS,
  evaluate(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: DeribitStandardParams,
  ): MarginResult[] {
    checkSwitches(params);
    const inputsHash = marginInputsHash(
      DERIBIT_STANDARD_ID,
      DERIBIT_STANDARD_VERSION,
      params,
      portfolio,
      snapshot,
    );
    return settlementPools(portfolio).map((ccy): MarginResult => {
      const pool = standardPool(
        portfolio,
        ccy,
        snapshot,
        params,
        params.sizeAggregation,
        params.longOptionMargin,
      );
      const { pm } = pool;
      const oo = openOrders(params, ccy);
      const details: DeribitStandardDetails = {
        positions: pm.margins,
        openOrdersMargin: oo,
        sizeAggregation: params.sizeAggregation,
        longOptionMargin: params.longOptionMargin,
        optionUnderlyingPrice: params.optionUnderlyingPrice,
      };
      const stale = Object.entries(params.sources ?? {})
        .filter(([k, s]) => s.stale && (k !== 'options' || pm.hasShortOptions))
        .map(
          ([k, s]) =>
            `Deribit standard-margin parameters ${k} are stale or third-party (${s.source}, as of ${s.asOf})`,
        );
      return marginResult({
        model: DERIBIT_STANDARD_ID,
        modelVersion: DERIBIT_STANDARD_VERSION,
        currency: ccy,
        equity: pool.equity,
        initialMargin: pool.initialMargin + oo,
        maintenanceMargin: pool.maintenanceMargin,
        worstScenario: undefined,
        contributions: [],
        addOns: [
          {
            name: 'open_orders_margin',
            amount: oo,
            appliesTo: 'initial',
            description:
              'account input: IM of open orders (combination rule with positions undocumented)',
          },
        ],
        unverified: standardUnverified(pm, true),
        warnings: [...pool.warnings, ...stale],
        inputsHash,
        details,
      });
    });
  },
};
