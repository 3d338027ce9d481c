/**
 * The LINEAR and ABS skew shocks of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §8.3): each
 * option's vol is scaled by a multiplier that is linear in log-moneyness up to a width k*
 * and flat at 1 ± cap beyond it.
 */
import type { SkewShockParams } from './params.ts';

/** The two skew-shock directions. */
export type SkewDirection = 'LINEAR' | 'ABS';

/** The shape of one expiry's skew shock (§8.3). */
export interface SkewShape {
  /** cap_e = X_CBASE·√T + X_SCALE_CAP (`linear_mult_cap` / `abs_mult_cap`). */
  readonly cap: number;
  /** k*_e = max(MIN_K_STAR, √T·MIN_WIDTH_SCALE·(VOL_PARAM_STATIC + √T·VOL_PARAM_SCALE)) (`k_star`). */
  readonly kStar: number;
}

/** Skew shape of an expiry with year fraction `T` (years) for direction `dir` (§8.3). */
export function skewShape(T: number, dir: SkewDirection, p: SkewShockParams): SkewShape {
  const sqrtT = Math.sqrt(T);
  const cap =
    dir === 'LINEAR'
      ? p.LINEAR_CBASE * sqrtT + p.LINEAR_SCALE_CAP
      : p.ABS_CBASE * sqrtT + p.ABS_SCALE_CAP;
  const volProxy = p.VOL_PARAM_STATIC + sqrtT * p.VOL_PARAM_SCALE;
  return { cap, kStar: Math.max(p.MIN_K_STAR, sqrtT * p.MIN_WIDTH_SCALE * volProxy) };
}

/**
 * Log-moneyness the skew shock uses (§8.3): k = ln(K / F) against the feed forward F (not
 * the SVI forward), and |k| for ABS.
 */
export function skewLogMoneyness(strike: number, forward: number, dir: SkewDirection): number {
  const k = Math.log(strike / forward);
  return dir === 'ABS' ? Math.abs(k) : k;
}

/**
 * Vol multiplier at (direction-adjusted) log-moneyness `k` (§8.3): with y = k·cap/k*,
 * 1 + min(cap, y) for k ≥ 0 and 1 + max(−cap, y) for k < 0 (`linear_multiplier` /
 * `abs_multiplier`). Applied literally for a negative cap, as the engine does. The vol is
 * σ·max(multiplier, 0).
 */
export function skewMultiplier(k: number, shape: SkewShape): number {
  const y = (k * shape.cap) / shape.kStar;
  return k >= 0 ? 1 + Math.min(shape.cap, y) : 1 + Math.max(-shape.cap, y);
}

/** Skew-shocked vol σ·max(multiplier, 0) of an option struck at `strike` (strike 0: vol 0). */
export function skewShockedVol(
  vol: number,
  strike: number,
  forward: number,
  dir: SkewDirection,
  shape: SkewShape,
): number {
  if (strike === 0 || vol === 0) return 0;
  return vol * Math.max(skewMultiplier(skewLogMoneyness(strike, forward, dir), shape), 0);
}
