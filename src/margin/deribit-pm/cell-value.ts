/**
 * Deribit PM per-unit values (docs/methodology/deribit-pm.md §5, §7.1, §10): one unit's P&L in a
 * standard or extended cell of its pair's grid (extended weight and conversion applied), and
 * its coin delta for the roll and delta shocks. The prepared market (prepared.ts) computes
 * these once per instrument; the key vectors (vectors.ts) read them from there.
 */
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
import { black76Greeks } from '../../pricing/black76.ts';
import { optionValue } from '../../pricing/option-value.ts';
import { scenarioPnl, type InstrumentState } from '../../risk/pnl-matrix.ts';
import {
  deribitTermStructure,
  type DeribitGrid,
  type DeribitGridCell,
} from '../../scenarios/deribit-grid.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import type { DeribitPmRules } from './params.ts';

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
