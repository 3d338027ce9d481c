import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  expectedShortfall,
  normalES,
  normalVaR,
  portfolioNormal,
  tailCount,
  tailScenarios,
  valueAtRisk,
} from '../../src/risk/var.ts';
import { cholesky } from '../../src/market/covariance.ts';
import { sobolNormals } from '../../src/core/sobol.ts';
import { isBallastError } from '../../src/core/errors.ts';

/**
 * Rockafellar & Uryasev, "Optimization of conditional value-at-risk", J. Risk 2 (2000) 21–41,
 * the three-asset example with normal returns: means m, covariance V, the portfolio x of the
 * example (minimum variance at expected return 0.011) and the closed-form VaR/CVaR of its
 * normal loss −xᵀR at β = 0.90, 0.95, 0.99.
 */
const m = [0.010111, 0.0043532, 0.0137058];
const V = [
  [0.00324625, 0.00022983, 0.00420395],
  [0.00022983, 0.00049937, 0.00019247],
  [0.00420395, 0.00019247, 0.00764097],
];
const x = [0.452013, 0.115573, 0.432414];
const RU = [
  { beta: 0.9, VaR: 0.067847, ES: 0.096975 },
  { beta: 0.95, VaR: 0.0902, ES: 0.115908 },
  { beta: 0.99, VaR: 0.132128, ES: 0.152977 },
];

describe('Rockafellar-Uryasev (2000) three-asset example', () => {
  const { mean, sd } = portfolioNormal(x, m, V);

  it('portfolio mean and sd', () => {
    expect(mean).toBeCloseTo(0.011, 6);
    expect(sd).toBeCloseTo(0.0615247, 6);
  });

  for (const { beta, VaR, ES } of RU) {
    it(`closed-form normal VaR ${VaR} and ES ${ES} at β = ${beta}, to 1e-6`, () => {
      expect(Math.abs(normalVaR(mean, sd, beta) - VaR)).toBeLessThan(1e-6);
      expect(Math.abs(normalES(mean, sd, beta) - ES)).toBeLessThan(1e-6);
    });
  }

  it('Monte Carlo with 100,000 Sobol points (Cholesky × sobolNormals) within 0.1 % of the closed forms', () => {
    const L = cholesky(V);
    const n = 100_000;
    const z = sobolNormals(3, n);
    const pnl = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      const e = z[p]!;
      let ret = 0;
      for (let i = 0; i < 3; i++) {
        let r = m[i]!;
        for (let k = 0; k <= i; k++) r += L[i]![k]! * e[k]!;
        ret += x[i]! * r;
      }
      pnl[p] = ret;
    }
    const got = RU.map(({ beta }) => ({
      beta,
      VaR: valueAtRisk(pnl, beta),
      ES: expectedShortfall(pnl, beta),
    }));
    // Printed for the record (see the test report).
    console.log(
      'R-U Monte Carlo (100k Sobol):',
      got.map((g) => `β=${g.beta}: VaR ${g.VaR.toFixed(6)}, ES ${g.ES.toFixed(6)}`).join('; '),
    );
    RU.forEach(({ VaR, ES }, i) => {
      expect(Math.abs(got[i]!.VaR / VaR - 1)).toBeLessThan(0.001);
      expect(Math.abs(got[i]!.ES / ES - 1)).toBeLessThan(0.001);
    });
  });
});

