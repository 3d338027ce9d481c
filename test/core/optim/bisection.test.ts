import { describe, expect, it } from 'vitest';
import { bisectSwitch } from '../../../src/core/optim/bisection.ts';

describe('bisectSwitch', () => {
  it('brackets the switch of x² > 2 on [0, 2] to adjacent doubles around √2', () => {
    const { lo, hi } = bisectSwitch((x) => x * x > 2, 0, 2);
    expect(lo * lo > 2).toBe(false);
    expect(hi * hi > 2).toBe(true);
    expect(hi - lo).toBeLessThanOrEqual(2 * Number.EPSILON * Math.SQRT2);
    expect(Math.abs(0.5 * (lo + hi) - Math.SQRT2)).toBeLessThan(1e-15);
  });
  it('stops after maxIter halvings (30 → width 2⁻³⁰)', () => {
    const { lo, hi } = bisectSwitch((x) => x > 1 / 3, 0, 1, 30);
    expect(hi - lo).toBe(2 ** -30);
    expect(lo).toBeLessThanOrEqual(1 / 3);
    expect(hi).toBeGreaterThan(1 / 3);
  });
});
