/**
 * Deribit PM per-instrument risk vectors (methodology deribit-pm.md §5, §7.1): for every
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
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { black76Greeks } from '../../pricing/black76.ts';
import { optionValue } from '../../pricing/option-value.ts';
import { scenarioPnl, type InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Position } from '../../risk/portfolio.ts';
import { deribitPmMarket, type DeribitPmMarket } from './prepared.ts';
import {
  deribitTermStructure,
  type DeribitGrid,
  type DeribitGridCell,
} from '../../scenarios/deribit-grid.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { canonicalPositions } from '../book.ts';
import {
  pairKey,
  pairParams,
  vectorKey,
  type DeribitPmCurrencyPair,
  type DeribitPmParams,
  type DeribitPmRules,
} from './params.ts';

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
  /** Per-unit P&L (weighted for extended cells), row-major `unit[i·nCells + c]`. */
  readonly unit: Float64Array;
  /** Position vectors (`size × unit`), one per position, length nCells. */
  readonly vectors: readonly Float64Array[];
  /** Σ position vectors. */
  readonly preAggregated: Float64Array;
  /** True if an option's IV is below `min_volatility_for_shock_up` (the two floor readings differ). */
  readonly minVolFloorMatters: boolean;
  readonly hasOptions: boolean;
}

/** `x` with −0 turned into +0 (the published vectors print 0). */
function noNegZero(x: number): number {
  return x + 0;
}

/** Per-unit P&L of `inst` in a standard or extended cell, before the extended weight. */
function cellPnl(
  inst: Instrument,
  st: InstrumentState,
  cell: DeribitGridCell,
  sc: Scenario,
  grid: DeribitGrid,
  rules: DeribitPmRules,
): number {
  const m = cell.move;
  if (!isOptionLike(inst)) return inst.settlement === 'inverse' ? m / (1 + m) : st.price * m;
  let scenario = sc;
  const gp = grid.params;
  if (
    cell.vol === 'up' &&
    rules.minVolForShockUp === 'floor-base' &&
    st.vol < gp.minVolatilityForShockUp
  ) {
    // IV + up·k·max(IV, min) = IV + (up·min)·k for IV < min: an absolute shock of up·min.
    scenario = {
      ...sc,
      moves: {
        [inst.underlying]: {
          spotMultiplier: 1 + m,
          vol: {
            kind: 'absolute',
            size: gp.volatilityRangeUp * gp.minVolatilityForShockUp,
            term: deribitTermStructure(gp),
          },
        },
      },
    };
  }
  return scenarioPnl(inst, st, scenario, rules.inverseOptionPnl);
}

/** Per-unit value of `inst` in a cell, with the extended weight and conversion applied (§7.1). */
export function unitCellValue(
  inst: Instrument,
  st: InstrumentState,
  cell: DeribitGridCell,
  sc: Scenario,
  grid: DeribitGrid,
  rules: DeribitPmRules,
): number {
  const p = cellPnl(inst, st, cell, sc, grid, rules);
  if (cell.source === 'standard') return p;
  const w = cell.weight;
  const m = cell.move;
  const r = grid.params.priceRange;
  const convert =
    inst.settlement === 'inverse'
      ? !isOptionLike(inst) || rules.extendedCoinConversion === 'range-edge'
      : rules.extendedUsdConversion === 'range-edge';
  return convert ? (p * w * (1 + m)) / (1 + Math.sign(m) * r) : p * w;
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
  const vectors: Float64Array[] = [];
  const pre = new Float64Array(nC);
  let minVolFloorMatters = false;
  let hasOptions = false;
  sorted.forEach((pos, i) => {
    const r = rows[i]!;
    if (r.isOption) hasOptions = true;
    if (r.belowMinVol) minVolFloorMatters = true;
    unit.set(r.unit, i * nC);
    const vec = new Float64Array(nC);
    for (let c = 0; c < nC; c++) {
      vec[c] = noNegZero(pos.size * r.unit[c]!);
      pre[c] = noNegZero(pre[c]! + vec[c]!);
    }
    vectors.push(vec);
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
    unit,
    vectors,
    preAggregated: pre,
    minVolFloorMatters,
    hasOptions,
  };
}

/** Relative bump for numerical deltas of digitals and barriers. */
const DELTA_BUMP = 1e-5;

/**
 * Delta of one unit of `inst` in coins (§10, §11): delta-one products 1; vanilla options the
 * Black-76 delta `df·N(d1)` (call) / `−df·N(−d1)` (put), minus the coin mark for inverse
 * options under the `coin` convention (Deribit's `delta_total`: BS delta − mark price); digitals
 * and barriers by a central difference of the same value functions.
 */
export function coinDelta(
  inst: Instrument,
  st: InstrumentState,
  convention: 'coin' | 'bs',
): number {
  if (!isOptionLike(inst)) return 1;
  const coinSide = inst.settlement === 'inverse' && convention === 'coin';
  if (inst.kind === 'option') {
    const g = black76Greeks(
      inst.right,
      st.price,
      inst.strike,
      st.T,
      st.vol,
      Math.exp(-st.rate * st.T),
    );
    return coinSide ? g.delta - st.value : g.delta;
  }
  const valueAt = (mult: number): number => {
    const inputs = {
      spot: st.spot * mult,
      forward: st.price * mult,
      T: st.T,
      vol: st.vol,
      rate: st.rate,
    };
    return coinSide
      ? optionValue(inst, inputs)
      : optionValue({ ...inst, settlement: 'linear' }, inputs);
  };
  const h = DELTA_BUMP;
  const d = (valueAt(1 + h) - valueAt(1 - h)) / (2 * h);
  // d is per relative move: coin value → coins; USD value → divide by F.
  return coinSide ? d : d / st.price;
}
