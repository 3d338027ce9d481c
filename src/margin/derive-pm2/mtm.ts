/**
 * Mark-to-market of a PMRM_2 account (methodology spec `docs/methodology/derive-pm2.md`, §5.6, §7.1, §10):
 * option values, unsettled perp value and collateral values, all in units of the stable
 * cash asset (USD for options and perps), plus cash.
 */
import type { DerivePm2Input } from './input.ts';
import type { Pm2ExpiryRisk } from './precompute.ts';

/** V_c = Amount_c·Price_c / P_st of each collateral, in units of the cash asset (§5.6). */
export function collateralValues(input: DerivePm2Input): Float64Array {
  const pst = input.market.stablePrice;
  return Float64Array.from(input.portfolio.collaterals, (c) => (c.amount * c.price) / pst);
}

/** The MtM terms of §10 and §11. */
export interface Pm2Mtm {
  /** `OptionMTM` = Σ_e MTM_e. */
  readonly optionMtm: number;
  /** V_perp = UnrealisedPerpPNL + UnrealisedFunding if q ≠ 0, else 0 (§3.1, §13.5). */
  readonly perpValue: number;
  /** `PerpMTM`: UnrealisedPerpPNL if q ≠ 0, else 0 (funding is in MtM but not here, §11). */
  readonly perpMtm: number;
  /** `CollateralMTM` = Σ_c V_c. */
  readonly collateralMtm: number;
  /** MtM = optionMtm + perpValue + collateralMtm. */
  readonly mtm: number;
  /** `Cash` c. */
  readonly cash: number;
  /** `PortfolioMTM` = MtM + c: the account equity the margins are compared with. */
  readonly portfolioMtm: number;
}

/** MtM of the account (§10): `risks` are the precomputed expiries, `values` the V_c. */
export function accountMtm(
  input: DerivePm2Input,
  risks: readonly Pm2ExpiryRisk[],
  values: Float64Array,
): Pm2Mtm {
  let optionMtm = 0;
  for (const x of risks) optionMtm += x.mtm;
  const p = input.portfolio;
  const hasPerps = p.numPerps !== 0;
  const perpValue = hasPerps ? p.unrealisedPerpPnl + p.unrealisedFunding : 0;
  const perpMtm = hasPerps ? p.unrealisedPerpPnl : 0;
  let collateralMtm = 0;
  for (const v of values) collateralMtm += v;
  const mtm = optionMtm + perpValue + collateralMtm;
  return {
    optionMtm,
    perpValue,
    perpMtm,
    collateralMtm,
    mtm,
    cash: p.cash,
    portfolioMtm: mtm + p.cash,
  };
}
