/**
 * Two what-if moves of a whole snapshot for the dashboard's sliders (the spot slider uses the
 * `--index` override of market-overrides.ts):
 *
 * - **vol scale** `f` (> 0): every implied vol × f at every strike and expiry. Raw SVI total
 *   variance w(k) = a + b(ρ(k − m) + √((k − m)² + σ²)) is linear in (a, b), so w → f²·w is
 *   a → f²a, b → f²b with ρ, m, σ kept; the smile keeps its shape in log-moneyness.
 * - **roll** to a later time `toMs`: the as-of time moves forward, every surviving expiry's
 *   time to expiry shrinks (T' = (expiry − toMs)/year, ACT/365) and its implied vol per
 *   log-moneyness is kept (w' = w·T'/T: a, b × T'/T); forwards, index, basis and rates are
 *   kept (no carry roll-down). Forwards and slices with expiry ≤ toMs are dropped, so a
 *   position expiring by then has no market and valuing it is an `EXPIRED` error.
 *
 * Pure; the result is checked by `validateSnapshot`. Errors are `BallastError`s naming `field`.
 */
import { BallastError } from '../core/errors.ts';
import { MS_PER_YEAR } from '../core/time.ts';
import { validateSnapshot } from './snapshot-bounds.ts';
import type { MarketSnapshot, SurfaceSlice, UnderlyingMarket } from './snapshot.ts';

function mapUnderlyings(
  s: MarketSnapshot,
  fn: (u: UnderlyingMarket) => UnderlyingMarket,
): Record<string, UnderlyingMarket> {
  return Object.fromEntries(Object.entries(s.underlyings).map(([k, u]) => [k, fn(u)]));
}

function scaleSlice(sl: SurfaceSlice, factor: number, T: number): SurfaceSlice {
  return { ...sl, T, params: { ...sl.params, a: sl.params.a * factor, b: sl.params.b * factor } };
}

/** Every implied vol × `f` (see module doc); `f` finite and > 0. */
export function scaleVols(s: MarketSnapshot, f: number, field = 'volScale'): MarketSnapshot {
  if (!(Number.isFinite(f) && f > 0))
    throw new BallastError('INVALID_INPUT', `vol scale must be finite and > 0, got ${f}`, field);
  if (f === 1) return s;
  const out = {
    ...s,
    underlyings: mapUnderlyings(s, (u) => ({
      ...u,
      surface: u.surface.map((sl) => scaleSlice(sl, f * f, sl.T)),
    })),
  };
  validateSnapshot(out, field);
  return out;
}

/** The snapshot moved forward to `toMs` ≥ its as-of time (see module doc). */
export function rollSnapshot(s: MarketSnapshot, toMs: number, field = 'days'): MarketSnapshot {
  if (!(Number.isFinite(toMs) && toMs >= s.asOfMs))
    throw new BallastError(
      'INVALID_INPUT',
      `can only roll a snapshot forward in time (as of ${new Date(s.asOfMs).toISOString()})`,
      field,
    );
  if (toMs === s.asOfMs) return s;
  const out: MarketSnapshot = {
    ...s,
    asOfMs: toMs,
    underlyings: mapUnderlyings(s, (u) => ({
      ...u,
      forwards: u.forwards.filter((f) => f.expiryMs > toMs),
      surface: u.surface
        .filter((sl) => sl.expiryMs > toMs)
        .map((sl) => {
          const T = (sl.expiryMs - toMs) / MS_PER_YEAR;
          return scaleSlice(sl, T / sl.T, T);
        }),
    })),
  };
  validateSnapshot(out, field);
  return out;
}
