import { describe, expect, it } from 'vitest';
import { SobolSequenceGenerator } from 'sobol';
import {
  SOBOL_BITS,
  SOBOL_MAX_DIMENSIONS,
  SOBOL_MAX_POINTS,
  sobolNormals,
  sobolPoints,
} from '../../src/core/sobol.ts';
import { normInv } from '../../src/core/normal.ts';

describe('sobolPoints', () => {
  it('the standard Sobol sequence (Joe-Kuo, Gray-code order), origin skipped by default', () => {
    // Points 1..7 of the 3-d Sobol sequence (e.g. scipy.stats.qmc.Sobol(3, scramble=False)).
    const expected = [
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
      [0.875, 0.875, 0.125],
      [0.625, 0.125, 0.875],
      [0.125, 0.625, 0.375],
    ];
    expect(sobolPoints(3, 7).map((p) => [...p])).toEqual(expected);
    expect([...sobolPoints(3, 1, { skip: 0 })[0]!]).toEqual([0, 0, 0]);
    expect([...sobolPoints(3, 1, { skip: 3 })[0]!]).toEqual(expected[2]);
  });

  it('the first 2^m points (with the origin) stratify every axis into 2^m cells', () => {
    const pts = sobolPoints(5, 1024, { skip: 0 });
    for (let j = 0; j < 5; j++) {
      const cells = new Set(pts.map((p) => Math.floor(p[j]! * 1024)));
      expect(cells.size).toBe(1024);
    }
  });

  it('a digital shift is seeded, keeps the stratification and stays inside (0, 1)', () => {
    const a = sobolPoints(4, 512, { skip: 0, digitalShiftSeed: 5 });
    expect(sobolPoints(4, 512, { skip: 0, digitalShiftSeed: 5 })).toEqual(a);
    expect(sobolPoints(4, 512, { skip: 0, digitalShiftSeed: 6 })).not.toEqual(a);
    for (let j = 0; j < 4; j++)
      expect(new Set(a.map((p) => Math.floor(p[j]! * 512))).size).toBe(512);
    expect(a.every((p) => p.every((x) => x > 0 && x < 1))).toBe(true);
  });

  it('matches the `sobol` package (20-bit) on the first 2^10 points of 50 dimensions', () => {
    const ref = new SobolSequenceGenerator(50);
    const ours = sobolPoints(50, 1024, { skip: 0 });
    for (let i = 0; i < 1024; i++) {
      const r = ref.nextVector();
      // Truncating our 32-bit coordinates to 20 bits gives the package's exactly.
      expect(
        [...ours[i]!].map((u) => Math.floor(u * 2 ** 20) / 2 ** 20),
        `point ${i}`,
      ).toEqual(r);
    }
  });

  it('dimension 1 is van der Corput in base 2, dimension 2 starts 1/2, 1/4, 3/4, 3/8, 7/8', () => {
    const pts = sobolPoints(2, 7);
    expect(pts.map((p) => p[0])).toEqual([1 / 2, 3 / 4, 1 / 4, 3 / 8, 7 / 8, 5 / 8, 1 / 8]);
    expect(pts.map((p) => p[1]).slice(0, 5)).toEqual([1 / 2, 1 / 4, 3 / 4, 3 / 8, 7 / 8]);
    // Point n of dimension 1 is the bit reversal of the Gray code of n (32 bits).
    for (const n of [1000, 2 ** 20 + 3, 2 ** 31 + 12345, 2 ** 32 - 1]) {
      const g = (n ^ Math.floor(n / 2)) >>> 0;
      let rev = 0;
      for (let k = 0; k < 32; k++) rev += ((g >>> k) & 1) * 2 ** (31 - k);
      expect(sobolPoints(1, 1, { skip: n })[0]![0]).toBe(rev / 2 ** 32);
    }
  });

  it('starting at skip equals generating from the origin and dropping the first points', () => {
    const all = sobolPoints(30, 300, { skip: 0 });
    for (const skip of [1, 7, 64, 255]) {
      expect(sobolPoints(30, 300 - skip, { skip })).toEqual(all.slice(skip));
    }
  });

  it('32-bit resolution: points beyond 2^20 are valid and distinct', () => {
    expect(SOBOL_BITS).toBe(32);
    const n = 4096;
    const pts = sobolPoints(SOBOL_MAX_DIMENSIONS, n, { skip: 2 ** 20 - 7 });
    expect(pts.every((p) => p.every((x) => x > 0 && x < 1))).toBe(true);
    for (const j of [0, 1, 2, 49, 500, SOBOL_MAX_DIMENSIONS - 1]) {
      expect(new Set(pts.map((p) => p[j])).size).toBe(n);
    }
    // Near the end of the range too.
    const late = sobolPoints(8, 16, { skip: 2 ** 32 - 16 });
    expect(late.every((p) => p.every((x) => x > 0 && x < 1))).toBe(true);
    expect(new Set(late.map((p) => p[3])).size).toBe(16);
    // The last 2^12 points of 2^32 hit each of 2^12 cells once (a (t, m, s)-net shifted by
    // the Gray code's high bits: stratification holds for every aligned block of 2^m).
    const block = sobolPoints(3, 4096, { skip: 2 ** 32 - 4096 });
    for (let j = 0; j < 3; j++)
      expect(new Set(block.map((p) => Math.floor(p[j]! * 4096))).size).toBe(4096);
  });

  it('refuses more points than the 32-bit direction integers give (2^32) and bad sizes', () => {
    expect(SOBOL_MAX_POINTS).toBe(2 ** 32);
    expect(() => sobolPoints(2, SOBOL_MAX_POINTS)).toThrow(/2\^32/);
    expect(() => sobolPoints(2, 1, { skip: SOBOL_MAX_POINTS })).toThrow(/2\^32/);
    expect(() => sobolPoints(SOBOL_MAX_DIMENSIONS + 1, 1)).toThrow(/dimensions/);
    expect(() => sobolPoints(0, 10)).toThrow(/dimensions/);
    expect(() => sobolPoints(2, 1.5)).toThrow(/count/);
  });
});

describe('sobolNormals', () => {
  it('maps coordinates through Φ⁻¹ and refuses the origin', () => {
    const z = sobolNormals(2, 3);
    expect([...z[0]!]).toEqual([0, 0]);
    expect(z[1]![0]).toBe(normInv(0.75));
    expect(() => sobolNormals(2, 3, { skip: 0 })).toThrow(/origin/);
    const big = sobolNormals(3, 1 << 14);
    let m = 0;
    let v = 0;
    for (const p of big) {
      m += p[2]!;
      v += p[2]! * p[2]!;
    }
    expect(Math.abs(m / big.length)).toBeLessThan(1e-3);
    expect(v / big.length).toBeCloseTo(1, 2);
  });
});
