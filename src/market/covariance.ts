/**
 * Covariance and correlation of returns, their repair, and Cholesky factors for correlated
 * simulation.
 *
 * Conventions: a *returns matrix* is one array per asset, `returns[j][t]` = return of asset j
 * at step t, all of the same length T (the shape `alignSeries` + `logReturns` produce).
 * Covariance, correlation and Cholesky factors are `number[][]` (row-major, `m[i][j]`), small
 * dense N×N matrices with N the number of underlyings.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { BallastError } from '../core/errors.ts';
import { RISKMETRICS_LAMBDA, requireLambda, resolveSeedWindow } from './ewma.ts';

/** A dense square matrix, row-major: `m[i][j]`. */
export type SquareMatrix = number[][];

function checkReturns(
  returns: readonly ArrayLike<number>[],
  field: string,
  minLength: number,
): { n: number; T: number } {
  const n = returns.length;
  if (n === 0) throw new BallastError('INVALID_INPUT', 'needs at least one return series', field);
  const T = returns[0]!.length;
  for (let j = 0; j < n; j++) {
    const r = returns[j]!;
    if (r.length !== T)
      throw new BallastError(
        'INVALID_INPUT',
        `all series must have the same length: ${r.length} ≠ ${T}`,
        `${field}[${j}]`,
      );
    for (let t = 0; t < T; t++) {
      if (!Number.isFinite(r[t]))
        throw new BallastError('NOT_FINITE', `must be finite, got ${r[t]}`, `${field}[${j}][${t}]`);
    }
  }
  if (T < minLength)
    throw new BallastError(
      'INVALID_INPUT',
      `needs at least ${minLength} observations, got ${T}`,
      field,
    );
  return { n, T };
}

function checkSquare(m: readonly (readonly number[])[], field: string): number {
  const n = m.length;
  if (n === 0) throw new BallastError('INVALID_INPUT', 'empty matrix', field);
  for (let i = 0; i < n; i++) {
    const row = m[i]!;
    if (row.length !== n)
      throw new BallastError(
        'INVALID_INPUT',
        `must be square: row ${i} has ${row.length} entries, expected ${n}`,
        `${field}[${i}]`,
      );
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(row[j]))
        throw new BallastError(
          'NOT_FINITE',
          `must be finite, got ${row[j]}`,
          `${field}[${i}][${j}]`,
        );
    }
  }
  return n;
}

function checkSymmetric(m: readonly (readonly number[])[], field: string): void {
  const n = m.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = m[i]![j]!;
      const b = m[j]![i]!;
      if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) {
        throw new BallastError(
          'INVALID_INPUT',
          `must be symmetric: [${i}][${j}] = ${a} but [${j}][${i}] = ${b}`,
          `${field}[${i}][${j}]`,
        );
      }
    }
  }
}

function means(returns: readonly ArrayLike<number>[], T: number): Float64Array {
  return Float64Array.from(returns, (r) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += r[t]!;
    return s / T;
  });
}

/**
 * Sample covariance of a returns matrix (one array per asset), unbiased:
 * `C[i][j] = Σ_t (r_i,t − r̄_i)(r_j,t − r̄_j) / (T − 1)`. Needs T ≥ 2.
 */
export function sampleCovariance(returns: readonly ArrayLike<number>[]): SquareMatrix {
  const { n, T } = checkReturns(returns, 'returns', 2);
  const mu = means(returns, T);
  const c: SquareMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const ri = returns[i]!;
      const rj = returns[j]!;
      let s = 0;
      for (let t = 0; t < T; t++) s += (ri[t]! - mu[i]!) * (rj[t]! - mu[j]!);
      c[i]![j] = c[j]![i] = s / (T - 1);
    }
  }
  return c;
}

/**
 * EWMA covariance forecast for the next step, RiskMetrics (1996, §5.2.1–5.2.2), zero mean:
 *
 *   Σ_0 = (1/w) Σ_{t<w} r_t r_tᵀ,   Σ_t = λ Σ_{t−1} + (1 − λ) r_{t−1} r_{t−1}ᵀ,   result Σ_T.
 *
 * Same recursion and seed as `ewmaVolatility`: `ewmaCovariance(R)[j][j] = ewmaVolatility(R[j])[T]²`.
 */
export function ewmaCovariance(
  returns: readonly ArrayLike<number>[],
  lambda = RISKMETRICS_LAMBDA,
  seedWindow?: number,
): SquareMatrix {
  const { n, T } = checkReturns(returns, 'returns', 1);
  requireLambda(lambda);
  const w = resolveSeedWindow(seedWindow, T);
  const c: SquareMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const ri = returns[i]!;
      const rj = returns[j]!;
      let v = 0;
      for (let t = 0; t < w; t++) v += ri[t]! * rj[t]!;
      v /= w;
      for (let t = 0; t < T; t++) v = lambda * v + (1 - lambda) * ri[t]! * rj[t]!;
      c[i]![j] = c[j]![i] = v;
    }
  }
  return c;
}

