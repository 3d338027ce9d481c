/**
 * An implied-volatility surface made of SVI slices, one per listed expiry, and its
 * interpolation in maturity.
 *
 * Coordinates: log-moneyness k = ln(K/F_T) is measured against **the forward of the
 * maturity being priced** (each slice's k is relative to that slice's own forward), and
 * total implied variance w(k, T) = σ²T with T in ACT/365 years.
 *
 * Interpolation in T (Gatheral & Jacquier 2014, "Arbitrage-free SVI volatility surfaces",
 * §5.2, linear interpolation of total variance at constant forward log-moneyness):
 * - T₁ ≤ T ≤ Tₙ, Tᵢ ≤ T ≤ Tᵢ₊₁: w(k, T) = (1 − α)·wᵢ(k) + α·wᵢ₊₁(k), α = (T − Tᵢ)/(Tᵢ₊₁ − Tᵢ);
 * - T < T₁: w(k, T) = (T/T₁)·w₁(k), so w → 0 as T → 0 and the implied vol at constant k
 *   equals the first slice's;
 * - T > Tₙ: w(k, T) = (T/Tₙ)·wₙ(k), i.e. constant implied vol per k beyond the last slice.
 * Each rule is linear in T with a non-negative slope wherever the slices are calendar-free
 * (w₁ ≥ 0, wᵢ₊₁ ≥ wᵢ), so an interpolated surface built from calendar-free slices is itself
 * calendar-free in T at every k, and continuous at the knots. Butterfly-freeness between
 * slices is not implied in general (see `checkButterfly` on the slices themselves).
 */
import { BallastError } from '../core/errors.ts';
import { type SviParams, sviTotalVariance, sviValidate } from './svi.ts';

/** One expiry of a surface: expiry instant (epoch ms UTC), its year fraction T, forward and SVI slice. */
export interface VolSlice {
  readonly expiryMs: number;
  readonly T: number;
  readonly forward: number;
  readonly params: SviParams;
}

/**
 * A volatility surface: its slices sorted by strictly increasing T (`makeVolSurface` sorts
 * and validates; `SurfaceSlice[]` of snapshot.ts fits this type structurally).
 */
export type VolSurface = readonly VolSlice[];

/**
 * Builds a surface from slices in any order: validates each slice (finite `expiryMs`,
 * finite T > 0, finite forward > 0, structurally valid SVI parameters: finite, b ≥ 0,
 * |ρ| < 1, σ > 0) and sorts by T. Throws `INVALID_INPUT` naming the field on failure, for an
 * empty list and for two slices with the same T. Arbitrage is not checked here (use
 * `checkButterfly` / `checkCalendar`).
 */
export function makeVolSurface<S extends VolSlice>(slices: readonly S[]): readonly S[] {
  if (!Array.isArray(slices) || slices.length === 0) {
    throw new BallastError('INVALID_INPUT', 'a surface needs at least one slice', 'slices');
  }
  slices.forEach((s, i) => {
    if (!Number.isFinite(s.expiryMs)) {
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite, got ${s.expiryMs}`,
        `slices[${i}].expiryMs`,
      );
    }
    if (!(Number.isFinite(s.T) && s.T > 0)) {
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and > 0, got ${s.T}`,
        `slices[${i}].T`,
      );
    }
    if (!(Number.isFinite(s.forward) && s.forward > 0)) {
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and > 0, got ${s.forward}`,
        `slices[${i}].forward`,
      );
    }
    const v = sviValidate(s.params).filter(
      (x) => x.code !== 'NEGATIVE_MIN_VARIANCE' && x.code !== 'LEE_WING_BOUND',
    );
    if (v.length > 0) {
      throw new BallastError('INVALID_INPUT', v[0]!.message, `slices[${i}].params.${v[0]!.field}`);
    }
  });
  const sorted = [...slices].sort((x, y) => x.T - y.T);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.T === sorted[i - 1]!.T) {
      throw new BallastError(
        'INVALID_INPUT',
        `two slices share the maturity T = ${sorted[i]!.T}`,
        'slices',
      );
    }
  }
  return sorted;
}

function requireT(T: number): void {
  if (!(typeof T === 'number' && Number.isFinite(T) && T > 0)) {
    throw new BallastError(
      'INVALID_INPUT',
      `maturity must be finite and > 0, got ${String(T)}`,
      'T',
    );
  }
}

/**
 * Total implied variance w(k, T) of the surface at forward log-moneyness k and maturity T
 * (years), interpolated linearly in total variance across expiries at constant k, with the
 * extrapolations of the module comment (w ∝ T before the first and after the last slice).
 * Throws `INVALID_INPUT` for T ≤ 0 or non-finite T or k, an empty surface, or slices not
 * sorted by strictly increasing T (`makeVolSurface` sorts).
 */
export function totalVarianceAt(surface: VolSurface, k: number, T: number): number {
  requireT(T);
  if (!(typeof k === 'number' && Number.isFinite(k))) {
    throw new BallastError('INVALID_INPUT', `log-moneyness must be finite, got ${String(k)}`, 'k');
  }
  const s = surface;
  const n = s.length;
  if (n === 0) throw new BallastError('INVALID_INPUT', 'the surface has no slices', 'surface');
  for (let i = 1; i < n; i++) {
    if (!(s[i]!.T > s[i - 1]!.T)) {
      throw new BallastError(
        'INVALID_INPUT',
        'slices must be sorted by strictly increasing T',
        `surface[${i}].T`,
      );
    }
  }
  const first = s[0]!;
  const last = s[n - 1]!;
  if (T <= first.T) return (T / first.T) * sviTotalVariance(first.params, k);
  if (T >= last.T) return (T / last.T) * sviTotalVariance(last.params, k);
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s[mid]!.T <= T) lo = mid;
    else hi = mid;
  }
  const s1 = s[lo]!;
  const s2 = s[hi]!;
  const alpha = (T - s1.T) / (s2.T - s1.T);
  return (1 - alpha) * sviTotalVariance(s1.params, k) + alpha * sviTotalVariance(s2.params, k);
}

/**
 * Black implied vol σ = √(w(k, T)/T) at strike K for maturity T, with k = ln(K/F) and F the
 * forward **for maturity T** (the caller's; not interpolated here). Throws `INVALID_INPUT`
 * for K ≤ 0, F ≤ 0, T ≤ 0 or non-finite inputs, and `INVALID_VOL` if the interpolated total
 * variance is negative.
 */
export function impliedVolAt(surface: VolSurface, K: number, F: number, T: number): number {
  if (!(typeof K === 'number' && Number.isFinite(K) && K > 0)) {
    throw new BallastError('INVALID_INPUT', `strike must be finite and > 0, got ${String(K)}`, 'K');
  }
  if (!(typeof F === 'number' && Number.isFinite(F) && F > 0)) {
    throw new BallastError(
      'INVALID_INPUT',
      `forward must be finite and > 0, got ${String(F)}`,
      'F',
    );
  }
  return impliedVolAtK(surface, Math.log(K / F), T);
}

/**
 * Black implied vol √(w(k, T)/T) at forward log-moneyness k (see `totalVarianceAt`).
 * Throws `INVALID_INPUT` for T ≤ 0 or non-finite k, `INVALID_VOL` for negative variance.
 */
export function impliedVolAtK(surface: VolSurface, k: number, T: number): number {
  const w = totalVarianceAt(surface, k, T);
  if (!(w >= 0)) {
    throw new BallastError('INVALID_VOL', `interpolated total variance is negative (${w})`, 'k', {
      k,
      T,
      w,
    });
  }
  return Math.sqrt(w / T);
}
