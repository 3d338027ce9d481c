/**
 * Bounded Levenberg–Marquardt for nonlinear least squares
 *
 *     min ½‖r(x)‖²   subject to   lo ≤ x ≤ hi,
 *
 * with Marquardt's diagonal scaling (JᵀJ + λ·diag(JᵀJ)) (Marquardt 1963, "An algorithm for
 * least-squares estimation of nonlinear parameters", SIAM J. Appl. Math. 11(2)) and a
 * forward-difference Jacobian. Coordinates at a bound whose gradient points outwards are
 * frozen for the step, and the step is cut back to the box. Deterministic.
 */
import { solveDense } from './dense-solve.ts';

/** Residual function: writes r(x) into `out` (length nRes) and returns it. */
export type ResidualFn = (x: readonly number[], out: Float64Array) => Float64Array;

/** Options of `levenbergMarquardt` (defaults in brackets). */
export interface LevenbergMarquardtOptions {
  /** Lower and upper bounds of x [unbounded]. */
  readonly lo?: readonly number[];
  readonly hi?: readonly number[];
  /** Maximum Jacobian evaluations [100]. */
  readonly maxIter?: number;
}

/** Starting damping λ, its floor, the step tries per iteration, and the relative-gain stop. */
const LAMBDA_START = 1e-3;
const LAMBDA_MIN = 1e-12;
const TRIES_PER_ITERATION = 12;
const MIN_RELATIVE_GAIN = 1e-10;
/** Forward-difference step: 1e-7·max(1, |xⱼ|). */
const FD_STEP = 1e-7;

function sumSq(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

/** Fills J (one column per coordinate) by forward differences; returns Jᵀr. */
function jacobian(
  res: ResidualFn,
  x: readonly number[],
  r: Float64Array,
  hi: readonly number[],
  J: Float64Array[],
  rh: Float64Array,
): number[] {
  const Jtr: number[] = [];
  for (let j = 0; j < x.length; j++) {
    // Difference inwards at an upper bound, so the residuals stay defined in the box.
    const h = (x[j]! >= hi[j]! ? -1 : 1) * FD_STEP * Math.max(1, Math.abs(x[j]!));
    const xh = [...x];
    xh[j]! += h;
    res(xh, rh);
    const Jj = J[j]!;
    let g = 0;
    for (let i = 0; i < r.length; i++) {
      Jj[i] = (rh[i]! - r[i]!) / h;
      g += Jj[i]! * r[i]!;
    }
    Jtr.push(g);
  }
  return Jtr;
}

/** Coordinates not held at a bound by a gradient pointing out of the box. */
function freeCoordinates(
  x: readonly number[],
  Jtr: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
): number[] {
  const free: number[] = [];
  for (let j = 0; j < x.length; j++) {
    const atLo = x[j]! <= lo[j]! && Jtr[j]! > 0;
    const atHi = x[j]! >= hi[j]! && Jtr[j]! < 0;
    if (!atLo && !atHi) free.push(j);
  }
  return free;
}

/** JᵀJ restricted to the free coordinates. */
function normalMatrix(J: readonly Float64Array[], free: readonly number[]): number[][] {
  return free.map((i) =>
    free.map((j) => {
      const a = J[i]!;
      const b = J[j]!;
      let s = 0;
      for (let t = 0; t < a.length; t++) s += a[t]! * b[t]!;
      return s;
    }),
  );
}

/**
 * Minimises ½‖r(x)‖² from x0 within the bounds (see module doc). Stops when no damped step
 * lowers the sum of squares, the relative gain of the accepted step is ≤ 1e-10, every
 * coordinate is held at a bound, or after `maxIter` iterations. Returns the last accepted x.
 */
export function levenbergMarquardt(
  res: ResidualFn,
  nRes: number,
  x0: readonly number[],
  options: LevenbergMarquardtOptions = {},
): number[] {
  const n = x0.length;
  const lo = options.lo ?? new Array<number>(n).fill(-Infinity);
  const hi = options.hi ?? new Array<number>(n).fill(Infinity);
  const maxIter = options.maxIter ?? 100;
  let x = [...x0];
  let r: Float64Array = res(x, new Float64Array(nRes));
  let f = sumSq(r);
  let spare: Float64Array = new Float64Array(nRes);
  const J = Array.from({ length: n }, () => new Float64Array(nRes));
  const rh = new Float64Array(nRes);
  let lambda = LAMBDA_START;
  for (let iter = 0; iter < maxIter; iter++) {
    const Jtr = jacobian(res, x, r, hi, J, rh);
    const free = freeCoordinates(x, Jtr, lo, hi);
    if (free.length === 0) break;
    const JtJ = normalMatrix(J, free);
    let improved = false;
    for (let tries = 0; tries < TRIES_PER_ITERATION; tries++) {
      const A = JtJ.map((row, i) =>
        row.map((v, j) => (i === j ? v + lambda * Math.max(v, 1e-12) : v)),
      );
      const step = solveDense(
        A,
        free.map((j) => -Jtr[j]!),
      );
      if (step === null) {
        lambda *= 10;
        continue;
      }
      const xn = [...x];
      free.forEach((j, t) => {
        xn[j] = Math.min(hi[j]!, Math.max(lo[j]!, x[j]! + step[t]!));
      });
      const rn = res(xn, spare);
      const fn = sumSq(rn);
      if (fn < f) {
        const rel = (f - fn) / Math.max(f, 1e-300);
        x = xn;
        spare = r;
        r = rn;
        f = fn;
        lambda = Math.max(lambda / 3, LAMBDA_MIN);
        improved = rel > MIN_RELATIVE_GAIN;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return x;
}
