/**
 * Black-Scholes-Merton: European vanilla options on spot with a continuous rate and a
 * continuous dividend / borrow yield (cost of carry b = r − q).
 *
 * Units: S, K in quote currency per unit of underlying; T in years; r, q continuously
 * compounded per year (decimals; either may be negative); σ annualised, decimal. Vega per
 * 1.00 of vol, rho and dividendRho per 1.00 of rate, theta per calendar year
 * (thetaPerDay = theta/365), as QuantLib's AnalyticEuropeanEngine (bsm.json conventions).
 *
 * Source: R. C. Merton, "Theory of rational option pricing" (1973); implemented as Black-76
 * on the forward F = S·e^{(r−q)T} with df = e^{−rT}.
 */
import { requireFinite, requirePositive } from '../core/errors.ts';
import type { OptionRight } from '../instruments/instrument.ts';
import { black76Greeks, black76Price } from './black76.ts';

/** BSM price and greeks (per one unit of underlying). */
export interface BsmGreeks {
  /** S·e^{−qT}·N(d1) − K·e^{−rT}·N(d2) (call), K·e^{−rT}·N(−d2) − S·e^{−qT}·N(−d1) (put). */
  readonly price: number;
  /** ∂V/∂S = e^{−qT}·N(d1) (call), −e^{−qT}·N(−d1) (put). */
  readonly delta: number;
  /** ∂²V/∂S² = e^{−qT}·φ(d1)/(S·σ√T). */
  readonly gamma: number;
  /** ∂V/∂σ per 1.00 vol = S·e^{−qT}·φ(d1)·√T. */
  readonly vega: number;
  /** ∂V/∂t per calendar year (S, r, q, σ fixed) = r·V − (r−q)·S·delta − ½σ²S²·gamma. */
  readonly theta: number;
  /** theta/365. */
  readonly thetaPerDay: number;
  /** ∂V/∂r per 1.00 = K·T·e^{−rT}·N(d2) (call), −K·T·e^{−rT}·N(−d2) (put). */
  readonly rho: number;
  /** ∂V/∂q per 1.00 = −S·T·e^{−qT}·N(d1) (call), S·T·e^{−qT}·N(−d1) (put). */
  readonly dividendRho: number;
}

/** Validates S, r, q (F, K, T, σ are validated by Black-76). Returns the forward and df. */
function carry(S: number, T: number, r: number, q: number): { F: number; df: number; dfQ: number } {
  requirePositive(S, 'S');
  requireFinite(r, 'r');
  requireFinite(q, 'q');
  requireFinite(T, 'T');
  const df = Math.exp(-r * T);
  const dfQ = Math.exp(-q * T);
  return { F: (S * dfQ) / df, df, dfQ };
}

/**
 * BSM price of a European call or put on spot, in quote currency: Black-76 with
 * F = S·e^{(r−q)T}, df = e^{−rT}. T = 0 or σ = 0 gives the discounted intrinsic value of the
 * forward. Throws INVALID_INPUT / NOT_FINITE naming the bad field.
 */
export function bsmPrice(
  right: OptionRight,
  S: number,
  K: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
): number {
  const { F, df } = carry(S, T, r, q);
  return black76Price(right, F, K, T, sigma, df);
}

/** BSM price and greeks (see `BsmGreeks` for units and formulas). */
export function bsmGreeks(
  right: OptionRight,
  S: number,
  K: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
): BsmGreeks {
  const { F, df, dfQ } = carry(S, T, r, q);
  const g = black76Greeks(right, F, K, T, sigma, df);
  const delta = dfQ * g.forwardDelta;
  const ratio = F / S;
  // −θ·r·K·e^{−rT}·N(θd2) = r·K·strikeSensitivity and θ·q·S·e^{−qT}·N(θd1) = q·S·delta;
  // the time-decay term S·e^{−qT}·φ(d1)·σ/(2√T) = vega·σ/(2T).
  const decay = T > 0 ? (g.vega * sigma) / (2 * T) : 0;
  const theta = -decay + r * K * g.strikeSensitivity + q * S * delta;
  return {
    price: g.price,
    delta,
    gamma: g.gamma * ratio * ratio,
    vega: g.vega,
    theta,
    thetaPerDay: theta / 365,
    rho: -K * T * g.strikeSensitivity,
    dividendRho: -T * S * delta,
  };
}
