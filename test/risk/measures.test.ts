import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { worstLoss } from '../../src/risk/measures.ts';

const vec = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
  minLength: 27,
  maxLength: 27,
});

describe('worst loss', () => {
  it('hand-checkable: max(0, −min) with weights', () => {
    expect(worstLoss([3, -2, -5, 1])).toBe(5);
    expect(worstLoss([3, 2])).toBe(0);
    expect(worstLoss([-10, -4], [0.35, 1])).toBe(4);
  });
  it('sub-additive and positively homogeneous', () => {
    fc.assert(
      fc.property(vec, vec, fc.double({ min: 0.01, max: 100, noNaN: true }), (a, b, k) => {
        const sum = a.map((x, i) => x + b[i]!);
        expect(worstLoss(sum)).toBeLessThanOrEqual(
          worstLoss(a) + worstLoss(b) + 1e-9 * (1 + worstLoss(a) + worstLoss(b)),
        );
        const scaled = a.map((x) => k * x);
        expect(Math.abs(worstLoss(scaled) - k * worstLoss(a))).toBeLessThanOrEqual(
          1e-12 * k * (1 + worstLoss(a)),
        );
      }),
    );
  });
});
