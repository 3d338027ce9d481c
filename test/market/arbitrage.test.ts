import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import {
  checkButterfly,
  checkCalendar,
  repairButterfly,
  repairCalendar,
  sviButterflyG,
  sviDensity,
} from '../../src/market/arbitrage.ts';
import { type SviParams, sviTotalVariance, sviValidate } from '../../src/market/svi.ts';

// Vogt's slice, Gatheral & Jacquier (2013/2014) "Arbitrage-free SVI volatility surfaces", §3.2 (T = 1).
const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
const clean: SviParams = { a: 0.04, b: 0.1, rho: -0.3, m: 0, sigma: 0.2 };
const vol = (p: SviParams, k: number, T = 1) => Math.sqrt(sviTotalVariance(p, k) / T);

/** ∫ f over [lo, hi] by composite Simpson with n (even) intervals. */
function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

describe('butterfly check', () => {
  it("flags Vogt's slice: g < 0 on k ∈ (0.642, 1.257), minimum g ≈ −0.0329 at k ≈ 0.879", () => {
    const c = checkButterfly(vogt);
    expect(c.arbitrageFree).toBe(false);
    expect(c.violations).toHaveLength(1);
    const v = c.violations[0]!;
    expect(v.kFrom).toBeCloseTo(0.6424, 3);
    expect(v.kTo).toBeCloseTo(1.2569, 3);
    // boundaries are roots of g, refined
    expect(Math.abs(sviButterflyG(vogt, v.kFrom))).toBeLessThan(1e-9);
    expect(Math.abs(sviButterflyG(vogt, v.kTo))).toBeLessThan(1e-9);
    expect(c.minDensity).toBeCloseTo(-0.03286, 4);
    expect(c.kAtMin).toBeCloseTo(0.879, 2);
    expect(sviButterflyG(vogt, c.kAtMin)).toBe(c.minDensity);
    // the static checks pass: the arbitrage is only visible in g
    expect(c.minTotalVariance).toBeGreaterThan(0);
    // and the implied density is negative there
    expect(sviDensity(vogt, 0.9)).toBeLessThan(0);
  });

  it('passes a clean slice whose density integrates to 1 with forward E[e^k] = 1', () => {
    const c = checkButterfly(clean);
    expect(c.arbitrageFree).toBe(true);
    expect(c.violations).toEqual([]);
    expect(c.minDensity).toBeGreaterThan(0);
    // g(k) → 1/4 − (b(1 ± ρ))²/16 in the wings
    expect(sviButterflyG(clean, -1e4)).toBeCloseTo(0.25 - (0.1 * 1.3) ** 2 / 16, 3);
    expect(simpson((k) => sviDensity(clean, k), -8, 8)).toBeCloseTo(1, 6);
    expect(simpson((k) => Math.exp(k) * sviDensity(clean, k), -8, 8)).toBeCloseTo(1, 6);
  });

  it("flags wing slopes above Lee's bound out to infinity", () => {
    const p: SviParams = { a: 0.04, b: 1.5, rho: 0.5, m: 0, sigma: 0.2 }; // right slope 2.25
    const c = checkButterfly(p);
    expect(c.arbitrageFree).toBe(false);
    expect(c.violations[c.violations.length - 1]!.kTo).toBe(Infinity);
  });

  it('flags negative total variance', () => {
    const p: SviParams = { ...clean, a: -0.05 };
    const c = checkButterfly(p);
    expect(c.minTotalVariance).toBeLessThan(0);
    expect(c.arbitrageFree).toBe(false);
    expect(c.violations.length).toBeGreaterThan(0);
    // w(k) < 0 inside the reported interval
    const v = c.violations.find((x) => x.kFrom < 0 && x.kTo > 0)!;
    expect(sviTotalVariance(p, 0)).toBeLessThan(0);
    expect(v).toBeDefined();
  });

  it('throws INVALID_INPUT for non-finite parameters', () => {
    expect(() => checkButterfly({ ...clean, b: NaN })).toThrow(/params\.b/);
    try {
      checkButterfly({ ...clean, sigma: 0 });
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
    }
  });
});

describe('butterfly repair', () => {
  it("repairs Vogt's slice into a butterfly-free one within ~2 vol points", () => {
    const r = repairButterfly(vogt);
    const c = checkButterfly(r);
    expect(c.arbitrageFree).toBe(true);
    expect(sviValidate(r)).toEqual([]);
    let maxDiff = 0;
    for (let k = -1; k <= 1.5; k += 0.01)
      maxDiff = Math.max(maxDiff, Math.abs(vol(r, k) - vol(vogt, k)));
    expect(maxDiff).toBeLessThan(0.025);
    // deterministic
    expect(repairButterfly(vogt)).toEqual(r);
  });

  it('fits given quotes: Vogt-generated quotes, repaired slice close at the quotes', () => {
    const quotes = Array.from({ length: 31 }, (_, i) => {
      const k = -1 + i * 0.075;
      return { k, vol: vol(vogt, k) };
    });
    const r = repairButterfly(vogt, quotes, 1);
    expect(checkButterfly(r).arbitrageFree).toBe(true);
    const rmse = Math.sqrt(
      quotes.reduce((s, q) => s + (vol(r, q.k) - q.vol) ** 2, 0) / quotes.length,
    );
    expect(rmse).toBeLessThan(0.01);
  });

  it('returns a clean slice unchanged, and needs T with quotes', () => {
    expect(repairButterfly(clean)).toBe(clean);
    expect(() => repairButterfly(vogt, [{ k: 0, vol: 0.2 }])).toThrow(/T/);
  });
});

