/**
 * The isolated-margin baseline: what the book needs when nothing nets. It exists to show what
 * portfolio margin saves.
 *
 * Exactly what it does:
 * - every position is margined **on its own**, with the Deribit standard per-position formulas
 *   (src/margin/deribit-standard/formulas.ts, docs/methodology/deribit-standard.md §2–§3): futures/perps at
 *   `(base + perCoin·|size|)·|size|` read at the position's own size (no tier aggregation
 *   across positions, not even two positions of the same product family), linear ones × index;
 *   short options by the short-option IM/MM formulas; long options **0** (the premium is paid,
 *   nothing more); long spot 0; short spot, digitals and barriers have no formula (errors);
 * - each position is its own pool: nothing offsets anything, no open-orders term;
 * - reported per settlement currency as the plain sum of its positions' requirements
 *   (`IM = Σ IM_i`, `MM = Σ MM_i`), with equity = that currency's balances + the marked value
 *   of its positions; each position's own requirement and marked value is in
 *   `details.positions`.
 * The requirements equal `deribitStandardModel` with `sizeAggregation: 'per-position'`,
 * `longOptionMargin: 'none'` and no open orders; unlike it, nothing here can be switched to net.
 */
import { marginInputsHash } from './inputs-hash.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { positionsValue } from '../risk/equity.ts';
import { type Portfolio } from '../risk/portfolio.ts';
import { settlementPools } from './book.ts';
import { standardPool } from './deribit-standard/deribit-standard.ts';
import {
  DERIBIT_STANDARD_DEFAULT_PARAMS,
  standardUnverified,
  type PositionMargin,
  type StandardFormulaParams,
} from './deribit-standard/formulas.ts';
import type { MarginModel } from './margin-model.ts';
import { marginResult, type MarginResult } from './margin-result.ts';

/** Parameters of the isolated baseline: the Deribit standard per-position formula parameters. */
export type IsolatedParams = StandardFormulaParams;

/** One position as its own pool. */
export interface IsolatedPosition extends PositionMargin {
  /** Marked value of the position (settlement currency): option mark × size, or unrealised P&L. */
  readonly value: number;
}

/** `details` of an isolated result. */
export interface IsolatedDetails {
  readonly positions: readonly IsolatedPosition[];
}

/** Model id. */
export const ISOLATED_ID = 'isolated';
/** Model version. */
export const ISOLATED_VERSION = '1.0.0';

/** Default parameters: the Deribit standard formula parameters. */
export const ISOLATED_DEFAULT_PARAMS: IsolatedParams = {
  futures: DERIBIT_STANDARD_DEFAULT_PARAMS.futures,
  options: DERIBIT_STANDARD_DEFAULT_PARAMS.options,
  optionUnderlyingPrice: DERIBIT_STANDARD_DEFAULT_PARAMS.optionUnderlyingPrice,
};

/**
 * Isolated margin baseline (see module doc): each position margined alone with the Deribit
 * standard per-position formulas; one result per settlement currency = the plain sum.
 */
export const isolatedModel: MarginModel<IsolatedParams> = {
  id: ISOLATED_ID,
  version: ISOLATED_VERSION,
  title: 'Isolated baseline: every position margined alone (Deribit standard formulas), no netting',
  scenarioBased: false,
  defaultParams: ISOLATED_DEFAULT_PARAMS,
  evaluate(portfolio: Portfolio, snapshot: MarketSnapshot, params: IsolatedParams): MarginResult[] {
    const inputsHash = marginInputsHash(ISOLATED_ID, ISOLATED_VERSION, params, portfolio, snapshot);
    return settlementPools(portfolio).map((ccy): MarginResult => {
      const pool = standardPool(portfolio, ccy, snapshot, params, 'per-position', 'none');
      const { pm } = pool;
      const positions: IsolatedPosition[] = pm.margins.map((m, i) => ({
        ...m,
        value: positionsValue([pm.positions[i]!], [pm.states[i]!]).value,
      }));
      const details: IsolatedDetails = { positions };
      return marginResult({
        model: ISOLATED_ID,
        modelVersion: ISOLATED_VERSION,
        currency: ccy,
        equity: pool.equity,
        initialMargin: pool.initialMargin,
        maintenanceMargin: pool.maintenanceMargin,
        worstScenario: undefined,
        contributions: [],
        addOns: [],
        unverified: standardUnverified(pm, false),
        warnings: pool.warnings,
        inputsHash,
        details,
      });
    });
  },
};
