/**
 * The OKX portfolio-margin terms that are plain arithmetic on numbers (docs/methodology/okx-pm.md
 * §1.1, §2, §2.2), separate from the revaluation so each can be tested on W-O1's published
 * values and, where convex piecewise-linear, written into an LP. All amounts USD.
 */
import { requireFinite } from '../../core/errors.ts';
import { bracketsFromTiers, tieredMaintenance, type TierEdge } from '../tiered-brackets.ts';
import type { OkxBorrowParams } from './params.ts';

/** The MR terms of one risk unit (positive charges, USD). MR8 is account level, not here. */
export interface OkxMrTerms {
  readonly mr1: number;
  readonly mr2: number;
  readonly mr3: number;
  readonly mr4: number;
  readonly mr5: number;
  readonly mr6: number;
  readonly mr7: number;
  readonly mr9: number;
}

/** `MR = max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9` (docs/methodology/okx-pm.md §1.1 [V help-modes; R W-O1]). */
export function okxUnitMr(t: OkxMrTerms): number {
  return Math.max(t.mr1, t.mr2, t.mr6) + t.mr3 + t.mr4 + t.mr5 + t.mr9;
}

/** `MMR_unit = max(MR, MR7)` (docs/methodology/okx-pm.md §1.1). USD. */
export function okxUnitMmr(t: OkxMrTerms): number {
  return Math.max(okxUnitMr(t), t.mr7);
}

/** `IMR_unit = imrFactor × MMR_unit` (docs/methodology/okx-pm.md §1.1: 1.3 [V]). USD. */
export function okxUnitImr(mmr: number, imrFactor: number): number {
  return imrFactor * mmr;
}

/**
 * MR6 charge from the worst P&L at the extreme move: `fraction × max(0, −pnl)` (docs/methodology/okx-pm.md §2:
 * 50 % of the loss [R W-O1]). USD.
 */
export function okxMr6Charge(worstPnl: number, fraction: number): number {
  return fraction * Math.max(0, -worstPnl);
}

/**
 * MR4 basis charge of one position: `|cash delta| × max(minBasis, annualRate × T)`, T in
 * ACT/365 years (0 for perps). docs/methodology/okx-pm.md §5 (form [I]; perp fractions [R], annual rates [V]).
 */
export function okxMr4Charge(
  absCashDeltaUsd: number,
  yearsToExpiry: number,
  minBasis: number,
  annualRate: number,
): number {
  return Math.abs(absCashDeltaUsd) * Math.max(minBasis, annualRate * Math.max(0, yearsToExpiry));
}

/**
 * MR7 after the tiered multiplier: the raw minimum charge split at the tier edges, each slice
 * times its tier's multiplier (docs/methodology/okx-pm.md §2.2 [V ann-mr7-2021]: raw 30,000 with the BTC
 * tiers → 10,000 × 1 + 20,000 × 2 = 50,000). USD.
 */
export function okxMr7Adjusted(
  rawUsd: number,
  tiers: readonly TierEdge[],
  field = 'mr7.tiers',
): number {
  return tieredMaintenance(rawUsd, bracketsFromTiers(tiers, field), 'mr7.raw');
}

/**
 * MR2, time-value (theta) risk of options [I, docs/okx-option-terms.md]: the value each
 * option position loses or gains when the valuation date moves `horizonDays` forward (spot,
 * forward and implied vol unchanged), charged gross, `Σ_i |ΔV_i|`. OKX charges MR2 on a short
 * option, whose decay is a gain (W-O2: 0.79 × one day's theta), so the sign is not netted.
 * USD; `dayDecays` are the per-position value changes over the horizon.
 */
export function okxMr2Charge(dayDecays: readonly number[]): number {
  let s = 0;
  for (const d of dayDecays) s += Math.abs(requireFinite(d, 'mr2.decay'));
  return s;
}

