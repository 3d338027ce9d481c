/**
 * The cross-margin baseline: per-position requirements, no netting of risk, but one shared
 * USD pool of collateral. It exists to show what portfolio margin saves.
 *
 * Exactly what it does:
 * - every position's IM and MM are the isolated ones (src/margin/isolated.ts: Deribit standard
 *   per-position formulas read at the position's own size, long options 0), in its settlement
 *   currency;
 * - each is converted to USD at its settlement currency's index (stables at 1) and summed:
 *   `IM = Σ IM_i · px(ccy_i)`, `MM = Σ MM_i · px(ccy_i)`; nothing offsets anything;
 * - one result, currency USD; equity = `crossCollateralUsd(balances, haircuts, 'initial')` +
 *   Σ marked position values × px (a negative balance counts in full). The equity with
 *   maintenance haircuts is in `details.equityMaintenance`.
 * Differences from the isolated baseline are therefore only in the collateral: gains and
 * balances in one currency support positions in another.
 */
import { marginInputsHash } from './inputs-hash.ts';
import type { Currency } from '../core/currency.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import {
  crossCollateralUsd,
  NO_HAIRCUTS,
  usdPrice,
  type HaircutTable,
} from '../risk/collateral.ts';
import { positionsValue } from '../risk/equity.ts';
import { type Portfolio } from '../risk/portfolio.ts';
import {
  positionMargins,
  standardUnverified,
  type PositionMargin,
  type StandardFormulaParams,
} from './deribit-standard/formulas.ts';
import { ISOLATED_DEFAULT_PARAMS } from './isolated.ts';
import type { MarginModel } from './margin-model.ts';
import { marginResult, type MarginResult } from './margin-result.ts';

/** Parameters of the cross baseline: the per-position formula parameters and collateral haircuts. */
export interface CrossParams extends StandardFormulaParams {
  /** Haircuts of collateral valued in the USD pool (default none). */
  readonly haircuts: HaircutTable;
}

/** One position in the USD pool. */
export interface CrossPosition extends PositionMargin {
  /** USD per unit of the position's settlement currency (index; stables 1). */
  readonly usdPrice: number;
  readonly initialMarginUsd: number;
  readonly maintenanceMarginUsd: number;
  /** Marked value in USD. */
  readonly valueUsd: number;
}

/** `details` of a cross result. */
export interface CrossDetails {
  readonly positions: readonly CrossPosition[];
  /** Collateral (USD) with IM haircuts and with MM haircuts. */
  readonly collateralInitial: number;
  readonly collateralMaintenance: number;
  /** Equity with maintenance haircuts (USD). */
  readonly equityMaintenance: number;
  /** IM and MM per settlement currency before conversion. */
  readonly bySettlement: Readonly<
    Record<Currency, { readonly initialMargin: number; readonly maintenanceMargin: number }>
  >;
}

/** Model id. */
export const CROSS_ID = 'cross';
/** Model version. */
export const CROSS_VERSION = '1.0.0';

/** Default parameters: Deribit standard formulas, no haircuts. */
export const CROSS_DEFAULT_PARAMS: CrossParams = {
  ...ISOLATED_DEFAULT_PARAMS,
  haircuts: NO_HAIRCUTS,
};

/**
 * Cross margin baseline (see module doc): isolated per-position requirements summed in USD on
 * one shared collateral pool; one result in USD.
 */
export const crossModel: MarginModel<CrossParams> = {
  id: CROSS_ID,
  version: CROSS_VERSION,
  title:
    'Cross baseline: per-position requirements (Deribit standard formulas) summed in USD on shared collateral',
  scenarioBased: false,
  defaultParams: CROSS_DEFAULT_PARAMS,
  evaluate(portfolio: Portfolio, snapshot: MarketSnapshot, params: CrossParams): MarginResult[] {
    const inputsHash = marginInputsHash(CROSS_ID, CROSS_VERSION, params, portfolio, snapshot);
    const pm = positionMargins(portfolio.positions, snapshot, params, 'per-position', 'none');
    let im = 0;
    let mm = 0;
    let valueUsd = 0;
    const bySettlement: Record<Currency, { initialMargin: number; maintenanceMargin: number }> = {};
    const positions: CrossPosition[] = pm.margins.map((m, i) => {
      const px = usdPrice(m.currency, snapshot, `positions.${m.symbol}.settlementCurrency`);
      const v = positionsValue([pm.positions[i]!], [pm.states[i]!]).value * px;
      im += m.initialMargin * px;
      mm += m.maintenanceMargin * px;
      valueUsd += v;
      const b = bySettlement[m.currency] ?? { initialMargin: 0, maintenanceMargin: 0 };
      b.initialMargin += m.initialMargin;
      b.maintenanceMargin += m.maintenanceMargin;
      bySettlement[m.currency] = b;
      return {
        ...m,
        usdPrice: px,
        initialMarginUsd: m.initialMargin * px,
        maintenanceMarginUsd: m.maintenanceMargin * px,
        valueUsd: v,
      };
    });
    const haircuts = params.haircuts ?? NO_HAIRCUTS;
    const collateralInitial = crossCollateralUsd(portfolio.balances, snapshot, haircuts, 'initial');
    const collateralMaintenance = crossCollateralUsd(
      portfolio.balances,
      snapshot,
      haircuts,
      'maintenance',
    );
    const equity = collateralInitial + valueUsd;
    const details: CrossDetails = {
      positions,
      collateralInitial,
      collateralMaintenance,
      equityMaintenance: collateralMaintenance + valueUsd,
      bySettlement,
    };
    return [
      marginResult({
        model: CROSS_ID,
        modelVersion: CROSS_VERSION,
        currency: 'USD',
        equity,
        initialMargin: im,
        maintenanceMargin: mm,
        worstScenario: undefined,
        contributions: [],
        addOns: [],
        unverified: standardUnverified(pm, false),
        warnings: positionsValue(pm.positions, pm.states).warnings,
        inputsHash,
        details,
      }),
    ];
  },
};
