/**
 * Implied Black-76 volatility from a discounted option price.
 *
 * Method (own implementation; formulas from the literature on the normalised Black function,
 * e.g. P. Jäckel, "Let's be rational", Wilmott 2015, and S. Manaster & G. Koehler, J. Finance
 * 1982, for the inflection point):
 *
 * 1. Reduce to the normalised out-of-the-money problem: x = −|ln(F/K)| ≤ 0 and
 *    β = (undiscounted time value)/√(F·K), the time value being price/df − intrinsic, which
 *    is the same for the call and the put (put-call parity), so the OTM side is priced
 *    implicitly. Solve b(x, s) = β for s = σ√T, where b = `normalizedOtmBlack` increases
 *    from 0 to e^{x/2}.
 * 2. b(x, ·) is convex below its inflection point s* = √(2|x|) and concave above it; the
 *    root's side of s* (b(s*) vs β) gives the initial bracket. The objective is ln b(s) − ln β
 *    (concave in s) for β ≤ ½·e^{x/2}, else ln(e^{x/2} − b(s)) − ln(e^{x/2} − β), the
 *    complement being evaluated as a sum of positive terms, so that prices close to either
 *    bound keep their relative precision.
 * 3. Initial guesses: below s*, the small-s asymptotic ln b ≈ −x²/(2s²) + 3·ln s + c, with c
 *    matched at s*; above s*, the at-the-money identity e^{x/2} − b ≈ 2k·N(−s/2) (exact for
 *    x = 0), with k matched at s*.
 * 4. Halley iterations on the log objective in ln s (multiplicative steps), safeguarded by
 *    a bracket in s that every evaluation tightens; a step leaving the bracket is replaced by
 *    a Newton step or a (geometric) bisection. Stops when the step in ln s is below 4 ulps
 *    or the bracket has collapsed (typically after 3-4 evaluations); hard cap of 64
 *    evaluations, then NO_CONVERGENCE (never observed; never a silent wrong value).
 *
 * Accuracy: a few ulps of s where the price pins σ down; the result always reprices the
 * input to its own rounding level.
 */
import { BallastError, requireFinite, requirePositive } from '../core/errors.ts';
import { normCdf, normInv } from '../core/normal.ts';
import type { OptionRight } from '../instruments/instrument.ts';
import {
  normalizedOtmBlack,
  normalizedOtmBlackComplement,
  normalizedOtmBlackVega,
} from './black76.ts';
import { requireRight } from './inputs.ts';

const EPS = Number.EPSILON;
const MAX_ITER = 64;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Implied Black-76 volatility (annualised, decimal) of a European option on a forward.
 *
 * - `price`: DISCOUNTED option price in quote currency (same units as F and K);
 *   `F`, `K` > 0; `T` > 0 in years; `df` > 0 the discount factor to expiry.
 * - A price exactly at the discounted intrinsic value (within 4 ulps; including 0 for an
 *   out-of-the-money option) returns 0: zero time value means zero volatility.
 *
 * Errors (BallastError, naming the field): NOT_FINITE for non-finite input;
 * INVALID_INPUT for F, K, T or df ≤ 0; NEGATIVE_PRICE for price < 0 ('price');
 * BELOW_INTRINSIC for price < df·intrinsic ('price'); ABOVE_UPPER_BOUND for
 * price ≥ df·F (call) / df·K (put) ('price'; at the bound the vol is infinite);
 * NO_CONVERGENCE if the hard iteration cap is hit (not expected).
 */
export function impliedVolBlack76(
  right: OptionRight,
  price: number,
  F: number,
  K: number,
  T: number,
  df = 1,
): number {
  return impliedVol(right, price, F, K, T, df, 'price');
}

/**
 * Implied Black-76 volatility of an inverse (coin-settled) option from its price in coin:
 * `impliedVolBlack76` on priceCoin·F (see inverse.ts for the convention). Errors name
 * 'priceCoin'.
 */