/**
 * MR3, vega term-structure (volatility span) risk [I, docs/okx-option-terms.md]: with `x_e`
 * the unit's P&L in expiry e under one MR1 vol state at unchanged spot, MR1 charges the
 * parallel move `|Σ_e x_e|`; the span charges what the expiries lose if they move apart,
 * `Σ_e |x_e| − |Σ_e x_e|` (0 with one expiry, or when every expiry's vega has one sign). USD.
 */
export function okxMr3Charge(expiryPnls: readonly number[]): number {
  let gross = 0;
  let net = 0;
  for (const x of expiryPnls) {
    requireFinite(x, 'mr3.expiryPnl');
    gross += Math.abs(x);
    net += x;
  }
  return Math.max(0, gross - Math.abs(net));
}

/**
 * MR5, interest-rate risk of options [I, docs/okx-option-terms.md]: Black-76 rho with the
 * forward held is `∂V/∂r = −T·V`, so a parallel rate move `rateShock` (decimal per year)
 * changes the unit by `rateShock × |Σ_i q_i·T_i·V_i|` (T in years, V the USD value of one
 * unit, q the signed size). The forward's own rate exposure is MR4's (basis). USD.
 */
export function okxMr5Charge(sumSizeTimesValue: number, rateShock: number): number {
  return Math.abs(requireFinite(sumSizeTimesValue, 'mr5.rho')) * rateShock;
}

/** Borrowing margin (MR8) of the account. */
export interface OkxBorrowMargin {
  readonly borrowMmr: number;
  readonly borrowImr: number;
}

/**
 * MR8 from the USD value of borrowed (negative) currency equity: `borrowMmr = mmrRate ×
 * liability`, `borrowImr = imrOverMmr × borrowMmr` (docs/methodology/okx-pm.md §2 MR8, §4 [R W-O1]). USD.
 */
export function okxBorrowMargin(liabilityUsd: number, p: OkxBorrowParams): OkxBorrowMargin {
  const borrowMmr = p.mmrRate * Math.max(0, liabilityUsd);
  return { borrowMmr, borrowImr: p.imrOverMmr * borrowMmr };
}

/** Account totals. */
export interface OkxAccountTotals {
  /** Σ MMR_unit. */
  readonly derivMmr: number;
  /** derivMmr + borrowMmr. */
  readonly totalMmr: number;
  /** imrFactor × derivMmr + borrowImr. */
  readonly totalImr: number;
}

/**
 * `derivMmr = Σ MMR_unit`, `MMR = derivMmr + borrowMmr`, `IMR = imrFactor × derivMmr +
 * borrowImr` (docs/methodology/okx-pm.md §1.1 [V MMR sum; T/R IMR composition]). USD.
 */
export function okxAccountTotals(
  unitMmrs: readonly number[],
  borrow: OkxBorrowMargin,
  imrFactor: number,
): OkxAccountTotals {
  let derivMmr = 0;
  for (const m of unitMmrs) derivMmr += m;
  return {
    derivMmr,
    totalMmr: derivMmr + borrow.borrowMmr,
    totalImr: imrFactor * derivMmr + borrow.borrowImr,
  };
}

/** `acctLever = Σ notionalUsd / eq` (docs/methodology/okx-pm.md §4 [R]); `null` when eq = 0. */
export function okxAccountLeverage(totalNotionalUsd: number, eqUsd: number): number | null {
  return eqUsd === 0 ? null : requireFinite(totalNotionalUsd, 'notionalUsd') / eqUsd;
}

/**
 * `marginRatio = adjEq / (MMR + liquidation cost)` (docs/methodology/okx-pm.md §1.1; the cost formula is [G]);
 * `null` when the denominator is 0.
 */
export function okxMarginRatio(
  adjEqUsd: number,
  totalMmr: number,
  liquidationCostUsd: number,
): number | null {
  const d = totalMmr + liquidationCostUsd;
  return d === 0 ? null : adjEqUsd / d;
}
