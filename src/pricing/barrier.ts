/**
 * Single-barrier European options (continuously monitored) under Black-Scholes-Merton with
 * continuous r and q: the 8 types down/up × in/out × call/put, with a cash rebate.
 *
 * Source: M. Rubinstein & E. Reiner, "Breaking down the barriers", Risk 4(8) (1991), in the
 * form of E. G. Haug, "The Complete Guide to Option Pricing Formulas" (1998), §2.10.1
 * (terms A–F below), as implemented by QuantLib's AnalyticBarrierEngine.
 *
 * Rebate convention (Haug = QuantLib): a knock-OUT rebate is paid at the hitting time; a
 * knock-IN rebate is paid at expiry if the barrier was never hit.
 *
 * Units: S, K, H and rebate in quote currency (per unit of underlying); T in years; r, q,
 * σ decimals per year. Prices in quote currency.
 */
import {
  BallastError,
  requireFinite,
  requireNonNegative,
  requirePositive,
} from '../core/errors.ts';
import { normCdf } from '../core/normal.ts';
import type { BarrierType, OptionRight } from '../instruments/instrument.ts';
import { bsmPrice } from './bsm.ts';
import { requireRight } from './inputs.ts';

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln N(y), accurate in the lower tail beyond the underflow of N (asymptotic Mills series). */
function logNormCdf(y: number): number {
  if (y > 0) return Math.log1p(-normCdf(-y));
  if (y > -30) return Math.log(normCdf(y));
  // N(y) = φ(y)/|y| · (1 − 1/y² + 3/y⁴ − 15/y⁶ + ...), |y| ≥ 30: 8 terms reach 1e-17.
  const z = 1 / (y * y);
  let series = 1;
  let term = 1;
  for (let k = 1; k <= 8; k++) {
    term *= -(2 * k - 1) * z;
    series += term;
  }
  return -0.5 * y * y - HALF_LN_2PI - Math.log(-y) + Math.log(series);
}

/** e^{p·lnBase}·N(y) without spurious overflow / underflow (log space when the power is extreme). */
function powCdf(lnBase: number, p: number, y: number): number {
  const e = p * lnBase;
  if (Math.abs(e) < 600) return Math.exp(e) * normCdf(y);
  const l = e + logNormCdf(y);
  return l === l ? Math.exp(l) : 0; // NaN only from +∞ + (−∞): the product is (far) below any scale
}

// 8-point Gauss-Legendre nodes/weights on [−1, 1], computed once by Newton on P₈.
const GL_X: number[] = [];
const GL_W: number[] = [];
{
  const n = 8;
  for (let i = 1; i <= n; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    GL_X.push(x);
    GL_W.push(2 / ((1 - x * x) * dp * dp));
  }
}

/** ∫_a^b f by 8-point Gauss-Legendre on `panels` equal panels. */
function gaussLegendre(f: (u: number) => number, a: number, b: number, panels: number): number {
  const w = (b - a) / panels;
  let sum = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * w;
    for (let i = 0; i < GL_X.length; i++) sum += GL_W[i]! * f(mid + 0.5 * w * GL_X[i]!);
  }
  return 0.5 * w * sum;
}

/**
 * E[e^{−rτ}; τ ≤ T]/(H/S)^μ·½ − N(−c) when μ² + 2r/σ² < 0 (r < 0), where the closed form's λ
 * is imaginary (QuantLib returns NaN there). With c = |ln(H/S)|/(σ√T) and
 * κ = −(μ²σ²/2 + r) > 0, the discounted hitting probability is
 * (H/S)^μ·2·∫_c^∞ φ(v)·exp(κ·T·c²/v²) dv (first-passage density, substitution v = |a|/√t);
 * this returns ∫_c^∞ φ(v)·expm1(κ·T·c²/v²) dv by composite Gauss-Legendre.
 */
function imaginaryLambdaRemainder(c: number, kappaT: number): number {
  const phi = (v: number) => Math.exp(-0.5 * v * v - HALF_LN_2PI);
  const g = (v: number) => phi(v) * Math.expm1((kappaT * c * c) / (v * v));
  let total = 0;
  let start = c;
  if (c < 1) {
    // log-spaced part on [max(c, e^-200), 1]: the integrand varies on the scale of v.
    const lo = Math.log(Math.max(c, Math.exp(-200)));
    const panels = Math.min(200, Math.max(4, Math.ceil(-lo * 2)));
    total += gaussLegendre(
      (u) => {
        const v = Math.exp(u);
        return g(v) * v;
      },
      lo,
      0,
      panels,
    );
    start = 1;
  }
  // linear part on [start, start + L]: φ decays like e^{−start·w − w²/2}.
  const width = Math.min(9, 40 / start);
  const panels = Math.max(8, Math.ceil((width * Math.max(1, start)) / 0.5));
  total += gaussLegendre(g, start, start + width, Math.min(panels, 400));
  return total;
}

