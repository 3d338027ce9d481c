/**
 * Black-76: European options on a forward (or futures) price.
 *
 * Units: `F` and `K` in quote currency per unit of underlying (USD per coin), `T` in
 * ACT/365 years, `sigma` annualised lognormal vol as a decimal, `df` the discount factor
 * to expiry (exp(−r·T)). Prices are in quote currency per one unit of underlying.
 *
 * Source: F. Black, "The pricing of commodity contracts", J. Financial Economics 3 (1976).
 * Conventions follow test/fixtures/quantlib/README.md (QuantLib's `blackFormula` /
 * `BlackCalculator`): vega per 1.00 of vol, theta per calendar year with F held fixed.
 *
 * Numerics. Every price is computed as (discounted) intrinsic value plus time value, and the
 * time value by `blackTimeValue` (√(F·K) times the normalised out-of-the-money price
 * `b(x, s)` of `normalizedOtmBlack`, written in F and K), which keeps close to full relative
 * precision also for tiny `s` and far out of the money (where the textbook F·N(d1) − K·N(d2)
 * cancels). Tail probabilities use N(−d)
 * directly, never 1 − N(d). For s = σ√T = 0 (T = 0 or σ = 0) the intrinsic limit is
 * returned (see `black76Greeks`).
 */
import { requireNonNegative, requirePositive } from '../core/errors.ts';
import { millsRatio, millsRatioEstrin, normCdf, normPdf, normPdfScaled } from '../core/normal.ts';
import type { OptionRight } from '../instruments/instrument.ts';
import { requireRight } from './inputs.ts';

/**
 * Normalised Black price of the out-of-the-money option, for x = −|ln(F/K)| ≤ 0 and
 * s = σ√T ≥ 0 (dimensionless, a fraction of √(F·K)):
 *
 *   b(x, s) = e^{x/2}·N(x/s + s/2) − e^{−x/2}·N(x/s − s/2)  ∈ [0, e^{x/2}).
 *
 * The undiscounted time value of a Black-76 call or put is √(F·K)·b(−|ln(F/K)|, s)
 * (`blackTimeValue` computes it from F and K directly; this form serves the implied-vol solver).
 *
 * The textbook difference loses digits twice when d1 = x/s + s/2 is negative: by cancellation
 * (the terms are ≈ |x|/s² times larger than b) and because N(d) is sensitive to the rounding
 * of its argument (relative error ≈ d²·ulp). Both are avoided by factoring out the Gaussian,
 * with h = x/s, t = s/2, m = −h and the Mills ratio R(z) = N(−z)/φ(z):
 * - |x| ≤ 0.5, s ≤ 0.5: b = φ(h)·e^{x/2}·[Σ_{k even} He_k(h)·2t^{k+1}/(k+1)! + 2·sinh(x/2)·e^{−t²/2}·R(m+t)]
 *   (the Hermite series is ∫_{d2}^{d1} φ / φ(h); the bracket cancels by only ≈ m²);
 * - otherwise, if d1 < 0: b = φ(h)·e^{−t²/2}·[R(m−t) − R(m+t)];
 * - otherwise (d1 ≥ 0, no significant cancellation): the textbook formula.
 * Relative accuracy ≈ 1e-15 near the money, ≲ 1e-12 in the far tail (where the rounding of
 * x/s itself dominates). Returns 0 for s ≤ 0 and on underflow (x/s < −38.5: b < 1e-320).
 */
export function normalizedOtmBlack(x: number, s: number): number {
  if (!(s > 0)) return 0;
  const h = x / s;
  const t = 0.5 * s;
  let b: number;
  if (x >= -0.5 && s <= 0.5) {
    if (h < -38.5) return 0; // φ(h) underflows
    const gt = Math.exp(-0.5 * t * t);
    const bracket = hermiteIntervalSeries(h, t) + 2 * Math.sinh(0.5 * x) * gt * millsRatio(t - h);
    b = normPdf(h) * Math.exp(0.5 * x) * bracket;
  } else if (h + t < 0) {
    if (h < -38.5) return 0;
    b = normPdf(h) * Math.exp(-0.5 * t * t) * (millsRatio(-(h + t)) - millsRatio(t - h));
  } else {
    const ex = Math.exp(0.5 * x);
    b = ex * normCdf(h + t) - normCdf(h - t) / ex;
  }
  return b > 0 ? b : 0;
}