describe('calendar check and repair', () => {
  const s1 = { T: 0.5, params: clean };
  it('passes increasing total variance', () => {
    const s2 = { T: 1, params: { ...clean, a: 0.08, b: 0.2 } };
    const s3 = { T: 2, params: { ...clean, a: 0.16, b: 0.4 } };
    expect(checkCalendar([s1, s2, s3])).toEqual({ arbitrageFree: true, violations: [] });
    // order of the input does not matter
    expect(checkCalendar([s3, s1, s2]).arbitrageFree).toBe(true);
  });

  it('flags a hand-built violation in both wings (later slice higher ATM but flatter wings)', () => {
    // w2 − w1 = 0.03 − 0.05·(−0.3k + √(k² + 0.04)) + ... < 0 for |k| large enough
    const s2 = { T: 1, params: { a: 0.055, b: 0.05, rho: -0.3, m: 0, sigma: 0.2 } };
    const c = checkCalendar([s2, s1], { kMin: -1, kMax: 1 });
    expect(c.arbitrageFree).toBe(false);
    expect(c.violations).toHaveLength(2);
    for (const v of c.violations) {
      expect(v.T1).toBe(0.5);
      expect(v.T2).toBe(1);
      expect(v.w2).toBeLessThan(v.w1);
    }
    expect(c.violations[0]!.k).toBeLessThan(0);
    expect(c.violations[1]!.k).toBeGreaterThan(0);
    // ATM is fine: 0.055 + 0.01 > 0.04 + 0.02
    expect(sviTotalVariance(s2.params, 0)).toBeGreaterThan(sviTotalVariance(clean, 0));

    const fixed = repairCalendar([s2, s1], { kMin: -1, kMax: 1 });
    expect(fixed.map((s) => s.T)).toEqual([0.5, 1]);
    expect(fixed[0]).toBe(s1);
    expect(checkCalendar(fixed, { kMin: -1, kMax: 1 }).arbitrageFree).toBe(true);
    // only `a` moved, and by exactly the worst deficit on [-1, 1] (at k = −1 here)
    const p2 = fixed[1]!.params;
    expect({ ...p2, a: 0 }).toEqual({ ...s2.params, a: 0 });
    const deficit = sviTotalVariance(clean, -1) - sviTotalVariance(s2.params, -1);
    expect(p2.a - s2.params.a).toBeCloseTo(deficit, 9);
    expect(checkButterfly(p2).arbitrageFree).toBe(true);
  });

  it('default grid is ±4 ATM standard deviations of the earlier slice; repair then passes the default check', () => {
    const s2 = { T: 1, params: { a: 0.055, b: 0.05, rho: -0.3, m: 0, sigma: 0.2 } };
    const c = checkCalendar([s1, s2]);
    expect(c.arbitrageFree).toBe(false);
    const half = 4 * Math.sqrt(sviTotalVariance(clean, 0));
    for (const v of c.violations) expect(Math.abs(v.k)).toBeLessThanOrEqual(half + 1e-12);
    const fixed = repairCalendar([s1, s2]);
    expect(checkCalendar(fixed).arbitrageFree).toBe(true);
  });

  it('repairs a chain of three slices sequentially', () => {
    const a = { T: 0.25, params: { ...clean, a: 0.05 } };
    const b = { T: 0.5, params: { ...clean, a: 0.03 } }; // below a everywhere by 0.02
    const c = { T: 1, params: { ...clean, a: 0.045 } }; // above b, below repaired b
    expect(checkCalendar([a, b, c]).violations.map((v) => v.T2)).toEqual([0.5]);
    const fixed = repairCalendar([a, b, c]);
    expect(checkCalendar(fixed).arbitrageFree).toBe(true);
    expect(fixed[1]!.params.a).toBeCloseTo(0.05, 9);
    expect(fixed[2]!.params.a).toBeCloseTo(0.05, 9);
  });

  it('rejects T ≤ 0 and duplicate maturities', () => {
    expect(() => checkCalendar([{ T: 0, params: clean }])).toThrow(/slices\[0\]\.T/);
    expect(() => checkCalendar([s1, { T: 0.5, params: clean }])).toThrow(/share the maturity/);
  });
});
