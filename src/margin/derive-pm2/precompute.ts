/**
 * Per-expiry precomputes of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §7): the expiry's
 * mark-to-market (§7.1), its Up/Down vol multipliers (§7.2) and static discounts (§7.3).
 */
import { optionValuesAt, sum, type Pm2Expiry } from './expiries.ts';
import type { DerivePm2Params } from './params.ts';
import { staticDiscountFor, staticDiscounts, type StaticDiscounts } from './static-discount.ts';
import { volShockMultipliers, type VolShockMultipliers } from './vol-shocks.ts';

/** An expiry with everything the scenarios need that does not depend on the scenario. */
export interface Pm2ExpiryRisk {
  readonly expiry: Pm2Expiry;
  /** Amount × price of each option at F(1) and its SVI vol, USD (§7.1). */
  readonly markValues: Float64Array;
  /** MTM_e = Σ markValues, USD (`OptionMTMPerExpiry`). */
  readonly mtm: number;
  /** Up_e / Down_e (§7.2). */
  readonly multipliers: VolShockMultipliers;
  /** SD⁺_e / SD⁻_e (§7.3, `discount_factors`). */
  readonly discounts: StaticDiscounts;
}

/** Precomputes one expiry (§7.1–§7.3). */
export function precomputeExpiry(e: Pm2Expiry, params: DerivePm2Params): Pm2ExpiryRisk {
  const markValues = optionValuesAt(e, 1, e.vols);
  return {
    expiry: e,
    markValues,
    mtm: sum(markValues),
    multipliers: volShockMultipliers(e.seconds, params.volShock),
    discounts: staticDiscounts(e.T, e.rate, e.df, params.margin),
  };
}

/**
 * `OptionMTMPerExpiryDiscounted` of an expiry (§7.3): MTM_e·SD⁺ if MTM_e ≥ 0, else MTM_e·SD⁻.
 * Reporting only.
 */
export function discountedMtm(x: Pm2ExpiryRisk): number {
  return x.mtm * staticDiscountFor(x.mtm, x.discounts);
}
