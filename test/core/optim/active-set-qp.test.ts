import { describe, expect, it } from 'vitest';
import { activeSetQp } from '../../../src/core/optim/active-set-qp.ts';

describe('activeSetQp', () => {
  it('Nocedal & Wright Example 16.4: min (x₁−1)² + (x₂−2.5)² under 5 constraints → (1.4, 1.7)', () => {
    // ½xᵀGx − hᵀx with G = 2I, h = (2, 5) (constant dropped); constraints A·x ≥ lo.
    const G = [
      [2, 0],
      [0, 2],
    ];
    const h = [2, 5];
    const cons = {
      A: [
        [1, -2],
        [-1, -2],
        [-1, 2],
        [1, 0],
        [0, 1],
      ],
      lo: [-2, -6, -2, 0, 0],
    };
    const x = activeSetQp(G, h, cons, [2, 0]);
    expect(x[0]).toBeCloseTo(1.4, 12);
    expect(x[1]).toBeCloseTo(1.7, 12);
  });
  it('projects onto a half-space and a bound in 3-D: known solution (0, 1.5, 1.5)', () => {
    // min ½‖x − (−1, 2, 2)‖² s.t. x₁ ≥ 0, x₁ + x₂ + x₃ ≤ 3: x₁ = 0 and (x₂, x₃) projected on
    // x₂ + x₃ ≤ 3 from (2, 2) → (1.5, 1.5).
    const I = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const cons = {
      A: [
        [1, 0, 0],
        [-1, -1, -1],
      ],
      lo: [0, -3],
    };
    const x = activeSetQp(I, [-1, 2, 2], cons, [0, 0, 0]);
    [0, 1.5, 1.5].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 12));
  });
  it('returns the unconstrained optimum G⁻¹h when it is feasible', () => {
    const G = [
      [4, 1],
      [1, 3],
    ];
    const x = activeSetQp(G, [1, 2], { A: [[1, 0]], lo: [-10] }, [0, 0]);
    // G⁻¹h = (1/11)·(3·1 − 1·2, −1·1 + 4·2) = (1/11, 7/11).
    expect(x[0]).toBeCloseTo(1 / 11, 14);
    expect(x[1]).toBeCloseTo(7 / 11, 14);
  });
});