/**
 * Price of a single-barrier option in quote currency.
 *
 * - `barrierType`: 'down-in' | 'down-out' | 'up-in' | 'up-out'; `right`: 'call' | 'put'.
 * - `K` strike, `H` barrier, `rebate` ≥ 0 (cash; knock-out: paid at the hit; knock-in: paid
 *   at expiry if never knocked in).
 *
 * Spot beyond the barrier (down: S < H, up: S > H) throws BARRIER_TOUCHED (field 'spot').
 * S == H is not an error: the option is in its knocked state (out → the rebate, paid now;
 * in → the vanilla BSM value). T = 0 or σ = 0 (or σ so small that the closed form's
 * exponents are not finite) uses the deterministic path S·e^{(r−q)t}. Other invalid input
 * throws INVALID_INPUT / NOT_FINITE naming the field.
 *
 * Haug's terms, with φ = ±1 (call/put), η = +1 (down) / −1 (up), μ = (r − q − σ²/2)/σ²,
 * λ = √(μ² + 2r/σ²), s = σ√T:
 *   A = φS e^{−qT}N(φx1) − φK e^{−rT}N(φ(x1−s))            x1 = ln(S/K)/s + (1+μ)s
 *   B = same with x2 = ln(S/H)/s + (1+μ)s
 *   C = φS e^{−qT}(H/S)^{2(μ+1)}N(ηy1) − φK e^{−rT}(H/S)^{2μ}N(η(y1−s))   y1 = ln(H²/(SK))/s + (1+μ)s
 *   D = same with y2 = ln(H/S)/s + (1+μ)s
 *   E = R e^{−rT}[N(η(x2−s)) − (H/S)^{2μ}N(η(y2−s))]     (knock-in rebate)
 *   F = R[(H/S)^{μ+λ}N(ηz) + (H/S)^{μ−λ}N(η(z−2λs))]      z = ln(H/S)/s + λs (knock-out rebate)
 * and e.g. down-and-out call = A − C + F (K ≥ H) or B − D + F (K < H).
 */
export function barrierPrice(
  barrierType: BarrierType,
  right: OptionRight,
  S: number,
  K: number,
  H: number,
  rebate: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
): number {
  checkBarrierInputs(barrierType, right, S, K, H, rebate, T, r, q, sigma);
  const down = barrierType === 'down-in' || barrierType === 'down-out';
  const knockIn = barrierType === 'down-in' || barrierType === 'up-in';
  if (down ? S < H : S > H) {
    throw new BallastError(
      'BARRIER_TOUCHED',
      `spot ${S} is beyond the ${down ? 'down' : 'up'} barrier ${H}: the barrier has been touched`,
      'spot',
      { S, H, barrierType },
    );
  }
  if (S === H) return knockIn ? bsmPrice(right, S, K, T, r, q, sigma) : rebate;

  const call = right === 'call';
  const s = sigma * Math.sqrt(T);
  const sigma2 = sigma * sigma;
  const mu = (r - q - 0.5 * sigma2) / sigma2;
  const lambda2 = mu * mu + (2 * r) / sigma2;
  if (
    !(s > 0) ||
    !Number.isFinite(mu) ||
    !Number.isFinite(lambda2) ||
    !Number.isFinite((1 + mu) * s)
  ) {
    return deterministic(down, knockIn, call, S, K, H, rebate, T, r, q);
  }
  const terms = reinerRubinsteinTerms(call, down, S, K, H, rebate, T, r, q, sigma);
  const v = combineTerms(barrierType, call, K >= H, terms);
  // Knocked-out values can come out as tiny negative rounding noise; clamp (NaN propagates).
  return v < 0 ? 0 : v;
}

/** INVALID_INPUT naming the field for an unknown type or right, or a non-finite/out-of-range input. */
function checkBarrierInputs(
  barrierType: BarrierType,
  right: OptionRight,
  S: number,
  K: number,
  H: number,
  rebate: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
): void {
  if (
    barrierType !== 'down-in' &&
    barrierType !== 'down-out' &&
    barrierType !== 'up-in' &&
    barrierType !== 'up-out'
  ) {
    throw new BallastError(
      'INVALID_INPUT',
      `unknown barrier type ${String(barrierType)}`,
      'barrierType',
    );
  }
  requireRight(right);
  for (const [v, name] of [
    [S, 'spot'],
    [K, 'K'],
    [H, 'H'],
    [rebate, 'rebate'],
    [T, 'T'],
    [r, 'r'],
    [q, 'q'],
    [sigma, 'sigma'],
  ] as const) {
    requireFinite(v, name);
  }
  requirePositive(S, 'spot');
  requirePositive(K, 'K');
  requirePositive(H, 'H');
  requireNonNegative(rebate, 'rebate');
  requireNonNegative(T, 'T');
  requireNonNegative(sigma, 'sigma');
}