/**
 * ∫_{h−t}^{h+t} φ(u) du / φ(h) for t ≤ 0.25, |h·t| ≤ 0.25, from the Hermite expansion
 * φ(h + v) = φ(h)·Σ_k He_k(h)·(−v)^k / k! integrated term by term (odd terms vanish):
 * Σ_{k even} He_k(h)·2·t^{k+1}/(k+1)!. Terms shrink like (|h|·t)^k/k!. (The implied-vol
 * solver's `normalizedOtmBlack` keeps this loop, so its bits, and the SVI fits built on the
 * implied vols, are unchanged; `blackTimeValue` uses `scaledIntervalSeries`.)
 */
function hermiteIntervalSeries(h: number, t: number): number {
  const t2 = t * t;
  let heA = 1; // He_j (j even)
  let heB = h; // He_{j+1}
  let coef = 2 * t; // 2·t^{j+1}/(j+1)!
  let sum = coef; // j = 0 term
  let prevAbs = Math.abs(coef);
  for (let j = 0; j < 80; j += 2) {
    // He_{j+2} = h·He_{j+1} − (j+1)·He_j ;  He_{j+3} = h·He_{j+2} − (j+2)·He_{j+1}
    const he2 = h * heB - (j + 1) * heA;
    const he3 = h * he2 - (j + 2) * heB;
    heA = he2;
    heB = he3;
    coef *= t2 / ((j + 2) * (j + 3));
    const term = heA * coef;
    sum += term;
    const a = Math.abs(term);
    if (a + prevAbs <= 1e-17 * Math.abs(sum)) break;
    prevAbs = a;
  }
  return sum;
}

/**
 * Undiscounted Black-76 time value (price − intrinsic, the same for a call and a put) in
 * quote currency, for F, K > 0 and s = σ√T ≥ 0: √(F·K)·b(−|ln(F/K)|, s) of
 * `normalizedOtmBlack`, written in F and K so that no e^{±x/2} or sinh is needed. With
 * lo = min(F, K), hi = max(F, K), x = −|ln(F/K)|, h = x/s, t = s/2, d1,2 = h ± t:
 * √(F·K)·e^{x/2} = lo, √(F·K)·e^{−x/2} = hi, √(F·K)·2·sinh(|x|/2) = |F − K| and
 * √(F·K)·φ(h)·e^{−t²/2} = lo·φ(d1), so the three regimes of `normalizedOtmBlack` become
 * - |x| ≤ 0.5, s ≤ 0.5, with H = ∫_{d2}^{d1} φ / φ(h) and G = φ(h)·e^{−t²/2} (one exponential,
 *   `normPdfScaled`): lo·G·[H·e^{t²/2} − S·R(−d2)], S = |F − K|/(√F·√K), the Gaussian G
 *   common to both terms (the bracket cancels by ≈ h²); H·e^{t²/2} by `scaledIntervalSeries`
 *   (a fixed polynomial, no exponential); for −d2 ≤ 0.66291 (cancellation ≤ 0.44) the second
 *   term is |F − K|·N(d2) (Cody's rational, no exponential);
 * - otherwise, if d1 < 0: lo·φ(d1)·[R(−d1) − R(−d2)] (one Gaussian);
 * - otherwise: lo·N(d1) − hi·N(d2).
 * Accuracy: within 8·ε·κ of 120-digit mpmath prices (test/pricing/black76-mpmath.test.ts, κ
 * the inputs' condition number). Returns 0 for s ≤ 0 and on underflow (x/s < −38.5).
 * `sqrtK` is √K (`Math.sqrt(K)`, the same bits; a row over many forwards passes it once).
 */
