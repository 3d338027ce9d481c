import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.ts';
import { plainRelativeFactor, shockVol, type VolShock } from '../../src/scenarios/scenario.ts';

// The revaluation row applies plain relative shocks as max(σ·f, 0) (src/risk/vanilla-row.ts);
// that must be shockVol's result bit for bit, and every other shock must be refused (NaN).
describe('plainRelativeFactor', () => {
  it('max(σ·f, 0) equals shockVol bit for bit on plain relative shocks', () => {
    const rng = seededRng(42);
    let n = 0;
    for (let i = 0; i < 20_000; i++) {
      const size = (rng.next() - 0.5) * (i % 7 === 0 ? 6 : 0.8);
      const sigma = i % 11 === 0 ? 0 : rng.next() * 3;
      const shock: VolShock = { kind: 'relative', size };
      const f = plainRelativeFactor(shock);
      const want = shockVol(shock, sigma, 1 + rng.next() * 400, rng.next() - 0.5);
      if (!Object.is(Math.max(sigma * f, 0), want))
        expect({ size, sigma, got: Math.max(sigma * f, 0) }).toEqual({ want });
      n++;
    }
    expect(n).toBe(20_000);
  });
  it('NaN for shocks with a term structure, floor or cap, and for other kinds', () => {
    const term = { pivotDays: 30, shortPower: 0.3, longPower: 0.5, dteFloorDays: 1 };
    const others: VolShock[] = [
      { kind: 'none' },
      { kind: 'relative', size: 0.1, term },
      { kind: 'relative', size: 0.1, floor: 0.2 },
      { kind: 'relative', size: 0.1, cap: 2 },
      { kind: 'absolute', size: 0.1 },
      { kind: 'skew', slope: -0.2 },
    ];
    for (const s of others) expect(plainRelativeFactor(s), JSON.stringify(s)).toBeNaN();
    expect(plainRelativeFactor({ kind: 'relative', size: 0.25 })).toBe(1.25);
  });
});