/** The six Reiner–Rubinstein building blocks A–F (Haug 1998, §2.10.1), evaluated lazily. */
interface BarrierTerms {
  readonly A: () => number;
  readonly B: () => number;
  readonly C: () => number;
  readonly D: () => number;
  readonly E: () => number;
  readonly F: () => number;
}

/** Builds A–F for a call/put (φ = ±1) with a down/up barrier (η = ±1). */
function reinerRubinsteinTerms(
  call: boolean,
  down: boolean,
  S: number,
  K: number,
  H: number,
  rebate: number,
  T: number,
  r: number,
  q: number,
  sigma: number,
): BarrierTerms {
  const sqrtT = Math.sqrt(T);
  const s = sigma * sqrtT;
  const sigma2 = sigma * sigma;
  const b = r - q;
  const mu = (b - 0.5 * sigma2) / sigma2;
  const lambda2 = mu * mu + (2 * r) / sigma2;
  const phi = call ? 1 : -1;
  const eta = down ? 1 : -1;
  const dfR = Math.exp(-r * T);
  const dfQ = Math.exp(-q * T);
  const L = Math.log(H / S); // ln(H/S)
  const lnSK = Math.log(S / K);
  const ms = (1 + mu) * s;
  const x1 = lnSK / s + ms;
  const x2 = -L / s + ms;
  const y1 = (2 * L + lnSK) / s + ms;
  const y2 = L / s + ms;

  const A = () => phi * S * dfQ * normCdf(phi * x1) - phi * K * dfR * normCdf(phi * (x1 - s));
  const B = () => phi * S * dfQ * normCdf(phi * x2) - phi * K * dfR * normCdf(phi * (x2 - s));
  const reflected = (y: number) =>
    phi * S * dfQ * powCdf(L, 2 * (mu + 1), eta * y) -
    phi * K * dfR * powCdf(L, 2 * mu, eta * (y - s));
  const C = () => reflected(y1);
  const D = () => reflected(y2);
  const E = () =>
    rebate > 0 ? rebate * dfR * (normCdf(eta * (x2 - s)) - powCdf(L, 2 * mu, eta * (y2 - s))) : 0;
  const F = () => {
    if (!(rebate > 0)) return 0;
    if (lambda2 >= 0) {
      const lambda = Math.sqrt(lambda2);
      const z = L / s + lambda * s;
      return (
        rebate *
        (powCdf(L, mu + lambda, eta * z) + powCdf(L, mu - lambda, eta * (z - 2 * lambda * s)))
      );
    }
    const c = Math.abs(L) / s;
    const kappaT = -0.5 * lambda2 * sigma2 * T;
    const hit = 2 * normCdf(-c) + 2 * imaginaryLambdaRemainder(c, kappaT);
    return rebate * Math.exp(mu * L) * hit;
  };
  return { A, B, C, D, E, F };
}

/** The price of each barrier type as a sum of the terms (Haug 1998, §2.10.1). */
function combineTerms(
  barrierType: BarrierType,
  call: boolean,
  strikeAbove: boolean,
  t: BarrierTerms,
): number {
  const { A, B, C, D, E, F } = t;
  let v: number;
  if (call) {
    switch (barrierType) {
      case 'down-in':
        v = strikeAbove ? C() + E() : A() - B() + D() + E();
        break;
      case 'up-in':
        v = strikeAbove ? A() + E() : B() - C() + D() + E();
        break;
      case 'down-out':
        v = strikeAbove ? A() - C() + F() : B() - D() + F();
        break;
      case 'up-out':
        v = strikeAbove ? F() : A() - B() + C() - D() + F();
        break;
    }
  } else {
    switch (barrierType) {
      case 'down-in':
        v = strikeAbove ? B() - C() + D() + E() : A() + E();
        break;
      case 'up-in':
        v = strikeAbove ? A() - B() + D() + E() : C() + E();
        break;
      case 'down-out':
        v = strikeAbove ? A() - B() + C() - D() + F() : F();
        break;
      case 'up-out':
        v = strikeAbove ? B() - D() + F() : A() - C() + F();
        break;
    }
  }
  return v;
}

/**
 * σ√T = 0: the spot path is S·e^{(r−q)t}. It hits the barrier at τ = ln(H/S)/(r−q) if that
 * is in (0, T] and the drift points at the barrier.
 */
function deterministic(
  down: boolean,
  knockIn: boolean,
  call: boolean,
  S: number,
  K: number,
  H: number,
  rebate: number,
  T: number,
  r: number,
  q: number,
): number {
  const b = r - q;
  const L = Math.log(H / S);
  const towards = down ? b < 0 : b > 0;
  const tau = towards ? L / b : Infinity;
  const hit = tau <= T;
  const dfR = Math.exp(-r * T);
  const F = S * Math.exp(b * T);
  const vanilla = dfR * Math.max(call ? F - K : K - F, 0);
  if (knockIn) return hit ? vanilla : rebate * dfR;
  return hit ? rebate * Math.exp(-r * tau) : vanilla;
}
