import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBallastError } from '../../src/core/errors.ts';
import { checkCalendar, repairCalendar } from '../../src/market/arbitrage.ts';
import { type SviParams, sviTotalVariance } from '../../src/market/svi.ts';
import {
  impliedVolAt,
  impliedVolAtK,
  makeVolSurface,
  totalVarianceAt,
  type VolSlice,
} from '../../src/market/vol-surface.ts';

const DAY = 86_400_000;
const p1: SviParams = { a: 0.01, b: 0.05, rho: -0.3, m: 0, sigma: 0.2 };
const p2: SviParams = { a: 0.04, b: 0.1, rho: -0.3, m: 0.02, sigma: 0.25 };
const p3: SviParams = { a: 0.09, b: 0.15, rho: -0.2, m: 0.05, sigma: 0.3 };
const slices: VolSlice[] = [
  { expiryMs: 365 * DAY, T: 1, forward: 101, params: p2 },
  { expiryMs: 91.25 * DAY, T: 0.25, forward: 100, params: p1 },
  { expiryMs: 730 * DAY, T: 2, forward: 103, params: p3 },
];
const surface = makeVolSurface(slices);

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isBallastError(e)) return `${e.code}:${e.field}`;
    throw e;
  }
  return undefined;
}

describe('makeVolSurface', () => {
  it('sorts by T and validates', () => {
    expect(surface.map((s) => s.T)).toEqual([0.25, 1, 2]);
    expect(code(() => makeVolSurface([]))).toBe('INVALID_INPUT:slices');
    expect(code(() => makeVolSurface([{ ...slices[0]!, T: 0 }]))).toBe('INVALID_INPUT:slices[0].T');
    expect(code(() => makeVolSurface([{ ...slices[0]!, forward: -1 }]))).toBe(
      'INVALID_INPUT:slices[0].forward',
    );
    expect(code(() => makeVolSurface([{ ...slices[0]!, params: { ...p1, rho: 1.5 } }]))).toBe(
      'INVALID_INPUT:slices[0].params.rho',
    );
    expect(code(() => makeVolSurface([slices[0]!, { ...slices[1]!, T: 1 }]))).toBe(
      'INVALID_INPUT:slices',
    );
  });
});

describe('totalVarianceAt / impliedVolAt', () => {
  it('reproduces the slices at their maturities', () => {
    for (const s of surface) {
      for (const k of [-0.5, 0, 0.3])
        expect(totalVarianceAt(surface, k, s.T)).toBeCloseTo(sviTotalVariance(s.params, k), 15);
    }
  });

  it('is linear in total variance between slices at constant k', () => {
    const k = 0.2;
    const T = 0.25 + 0.3 * 0.75;
    expect(totalVarianceAt(surface, k, T)).toBeCloseTo(
      0.7 * sviTotalVariance(p1, k) + 0.3 * sviTotalVariance(p2, k),
      15,
    );
  });

  it('extrapolates with constant implied vol per k before the first and after the last slice', () => {
    for (const k of [-0.4, 0, 0.4]) {
      expect(impliedVolAtK(surface, k, 0.01)).toBeCloseTo(
        Math.sqrt(sviTotalVariance(p1, k) / 0.25),
        14,
      );
      expect(totalVarianceAt(surface, k, 0.125)).toBeCloseTo(0.5 * sviTotalVariance(p1, k), 15);
      expect(impliedVolAtK(surface, k, 5)).toBeCloseTo(Math.sqrt(sviTotalVariance(p3, k) / 2), 14);
    }
    // w → 0 as T → 0
    expect(totalVarianceAt(surface, 0, 1e-9)).toBeLessThan(1e-9);
  });

  it('impliedVolAt uses k = ln(K/F) against the caller’s forward', () => {
    const F = 100.5;
    const T = 0.6;
    expect(impliedVolAt(surface, 120, F, T)).toBe(impliedVolAtK(surface, Math.log(120 / F), T));
    expect(impliedVolAt(surface, F, F, 1)).toBeCloseTo(Math.sqrt(sviTotalVariance(p2, 0)), 15);
  });

  it('works on plain arrays sorted by T (snapshot SurfaceSlice[]) and rejects unsorted ones', () => {
    const plain = [slices[1]!, slices[0]!];
    expect(totalVarianceAt(plain, 0, 0.5)).toBeGreaterThan(0);
    expect(code(() => totalVarianceAt([slices[0]!, slices[1]!], 0, 0.5))).toBe(
      'INVALID_INPUT:surface[1].T',
    );
  });

  it('throws INVALID_INPUT for T ≤ 0, non-finite k, bad K or F', () => {
    expect(code(() => totalVarianceAt(surface, 0, 0))).toBe('INVALID_INPUT:T');
    expect(code(() => totalVarianceAt(surface, 0, -1))).toBe('INVALID_INPUT:T');
    expect(code(() => totalVarianceAt(surface, 0, NaN))).toBe('INVALID_INPUT:T');
    expect(code(() => totalVarianceAt(surface, NaN, 1))).toBe('INVALID_INPUT:k');
    expect(code(() => totalVarianceAt(surface, Infinity, 1))).toBe('INVALID_INPUT:k');
    expect(code(() => impliedVolAt(surface, 0, 100, 1))).toBe('INVALID_INPUT:K');
    expect(code(() => impliedVolAt(surface, 100, NaN, 1))).toBe('INVALID_INPUT:F');
    expect(code(() => impliedVolAt(surface, 100, 100, 0))).toBe('INVALID_INPUT:T');
    expect(code(() => totalVarianceAt([], 0, 1))).toBe('INVALID_INPUT:surface');
  });
});