describe('historical VaR / ES: the order-statistic convention by hand', () => {
  // Convention (src/risk/var.ts): losses L = −pnl sorted worst first, k = ⌈n(1 − α)⌉,
  // VaR = L(k) (the k-th worst loss), ES = mean of L(1) … L(k).
  // 20 P&Ls; sorted losses: 30, 20, 15, 12, 9, 7, 5, 3, 2, 1, then gains.
  const pnl = [5, -12, 3, -7, 8, -20, 1, -3, 15, -9, 2, -15, 6, -1, 4, -5, 10, -2, 7, -30];

  it('α = 95 %: k = ⌈20·0.05⌉ = 1 (not 2 from floating 1.0000000000000009) → VaR = ES = 30', () => {
    expect(tailCount(20, 0.95)).toBe(1);
    expect(valueAtRisk(pnl, 0.95)).toBe(30);
    expect(expectedShortfall(pnl, 0.95)).toBe(30);
  });
  it('α = 90 %: k = 2 → VaR 20, ES (30 + 20)/2 = 25', () => {
    expect(valueAtRisk(pnl, 0.9)).toBe(20);
    expect(expectedShortfall(pnl, 0.9)).toBe(25);
  });
  it('α = 87 %: k = ⌈2.6⌉ = 3 → VaR 15, ES 65/3', () => {
    expect(valueAtRisk(pnl, 0.87)).toBe(15);
    expect(expectedShortfall(pnl, 0.87)).toBeCloseTo(65 / 3, 14);
  });
  it('α = 80 %: k = 4 → VaR 12, ES 19.25; the tail scenarios worst first', () => {
    expect(valueAtRisk(pnl, 0.8)).toBe(12);
    expect(expectedShortfall(pnl, 0.8)).toBe(19.25);
    expect(tailScenarios(pnl, 0.8)).toEqual([19, 5, 11, 1]);
  });
  it('α = 99 %: k = 1 (at least one scenario); all gains → negative VaR (not floored)', () => {
    expect(valueAtRisk(pnl, 0.99)).toBe(30);
    expect(valueAtRisk([1, 2, 3, 4], 0.75)).toBe(-1);
  });
  it('ties break by scenario index', () => {
    expect(tailScenarios([-5, 0, -5, -5], 0.5)).toEqual([0, 2]);
  });
  it('probability weights: the first k with cumulative probability ≥ 1 − α; weighted tail mean', () => {
    // losses 10, 5, 0, −5 with probabilities 0.1, 0.2, 0.3, 0.4; α = 75 %: 0.1 < 0.25 ≤ 0.3 → k = 2
    const p = [-10, -5, 0, 5];
    const w = [1, 2, 3, 4]; // normalised by their sum
    expect(valueAtRisk(p, 0.75, w)).toBe(5);
    expect(expectedShortfall(p, 0.75, w)).toBeCloseTo((0.1 * 10 + 0.2 * 5) / 0.3, 14);
    expect(tailScenarios(p, 0.75, w)).toEqual([0, 1]);
    // equal weights reproduce the unweighted convention
    const eq = pnl.map(() => 1);
    for (const a of [0.8, 0.87, 0.9, 0.95]) {
      expect(valueAtRisk(pnl, a, eq)).toBe(valueAtRisk(pnl, a));
      expect(expectedShortfall(pnl, a, eq)).toBeCloseTo(expectedShortfall(pnl, a), 12);
    }
  });
});

describe('properties', () => {
  const vec = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
    minLength: 40,
    maxLength: 40,
  });
  const alpha = fc.double({ min: 0.5, max: 0.999, noNaN: true });
  it('ES ≥ VaR; ES sub-additive; both positively homogeneous and translation-equivariant', () => {
    fc.assert(
      fc.property(
        vec,
        vec,
        alpha,
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (a, b, al, k) => {
          const tol = 1e-9 * (1 + Math.max(...a.map(Math.abs), ...b.map(Math.abs)));
          expect(expectedShortfall(a, al)).toBeGreaterThanOrEqual(valueAtRisk(a, al) - tol);
          const sum = a.map((v, i) => v + b[i]!);
          expect(expectedShortfall(sum, al)).toBeLessThanOrEqual(
            expectedShortfall(a, al) + expectedShortfall(b, al) + 2 * tol,
          );
          expect(
            valueAtRisk(
              a.map((v) => k * v),
              al,
            ),
          ).toBeCloseTo(k * valueAtRisk(a, al), 3);
          expect(
            expectedShortfall(
              a.map((v) => v + 7),
              al,
            ),
          ).toBeCloseTo(expectedShortfall(a, al) - 7, 3);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('bad input', () => {
  it('confidence outside (0, 1) is INVALID_INPUT on confidence, for every measure', () => {
    for (const c of [0, 1, 1.5, -0.1, Number.NaN, 95]) {
      for (const f of [
        () => valueAtRisk([1, -1], c),
        () => expectedShortfall([1, -1], c),
        () => tailScenarios([1, -1], c),
        () => normalVaR(0, 1, c),
        () => normalES(0, 1, c),
      ]) {
        try {
          f();
          expect.unreachable();
        } catch (e) {
          expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
          expect((e as { field?: string }).field).toBe('confidence');
        }
      }
    }
  });
  it('empty or non-finite P&L, bad weights, negative sd, non-PSD covariance', () => {
    expect(() => valueAtRisk([], 0.99)).toThrow(/pnl/);
    expect(() => valueAtRisk([1, NaN], 0.99)).toThrow(/pnl\[1\]/);
    expect(() => valueAtRisk([1, 2], 0.99, [1])).toThrow(/weights/);
    expect(() => valueAtRisk([1, 2], 0.99, [1, -1])).toThrow(/weights\[1\]/);
    expect(() => valueAtRisk([1, 2], 0.99, [0, 0])).toThrow(/sum to 0/);
    expect(() => normalVaR(0, -1, 0.99)).toThrow(/sd/);
    expect(() =>
      portfolioNormal(
        [1, 1],
        [0, 0],
        [
          [1, -2],
          [-2, 1],
        ],
      ),
    ).toThrow(/covariance/);
  });
});
