/**
 * Deribit PM per-unit values (docs/methodology/deribit-pm.md §5, §7.1): one unit's P&L in a
 * standard or extended cell of its pair's grid (extended weight and conversion applied). The
 * coin delta of the roll and delta shocks (§10) is the venue's convention, in
 * src/risk/greeks.ts. The prepared market (prepared.ts) computes these once per instrument;
 * the key vectors (vectors.ts) read them from there.
 */
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
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
