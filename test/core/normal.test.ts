import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { millsRatio, millsRatioEstrin, normCdf, normInv, normPdf } from '../../src/core/normal.ts';

// Reference: 50-digit mpmath values from scripts/gen-normal-reference.py.
interface Ref {
  cdf: { x: number; cdf: number; pdf: number }[];
  inv: { p: number; x: number }[];
}
const ref = JSON.parse(
  readFileSync(new URL('../fixtures/normal/normal-mpmath.json', import.meta.url), 'utf8'),
) as Ref;

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

describe('normal distribution against mpmath (50 digits)', () => {
  it('Φ(x) to 1e-15 relative on [-37.5, 10] (both tails)', () => {
    for (const c of ref.cdf) {
      expect(rel(normCdf(c.x), c.cdf), `x=${c.x}`).toBeLessThanOrEqual(1e-15);
    }
  });
  it('φ(x) to 1e-15 relative', () => {
    for (const c of ref.cdf)
      expect(rel(normPdf(c.x), c.pdf), `x=${c.x}`).toBeLessThanOrEqual(1e-15);
  });
  it('Φ⁻¹(p) to 1e-14 relative down to p = 1e-295', () => {
    for (const c of ref.inv) {
      expect(Math.abs(normInv(c.p) - c.x), `p=${c.p}`).toBeLessThanOrEqual(
        1e-14 * Math.max(1, Math.abs(c.x)),
      );
    }
  });
  it('edges: symmetry, infinities, NaN', () => {
    expect(normCdf(-Infinity)).toBe(0);
    expect(normCdf(Infinity)).toBe(1);
    expect(normCdf(NaN)).toBeNaN();
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(normInv(1.5)).toBeNaN();
    for (const x of [0.1, 1, 3, 7]) expect(normCdf(x) + normCdf(-x)).toBeCloseTo(1, 15);
  });
});

describe('Mills ratio Φ(−z)/φ(z)', () => {
  it('agrees with Φ(−z)/φ(z) from the mpmath values where both are representable', () => {
    for (const c of ref.cdf) {
      if (c.x > 0 || c.cdf === 0 || c.pdf === 0) continue;
      const z = -c.x;
      expect(rel(millsRatio(z), c.cdf / c.pdf), `z=${z}`).toBeLessThanOrEqual(4e-15);
      expect(rel(millsRatioEstrin(z), c.cdf / c.pdf), `z=${z}`).toBeLessThanOrEqual(4e-15);
    }
  });
  it('both forms within 1e-15 relative of 50-digit mpmath on a dense sweep of the tail rational', () => {
    const mills = JSON.parse(
      readFileSync(new URL('../fixtures/normal/mills-mpmath.json', import.meta.url), 'utf8'),
    ) as { cases: { z: number; R: number }[] };
    expect(mills.cases.length).toBeGreaterThan(4000);
    for (const { z, R } of mills.cases) {
      expect(rel(millsRatio(z), R), `z=${z}`).toBeLessThanOrEqual(1e-15);
      expect(rel(millsRatioEstrin(z), R), `Estrin z=${z}`).toBeLessThanOrEqual(1e-15);
    }
  });
  it('stays finite and ~1/z far beyond underflow of Φ and φ', () => {
    expect(millsRatio(1e3) * 1e3).toBeCloseTo(1 - 1e-6, 9); // R(z) ≈ (1 − 1/z²)/z
    expect(Number.isFinite(millsRatio(1e150))).toBe(true);
  });
});
