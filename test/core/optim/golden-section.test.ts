import { describe, expect, it } from 'vitest';
import { goldenSection } from '../../../src/core/optim/golden-section.ts';

describe('goldenSection', () => {
  for (const reuseInterior of [true, false]) {
    it(`finds the minimum of cos on [2, 4] at π (reuseInterior ${reuseInterior})`, () => {
      let evals = 0;
      const r = goldenSection(
        (x) => {
          evals++;
          return Math.cos(x);
        },
        2,
        4,
        { reuseInterior },
      );
      // Near a minimum f is flat to ~√ε in x, so golden section locates it to ~1e-8.
      expect(Math.abs(r.x - Math.PI)).toBeLessThan(1e-7);
      expect(r.fx).toBeCloseTo(-1, 14);
      expect(r.lo).toBeLessThanOrEqual(Math.PI + 1e-7);
      expect(r.hi).toBeGreaterThanOrEqual(Math.PI - 1e-7);
      expect(evals).toBeGreaterThan(10);
    });
  }
  it('shrinks the bracket by 1/φ per step (maxIter 10 → width (1/φ)¹⁰ ± 1e-12)', () => {
    const r = goldenSection((x) => (x - 0.3) ** 2, 0, 1, { maxIter: 10, relTol: 0 });
    expect(r.hi - r.lo).toBeCloseTo(((Math.sqrt(5) - 1) / 2) ** 10, 12);
  });
});
