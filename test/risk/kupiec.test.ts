import { describe, expect, it } from 'vitest';
import { chiSquare1Cdf, chiSquare1Survival, kupiecPof } from '../../src/risk/kupiec.ts';
import { isBallastError } from '../../src/core/errors.ts';

describe('χ²₁ distribution from the normal CDF: F(x) = 2Φ(√x) − 1', () => {
  it('p-values at the 5 % and 1 % critical values (scipy.stats.chi2.ppf(0.95/0.99, 1))', () => {
    expect(chiSquare1Survival(3.841458820694124)).toBeCloseTo(0.05, 14);
    expect(chiSquare1Survival(6.6348966010212145)).toBeCloseTo(0.01, 14);
    expect(chiSquare1Cdf(3.841458820694124)).toBeCloseTo(0.95, 14);
  });
  it('F(1) = P(|Z| ≤ 1) = 0.6826894921370859; F(0) = 0; far tail without cancellation', () => {
    expect(chiSquare1Cdf(1)).toBeCloseTo(0.6826894921370859, 15);
    expect(chiSquare1Cdf(0)).toBe(0);
    expect(chiSquare1Survival(0)).toBe(1);
    // P(Z² > 100) = 2Φ(−10) = 1.5239706e-23: relative accuracy kept in the tail.
    // P(Z² > 100) = 2Φ(−10) = erfc(10/√2) = 1.52397060483210521e-23 (mpmath): relative accuracy kept in the tail.
    expect(chiSquare1Survival(100) / 1.5239706048321052e-23).toBeCloseTo(1, 12);
  });
});

describe('Kupiec POF test', () => {
  it('LR against a hand computation: n = 250, x = 5, p = 1 %', () => {
    // LR = −2[245 ln 0.99 + 5 ln 0.01] + 2[245 ln 0.98 + 5 ln 0.02] = 1.956809788230622 (by hand, Python)
    const r = kupiecPof(5, 250, 0.99);
    expect(r.lr).toBeCloseTo(1.956809788230622, 12);
    expect(r.pValue).toBeCloseTo(0.16185491719604272, 12); // scipy.stats.chi2.sf(LR, 1)
    expect(r.rejected).toBe(false);
    expect(r.expectedBreaches).toBeCloseTo(2.5, 12);
  });
  it('no breaches: LR = −2n·ln(1 − p) (0·ln 0 = 0)', () => {
    const r = kupiecPof(0, 262, 0.99);
    expect(r.lr).toBeCloseTo(5.26637598723476, 12);
    expect(r.rejected).toBe(true);
  });
  it('exactly the expected rate: LR = 0, p-value 1', () => {
    const r = kupiecPof(10, 1000, 0.99);
    expect(r.lr).toBeCloseTo(0, 12);
    expect(r.pValue).toBeCloseTo(1, 6);
  });
  it('every day a breach: finite LR, p-value 0', () => {
    const r = kupiecPof(20, 20, 0.99);
    expect(Number.isFinite(r.lr)).toBe(true);
    expect(r.pValue).toBeLessThan(1e-20);
  });
  it('bad inputs are typed errors', () => {
    for (const [x, n, c] of [
      [3, 2, 0.99],
      [-1, 10, 0.99],
      [1, 0, 0.99],
      [1, 10, 1],
      [1, 10, 0],
      [0.5, 10, 0.99],
    ] as const) {
      expect(() => kupiecPof(x, n, c)).toThrow();
      try {
        kupiecPof(x, n, c);
      } catch (e) {
        expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      }
    }
  });
});
