/**
 * Deribit PM per-instrument risk vectors (docs/methodology/deribit-pm.md §5, §7.1): for every
 * position of one `<underlying>_<settlement>` key, its P&L in the settlement currency (profit
 * positive) in each of the 27 standard and 8 extended cells of its pair's grid, and their sum
 * (`pre_aggregated_risk_vectors`).
 *
 * Per unit (one coin of size), move m:
 * - coin-settled futures/perpetuals: `m/(1+m)` coin [R, bit-exact on W-D1/W-D2];
 * - USD-settled futures/perpetuals/spot: `F0·m` USD(C), F0 the instrument's price [I];
 * - options: repriced by `scenarioPnl` (Black-76 on the expiry's forward × (1+m), shocked IV,
 *   time not advanced); inverse options OPT-A `V1/F1 − V0/F0` by default, OPT-B switchable [I];
 * - extended cells: `pnl · weight · (1+m)/(1+sign(m)·r)` for coin-settled instruments (the
 *   conversion for options is [I], switchable) and `pnl · weight` for USD-settled ones [I].
 * Position vectors are `size × unit` (this order reproduces the published vectors to the bit
 * for the standard table, within 2 ulp for the extended one).
 */
import { BallastError } from '../../core/errors.ts';
import { isUsdLike } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Position } from '../../risk/portfolio.ts';
import type { DeribitGrid } from '../../scenarios/deribit-grid.ts';
import { canonicalPositions } from '../book.ts';
import {
  pairKey,
  pairParams,
  vectorKey,
  type DeribitPmCurrencyPair,
  type DeribitPmParams,
} from './params.ts';
import { deribitPmMarket, type DeribitPmMarket } from './prepared.ts';

export { coinDelta } from '../../risk/greeks.ts';
export { unitCellValue } from './cell-value.ts';

/** The vectors of one key (`btc_btc`, `eth_eth`, `btc_usdc`, ...). */
export interface KeyVectors {
  /** `<underlying>_<settlement>`, lower case. */
  readonly key: string;
  readonly underlying: string;
  readonly settlement: string;
  /** True if the key settles in a coin (inverse products). */
  readonly coinSettled: boolean;
  /** `<underlying>_usd`. */
  readonly pairKey: string;
  readonly pair: DeribitPmCurrencyPair;
  readonly grid: DeribitGrid;
  /** Index price S0 of the underlying, USD. */
  readonly index: number;
  /** Positions of the key in canonical (symbol) order, aligned with `states` and `vectors`. */
  readonly positions: readonly Position[];
  readonly states: readonly InstrumentState[];
  /**
   * Per-unit coin deltas of the positions from the prepared rows (`delta_total` convention and
   * the roll-shock convention), aligned with `positions`; absent when a trade was inserted
   * (shocks.ts then computes them from `states`, the same function on the same state).
   */
  readonly deltas?: { readonly coin: Float64Array; readonly roll: Float64Array };
  /**
   * Per-unit P&L (weighted for extended cells), row-major `unit[i·nCells + c]`. Position i's
   * vector (`initial_risk_vectors`) is `positionCell(kv, i, c) = size_i · unit[i·nCells + c]`,
   * −0 written +0; it is not stored (the report writes it once, the numbers need only the sum).
   */
  readonly unit: Float64Array;
  /** Σ position vectors, in position order. */
  readonly preAggregated: Float64Array;
  /** True if an option's IV is below `min_volatility_for_shock_up` (the two floor readings differ). */
  readonly minVolFloorMatters: boolean;
  readonly hasOptions: boolean;
}

/** `x` with −0 turned into +0 (the published vectors print 0). */
function noNegZero(x: number): number {
  return x + 0;
}

/**
 * Cell `c` of position `i`'s vector: `size_i · unit_i[c]`, −0 written +0 (the published
 * vectors print 0), as `buildKeyVectors` sums it into `preAggregated`.
 */
export function positionCell(kv: KeyVectors, i: number, c: number): number {
  return noNegZero(kv.positions[i]!.size * kv.unit[i * kv.grid.cells.length + c]!);
}

/**
 * Builds the vectors of the positions of one key (all with this underlying and settlement
 * currency) from the rows of the prepared market (prepared.ts; by default the one cached for
 * this snapshot and params). Throws typed errors for missing market data or parameters.
 */
export function buildKeyVectors(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  underlying: string,
  settlement: string,
  market: DeribitPmMarket = deribitPmMarket(snapshot, params),
): KeyVectors {
  const pair = pairParams(params, underlying);
  const grid = market.grid(underlying);
  const u = snapshot.underlyings[underlying];
  if (!u)
    throw new BallastError(
      'INVALID_INPUT',
      `the market snapshot has no data for ${underlying}`,
      `snapshot.underlyings.${underlying}`,
    );
  const sorted = canonicalPositions(positions);
  const rows = sorted.map((p) => market.row(p.instrument));
  const nC = grid.cells.length;
  const unit = new Float64Array(sorted.length * nC);
  const pre = new Float64Array(nC);
  let minVolFloorMatters = false;
  let hasOptions = false;
  sorted.forEach((pos, i) => {
    const r = rows[i]!;
    if (r.isOption) hasOptions = true;
    if (r.belowMinVol) minVolFloorMatters = true;
    unit.set(r.unit, i * nC);
    for (let c = 0; c < nC; c++) pre[c] = noNegZero(pre[c]! + noNegZero(pos.size * r.unit[c]!));
  });
  return {
    key: vectorKey(underlying, settlement),
    underlying,
    settlement,
    coinSettled: !isUsdLike(settlement),
    pairKey: pairKey(underlying),
    pair,
    grid,
    index: u.index,
    positions: sorted,
    states: rows.map((r) => r.state),
    deltas: {
      coin: Float64Array.from(rows, (r) => r.deltaCoin),
      roll: Float64Array.from(rows, (r) => r.deltaRoll),
    },
    unit,
    preAggregated: pre,
    minVolFloorMatters,
    hasOptions,
  };
}
