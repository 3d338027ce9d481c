import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import {
  cholesky,
  correlationFromCovariance,
  covarianceFromCorrelation,
  ewmaCovariance,
  ledoitWolfShrinkage,
  nearestPositiveDefinite,
  sampleCovariance,
} from '../../src/market/covariance.ts';
import { ewmaVolatility } from '../../src/market/ewma.ts';
import { alignSeries, logReturns } from '../../src/market/history.ts';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';
import { bitfinexBtcEth } from '../helpers/price-history.ts';

function catchError(f: () => unknown): BallastError {
  try {
    f();
  } catch (e) {
    if (isBallastError(e)) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
}

const minEigenvalue = (m: number[][]): number =>
  Math.min(
    ...new EigenvalueDecomposition(new Matrix(m), { assumeSymmetric: true }).realEigenvalues,
  );

const mmT = (L: number[][]): number[][] =>
  L.map((_, i) => L.map((_, j) => L[i]!.reduce((s, v, k) => s + v * L[j]![k]!, 0)));

// Three assets, 12 observations (asset 3 hedges the first two).
const R = [
  [0.012, -0.034, 0.005, 0.021, -0.008, 0.017, -0.025, 0.003, 0.011, -0.015, 0.027, -0.002],
  [0.015, -0.041, 0.009, 0.018, -0.012, 0.022, -0.031, 0.001, 0.016, -0.011, 0.035, -0.006],
  [-0.004, 0.01, 0.002, -0.007, 0.006, -0.001, 0.009, -0.003, 0.0, 0.004, -0.008, 0.005],
];

const { btc, eth } = bitfinexBtcEth();
const aligned = alignSeries([btc, eth]);
const daily = aligned.closes.map((c) => logReturns({ closes: c }, 1, true));
const lwReal = ledoitWolfShrinkage(daily);
const rhoLw = correlationFromCovariance(lwReal.covariance)[0]![1]!;
const rhoSample = correlationFromCovariance(sampleCovariance(daily))[0]![1]!;

describe('sample and EWMA covariance', () => {
  it('sample covariance (T − 1) by hand on two short series', () => {
    const c = sampleCovariance([
      [1, 2, 3, 4],
      [2, 4, 6, 9],
    ]);
    // means 2.5 and 5.25; Σ(x−x̄)² = 5, Σ(x−x̄)(y−ȳ) = 11.5, Σ(y−ȳ)² = 26.75; / 3
    expect(c[0]![0]).toBeCloseTo(5 / 3, 14);
    expect(c[0]![1]).toBeCloseTo(11.5 / 3, 14);
    expect(c[1]![0]).toBe(c[0]![1]);
    expect(c[1]![1]).toBeCloseTo(26.75 / 3, 14);
  });

  it('EWMA covariance diagonal = EWMA vol forecast²; the recursion by hand on 2 steps', () => {
    const c = ewmaCovariance(R, 0.94);
    R.forEach((r, j) => expect(c[j]![j]).toBeCloseTo(ewmaVolatility(r, 0.94)[r.length]! ** 2, 16));
    // seedWindow 1: Σ₀ = r₀r₀ᵀ, Σ₁ = λΣ₀ + (1−λ)r₀r₀ᵀ = r₀r₀ᵀ, Σ₂ = λr₀r₀ᵀ + (1−λ)r₁r₁ᵀ
    const two = ewmaCovariance(
      [
        [0.01, -0.02],
        [0.03, 0.01],
      ],
      0.9,
      1,
    );
    expect(two[0]![1]).toBeCloseTo(0.9 * 0.01 * 0.03 + 0.1 * -0.02 * 0.01, 16);
  });

  it('mismatched lengths and non-finite returns are typed errors naming the field', () => {
    expect(
      catchError(() =>
        sampleCovariance([
          [1, 2, 3],
          [1, 2],
        ]),
      ).field,
    ).toBe('returns[1]');
    expect(catchError(() => sampleCovariance([[1, NaN, 3]])).field).toBe('returns[0][1]');
    expect(catchError(() => sampleCovariance([[1]])).code).toBe('INVALID_INPUT');
  });
});

describe('Ledoit-Wolf shrinkage toward the scaled identity', () => {
  it('matches an independent numpy transcription of scikit-learn ledoit_wolf_shrinkage', () => {
    // numpy: X = R.T − mean; delta_ = Σ(XᵀX)²/n²; beta_ = Σ(X2ᵀX2); beta = (beta_/n − delta_)/(p·n);
    // delta = (delta_ − 2μ·tr + pμ²)/p; shrinkage = min(beta, delta)/delta
    const lw = ledoitWolfShrinkage(R);
    expect(lw.shrinkage).toBeCloseTo(0.16691607929295837, 13);
    const expected = [
      [3.10298951498107e-4, 3.1435033274679038e-4, -7.7962770246167313e-5],
      [3.1435033274679038e-4, 4.2833652951328595e-4, -9.1934281833025007e-5],
      [-7.7962770246167313e-5, -9.1934281833025007e-5, 7.196174121082927e-5],
    ];
    lw.covariance.forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 17)),
    );
  });

  it('shrinkage in [0, 1] and a positive-definite result, also with fewer observations than assets', () => {
    const arb = fc.integer({ min: 2, max: 6 }).chain((n) =>
      fc.integer({ min: 2, max: 8 }).chain((T) =>
        fc.array(
          fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), {
            minLength: T,
            maxLength: T,
          }),
          { minLength: n, maxLength: n },
        ),
      ),
    );
    fc.assert(
      fc.property(arb, (returns) => {
        const lw = ledoitWolfShrinkage(returns);
        expect(lw.shrinkage).toBeGreaterThanOrEqual(0);
        expect(lw.shrinkage).toBeLessThanOrEqual(1);
        if (lw.target > 1e-12 && lw.shrinkage > 1e-9)
          expect(minEigenvalue(lw.covariance)).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
    // 3 observations of 5 assets: the sample covariance is singular (rank 2), the shrunk one is not
    const few = [0, 1, 2, 3, 4].map((j) => [
      0.01 * (j + 1),
      -0.02 + 0.003 * j,
      0.005 * (j - 2) ** 2,
    ]);
    expect(() => cholesky(sampleCovariance(few))).toThrow();
    expect(() => cholesky(ledoitWolfShrinkage(few).covariance)).not.toThrow();
  });

  // Real BTC/ETH daily log returns, 2016-05-27 .. 2020-01-17 (1,318 returns, 12-day gap in March 2019).
  it(`BTC/ETH daily: shrinkage ${lwReal.shrinkage.toFixed(4)}, correlation ${rhoLw.toFixed(3)} (sample ${rhoSample.toFixed(3)})`, () => {
    expect(daily[0]!.length).toBe(1318);
    expect(lwReal.shrinkage).toBeGreaterThan(0);
    expect(lwReal.shrinkage).toBeLessThan(1);
    expect(minEigenvalue(lwReal.covariance)).toBeGreaterThan(0);
    // shrinking toward a diagonal target pulls the correlation toward 0, never across it
    expect(Math.abs(rhoLw)).toBeLessThan(Math.abs(rhoSample));
    expect(Math.sign(rhoLw)).toBe(Math.sign(rhoSample));
  });
});

