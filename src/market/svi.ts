/**
 * Raw SVI ("stochastic volatility inspired") parametrisation of one expiry's smile.
 *
 * Conventions (used throughout src/market):
 * - log-moneyness `k = ln(K / F)` against the expiry's forward `F`;
 * - total implied variance `w = σ_BS² · T`, with `T` in ACT/365 years;
 * - raw SVI (Gatheral 2004, "A parsimonious arbitrage-free implied volatility
 *   parameterization with application to the valuation of volatility derivatives"):
 *
 *       w(k) = a + b · ( ρ·(k − m) + √((k − m)² + σ²) )
 *
 *   with a ∈ ℝ, b ≥ 0, |ρ| < 1, m ∈ ℝ, σ > 0.
 *
 * `a` shifts the curve vertically, `b` sets the wing slopes (b(1 − ρ) on the left,
 * b(1 + ρ) on the right), `ρ` rotates it, `m` translates it along k, `σ` sets the ATM
 * curvature. The minimum of w is `a + b·σ·√(1 − ρ²)`, reached at
 * `k* = m − ρσ/√(1 − ρ²)` (Gatheral & Jacquier 2014, "Arbitrage-free SVI volatility
 * surfaces", Quantitative Finance 14(1), §3.1).
 */
import { BallastError } from '../core/errors.ts';

/** Raw SVI parameters of one slice (see the module comment for the formula). */
export interface SviParams {
  readonly a: number;
  readonly b: number;
  readonly rho: number;
  readonly m: number;
  readonly sigma: number;
}

/**
 * One implied-vol quote of a slice, the input of the SVI fits and of `repairButterfly`:
 * log-moneyness `k = ln(K/F)`, implied vol `vol` (decimal, 0.55 = 55 %), optional relative
 * `weight` (default 1) and optional bid/ask vols (used only to widen the outlier threshold
 * by half the spread).
 */
export interface SviQuote {
  readonly k: number;
  readonly vol: number;
  readonly weight?: number;
  readonly bidVol?: number;
  readonly askVol?: number;
}

/**
 * Total implied variance of a raw SVI slice:
 * `w(k) = a + b(ρ(k − m) + √((k − m)² + σ²))`.
 */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/**
 * First derivative of the SVI total variance in log-moneyness:
 * `w'(k) = b(ρ + (k − m)/√((k − m)² + σ²))`.
 */
export function sviTotalVarianceDk(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.b * (p.rho + x / Math.sqrt(x * x + p.sigma * p.sigma));
}

/**
 * Second derivative of the SVI total variance in log-moneyness:
 * `w''(k) = b·σ² / ((k − m)² + σ²)^(3/2)` (always ≥ 0: raw SVI is convex in k).
 */
export function sviTotalVarianceD2k(p: SviParams, k: number): number {
  const x = k - p.m;
  const s2 = x * x + p.sigma * p.sigma;
  return (p.b * p.sigma * p.sigma) / (s2 * Math.sqrt(s2));
}

/**
 * Minimum total variance of the slice, `a + b·σ·√(1 − ρ²)` (Gatheral & Jacquier 2014, §3.1).
 * A slice with a negative minimum has negative implied variance somewhere.
 */
export function sviMinTotalVariance(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(Math.max(0, 1 - p.rho * p.rho));
}

/**
 * Black implied volatility of the slice at log-moneyness k and maturity T (years):
 * `σ_BS(k) = √(w(k) / T)`.
 *
 * Throws `INVALID_INPUT` (field `T`) unless T > 0 and finite, `INVALID_INPUT` (field `k`)
 * for a non-finite k, and `INVALID_VOL` if the total variance is negative at k.
 */
export function sviImpliedVol(p: SviParams, k: number, T: number): number {
  if (!(Number.isFinite(T) && T > 0)) {
    throw new BallastError('INVALID_INPUT', `maturity must be finite and > 0, got ${T}`, 'T');
  }
  if (!Number.isFinite(k)) {
    throw new BallastError('INVALID_INPUT', `log-moneyness must be finite, got ${k}`, 'k');
  }
  const w = sviTotalVariance(p, k);
  if (!(w >= 0)) {
    throw new BallastError(
      'INVALID_VOL',
      `SVI total variance is negative (${w}) at k = ${k}`,
      'k',
      {
        k,
        w,
      },
    );
  }
  return Math.sqrt(w / T);
}

