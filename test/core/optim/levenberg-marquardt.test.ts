import { describe, expect, it } from 'vitest';
import { levenbergMarquardt } from '../../../src/core/optim/levenberg-marquardt.ts';

describe('levenbergMarquardt', () => {
  it('Rosenbrock as least squares r = (10(x₂ − x₁²), 1 − x₁): minimum (1, 1) from (−1.2, 1)', () => {
    const res = (x: readonly number[], out: Float64Array) => {
      out[0] = 10 * (x[1]! - x[0]! * x[0]!);
      out[1] = 1 - x[0]!;
      return out;
    };
    const x = levenbergMarquardt(res, 2, [-1.2, 1], { maxIter: 200 });
    expect(x[0]).toBeCloseTo(1, 7);
    expect(x[1]).toBeCloseTo(1, 7);
  });

  // y = A·exp(−κt) + c sampled without noise at t = 0, 0.25, …, 5 from A = 2.5, κ = 1.3, c = 0.4.
  const truth = [2.5, 1.3, 0.4];
  const ts = Array.from({ length: 21 }, (_, i) => i * 0.25);
  const ys = ts.map((t) => truth[0]! * Math.exp(-truth[1]! * t) + truth[2]!);
  const expRes = (x: readonly number[], out: Float64Array) => {
    ts.forEach((t, i) => (out[i] = x[0]! * Math.exp(-x[1]! * t) + x[2]! - ys[i]!));
    return out;
  };

  it('recovers the known parameters of a noise-free exponential decay (A, κ, c)', () => {
    const x = levenbergMarquardt(expRes, ts.length, [1, 0.5, 0], { maxIter: 200 });
    truth.forEach((v, i) => expect(x[i]).toBeCloseTo(v, 6));
  });
  it('keeps the bounds: with c ≤ 0.2 the fit sits on the bound', () => {
    const x = levenbergMarquardt(expRes, ts.length, [1, 0.5, 0], {
      lo: [0, 0, -1],
      hi: [10, 10, 0.2],
      maxIter: 200,
    });
    expect(x[2]).toBe(0.2);
    expect(x[0]).toBeGreaterThan(0);
    expect(x[1]).toBeGreaterThan(0);
  });
});