/** Result of `ledoitWolfShrinkage`. */
export interface ShrunkCovariance {
  /** Σ* = ρ·μI + (1 − ρ)·S. */
  readonly covariance: SquareMatrix;
  /** Shrinkage intensity ρ ∈ [0, 1] (1 = all target). */
  readonly shrinkage: number;
  /** μ = tr(S)/N, the scale of the identity target. */
  readonly target: number;
}

/**
 * Ledoit-Wolf shrinkage toward the **scaled identity** μI (O. Ledoit & M. Wolf, "A
 * well-conditioned estimator for large-dimensional covariance matrices", J. Multivariate
 * Analysis 88 (2004) 365–411, Lemmas 3.2–3.4, with ‖A‖² = tr(AAᵀ)/N):
 *
 *   S = (1/T) Σ_t x_t x_tᵀ   (x_t demeaned; the 1/T sample covariance of the paper)
 *   μ = tr(S)/N,   δ² = ‖S − μI‖²,   b̄² = (1/T²) Σ_t ‖x_t x_tᵀ − S‖²,   b² = min(b̄², δ²)
 *   ρ = b²/δ²,     Σ* = ρ μI + (1 − ρ) S
 *
 * (the estimator of scikit-learn's `ledoit_wolf`). If S is already a multiple of the
 * identity (δ² = 0), ρ = 1. Σ* is positive definite whenever ρ > 0 and μ > 0. Needs T ≥ 2.
 */
export function ledoitWolfShrinkage(returns: readonly ArrayLike<number>[]): ShrunkCovariance {
  const { n, T } = checkReturns(returns, 'returns', 2);
  const mu = means(returns, T);
  const x = Array.from({ length: n }, (_, j) =>
    Float64Array.from({ length: T }, (_, t) => returns[j]![t]! - mu[j]!),
  );
  const S: SquareMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += x[i]![t]! * x[j]![t]!;
      S[i]![j] = S[j]![i] = s / T;
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += S[i]![i]!;
  const m = trace / n;
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const e = S[i]![j]! - (i === j ? m : 0);
      d2 += e * e;
    }
  }
  d2 /= n;
  let b2 = 0;
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const e = x[i]![t]! * x[j]![t]! - S[i]![j]!;
        s += e * e;
      }
    }
    b2 += s / n;
  }
  b2 /= T * T;
  const shrinkage = d2 > 0 ? Math.min(b2, d2) / d2 : 1;
  const covariance = S.map((row, i) =>
    row.map((v, j) => (1 - shrinkage) * v + (i === j ? shrinkage * m : 0)),
  );
  return { covariance, shrinkage, target: m };
}

/**
 * Correlation from a covariance: `ρ_ij = C_ij / √(C_ii C_jj)`, diagonal exactly 1.
 * Throws INVALID_INPUT (field `covariance[i][i]`) for a non-positive variance.
 */
export function correlationFromCovariance(
  covariance: readonly (readonly number[])[],
): SquareMatrix {
  const n = checkSquare(covariance, 'covariance');
  const sd = covariance.map((row, i) => {
    const v = row[i]!;
    if (!(v > 0))
      throw new BallastError(
        'INVALID_INPUT',
        `variance must be > 0, got ${v}`,
        `covariance[${i}][${i}]`,
      );
    return Math.sqrt(v);
  });
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : covariance[i]![j]! / (sd[i]! * sd[j]!))),
  );
}

/** Covariance from vols and a correlation matrix: `C_ij = σ_i σ_j ρ_ij`. */
export function covarianceFromCorrelation(
  vols: readonly number[],
  correlation: readonly (readonly number[])[],
): SquareMatrix {
  const n = checkSquare(correlation, 'correlation');
  if (vols.length !== n)
    throw new BallastError(
      'INVALID_INPUT',
      `${vols.length} vols for a ${n}×${n} correlation matrix`,
      'vols',
    );
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => vols[i]! * vols[j]! * correlation[i]![j]!),
  );
}

/** An eigenvalue raised by `nearestPositiveDefinite`. */
export interface ClippedEigenvalue {
  readonly index: number;
  readonly from: number;
  readonly to: number;
}

/** Result of `nearestPositiveDefinite`. */
export interface RepairedMatrix {
  readonly matrix: SquareMatrix;
  /** Eigenvalues (ascending order index) raised to `epsilon`; empty if none was. */
  readonly clipped: readonly ClippedEigenvalue[];
  /** All eigenvalues of the symmetrised input, ascending. */
  readonly eigenvalues: readonly number[];
}

/** Options for `nearestPositiveDefinite`. */
export interface NearestPdOptions {
  /**
   * Rescale the result to the input's diagonal, `D^½ (A′ ∘ 1/√(diag A′ diag A′ᵀ)) D^½`, so a
   * correlation matrix keeps its unit diagonal (still positive definite). Default false.
   */
  readonly preserveDiagonal?: boolean;
}