export function blackTimeValue(F: number, K: number, s: number, sqrtK = Math.sqrt(K)): number {
  if (!(s > 0)) return 0;
  return blackTimeValueAt(-Math.abs(Math.log(F / K)), F, K, s, sqrtK);
}

/**
 * `blackTimeValue` with x = −|ln(F/K)| ≤ 0 given by the caller (a scenario row forms it as
 * −|ln(K/F0) − ln m| from the row's log-moneyness and the scenario's ln m: one log per row
 * and per scenario instead of one per cell; test/pricing/black76-cells-mpmath.test.ts bounds
 * the error of that form), `sqrtK` = √K. The formulas and regimes of `blackTimeValue`, which
 * is this function at x = −|ln(F/K)|.
 */
export function blackTimeValueAt(
  x: number,
  F: number,
  K: number,
  s: number,
  sqrtK: number,
): number {
  if (!(s > 0)) return 0;
  const h = x / s;
  const t = 0.5 * s;
  const lo = F < K ? F : K;
  let v: number;
  if (x >= -0.5 && s <= 0.5) {
    if (h < -38.5) return 0; // φ(h) underflows
    const w = t * t;
    const a = 0.5 * x;
    const z = t - h;
    const G = lo * normPdfScaled(h, w);
    const Hs = t * scaledIntervalSeries(a * a, w);
    if (z <= 0.66291) v = G * Hs - Math.abs(F - K) * normCdf(-z);
    else v = G * (Hs - (Math.abs(F - K) / (Math.sqrt(F) * sqrtK)) * millsRatioEstrin(z));
  } else if (h + t < 0) {
    if (h < -38.5) return 0;
    const d1 = h + t;
    v = lo * normPdf(d1) * (millsRatioEstrin(-d1) - millsRatioEstrin(t - h));
  } else {
    const hi = F < K ? K : F;
    v = lo * normCdf(h + t) - hi * normCdf(h - t);
  }
  return v > 0 ? v : 0;
}

/** Degree in p of each power w^j of `scaledIntervalSeries` (terms < 1e-18 of the sum dropped). */
const SERIES_DEGREES = [6, 5, 4, 4, 3, 2, 1, 1, 0];

/** D_ij = 2/((2i)!·Π_{m=0..j}(2i + 2m + 1)), row by row (j), i = 0 … SERIES_DEGREES[j]. */
const SERIES = Float64Array.from(
  SERIES_DEGREES.flatMap((deg, j) =>
    Array.from({ length: deg + 1 }, (_, i) => {
      let d = 1;
      for (let k = 2; k <= 2 * i; k++) d *= k;
      for (let m = 0; m <= j; m++) d *= 2 * i + 2 * m + 1;
      return 2 / d;
    }),
  ),
);

/**
 * H·e^{t²/2}/t for the Hermite interval integral H = ∫_{h−t}^{h+t} φ(u) du / φ(h), in
 * p = (h·t)² = (x/2)² ≤ 1/16 and w = t² ≤ 1/16: with v = t·r,
 * H·e^{w/2} = 2t·∫_0^1 cosh(h·t·r)·e^{w(1−r²)/2} dr = t·Σ_{i,j} D_ij·p^i·w^j,
 * D_ij = 2/((2i)!·Π_{m=0..j}(2i+2m+1)) (the Beta integrals ∫_0^1 r^{2i}(1 − r²)^j dr): all
 * terms positive, none above 2·16^{−i−j}; truncated where they fall below 1e-18 of the sum.
 * A fixed polynomial (35 terms) in Estrin's form (powers p², p⁴, w², w⁴: a short dependency
 * chain; every term is positive, so any summation order keeps the relative error near ε).
 */
