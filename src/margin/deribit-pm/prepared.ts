/**
 * The prepared Deribit PM market: for one (snapshot, params) pair, each instrument's base
 * state and its per-unit risk-vector row (27 standard + 8 extended cells, docs/methodology/deribit-pm.md §5,
 * §7.1) are computed once, lazily by symbol, and shared by every account evaluated against
 * it (the per-account path, the what-if, the batch engine and its workers).
 *
 * A row is exactly what `buildKeyVectors` computed inline before (`unitCellValue` per cell),
 * so books built from rows are bit-identical to books built by repricing.
 */
import { preparedCache } from '../prepared-cache.ts';
import { BallastError } from '../../core/errors.ts';
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { instrumentState, type InstrumentState } from '../../risk/pnl-matrix.ts';
import { deribitGrid, type DeribitGrid } from '../../scenarios/deribit-grid.ts';
import { gridParams, pairKey, pairParams, type DeribitPmParams } from './params.ts';
import { coinDelta } from '../../risk/greeks.ts';
import { unitCellValue } from './cell-value.ts';

/** One instrument priced once on its pair's grid. */
export interface PreparedRow {
  readonly instrument: Instrument;
  readonly state: InstrumentState;
  /** Per-unit cell values (extended cells weighted and converted), length = grid cells. */
  readonly unit: Float64Array;
  /** Coin delta of one unit, Deribit `delta_total` convention (delta shock, §11). */
  readonly deltaCoin: number;
  /** Coin delta of one unit under `rules.rollShockOptionDelta` (roll shock, §10). */
  readonly deltaRoll: number;
  readonly isOption: boolean;
  /** An option whose IV is below `min_volatility_for_shock_up`. */
  readonly belowMinVol: boolean;
}

/** The prepared market of one (snapshot, params) pair. */
export interface DeribitPmMarket {
  readonly snapshot: MarketSnapshot;
  readonly params: DeribitPmParams;
  /** The grid of an underlying's pair (cached). Throws for a pair without parameters. */
  grid(underlying: string): DeribitGrid;
  /** The row of an instrument (priced on first use). Throws typed errors for bad data. */
  row(inst: Instrument): PreparedRow;
  /** Number of rows priced so far. */
  readonly size: number;
}

/** Same instrument definition (the symbol cache must not serve a different contract). */
function sameInstrument(a: Instrument, b: Instrument): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Prices one instrument's unit row on `grid` (NOT_FINITE naming the cell and the symbol). */
export function unitRowOf(
  inst: Instrument,
  st: InstrumentState,
  grid: DeribitGrid,
  params: DeribitPmParams,
): Float64Array {
  const nC = grid.cells.length;
  const row = new Float64Array(nC);
  for (let c = 0; c < nC; c++) {
    const v = unitCellValue(inst, st, grid.cells[c]!, grid.scenarios[c]!, grid, params.rules);
    if (!Number.isFinite(v))
      throw new BallastError(
        'NOT_FINITE',
        `risk vector entry ${grid.scenarios[c]!.id} is ${v}`,
        inst.symbol,
      );
    row[c] = v;
  }
  return row;
}

/**
 * Prepares the Deribit PM market of `snapshot` under `params` (rows priced lazily; see the
 * module doc). The snapshot and the params must not change while the context is used.
 */
export function prepareDeribitPm(
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): DeribitPmMarket {
  const grids = new Map<string, DeribitGrid>();
  const rows = new Map<string, PreparedRow>();
  const grid = (underlying: string): DeribitGrid => {
    let g = grids.get(underlying);
    if (!g) {
      g = deribitGrid(
        underlying,
        gridParams(params, pairParams(params, underlying)),
        `params.model_params.currency_pair.${pairKey(underlying)}`,
      );
      grids.set(underlying, g);
    }
    return g;
  };
  const row = (inst: Instrument): PreparedRow => {
    const cached = rows.get(inst.symbol);
    if (cached && sameInstrument(cached.instrument, inst)) return cached;
    const g = grid(inst.underlying);
    if (!snapshot.underlyings[inst.underlying])
      throw new BallastError(
        'INVALID_INPUT',
        `the market snapshot has no data for ${inst.underlying}`,
        `snapshot.underlyings.${inst.underlying}`,
      );
    const state = instrumentState(inst, snapshot);
    const option = isOptionLike(inst);
    const r: PreparedRow = {
      instrument: inst,
      state,
      unit: unitRowOf(inst, state, g, params),
      deltaCoin: coinDelta(inst, state, 'coin'),
      deltaRoll: coinDelta(inst, state, params.rules.rollShockOptionDelta),
      isOption: option,
      belowMinVol: option && state.vol < g.params.minVolatilityForShockUp,
    };
    if (!cached) rows.set(inst.symbol, r);
    return r;
  };
  return {
    snapshot,
    params,
    grid,
    row,
    get size() {
      return rows.size;
    },
  };
}

/**
 * The prepared market of (snapshot, params), created on first use and kept as long as both
 * objects live (so repeated `evaluate` calls on one market price each instrument once).
 */
export const deribitPmMarket = preparedCache(prepareDeribitPm);
