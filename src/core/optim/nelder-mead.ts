/**
 * Nelder–Mead simplex minimisation on Rⁿ with the standard coefficients: reflection 1,
 * expansion 2, contraction ½, shrink ½ (Lagarias, Reeds, Wright & Wright 1998, "Convergence
 * properties of the Nelder–Mead simplex method in low dimensions", SIAM J. Optim. 9(1)).
 * Derivative-free and deterministic: the initial simplex is x0 and x0 + stepᵢ·eᵢ.
 */

/** Stopping rules of `nelderMead` (defaults in brackets). */
export interface NelderMeadOptions {
  /** Maximum evaluations of f [200·n]; a shrink may exceed it by n − 1. */
  readonly maxEval?: number;
  /**
   * Stop when the simplex size, maxⱼ Σᵢ |xᵢⱼ − x_bestⱼ| over the other vertices, is below
   * this [0: off].
   */
  readonly xTol?: number;
  /** Stop unless f_worst − f_best > fRelTol·|f_best| + fAbsTol [1e-14, 1e-26]. */
  readonly fRelTol?: number;
  readonly fAbsTol?: number;
}

/** A vertex of the simplex and its value. */
export interface SimplexPoint {
  readonly x: number[];
  readonly f: number;
}

/** maxⱼ Σᵢ |xᵢⱼ − x₀ⱼ| over the vertices i ≥ 1 of a sorted simplex. */
function simplexSize(s: readonly SimplexPoint[]): number {
  let size = 0;
  const best = s[0]!.x;
  for (let j = 0; j < best.length; j++) {
    let d = 0;
    for (let i = 1; i < s.length; i++) d += Math.abs(s[i]!.x[j]! - best[j]!);
    size = Math.max(size, d);
  }
  return size;
}

/** Centroid of all vertices but the worst (Σ xᵢ/n, summed in vertex order). */
function centroid(s: readonly SimplexPoint[]): number[] {
  const n = s.length - 1;
  const c = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j]! += s[i]!.x[j]! / n;
  return c;
}

/**
 * One Nelder–Mead step on the sorted simplex `s` (modified in place): reflect the worst
 * vertex through the centroid, expand, contract (outside or inside) or shrink toward the
 * best. Returns the number of evaluations of f it made.
 */
function step(f: (x: readonly number[]) => number, s: SimplexPoint[]): number {
  const n = s.length - 1;
  const best = s[0]!;
  const worst = s[n]!;
  const c = centroid(s);
  const at = (t: number): number[] => c.map((v, j) => v + t * (worst.x[j]! - v));
  const mk = (x: number[]): SimplexPoint => ({ x, f: f(x) });
  const r = mk(at(-1));
  if (r.f < best.f) {
    const e = mk(at(-2));
    s[n] = e.f < r.f ? e : r;
    return 2;
  }
  if (r.f < s[n - 1]!.f) {
    s[n] = r;
    return 1;
  }
  const cIn = mk(r.f < worst.f ? at(-0.5) : at(0.5));
  if (cIn.f < Math.min(r.f, worst.f)) {
    s[n] = cIn;
    return 2;
  }
  for (let i = 1; i <= n; i++) s[i] = mk(s[i]!.x.map((v, j) => (best.x[j]! + v) / 2));
  return 2 + n;
}

/**
 * Minimises f from x0 with initial steps `steps` (one per coordinate); returns the best
 * vertex when a stopping rule of `options` holds or the evaluation budget is spent.
 * A NaN spread of values stops the search (fail closed: no step on undefined values).
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  steps: readonly number[],
  options: NelderMeadOptions = {},
): SimplexPoint {
  const n = x0.length;
  const maxEval = options.maxEval ?? 200 * n;
  const xTol = options.xTol ?? 0;
  const fRelTol = options.fRelTol ?? 1e-14;
  const fAbsTol = options.fAbsTol ?? 1e-26;
  const s: SimplexPoint[] = [
    [...x0],
    ...steps.map((d, i) => x0.map((v, j) => (j === i ? v + d : v))),
  ].map((x) => ({ x, f: f(x) }));
  let evals = n + 1;
  while (evals < maxEval) {
    s.sort((p, q) => p.f - q.f);
    const spread = s[n]!.f - s[0]!.f;
    if (simplexSize(s) < xTol || !(spread > fRelTol * Math.abs(s[0]!.f) + fAbsTol)) break;
    evals += step(f, s);
  }
  s.sort((p, q) => p.f - q.f);
  return s[0]!;
}