/**
 * Eigenvalue-clipping repair of a symmetric matrix: symmetrise `A_s = (A + Aᵀ)/2`, decompose
 * `A_s = Q Λ Qᵀ`, raise eigenvalues below `epsilon` to `epsilon`, rebuild `Q Λ⁺ Qᵀ` (the
 * Frobenius-nearest matrix with eigenvalues ≥ ε; Higham, "Computing a nearest symmetric
 * positive semidefinite matrix", Linear Algebra Appl. 103 (1988), Thm 2.1). `epsilon` is
 * absolute, in the matrix's units (default 1e-10: far below any daily-return variance).
 * A matrix with no eigenvalue below ε is returned symmetrised and otherwise unchanged.
 */
export function nearestPositiveDefinite(
  matrix: readonly (readonly number[])[],
  epsilon = 1e-10,
  options: NearestPdOptions = {},
): RepairedMatrix {
  const n = checkSquare(matrix, 'matrix');
  if (!(epsilon > 0) || !Number.isFinite(epsilon))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a finite number > 0, got ${epsilon}`,
      'epsilon',
    );
  const sym = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => 0.5 * (matrix[i]![j]! + matrix[j]![i]!)),
  );
  const evd = new EigenvalueDecomposition(new Matrix(sym), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const order = values.map((_, k) => k).sort((a, b) => values[a]! - values[b]!);
  const clipped: ClippedEigenvalue[] = [];
  order.forEach((k, rank) => {
    if (values[k]! < epsilon) clipped.push({ index: rank, from: values[k]!, to: epsilon });
  });
  if (clipped.length === 0)
    return { matrix: sym, clipped, eigenvalues: order.map((k) => values[k]!) };
  const Q = evd.eigenvectorMatrix;
  const lam = values.map((v) => Math.max(v, epsilon));
  let out: SquareMatrix = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q.get(i, k) * lam[k]! * Q.get(j, k);
      return s;
    }),
  );
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i]![j] = out[j]![i]!;
  if (options.preserveDiagonal) {
    const scale = out.map((row, i) => Math.sqrt(Math.max(sym[i]![i]!, 0) / row[i]!));
    out = out.map((row, i) => row.map((v, j) => v * scale[i]! * scale[j]!));
    for (let i = 0; i < n; i++) out[i]![i] = sym[i]![i]!;
  }
  return { matrix: out, clipped, eigenvalues: order.map((k) => values[k]!) };
}

/** Options for `cholesky`. */
export interface CholeskyOptions {
  /** Field named in errors (default `covariance`). */
  readonly field?: string;
  /** Repair a non-positive-definite input with `nearestPositiveDefinite(m, epsilon)` instead of failing. */
  readonly repair?: boolean;
  /** ε of the repair (default 1e-10). */
  readonly epsilon?: number;
  /**
   * A pivot d_j = L_jj² counts as zero when d_j ≤ `relativeTolerance`·A_jj (default 1e-12), so
   * a singular matrix that rounding leaves with a tiny positive pivot is still refused.
   */
  readonly relativeTolerance?: number;
}

/**
 * Lower-triangular Cholesky factor L with L Lᵀ = A (ml-matrix's `CholeskyDecomposition`), for a
 * symmetric positive-definite A. A non-symmetric, singular or indefinite A is a
 * BallastError('INVALID_INPUT') naming `options.field` (default `covariance`), unless
 * `options.repair` is set, in which case eigenvalues below ε are clipped first.
 */
export function cholesky(
  matrix: readonly (readonly number[])[],
  options: CholeskyOptions = {},
): SquareMatrix {
  const field = options.field ?? 'covariance';
  const n = checkSquare(matrix, field);
  checkSymmetric(matrix, field);
  const tol = options.relativeTolerance ?? 1e-12;
  const attempt = (a: readonly (readonly number[])[]): SquareMatrix | undefined => {
    for (let i = 0; i < n; i++) if (!(a[i]![i]! > 0)) return undefined;
    const sym = a.map((r, i) => r.map((v, j) => 0.5 * (v + a[j]![i]!)));
    const dec = new CholeskyDecomposition(new Matrix(sym));
    if (!dec.isPositiveDefinite()) return undefined;
    const L = dec.lowerTriangularMatrix.to2DArray();
    for (let j = 0; j < n; j++) {
      const d = L[j]![j]! * L[j]![j]!;
      if (!(d > tol * a[j]![j]!) || !Number.isFinite(d)) return undefined;
    }
    return L;
  };
  const L = attempt(matrix);
  if (L) return L;
  if (options.repair) {
    const repaired = nearestPositiveDefinite(matrix, options.epsilon ?? 1e-10);
    const L2 = attempt(repaired.matrix);
    if (L2) return L2;
  }
  throw new BallastError(
    'INVALID_INPUT',
    'is not positive definite (singular or indefinite); repair it with nearestPositiveDefinite or ask cholesky to repair',
    field,
  );
}
