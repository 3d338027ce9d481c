import { describe, expect, it } from 'vitest';
import { solveDense } from '../../../src/core/optim/dense-solve.ts';

describe('solveDense', () => {
  it('solves a 3×3 system that needs pivoting (x = (1, −2, 3), exact in binary)', () => {
    // A·(1, −2, 3) = b, computed by hand; the zero (0,0) entry forces a row swap.
    const A = [
      [0, 2, 1],
      [4, 1, -1],
      [2, -3, 5],
    ];
    const b = [-1, -1, 23];
    const x = solveDense(A, b)!;
    expect(x).not.toBeNull();
    [1, -2, 3].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 14));
    expect(A[0]).toEqual([0, 2, 1]); // input not modified
  });
  it('returns null for a singular matrix', () => {
    expect(
      solveDense(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeNull();
  });
});
