/**
 * Small convex quadratic programme by the primal active-set method (Nocedal & Wright,
 * "Numerical Optimization", 2nd ed., Alg. 16.3):
 *
 *     min ½xᵀGx − hᵀx   subject to   Aᵢ·x ≥ loᵢ (i = 1..m),
 *
 * G symmetric positive definite (n × n, n small), started from a feasible x0. Each step
 * solves the KKT system of the working set by `solveDense`.
 */
import { solveDense } from './dense-solve.ts';

/** Linear inequality constraints Aᵢ·x ≥ loᵢ, one row of A per constraint. */
export interface LinearInequalities {
  readonly A: readonly (readonly number[])[];
  readonly lo: readonly number[];
}

/** Options of `activeSetQp`: `maxIter` working-set changes [60]. */
export interface ActiveSetQpOptions {
  readonly maxIter?: number;
}

/** Relative feasibility slack of the unconstrained optimum. */
const FEASIBILITY_TOL = 1e-12;
/** A step shorter than this (relative, L1) is zero: the working set is optimal or shrinks. */
const ZERO_STEP = 1e-13;
/** Multipliers below −1e-14 mark a constraint to leave the working set. */
const NEGATIVE_MULTIPLIER = -1e-14;

/** Aᵢ·x − loᵢ (summed left to right from the first term). */
function slackOf(a: readonly number[], x: readonly number[], lo: number): number {
  let s = a[0]! * x[0]!;
  for (let c = 1; c < x.length; c++) s += a[c]! * x[c]!;
  return s - lo;
}

/** init + Σ|vᵢ|, summed left to right. */
function l1(v: readonly number[], init = 0): number {
  let s = init;
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i]!);
  return s;
}

/** True when x satisfies every constraint to a slack of −1e-12·(1 + |loᵢ|). */
function isFeasible(cons: LinearInequalities, x: readonly number[]): boolean {
  for (let i = 0; i < cons.lo.length; i++) {
    const v = slackOf(cons.A[i]!, x, cons.lo[i]!);
    if (v < -FEASIBILITY_TOL * (1 + Math.abs(cons.lo[i]!))) return false;
  }
  return true;
}

/**
 * The equality-constrained step of the working set W: solves
 * [G −A_Wᵀ; A_W 0]·[p; λ] = [−(Gx − h); 0]; null if the KKT matrix is singular.
 */
function workingSetStep(
  G: readonly (readonly number[])[],
  h: readonly number[],
  cons: LinearInequalities,
  W: readonly number[],
  x: readonly number[],
): number[] | null {
  const n = x.length;
  const m = W.length;
  const K: number[][] = [];
  const rhs: number[] = [];
  for (let r = 0; r < n; r++) {
    const row = new Array<number>(n + m).fill(0);
    for (let c = 0; c < n; c++) row[c] = G[r]![c]!;
    for (let j = 0; j < m; j++) row[n + j] = -cons.A[W[j]!]![r]!;
    K.push(row);
    rhs.push(-slackOf(G[r]!, x, h[r]!));
  }
  for (let j = 0; j < m; j++) {
    const row = new Array<number>(n + m).fill(0);
    const a = cons.A[W[j]!]!;
    for (let c = 0; c < n; c++) row[c] = a[c]!;
    K.push(row);
    rhs.push(0);
  }
  return solveDense(K, rhs);
}

/** Index in W of the most negative multiplier below −1e-14, or −1 if none. */
function leavingConstraint(sol: readonly number[], n: number, m: number): number {
  let jMin = -1;
  let lMin = NEGATIVE_MULTIPLIER;
  for (let j = 0; j < m; j++) {
    if (sol[n + j]! < lMin) {
      lMin = sol[n + j]!;
      jMin = j;
    }
  }
  return jMin;
}

/** Longest step α ≤ 1 along p that keeps the constraints outside W, and the blocking one. */
function stepLength(
  cons: LinearInequalities,
  W: readonly number[],
  x: readonly number[],
  p: readonly number[],
): { alpha: number; block: number } {
  let alpha = 1;
  let block = -1;
  for (let i = 0; i < cons.lo.length; i++) {
    if (W.includes(i)) continue;
    const a = cons.A[i]!;
    const ap = slackOf(a, p, 0);
    if (ap < -1e-300) {
      const t = Math.max(0, slackOf(a, x, cons.lo[i]!)) / -ap;
      if (t < alpha) {
        alpha = t;
        block = i;
      }
    }
  }
  return { alpha, block };
}

/**
 * Minimises ½xᵀGx − hᵀx subject to A·x ≥ lo from the feasible point x0 (see module doc).
 * Returns the unconstrained optimum when it is feasible; otherwise iterates the working set
 * (at most n active constraints, at most `maxIter` changes) and returns the last iterate,
 * which is feasible whenever x0 is.
 */
export function activeSetQp(
  G: readonly (readonly number[])[],
  h: readonly number[],
  cons: LinearInequalities,
  x0: readonly number[],
  options: ActiveSetQpOptions = {},
): number[] {
  const n = x0.length;
  const free = solveDense(G, h);
  if (free !== null && isFeasible(cons, free)) return free;
  let x = [...x0];
  const W: number[] = [];
  const maxIter = options.maxIter ?? 60;
  for (let iter = 0; iter < maxIter; iter++) {
    const sol = workingSetStep(G, h, cons, W, x);
    if (sol === null) break;
    const p = sol.slice(0, n);
    if (l1(p) <= ZERO_STEP * l1(x, 1)) {
      const jMin = leavingConstraint(sol, n, W.length);
      if (jMin < 0) return x;
      W.splice(jMin, 1);
      continue;
    }
    const { alpha, block } = stepLength(cons, W, x, p);
    x = x.map((v, i) => v + alpha * p[i]!);
    if (block >= 0 && W.length < n) W.push(block);
    else if (block >= 0) break;
  }
  return x;
}
