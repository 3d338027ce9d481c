/**
 * Dense linear solve for the small systems of the optimisers (n up to a few dozen):
 * Gaussian elimination with partial pivoting (Golub & Van Loan, "Matrix Computations",
 * 4th ed., Alg. 3.4.1), then back substitution.
 */

/** Pivots at or below this magnitude make the system singular. */
const SINGULAR_PIVOT = 1e-300;

/**
 * Solves A·x = b for square A (row-major, not modified). Returns null when A is singular
 * (a pivot |u_kk| ≤ 1e-300) or the solution is not finite, so the caller can damp and retry.
 */
export function solveDense(
  A: readonly (readonly number[])[],
  b: readonly number[],
): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    const pr = M[piv]!;
    if (!(Math.abs(pr[col]!) > SINGULAR_PIVOT)) return null;
    M[piv] = M[col]!;
    M[col] = pr;
    for (let r = col + 1; r < n; r++) {
      const row = M[r]!;
      const f = row[col]! / pr[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * pr[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = M[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * x[c]!;
    x[r] = s / row[r]!;
  }
  return x.every(Number.isFinite) ? x : null;
}
