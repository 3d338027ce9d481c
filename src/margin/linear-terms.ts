/**
 * The optional linear face of a margin model (`MarginModel.linearTerms`): the model's margin
 * per pool, after adding trades of unknown sizes x_j (coins, one per `LinearTrade`), written as
 * data an LP can take — scenario P&L rows linear in x, absolute-value add-ons and a constant.
 * The optimizer (`optimize/margin-lp.ts`) turns it into LP rows; it needs nothing else of the
 * model. All amounts are in the pool currency.
 *
 * Meaning, per pool, with `pnl_bc(x) = base_bc + Σ_col values_c·x_trade` for block b, cell c:
 * - `aggregation: 'sum'`: IM = constant + Σ_b max(0, max_c −(pnl_bc(x) + allowance_bc))
 *   + Σ_abs weight·|base + Σ coef·x|;
 * - `aggregation: 'joint'`: IM = constant + max(0, max_c −Σ_b credit_bc(x)) + Σ_abs (…), with
 *   `credit_bc = min(pnl_bc + allowance_bc, credit.offset·pnl_bc, credit.cap)` for a cell that
 *   earns credit and `min(pnl_bc + allowance_bc, 0)` for one that does not (`noCredit`); the
 *   offset term is written only when `credit.offset < 1`. Every block of a joint pool has the
 *   same number of cells, aligned.
 *
 * Both are convex in x (minimised inside `t ≥ …` rows the LP is exact). What the model leaves
 * out of this face (non-convex or discrete parts such as rounding) it documents itself; the
 * optimizer re-evaluates every answer with the exact model.
 */
import type { Currency } from '../core/currency.ts';
import type { Instrument } from '../instruments/instrument.ts';
import type { InstrumentState } from '../risk/pnl-matrix.ts';

/** A trade column: its instrument and that instrument's state at the snapshot. */
export interface LinearTrade {
  readonly instrument: Instrument;
  readonly state: InstrumentState;
}

/** One trade's per-coin P&L in each cell of a block (pool currency per coin). */
export interface LinearColumn {
  /** Index into the `trades` given to `linearTerms`. */
  readonly trade: number;
  readonly values: Float64Array;
}

/** `weight·|base + Σ coef·x_trade|`, an add-on (e.g. a roll shock), only when some coef ≠ 0. */
export interface LinearAbsTerm {
  /** Row name (unique in the pool), e.g. `roll[btc_btc:BTC-PERPETUAL]`. */
  readonly name: string;
  readonly base: number;
  /** `[trade index, coefficient]` pairs. */
  readonly coefs: readonly (readonly [number, number])[];
  /** Pool currency per unit of |…|. */
  readonly weight: number;
}

/** The scenario P&L of one block (e.g. a vector key) and the add-ons written with it. */
export interface LinearScenarioBlock {
  /** Name of the block in row names (unique in the pool). */
  readonly key: string;
  /** Scenario id per cell. */
  readonly scenarioIds: readonly string[];
  /** P&L of the book as it is, per cell. */
  readonly base: Float64Array;
  readonly columns: readonly LinearColumn[];
  /** Added to the P&L of each cell before the loss is taken (0 where none). */
  readonly allowance: readonly number[];
  /** Per cell: true where a gain earns no credit in joint aggregation. */
  readonly noCredit: readonly boolean[];
  /** Credit of gains in joint aggregation: `offset` (fraction) and `cap` (pool currency). */
  readonly credit: { readonly offset: number; readonly cap: number };
  readonly absTerms: readonly LinearAbsTerm[];
}

/** One pool's margin as linear terms (see module doc). */
export interface LinearMarginPool {
  readonly currency: Currency;
  readonly aggregation: 'sum' | 'joint';
  /** Margin that no trade changes (account inputs, add-ons of untouched lines). */
  readonly constant: number;
  readonly blocks: readonly LinearScenarioBlock[];
}