export function impliedVolInverse(
  right: OptionRight,
  priceCoin: number,
  F: number,
  K: number,
  T: number,
  df = 1,
): number {
  requireFinite(priceCoin, 'priceCoin');
  requirePositive(F, 'F');
  return impliedVol(right, priceCoin * F, F, K, T, df, 'priceCoin');
}

function impliedVol(
  right: OptionRight,
  price: number,
  F: number,
  K: number,
  T: number,
  df: number,
  priceField: string,
): number {
  requireRight(right);
  requireFinite(price, priceField);
  requirePositive(F, 'F');
  requirePositive(K, 'K');
  requirePositive(T, 'T');
  requirePositive(df, 'df');
  if (price < 0) {
    throw new BallastError('NEGATIVE_PRICE', `option price must be >= 0, got ${price}`, priceField);
  }
  const call = right === 'call';
  const intrinsic = call ? Math.max(F - K, 0) : Math.max(K - F, 0);
  const upper = call ? F : K;
  const intrinsicD = df * intrinsic;
  const upperD = df * upper;
  if (price >= upperD) {
    throw new BallastError(
      'ABOVE_UPPER_BOUND',
      `option price ${price} is at or above the no-arbitrage bound df·${call ? 'F' : 'K'} = ${upperD}`,
      priceField,
      { price, bound: upperD },
    );
  }
  if (price < intrinsicD * (1 - 4 * EPS)) {
    throw new BallastError(
      'BELOW_INTRINSIC',
      `option price ${price} is below the discounted intrinsic value ${intrinsicD}`,
      priceField,
      { price, intrinsic: intrinsicD },
    );
  }
  if (price <= intrinsicD) return 0; // at (or within 4 ulps below) the discounted intrinsic value
  const pu = price / df;
  const timeValue = pu - intrinsic;
  if (!(timeValue > 0)) return 0;
  const root = Math.sqrt(F) * Math.sqrt(K);
  const complement = upper - pu; // e^{x/2}·√(FK) − time value, without cancellation of the bound
  if (!(complement > 0)) {
    throw new BallastError(
      'ABOVE_UPPER_BOUND',
      `option price ${price} is at the no-arbitrage bound ${upperD}`,
      priceField,
      {
        price,
        bound: upperD,
      },
    );
  }
  const x = -Math.abs(Math.log(F / K));
  const s = solveNormalized(x, timeValue / root, complement / root);
  return s / Math.sqrt(T);
}

/**
 * Solves b(x, s) = beta for s > 0, given x ≤ 0, 0 < beta < e^{x/2} and
 * betaC = e^{x/2} − beta > 0 (passed separately to keep its precision).
 */
