/**
 * Scenario PnL of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §8): perps, options per expiry
 * (vol shocks Up/Down/None with the static discount, or the skew shocks forced to a loss)
 * and risk-cancelling collateral, each times the scenario's dampening factor. Negative =
 * the account loses (`reg_losses` / `tail_losses` / `skew_losses`).
 */
import { optionValuesAt, sum } from './expiries.ts';
import type { DerivePm2Input } from './input.ts';
import type { DerivePm2Params, DerivePm2Scenario } from './params.ts';
import type { Pm2ExpiryRisk } from './precompute.ts';
import { skewShape, skewShockedVol } from './skew-shocks.ts';
import { staticDiscountFor } from './static-discount.ts';
import { volShockedDown, volShockedUp } from './vol-shocks.ts';

/**
 * Vols of an expiry's options in scenario direction `dir` (§8.2, §8.3): None keeps σ_i, Up
 * gives max(MIN_VOL_EVAL_SHOCKED, σ_i·Up_e), Down σ_i·Down_e, LINEAR / ABS σ_i·max(mult_i, 0).
 */
export function scenarioVols(
  x: Pm2ExpiryRisk,
  dir: DerivePm2Scenario['volShockDirection'],
  params: DerivePm2Params,
): Float64Array {
  const e = x.expiry;
  const vols = e.vols;
  switch (dir) {
    case 'None':
      return vols;
    case 'Up':
      return vols.map((v) => volShockedUp(v, x.multipliers, params.volShock));
    case 'Down':
      return vols.map((v) => volShockedDown(v, x.multipliers));
    case 'LINEAR':
    case 'ABS': {
      const shape = skewShape(e.T, dir, params.skewShock);
      const F = e.feed.forward;
      return vols.map((v, i) => skewShockedVol(v, e.strikes[i]!, F, dir, shape));
    }
  }
}

/** One expiry's PnL in one scenario (§8.2, §8.3). */
export interface ExpiryScenarioPnl {
  /** Amount × price of each option in the scenario, before the static discount, USD. */
  readonly values: Float64Array;
  /** W_e = Σ values, USD. */
  readonly value: number;
  /** The static discount applied to W_e (SD⁺ if W_e ≥ 0 else SD⁻). */
  readonly discount: number;
  /**
   * +1, or −1 when a skew scenario flips a gain into a loss (PnL_e = −|·|): the factor that
   * makes per-option contributions sum to `pnl`.
   */
  readonly sign: 1 | -1;
  /** PnL_e = (W_e·SD − MTM_e)·δ (times −1 for a skew gain), USD. */
  readonly pnl: number;
}

/**
 * PnL of one expiry in scenario `sc` (§8.2, §8.3). Up/Down/None price at F(s); the skew
 * shocks price at F(1) (a skew scenario with s ≠ 1 is refused by validation, §13.2).
 */
export function expiryScenarioPnl(
  x: Pm2ExpiryRisk,
  sc: DerivePm2Scenario,
  params: DerivePm2Params,
): ExpiryScenarioPnl {
  const dir = sc.volShockDirection;
  const skew = dir === 'LINEAR' || dir === 'ABS';
  const values = optionValuesAt(x.expiry, skew ? 1 : sc.spotShock, scenarioVols(x, dir, params));
  const value = sum(values);
  const discount = staticDiscountFor(value, x.discounts);
  const raw = (value * discount - x.mtm) * sc.dampeningFactor;
  const sign = skew && raw > 0 ? -1 : 1;
  return { values, value, discount, sign, pnl: sign * raw };
}

/** Perp PnL in scenario `sc` (§8.1): q·(s − 1)·P_perp·δ if q ≠ 0, else 0. USD. */
export function perpScenarioPnl(input: DerivePm2Input, sc: DerivePm2Scenario): number {
  const q = input.portfolio.numPerps;
  if (q === 0) return 0;
  return q * (sc.spotShock - 1) * input.market.perpPrice * sc.dampeningFactor;
}

/**
 * Collateral PnL in scenario `sc` (§8.4): V_c·(s − 1)·δ for risk-cancelling collateral, 0
 * otherwise. `value` is V_c in units of the cash asset (§5.6).
 */
export function collateralScenarioPnl(
  value: number,
  isRiskCancelling: boolean,
  sc: DerivePm2Scenario,
): number {
  return isRiskCancelling ? value * (sc.spotShock - 1) * sc.dampeningFactor : 0;
}

/** The PnL of one scenario, by component (§8.5). */
export interface ScenarioPnl {
  /** PnL(s, dir, δ) = perp + Σ expiries + Σ collaterals. */
  readonly total: number;
  readonly perp: number;
  readonly expiries: readonly ExpiryScenarioPnl[];
  /** Per collateral, in input order. */
  readonly collaterals: Float64Array;
}

/** PnL of scenario `sc` for the account (§8.5). `collateralValues` are the V_c of §5.6. */
export function scenarioPnl(
  input: DerivePm2Input,
  risks: readonly Pm2ExpiryRisk[],
  collateralValues: Float64Array,
  sc: DerivePm2Scenario,
  params: DerivePm2Params,
): ScenarioPnl {
  const perp = perpScenarioPnl(input, sc);
  const expiries = risks.map((x) => expiryScenarioPnl(x, sc, params));
  const collaterals = collateralValues.map((v, i) =>
    collateralScenarioPnl(v, input.portfolio.collaterals[i]!.isRiskCancelling, sc),
  );
  let total = perp;
  for (const x of expiries) total += x.pnl;
  for (const c of collaterals) total += c;
  return { total, perp, expiries, collaterals };
}
