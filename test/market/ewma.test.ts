import { describe, expect, it } from 'vitest';
import { ewmaVolatility } from '../../src/market/ewma.ts';
import { isBallastError } from '../../src/core/errors.ts';

describe('ewmaVolatility (RiskMetrics recursion)', () => {
  it('a hand-computed 3-step recursion, seeded with the first squared return', () => {
    // λ = 0.9, seedWindow = 1: σ²₀ = r₀² = 1e-4
    // σ²₁ = 0.9·1e-4 + 0.1·(0.01)²  = 1.0e-4
    // σ²₂ = 0.9·1e-4 + 0.1·(−0.02)² = 0.9e-4 + 0.4e-4 = 1.3e-4
    // σ²₃ = 0.9·1.3e-4 + 0.1·(0.03)² = 1.17e-4 + 0.9e-4 = 2.07e-4   (the forecast, "σ now")
    const s = ewmaVolatility([0.01, -0.02, 0.03], 0.9, 1);
    expect(s.length).toBe(4);
    const expected = [1e-4, 1e-4, 1.3e-4, 2.07e-4].map(Math.sqrt);
    s.forEach((v, t) => expect(v).toBeCloseTo(expected[t]!, 15));
  });

  it('default seed: mean square of the first min(n, 30) returns; default λ 0.94', () => {
    const s = ewmaVolatility([0.01, -0.02, 0.03]);
    const v0 = (1e-4 + 4e-4 + 9e-4) / 3;
    expect(s[0]).toBeCloseTo(Math.sqrt(v0), 15);
    expect(s[1]).toBeCloseTo(Math.sqrt(0.94 * v0 + 0.06 * 1e-4), 15);
    const long = Array.from({ length: 100 }, (_, t) => (t < 30 ? 0.02 : 0.01) * (t % 2 ? 1 : -1));
    expect(ewmaVolatility(long)[0]).toBeCloseTo(0.02, 15);
  });

  it('constant |r| keeps σ constant; bad inputs are typed errors', () => {
    const s = ewmaVolatility([0.02, -0.02, 0.02, -0.02, 0.02], 0.97);
    for (const v of s) expect(v).toBeCloseTo(0.02, 15);
    for (const bad of [
      () => ewmaVolatility([]),
      () => ewmaVolatility([0.01], 1),
      () => ewmaVolatility([0.01], 0),
      () => ewmaVolatility([0.01, 0.02], 0.94, 3),
      () => ewmaVolatility([0.01, NaN]),
    ]) {
      try {
        bad();
        expect.unreachable();
      } catch (e) {
        expect(isBallastError(e)).toBe(true);
      }
    }
  });
});
