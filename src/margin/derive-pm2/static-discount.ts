/**
 * Static discounts of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §7.3): in every scenario an
 * expiry's shocked value is haircut when positive and marked up when negative.
 */
import type { MarginParams } from './params.ts';

/** The two static discounts of one expiry (§7.3). Dimensionless multipliers. */
export interface StaticDiscounts {
  /** SD⁺ = B⁺·exp(−T·(r·m⁺ + a⁺)), applied to positive expiry values. */
  readonly positive: number;
  /** SD⁻ = min(1/df, B⁻·exp(T·(r·m⁻ + a⁻))), applied to negative expiry values. */
  readonly negative: number;
}

/**
 * Static discounts of an expiry with year fraction `T` (years), floored rate `r` and
 * discount factor `df` (§7.3). At T = 0 this gives SD⁺ = B⁺ and SD⁻ = min(1, B⁻), the
 * engine's reading (§13.1).
 */
export function staticDiscounts(
  T: number,
  r: number,
  df: number,
  p: MarginParams,
): StaticDiscounts {
  return {
    positive:
      p.BASE_STATIC_DISCOUNT * Math.exp(-T * (r * p.LONG_RATE_MULTSCALE + p.LONG_RATE_ADDSCALE)),
    negative: Math.min(
      1 / df,
      p.BASE_STATIC_DISCOUNT_NEG *
        Math.exp(T * (r * p.SHORT_RATE_MULTSCALE + p.SHORT_RATE_ADDSCALE)),
    ),
  };
}

/** The discount applied to an expiry value `W` (USD): SD⁺ if W ≥ 0, else SD⁻ (§8.2). */
export function staticDiscountFor(W: number, sd: StaticDiscounts): number {
  return W >= 0 ? sd.positive : sd.negative;
}
