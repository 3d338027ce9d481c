/**
 * Golden-section search for the minimum of a unimodal function on an interval (Kiefer 1953;
 * Press et al., "Numerical Recipes", 3rd ed., §10.2): each step keeps the sub-interval that
 * holds the smaller of two interior values and reuses the other point, shrinking the
 * bracket by 1/φ ≈ 0.618 per evaluation.
 */

/** Options of `goldenSection` (defaults in brackets). */
export interface GoldenSectionOptions {
  /** Maximum bracket reductions [60]. */
  readonly maxIter?: number;
  /** Stop when hi − lo ≤ relTol·(1 + |lo|) [1e-14]. */
  readonly relTol?: number;
  /**
   * Reuse the surviving interior point and its value [true: one evaluation per step]. With
   * false both interior points are recomputed from the bracket each step (two evaluations),
   * so they sit exactly at the golden ratios of the current bracket with no drift from
   * repeated updates; the butterfly-constrained SVI fit's dip scan uses this form.
   */
  readonly reuseInterior?: boolean;
}

/** The best interior point found, its value, and the final bracket [lo, hi]. */
export interface GoldenSectionResult {
  readonly x: number;
  readonly fx: number;
  readonly lo: number;
  readonly hi: number;
}

/** 1/φ = (√5 − 1)/2. */
const INV_PHI = (Math.sqrt(5) - 1) / 2;

/** Minimises f on [lo, hi] by golden section (see module doc). */
export function goldenSection(
  f: (x: number) => number,
  lo: number,
  hi: number,
  options: GoldenSectionOptions = {},
): GoldenSectionResult {
  const maxIter = options.maxIter ?? 60;
  const relTol = options.relTol ?? 1e-14;
  if (options.reuseInterior === false) return goldenFresh(f, lo, hi, maxIter, relTol);
  let a = lo;
  let b = hi;
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < maxIter && b - a > relTol * (1 + Math.abs(a)); i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - INV_PHI * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + INV_PHI * (b - a);
      fd = f(d);
    }
  }
  return fc < fd ? { x: c, fx: fc, lo: a, hi: b } : { x: d, fx: fd, lo: a, hi: b };
}

/** Golden section recomputing both interior points every step (`reuseInterior: false`). */
function goldenFresh(
  f: (x: number) => number,
  lo: number,
  hi: number,
  maxIter: number,
  relTol: number,
): GoldenSectionResult {
  let a = lo;
  let b = hi;
  let best = { x: NaN, fx: Infinity };
  for (let i = 0; i < maxIter && b - a > relTol * (1 + Math.abs(a)); i++) {
    const c = b - INV_PHI * (b - a);
    const d = a + INV_PHI * (b - a);
    const fc = f(c);
    const fd = f(d);
    if (fc < fd) {
      b = d;
      best = { x: c, fx: fc };
    } else {
      a = c;
      best = { x: d, fx: fd };
    }
  }
  return { ...best, lo: a, hi: b };
}