function scaledIntervalSeries(p: number, w: number): number {
  const c = SERIES;
  const p2 = p * p;
  const p4 = p2 * p2;
  const q0 = c[0]! + p * c[1]! + p2 * (c[2]! + p * c[3]!) + p4 * (c[4]! + p * c[5]! + p2 * c[6]!);
  const q1 = c[7]! + p * c[8]! + p2 * (c[9]! + p * c[10]!) + p4 * (c[11]! + p * c[12]!);
  const q2 = c[13]! + p * c[14]! + p2 * (c[15]! + p * c[16]!) + p4 * c[17]!;
  const q3 = c[18]! + p * c[19]! + p2 * (c[20]! + p * c[21]!) + p4 * c[22]!;
  const q4 = c[23]! + p * c[24]! + p2 * (c[25]! + p * c[26]!);
  const q5 = c[27]! + p * c[28]! + p2 * c[29]!;
  const q6 = c[30]! + p * c[31]!;
  const q7 = c[32]! + p * c[33]!;
  const w2 = w * w;
  const w4 = w2 * w2;
  const lo = q0 + w * q1 + w2 * (q2 + w * q3);
  const hi = q4 + w * q5 + w2 * (q6 + w * q7);
  return lo + w4 * (hi + w4 * c[34]!);
}

/**
 * Complement of `normalizedOtmBlack`: e^{x/2} − b(x, s) = e^{x/2}·N(−d1) + e^{−x/2}·N(d2)
 * (a sum of positive terms, so accurate even when b is close to its upper bound e^{x/2}).
 * For x ≤ 0, s ≥ 0.
 */
export function normalizedOtmBlackComplement(x: number, s: number): number {
  const ex = Math.exp(0.5 * x);
  if (!(s > 0)) return ex;
  const h = x / s;
  const t = 0.5 * s;
  return ex * normCdf(-(h + t)) + normCdf(h - t) / ex;
}

/**
 * ∂b/∂s of `normalizedOtmBlack` (normalised vega per unit of s = σ√T):
 * e^{x/2}·φ(d1) = φ(x/s)·e^{−s²/8}. Returns 0 for s ≤ 0.
 */
export function normalizedOtmBlackVega(x: number, s: number): number {
  if (!(s > 0)) return 0;
  const h = x / s;
  if (!(Math.abs(h) <= 1e300)) return 0;
  return normPdf(h) * Math.exp(-0.125 * s * s);
}

/** σ√T below which greeks take their s → 0 limit (the at-the-money gamma ~ 1/s would overflow). */
export const MIN_STD_DEV = 1e-100;

/** Black-76 greeks of one option; all values per one unit of underlying. */
export interface Black76Greeks {
  /** Discounted price df·Black(F, K, σ√T), quote currency. */
  readonly price: number;
  /** Undiscounted (forward) price Black(F, K, σ√T), quote currency. */
  readonly priceUndiscounted: number;
  /** ∂price/∂F of the discounted price: df·N(d1) (call), −df·N(−d1) (put). */
  readonly delta: number;
  /** Undiscounted delta N(d1) / −N(−d1) = delta/df. */
  readonly forwardDelta: number;
  /** ∂²price/∂F² = df·φ(d1)/(F·σ√T), per quote unit. */
  readonly gamma: number;
  /** ∂price/∂σ per 1.00 of vol (divide by 100 for per vol point): df·F·φ(d1)·√T. */
  readonly vega: number;
  /**
   * ∂price/∂t per calendar year with F and σ fixed and df = exp(−r(T−t)), r = −ln(df)/T:
   * r·price − df·F·φ(d1)·σ/(2√T).
   */
  readonly theta: number;
  /** theta/365, per calendar day. */
  readonly thetaPerDay: number;
  /** ∂price/∂K (discounted): −df·N(d2) (call), df·N(−d2) (put). */
  readonly strikeSensitivity: number;
  /** Forward-measure probability of finishing in the money: N(d2) (call), N(−d2) (put). */
  readonly itmCashProbability: number;
  /** Asset-measure probability of finishing in the money: N(d1) (call), N(−d1) (put). */
  readonly itmAssetProbability: number;
}

