/**
 * The Up / Down vol shocks of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §7.2 and §8.2): a
 * term-structure power law in days to expiry, applied sticky-strike to each option's vol.
 */
import type { VolShockParams } from './params.ts';

/** Seconds in one day. */
const SECONDS_PER_DAY = 86_400;
/** The reference tenor of VOLRANGEUP / VOLRANGEDOWN: 30 days, in seconds. */
export const VOL_SHOCK_REFERENCE_SECONDS = 30 * SECONDS_PER_DAY;

/** The vol multipliers of one expiry (§7.2). Dimensionless. */
export interface VolShockMultipliers {
  /** Up_e = 1 + VOLRANGEUP·g_e. */
  readonly up: number;
  /** Down_e = max(0, 1 − VOLRANGEDOWN·g_e). */
  readonly down: number;
}

/**
 * Vol multipliers of an expiry `seconds` ≥ 0 away (§7.2):
 *
 *   ratio = 30 days / max(sec, DTE_FLOOR days)
 *   g = ratio ^ (SHORTTERMPOWER if sec ≤ 30 days else LONGTERMPOWER)
 *   Up = 1 + VOLRANGEUP·g,  Down = max(0, 1 − VOLRANGEDOWN·g)
 */
export function volShockMultipliers(seconds: number, p: VolShockParams): VolShockMultipliers {
  const ratio = VOL_SHOCK_REFERENCE_SECONDS / Math.max(seconds, p.DTE_FLOOR * SECONDS_PER_DAY);
  const power = seconds <= VOL_SHOCK_REFERENCE_SECONDS ? p.SHORTTERMPOWER : p.LONGTERMPOWER;
  const g = ratio ** power;
  return { up: 1 + p.VOLRANGEUP * g, down: Math.max(0, 1 - p.VOLRANGEDOWN * g) };
}

/** Shocked vol in an `Up` scenario: max(MIN_VOL_EVAL_SHOCKED, σ·Up_e) (§8.2). */
export function volShockedUp(vol: number, m: VolShockMultipliers, p: VolShockParams): number {
  return Math.max(p.MIN_VOL_EVAL_SHOCKED, vol * m.up);
}

/** Shocked vol in a `Down` scenario: σ·Down_e, no floor other than 0 (§8.2). */
export function volShockedDown(vol: number, m: VolShockMultipliers): number {
  return vol * m.down;
}
