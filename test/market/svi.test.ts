import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBallastError } from '../../src/core/errors.ts';
import {
  assertSviParams,
  type SviParams,
  sviImpliedVol,
  sviMinTotalVariance,
  sviTotalVariance,
  sviTotalVarianceD2k,
  sviTotalVarianceDk,
  sviValidate,
} from '../../src/market/svi.ts';

const clean: SviParams = { a: 0.04, b: 0.1, rho: -0.3, m: 0, sigma: 0.2 };
const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

const paramsArb = fc.record({
  a: fc.double({ min: -0.05, max: 0.3, noNaN: true }),
  b: fc.double({ min: 0, max: 1, noNaN: true }),
  rho: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
  m: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
  sigma: fc.double({ min: 0.01, max: 1, noNaN: true }),
});

describe('raw SVI total variance', () => {
  it('matches the formula by hand', () => {
    // k = m: w = a + bσ; k = 0.3: x = 0.3, √(0.09 + 0.04) = 0.36056
    expect(sviTotalVariance(clean, 0)).toBeCloseTo(0.04 + 0.1 * 0.2, 15);
    expect(sviTotalVariance(clean, 0.3)).toBeCloseTo(
      0.04 + 0.1 * (-0.3 * 0.3 + Math.sqrt(0.13)),
      15,
    );
    expect(sviTotalVariance(clean, -0.3)).toBeCloseTo(
      0.04 + 0.1 * (0.3 * 0.3 + Math.sqrt(0.13)),
      15,
    );
  });

  it('minimum a + bσ√(1−ρ²) is attained at k* = m − ρσ/√(1−ρ²)', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        const kStar = p.m - (p.rho * p.sigma) / Math.sqrt(1 - p.rho * p.rho);
        const wMin = sviMinTotalVariance(p);
        expect(sviTotalVariance(p, kStar)).toBeCloseTo(wMin, 12);
        expect(sviTotalVarianceDk(p, kStar)).toBeCloseTo(0, 10);
        for (const dk of [-0.1, 0.05, 0.3])
          expect(sviTotalVariance(p, kStar + dk)).toBeGreaterThanOrEqual(wMin - 1e-15);
      }),
    );
  });

  it('first and second derivatives agree with central differences', () => {
    fc.assert(
      fc.property(paramsArb, fc.double({ min: -2, max: 2, noNaN: true }), (p, k) => {
        const h = 1e-5;
        const d1 = (sviTotalVariance(p, k + h) - sviTotalVariance(p, k - h)) / (2 * h);
        const d2 = (sviTotalVarianceDk(p, k + h) - sviTotalVarianceDk(p, k - h)) / (2 * h);
        expect(Math.abs(sviTotalVarianceDk(p, k) - d1)).toBeLessThan(1e-7 * (1 + Math.abs(d1)));
        expect(Math.abs(sviTotalVarianceD2k(p, k) - d2)).toBeLessThan(1e-5 * (1 + Math.abs(d2)));
        expect(sviTotalVarianceD2k(p, k)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('wing slopes tend to b(1 ± ρ)', () => {
    expect(sviTotalVarianceDk(clean, 1e6)).toBeCloseTo(0.1 * 0.7, 9);
    expect(sviTotalVarianceDk(clean, -1e6)).toBeCloseTo(-0.1 * 1.3, 9);
  });
});

describe('sviImpliedVol', () => {
  it('is √(w/T)', () => {
    expect(sviImpliedVol(clean, 0.1, 0.5)).toBeCloseTo(
      Math.sqrt(sviTotalVariance(clean, 0.1) / 0.5),
      15,
    );
  });
  it('throws typed errors for bad T, bad k and negative variance', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        if (isBallastError(e)) return `${e.code}:${e.field}`;
        throw e;
      }
      return undefined;
    };
    expect(code(() => sviImpliedVol(clean, 0, 0))).toBe('INVALID_INPUT:T');
    expect(code(() => sviImpliedVol(clean, 0, -1))).toBe('INVALID_INPUT:T');
    expect(code(() => sviImpliedVol(clean, 0, NaN))).toBe('INVALID_INPUT:T');
    expect(code(() => sviImpliedVol(clean, Infinity, 1))).toBe('INVALID_INPUT:k');
    expect(code(() => sviImpliedVol({ ...clean, a: -0.1 }, 0, 1))).toBe('INVALID_VOL:k');
  });
});

describe('sviValidate', () => {
  it('accepts a clean slice, and Vogt (static checks are necessary, not sufficient)', () => {
    expect(sviValidate(clean)).toEqual([]);
    expect(sviValidate(vogt)).toEqual([]);
    expect(assertSviParams(clean)).toBe(clean);
  });
  it('reports each violation with its code', () => {
    const codes = (p: SviParams) => sviValidate(p).map((v) => v.code);
    expect(codes({ ...clean, b: -0.1 })).toContain('B_NEGATIVE');
    expect(codes({ ...clean, rho: 1 })).toContain('RHO_OUT_OF_RANGE');
    expect(codes({ ...clean, rho: -1.2 })).toContain('RHO_OUT_OF_RANGE');
    expect(codes({ ...clean, sigma: 0 })).toContain('SIGMA_NOT_POSITIVE');
    expect(codes({ ...clean, a: -0.1 })).toEqual(['NEGATIVE_MIN_VARIANCE']);
    // b(1 + |ρ|) = 1.6 × 1.3 = 2.08 > 2: Lee's moment bound
    expect(codes({ ...clean, b: 1.6 })).toEqual(['LEE_WING_BOUND']);
    expect(codes({ ...clean, b: 2 / 1.3 })).toEqual([]);
    expect(codes({ ...clean, m: NaN })).toEqual(['NOT_FINITE']);
  });
  it('assertSviParams throws INVALID_INPUT naming the parameter', () => {
    try {
      assertSviParams({ ...clean, sigma: -1 }, 'surface[2]');
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect((e as { field: string }).field).toBe('surface[2].sigma');
    }
  });
});
