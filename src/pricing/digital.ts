/**
 * European digital (binary) options on spot under Black-Scholes-Merton with continuous r and
 * q: cash-or-nothing and asset-or-nothing.
 *
 * Units: S, K in quote currency per unit of underlying; `cash` in quote currency; T in
 * years; r, q, σ decimals per year. Greeks as in `bsm.ts`: vega per 1.00 vol, rho and
 * dividendRho per 1.00 rate, theta per calendar year (thetaPerDay = theta/365).
 *
 * Formulas (θ = +1 call, −1 put; d1,2 = (ln(S/K) + (r − q ± σ²/2)T)/(σ√T); s = σ√T):
 * - cash-or-nothing pays `cash` if S_T > K (call) / S_T < K (put): V = cash·e^{−rT}·N(θd2);
 * - asset-or-nothing pays S_T if in the money: V = S·e^{−qT}·N(θd1).
 * Source: E. G. Haug, "The Complete Guide to Option Pricing Formulas" (1998), §2.11;
 * greeks by direct differentiation (checked against QuantLib's AnalyticEuropeanEngine).
 */
import {
  BallastError,
  requireFinite,
  requireNonNegative,
  requirePositive,
} from '../core/errors.ts';
import { normCdf, normPdf } from '../core/normal.ts';
import type { DigitalPayoff, OptionRight } from '../instruments/instrument.ts';
import { MIN_STD_DEV } from './black76.ts';
import { requireRight } from './inputs.ts';

/** Digital option price and greeks (per option). */
export interface DigitalGreeks {
  /** Present value, quote currency. */
  readonly price: number;
  /** ∂V/∂S. */
  readonly delta: number;
  /** ∂²V/∂S². */
  readonly gamma: number;
  /** ∂V/∂σ per 1.00 vol. */
  readonly vega: number;
  /** ∂V/∂t per calendar year (S, r, q, σ fixed) = r·V − (r−q)·S·delta − ½σ²S²·gamma. */
  readonly theta: number;
  /** theta/365. */
  readonly thetaPerDay: number;
  /** ∂V/∂r per 1.00. */
  readonly rho: number;
  /** ∂V/∂q per 1.00. */
  readonly dividendRho: number;
}

function check(
  payoff: DigitalPayoff,
  right: OptionRight,
  S: number,
  K: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
  cash: number,
): void {
  if (payoff !== 'cash-or-nothing' && payoff !== 'asset-or-nothing') {
    throw new BallastError(
      'INVALID_INPUT',
      `must be 'cash-or-nothing' or 'asset-or-nothing', got ${String(payoff)}`,
      'payoff',
    );
  }
  requireRight(right);
  for (const [v, name] of [
    [S, 'S'],
    [K, 'K'],
    [T, 'T'],
    [r, 'r'],
    [q, 'q'],
    [sigma, 'sigma'],
    [cash, 'cash'],
  ] as const) {
    requireFinite(v, name);
  }
  requirePositive(S, 'S');
  requirePositive(K, 'K');
  requireNonNegative(T, 'T');
  requireNonNegative(sigma, 'sigma');
}

/**
 * Digital price and greeks. `cash` is the cash amount of a cash-or-nothing option (ignored
 * for asset-or-nothing). Limit s = σ√T = 0 (used for s < 1e-100): the payoff on the forward S·e^{(r−q)T},
 * discounted (½ of it exactly at the money); the distributional greeks (delta of cash-or-
 * nothing, gamma, vega) are reported as 0 there.
 */
export function digitalGreeks(
  payoff: DigitalPayoff,
  right: OptionRight,
  S: number,
  K: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
  cash = 1,
): DigitalGreeks {
  check(payoff, right, S, K, T, r, q, sigma, cash);
  const w = right === 'call' ? 1 : -1;
  const sqrtT = Math.sqrt(T);
  const s = sigma * sqrtT;
  const dfR = Math.exp(-r * T);
  const dfQ = Math.exp(-q * T);
  const x = Math.log(S / K) + (r - q) * T; // ln(F/K)
  const h = x / s;
  const limit = !(s >= MIN_STD_DEV) || !(Math.abs(h) <= 1e300);
  const d1 = limit ? 0 : h + 0.5 * s;
  const d2 = limit ? 0 : h - 0.5 * s;
  // (r − q)/(σ√T) − d/(2T) appears in theta: ∂d2/∂T = d1-term, ∂d1/∂T = d2-term (sign below).
  const drift = limit ? 0 : (r - q) / s;

  let price: number;
  let delta: number;
  let gamma = 0;
  let vega = 0;
  let theta: number;
  let rho: number;
  let dividendRho: number;
  if (payoff === 'cash-or-nothing') {
    const D = cash * dfR;
    if (limit) {
      const p = x === 0 ? 0.5 : w * x > 0 ? 1 : 0;
      price = D * p;
      delta = 0;
      rho = -T * price;
      dividendRho = 0;
      theta = r * price;
    } else {
      const n2 = normPdf(d2);
      price = D * normCdf(w * d2);
      const k = w * D * n2; // θ·cash·e^{−rT}·φ(d2)
      delta = k / (S * s);
      gamma = (-k * d1) / (S * S * s * s);
      vega = (-k * d1 * sqrtT) / s;
      rho = (k * sqrtT) / sigma - T * price;
      dividendRho = (-k * sqrtT) / sigma;
      theta = r * price - k * (drift - d1 / (2 * T));
    }
  } else {
    const A = S * dfQ;
    if (limit) {
      const p = x === 0 ? 0.5 : w * x > 0 ? 1 : 0;
      price = A * p;
      delta = dfQ * p;
      rho = 0;
      dividendRho = -T * price;
      theta = q * price;
    } else {
      const n1 = normPdf(d1);
      const N1 = normCdf(w * d1);
      price = A * N1;
      const k = w * A * n1; // θ·S·e^{−qT}·φ(d1)
      delta = dfQ * N1 + (w * dfQ * n1) / s;
      gamma = (-w * dfQ * n1 * d2) / (S * s * s);
      vega = (-k * d2 * sqrtT) / s;
      rho = (k * sqrtT) / sigma;
      dividendRho = -T * price - (k * sqrtT) / sigma;
      theta = q * price - k * (drift - d2 / (2 * T));
    }
  }
  return { price, delta, gamma, vega, theta, thetaPerDay: theta / 365, rho, dividendRho };
}

/**
 * Digital price in quote currency: cash·e^{−rT}·N(±d2) (cash-or-nothing) or
 * S·e^{−qT}·N(±d1) (asset-or-nothing). See `digitalGreeks` for inputs and limits.
 */
export function digitalPrice(
  payoff: DigitalPayoff,
  right: OptionRight,
  S: number,
  K: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
  cash = 1,
): number {
  return digitalGreeks(payoff, right, S, K, T, r, q, sigma, cash).price;
}