describe('correlation, repair and Cholesky', () => {
  it('correlation from covariance and back', () => {
    const cov = [
      [0.04, 0.006],
      [0.006, 0.09],
    ];
    const rho = correlationFromCovariance(cov);
    expect(rho).toEqual([
      [1, 0.1],
      [0.1, 1],
    ]);
    const back = covarianceFromCorrelation([0.2, 0.3], rho);
    back.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(cov[i]![j]!, 16)));
    expect(
      catchError(() =>
        correlationFromCovariance([
          [0, 0],
          [0, 1],
        ]),
      ).field,
    ).toBe('covariance[0][0]');
  });

  it('Cholesky: L Lᵀ = A, lower triangular', () => {
    const A = [
      [4, 2, 0.4],
      [2, 5, 1],
      [0.4, 1, 3],
    ];
    const L = cholesky(A);
    expect(L[0]![1]).toBe(0);
    expect(L[0]![2]).toBe(0);
    expect(L[1]![2]).toBe(0);
    mmT(L).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(A[i]![j]!, 14)));
  });

  it('singular covariance: cholesky refuses it naming the field; nearestPositiveDefinite repairs it and reports the clipped eigenvalue', () => {
    // asset 3 = asset 1 + asset 2: the sample covariance has rank 2
    const returns = [R[0]!, R[1]!, R[0]!.map((x, t) => x + R[1]![t]!)];
    const cov = sampleCovariance(returns);
    const e = catchError(() => cholesky(cov, { field: 'returns.covariance' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.field).toBe('returns.covariance');
    expect(
      catchError(() =>
        cholesky([
          [1, 1],
          [1, 1],
        ]),
      ).field,
    ).toBe('covariance');
    expect(
      catchError(() =>
        cholesky([
          [1, 2],
          [2, 1],
        ]),
      ).message,
    ).toMatch(/not positive definite/);
    expect(
      catchError(() =>
        cholesky([
          [1, 0.5],
          [0.4, 1],
        ]),
      ).message,
    ).toMatch(/symmetric/);
    const fixed = nearestPositiveDefinite(cov, 1e-10);
    expect(fixed.clipped).toHaveLength(1);
    expect(fixed.clipped[0]!.index).toBe(0);
    expect(Math.abs(fixed.clipped[0]!.from)).toBeLessThan(1e-15);
    expect(fixed.clipped[0]!.to).toBe(1e-10);
    const L = cholesky(fixed.matrix);
    mmT(L).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(cov[i]![j]!, 9)));
    // or in one call
    expect(cholesky(cov, { repair: true })).toEqual(L);
  });

  it('an indefinite correlation matrix is clipped; preserveDiagonal keeps unit diagonal', () => {
    const bad = [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ];
    expect(minEigenvalue(bad)).toBeLessThan(0);
    const r = nearestPositiveDefinite(bad, 1e-6, { preserveDiagonal: true });
    expect(r.clipped.length).toBe(1);
    expect(r.clipped[0]!.from).toBeLessThan(0);
    r.matrix.forEach((row, i) => expect(row[i]).toBe(1));
    expect(minEigenvalue(r.matrix)).toBeGreaterThan(0);
    expect(() => cholesky(r.matrix)).not.toThrow();
    // a PD matrix comes back unchanged, nothing clipped
    const ok = nearestPositiveDefinite([
      [2, 1],
      [1, 2],
    ]);
    expect(ok.clipped).toEqual([]);
    expect(ok.matrix).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(ok.eigenvalues[0]).toBeCloseTo(1, 14);
  });
});