function solveNormalized(x: number, beta: number, betaC: number): number {
  const sStar = Math.sqrt(-2 * x);
  const bStar = normalizedOtmBlack(x, sStar);
  const lower = beta <= bStar;

  let lo: number;
  let hi: number;
  let s: number;
  if (lower) {
    lo = 0;
    hi = sStar;
    s = lowerGuess(x, beta, sStar, bStar);
  } else {
    lo = sStar;
    hi = Infinity;
    s = upperGuess(x, beta, betaC, sStar);
  }
  if (!(s > lo && s < hi)) s = hi < Infinity ? 0.5 * (lo + hi) : Math.max(2 * lo, 1);

  // Objective: ln b when β ≤ ½e^{x/2} (always so below s*), else ln(e^{x/2} − b); each is
  // evaluated where it has full relative precision. Iterations run in u = ln s: both
  // objectives are monotone and concave in u, and multiplicative steps keep s > 0.
  const useB = beta <= 0.5 * Math.exp(0.5 * x);
  const target = Math.log(useB ? beta : betaC);
  const sign = useB ? 1 : -1;
  for (let iter = 0; iter < MAX_ITER; iter++) {
    // f = ln g − target, g = b (increasing in s) or e^{x/2} − b (decreasing);
    // with v = ∂b/∂s and b'' = v·(x²/s³ − s/4): f_s = ±v/g, f_ss = ±b''/g − f_s²,
    // and in u = ln s: f_u = s·f_s, f_uu = f_u + s²·f_ss.
    const g = useB ? normalizedOtmBlack(x, s) : normalizedOtmBlackComplement(x, s);
    let next: number;
    if (!(g > 0)) {
      // underflow: of b → s too small; of the complement → s too large
      if (useB) lo = s;
      else hi = s;
      next = bisect(lo, hi, s);
    } else {
      const f = Math.log(g) - target;
      if (f === 0) return s;
      if (f < 0 === useB) lo = s;
      else hi = s;
      const v = normalizedOtmBlackVega(x, s);
      const fs = (sign * v) / g;
      const fss = (sign * v * ((x * x) / (s * s * s) - 0.25 * s)) / g - fs * fs;
      const fu = s * fs;
      const fuu = fu + s * s * fss;
      const newton = -f / fu;
      const denom = 1 + (0.5 * newton * fuu) / fu; // Halley: Δ = Δ_N / (1 − f·f''/(2f'²))
      const du = denom > 0.5 && Number.isFinite(denom) ? newton / denom : newton;
      if (Math.abs(du) <= 4 * EPS) return s * Math.exp(du); // converged to a few ulps
      next = s * Math.exp(Math.max(-50, Math.min(50, du)));
      if (!(next > lo && next < hi)) {
        next = s * Math.exp(Math.max(-50, Math.min(50, newton)));
        if (!(next > lo && next < hi)) next = bisect(lo, hi, s);
      }
    }
    if (hi < Infinity && hi - lo <= 4 * EPS * hi) return 0.5 * (lo + hi);
    s = next;
  }
  throw new BallastError(
    'NO_CONVERGENCE',
    `implied volatility did not converge in ${MAX_ITER} iterations`,
    undefined,
    {
      x,
      beta,
    },
  );
}

/** Bisection step for a bracket (lo, hi) in s: geometric when both ends are positive and finite. */
function bisect(lo: number, hi: number, s: number): number {
  if (hi === Infinity) return Math.max(4 * s, 1);
  if (lo > 0) return hi > 4 * lo ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
  return 0.25 * hi;
}

/**
 * Lower-region guess: ln b ≈ −x²/(2s²) + 3·ln s + c with c matched at s*. In w = 1/s²:
 * x²w/2 + 1.5·ln w = c − ln β, increasing and concave in w, solved by Newton from
 * w* = 1/s*² (monotone convergence).
 */
function lowerGuess(x: number, beta: number, sStar: number, bStar: number): number {
  if (!(bStar > 0)) return 0.5 * sStar;
  const x2 = x * x;
  const wStar = 1 / (sStar * sStar);
  const Q = 0.5 * x2 * wStar + 1.5 * Math.log(wStar) + Math.log(bStar) - Math.log(beta);
  let w = wStar;
  for (let i = 0; i < 6; i++) {
    const f = 0.5 * x2 * w + 1.5 * Math.log(w) - Q;
    const dw = f / (0.5 * x2 + 1.5 / w);
    w -= dw;
    if (Math.abs(dw) <= 1e-3 * w) break;
  }
  return 1 / Math.sqrt(w);
}

/**
 * Upper-region guess: e^{x/2} − b(s) ≈ 2k·N(−s/2), k matched at s* (k = 1 for x = 0); for a
 * small β (then |x| is small too) b ≈ s/√(2π), as at the money.
 */
function upperGuess(x: number, beta: number, betaC: number, sStar: number): number {
  if (beta < 1e-3) return Math.max(SQRT_2PI * beta, sStar * 1.01);
  const k = normalizedOtmBlackComplement(x, sStar) / (2 * normCdf(-0.5 * sStar));
  const p = betaC / (2 * k);
  if (!(p < 0.5)) return sStar * 1.5 + 1e-3;
  const s = -2 * normInv(p);
  return s > sStar ? s : sStar * 1.5 + 1e-3;
}
