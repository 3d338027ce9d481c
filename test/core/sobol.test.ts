import { describe, expect, it } from 'vitest';
import { SOBOL_MAX_POINTS, sobolNormals, sobolPoints } from '../../src/core/sobol.ts';
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

  it('refuses more points than the package computes correctly (2^20) and bad sizes', () => {
    expect(() => sobolPoints(2, SOBOL_MAX_POINTS)).toThrow(/2\^20/);
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