/** Validates Black-76 inputs (throws NOT_FINITE / INVALID_INPUT naming the field). */
function checkInputs(
  right: OptionRight,
  F: number,
  K: number,
  T: number,
  sigma: number,
  df: number,
): void {
  requireRight(right);
  // The range tests inline keep the valid path free of calls; the checks then throw.
  if (!(F > 0 && F < Infinity)) requirePositive(F, 'F');
  if (!(K > 0 && K < Infinity)) requirePositive(K, 'K');
  if (!(T >= 0 && T < Infinity)) requireNonNegative(T, 'T');
  if (!(sigma >= 0 && sigma < Infinity)) requireNonNegative(sigma, 'sigma');
  if (!(df > 0 && df < Infinity)) requirePositive(df, 'df');
}

/** Undiscounted Black price from validated inputs: intrinsic + `blackTimeValue(F, K, σ√T)`. */
function undiscounted(call: boolean, F: number, K: number, s: number): number {
  const intrinsic = call ? (F > K ? F - K : 0) : K > F ? K - F : 0;
  if (!(s > 0)) return intrinsic;
  return intrinsic + blackTimeValue(F, K, s);
}

/**
 * Discounted Black-76 price df·Black(F, K, σ√T) in quote currency per unit of underlying:
 * call df·(F·N(d1) − K·N(d2)), put df·(K·N(−d2) − F·N(−d1)), d1,2 = ln(F/K)/(σ√T) ± σ√T/2.
 * T = 0 or σ = 0 gives the discounted intrinsic value. Throws INVALID_INPUT / NOT_FINITE for
 * F, K, df ≤ 0, T, σ < 0 or non-finite input.
 */
export function black76Price(
  right: OptionRight,
  F: number,
  K: number,
  T: number,
  sigma: number,
  df = 1,
): number {
  checkInputs(right, F, K, T, sigma, df);
  return df * undiscounted(right === 'call', F, K, sigma * Math.sqrt(T));
}

/**
 * Black-76 price and greeks (see `Black76Greeks` for units and formulas).
 *
 * Limit s = σ√T = 0 (T = 0 or σ = 0; greeks use it for s < 1e-100, where the at-the-money
 * gamma would overflow): price is the discounted intrinsic value (plus the exact, < 1e-100·F,
 * time value when s > 0); delta, probabilities and strike sensitivity take their limits
 * (at F = K exactly: forward delta ±½ and probabilities ½); gamma and vega are reported
 * as 0 (the at-the-money gamma is a Dirac mass there); theta is r·price (r = 0 if T = 0).
 */
export function black76Greeks(
  right: OptionRight,
  F: number,
  K: number,
  T: number,
  sigma: number,
  df = 1,
): Black76Greeks {
  checkInputs(right, F, K, T, sigma, df);
  const call = right === 'call';
  const w = call ? 1 : -1;
  const sqrtT = Math.sqrt(T);
  const s = sigma * sqrtT;
  const priceUndiscounted = undiscounted(call, F, K, s);
  const price = df * priceUndiscounted;
  const r = T > 0 ? -Math.log(df) / T : 0;
  const h = Math.log(F / K) / s;

  let forwardDelta: number;
  let gamma = 0;
  let vega = 0;
  let theta: number;
  let pCash: number;
  let pAsset: number;
  if (!(s >= MIN_STD_DEV) || !(Math.abs(h) <= 1e300)) {
    const p = F === K ? 0.5 : (call ? F > K : K > F) ? 1 : 0;
    pCash = p;
    pAsset = p;
    forwardDelta = w * p;
    theta = r * price;
  } else {
    const d1 = h + 0.5 * s;
    const d2 = h - 0.5 * s;
    const nd1 = normPdf(d1);
    pAsset = normCdf(w * d1);
    pCash = normCdf(w * d2);
    forwardDelta = w * pAsset;
    gamma = (df * nd1) / (F * s);
    vega = df * F * nd1 * sqrtT;
    theta = r * price - (df * F * nd1 * sigma) / (2 * sqrtT);
  }
  return {
    price,
    priceUndiscounted,
    delta: df * forwardDelta,
    forwardDelta,
    gamma,
    vega,
    theta,
    thetaPerDay: theta / 365,
    strikeSensitivity: -w * df * pCash,
    itmCashProbability: pCash,
    itmAssetProbability: pAsset,
  };
}