/**
 * `√(max(0, w(k))/T)`: the slice's implied vol with a negative total variance read as 0. For
 * fitting and repair, where candidate slices may dip below zero; `sviImpliedVol` fails closed.
 */
export function sviVolFloored(p: SviParams, k: number, T: number): number {
  return Math.sqrt(Math.max(0, sviTotalVariance(p, k)) / T);
}

/** Codes of the static checks made by `sviValidate`. */
export type SviViolationCode =
  | 'NOT_FINITE'
  | 'B_NEGATIVE'
  | 'RHO_OUT_OF_RANGE'
  | 'SIGMA_NOT_POSITIVE'
  | 'NEGATIVE_MIN_VARIANCE'
  | 'LEE_WING_BOUND';

/** One failed check of `sviValidate`: a stable code, the parameter concerned and a message. */
export interface SviViolation {
  readonly code: SviViolationCode;
  readonly field: keyof SviParams;
  readonly message: string;
}

/**
 * Static validity checks of raw SVI parameters. Returns the list of violations (empty when
 * the parameters are valid):
 * - every parameter finite (`NOT_FINITE`);
 * - `b ≥ 0` (`B_NEGATIVE`), `|ρ| < 1` (`RHO_OUT_OF_RANGE`), `σ > 0` (`SIGMA_NOT_POSITIVE`);
 * - minimum total variance `a + bσ√(1 − ρ²) ≥ 0` (`NEGATIVE_MIN_VARIANCE`);
 * - Roger Lee's moment formula on the wings (Lee 2004, "The moment formula for implied
 *   volatility at extreme strikes", Math. Finance 14(3)): the asymptotic slopes of total
 *   variance, b(1 − ρ) and b(1 + ρ), must not exceed 2, i.e. `b(1 + |ρ|) ≤ 2`
 *   (`LEE_WING_BOUND`).
 *
 * These are necessary, not sufficient, for absence of butterfly arbitrage: use
 * `checkButterfly` (arbitrage.ts) for the full density check.
 */
export function sviValidate(p: SviParams): SviViolation[] {
  const out: SviViolation[] = [];
  for (const f of ['a', 'b', 'rho', 'm', 'sigma'] as const) {
    if (typeof p[f] !== 'number' || !Number.isFinite(p[f])) {
      out.push({
        code: 'NOT_FINITE',
        field: f,
        message: `${f} must be a finite number, got ${String(p[f])}`,
      });
    }
  }
  if (out.length > 0) return out;
  if (!(p.b >= 0))
    out.push({ code: 'B_NEGATIVE', field: 'b', message: `b must be >= 0, got ${p.b}` });
  if (!(Math.abs(p.rho) < 1)) {
    out.push({
      code: 'RHO_OUT_OF_RANGE',
      field: 'rho',
      message: `|rho| must be < 1, got ${p.rho}`,
    });
  }
  if (!(p.sigma > 0)) {
    out.push({
      code: 'SIGMA_NOT_POSITIVE',
      field: 'sigma',
      message: `sigma must be > 0, got ${p.sigma}`,
    });
  }
  if (out.length > 0) return out;
  const wMin = sviMinTotalVariance(p);
  if (wMin < 0) {
    out.push({
      code: 'NEGATIVE_MIN_VARIANCE',
      field: 'a',
      message: `minimum total variance a + b·sigma·sqrt(1 - rho²) = ${wMin} is negative`,
    });
  }
  const slope = p.b * (1 + Math.abs(p.rho));
  if (slope > 2) {
    out.push({
      code: 'LEE_WING_BOUND',
      field: 'b',
      message: `wing slope b(1 + |rho|) = ${slope} exceeds Lee's bound 2`,
    });
  }
  return out;
}

/**
 * Throws `INVALID_INPUT` naming the first offending parameter (prefixed by `path`) unless
 * `sviValidate(p)` is empty. Returns `p`.
 */
export function assertSviParams(p: SviParams, path = 'params'): SviParams {
  const v = sviValidate(p);
  if (v.length > 0) {
    const first = v[0]!;
    throw new BallastError('INVALID_INPUT', first.message, `${path}.${first.field}`, {
      violations: v.map((x) => x.code),
    });
  }
  return p;
}