describe('calendar-freeness of the interpolation (property)', () => {
  const paramsArb = fc.record({
    a: fc.double({ min: 0, max: 0.2, noNaN: true }),
    b: fc.double({ min: 0, max: 0.8, noNaN: true }),
    rho: fc.double({ min: -0.95, max: 0.95, noNaN: true }),
    m: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
    sigma: fc.double({ min: 0.05, max: 1, noNaN: true }),
  });
  const tPair = fc
    .tuple(
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.double({ min: 0.01, max: 2, noNaN: true }),
    )
    .map(([t1, dt]) => [t1, t1 + dt] as const);
  const times = fc.tuple(
    fc.double({ min: 1e-4, max: 4, noNaN: true }),
    fc.double({ min: 0, max: 4, noNaN: true }),
  );

  function mk(pA: SviParams, pB: SviParams, T1: number, T2: number): readonly VolSlice[] {
    return makeVolSurface([
      { expiryMs: T1 * 365 * DAY, T: T1, forward: 100, params: pA },
      { expiryMs: T2 * 365 * DAY, T: T2, forward: 100, params: pB },
    ]);
  }

  it('slices with w₂ ≥ w₁ everywhere give w(k, T) non-decreasing in T for every k', () => {
    // p2 = p1 with a and b raised: w₂ − w₁ = δa + δb(ρ(k − m) + √((k − m)² + σ²)) ≥ 0 for all k.
    fc.assert(
      fc.property(
        paramsArb,
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        tPair,
        times,
        fc.double({ min: -5, max: 5, noNaN: true }),
        (pa, da, db, [T1, T2], [t, dt], k) => {
          const s = mk(pa, { ...pa, a: pa.a + da, b: pa.b + db }, T1, T2);
          expect(checkCalendar(s, { kMin: -5, kMax: 5 }).arbitrageFree).toBe(true);
          const w = totalVarianceAt(s, k, t);
          const w2 = totalVarianceAt(s, k, t + dt);
          expect(w2).toBeGreaterThanOrEqual(w - 1e-14 * (1 + w));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('two arbitrary slices made calendar-free by repairCalendar interpolate calendar-free on the grid range', () => {
    fc.assert(
      fc.property(
        paramsArb,
        paramsArb,
        tPair,
        times,
        fc.double({ min: -1, max: 1, noNaN: true }),
        (pa, pb, [T1, T2], [t, dt], k) => {
          const opts = { kMin: -1, kMax: 1 };
          const fixed = repairCalendar(mk(pa, pb, T1, T2), opts);
          expect(checkCalendar(fixed, opts).arbitrageFree).toBe(true);
          const w = totalVarianceAt(fixed, k, t);
          const w2 = totalVarianceAt(fixed, k, t + dt);
          expect(w2).toBeGreaterThanOrEqual(w - 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
