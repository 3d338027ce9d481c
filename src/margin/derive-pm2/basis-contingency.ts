/**
 * Basis (forward) contingency of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §7.4): each
 * expiry repriced at two fixed spot moves with unshocked vols and no static discount; the
 * worse PnL, capped at 0, scaled by ADD + MULT·T. The total competes with the scenario
 * losses for the worst loss (§10). Negative = loss.
 */
import { optionValuesAt, sum } from './expiries.ts';
import type { BasisContingencyParams } from './params.ts';
import type { Pm2ExpiryRisk } from './precompute.ts';

/** The basis contingency of one expiry (§7.4). USD unless stated. */
export interface ExpiryBasisContingency {
  /** U_e − MTM_e: value change at F(SCENARIO_SPOT_UP). */
  readonly upPnl: number;
  /** D_e − MTM_e: value change at F(SCENARIO_SPOT_DOWN). */
  readonly downPnl: number;
  /** ADD + MULT·T (dimensionless). */
  readonly scale: number;
  /** BC_e = min(upPnl, downPnl, 0)·scale (≤ 0). */
  readonly amount: number;
  /** Which leg set BC_e (`none` when both legs gain). */
  readonly leg: 'up' | 'down' | 'none';
  /** Per-option value change in the binding leg, times `scale` (sums to `amount`). */
  readonly contributions: Float64Array;
}

/** Basis contingency of one expiry (§7.4). */
export function expiryBasisContingency(
  x: Pm2ExpiryRisk,
  p: BasisContingencyParams,
): ExpiryBasisContingency {
  const e = x.expiry;
  const up = optionValuesAt(e, p.SCENARIO_SPOT_UP, e.vols);
  const down = optionValuesAt(e, p.SCENARIO_SPOT_DOWN, e.vols);
  const upPnl = sum(up) - x.mtm;
  const downPnl = sum(down) - x.mtm;
  const scale = p.BASIS_CONT_ADD_FACTOR + p.BASIS_CONT_MULT_FACTOR * e.T;
  const worst = Math.min(upPnl, downPnl, 0);
  const leg = worst === 0 ? 'none' : upPnl <= downPnl ? 'up' : 'down';
  const legValues = leg === 'up' ? up : leg === 'down' ? down : undefined;
  const contributions = legValues
    ? legValues.map((v, i) => (v - x.markValues[i]!) * scale)
    : new Float64Array(up.length);
  return { upPnl, downPnl, scale, amount: worst * scale, leg, contributions };
}

/** BC = Σ_e BC_e (`ForwardContingency`, ≤ 0, USD). */
export function totalBasisContingency(parts: readonly ExpiryBasisContingency[]): number {
  let s = 0;
  for (const p of parts) s += p.amount;
  return s;
}
