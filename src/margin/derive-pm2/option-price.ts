/**
 * One option's value as the PMRM_2 engine computes it (methodology spec `docs/methodology/derive-pm2.md`,
 * §6): Black-76 on the (shocked) forward, discounted at the feed rate, with the engine's
 * clamps around it. The Black-76 formula itself is `black76Price` of src/pricing.
 */
import { black76Price } from '../../pricing/black76.ts';

/** Total vol σ√T from which the engine treats a call as worth the whole forward (§6). */
export const MAX_TOTAL_VOL = 24;

/**
 * Discounted price of one unit (USD per unit of underlying) of a call or put (§6):
 * - `K = 0`: call F·df, put 0; `F = 0`: call 0, put K·df;
 * - total vol σ√T ≥ 24: call F·df, put K·df (the engine's C* = 1);
 * - otherwise Black-76 (T = 0 or σ = 0 give the discounted intrinsic value), capped at
 *   F·df for a call and K·df for a put.
 *
 * `T` in years, `sigma` annualised, `df` the discount factor to expiry.
 */
export function pm2OptionPrice(
  isCall: boolean,
  F: number,
  K: number,
  T: number,
  sigma: number,
  df: number,
): number {
  if (K === 0) return isCall ? F * df : 0;
  if (F === 0) return isCall ? 0 : K * df;
  const cap = isCall ? F * df : K * df;
  if (sigma * Math.sqrt(T) >= MAX_TOTAL_VOL) return cap;
  return Math.min(black76Price(isCall ? 'call' : 'put', F, K, T, sigma, df), cap);
}
