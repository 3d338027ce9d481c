/**
 * The forward's spot-sensitive part and its shocked value (methodology spec
 * `docs/methodology/derive-pm2.md`, §5.4): inside the 30-minute settlement TWAP window part of the forward
 * is already fixed and does not move with spot.
 */

/** Length of the settlement TWAP window, seconds (§5.4). */
export const SETTLEMENT_WINDOW_SECONDS = 1800;

/** A forward split into the part that moves with spot and the part already fixed (USD). */
export interface ForwardSplit {
  /** F_var: moves with spot. */
  readonly variable: number;
  /** F_fix: already fixed by the settlement TWAP. */
  readonly fixed: number;
}

/**
 * Splits forward `F` (USD) for an expiry `seconds` ≥ 0 away (§5.4): all variable from
 * 1800 s out; inside the window F_fix = F·(1800 − sec)/1800 and F_var = F·sec/1800.
 */
export function splitForward(F: number, seconds: number): ForwardSplit {
  if (seconds >= SETTLEMENT_WINDOW_SECONDS) return { variable: F, fixed: 0 };
  return {
    fixed: (F * (SETTLEMENT_WINDOW_SECONDS - seconds)) / SETTLEMENT_WINDOW_SECONDS,
    variable: (F * seconds) / SETTLEMENT_WINDOW_SECONDS,
  };
}

/** Shocked forward F(s) = F_var·s + F_fix for spot multiplier `s` (§5.4), USD. */
export function shockedForward(split: ForwardSplit, s: number): number {
  return split.variable * s + split.fixed;
}
