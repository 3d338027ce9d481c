/**
 * Scalar root finding: Brent's method (bracketing, superlinear, guaranteed to converge).
 * Used wherever a root must be found robustly: implied vols, liquidation prices.
 */
import { BallastError } from './errors.ts';

/** Options for `brent`. `xTol` is an absolute tolerance on x; `maxIter` caps iterations. */
export interface BrentOptions {
  readonly xTol?: number;
  readonly maxIter?: number;
}

/**
 * Finds x in [a, b] with f(x) = 0, given f(a) and f(b) of opposite signs (Brent 1973,
 * "Algorithms for Minimization without Derivatives", ch. 4). Throws NO_CONVERGENCE if the
 * root is not bracketed or the iteration cap is hit.
 */
export function brent(
  f: (x: number) => number,
  a: number,
  b: number,
  options: BrentOptions = {},
): number {
  const xTol = options.xTol ?? 1e-14;
  const maxIter = options.maxIter ?? 200;
  let fa = f(a);
  let fb = f(b);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (!(fa * fb < 0)) {
    throw new BallastError('NO_CONVERGENCE', `root not bracketed in [${a}, ${b}]`, undefined, {
      fa,
      fb,
    });
  }
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let i = 0; i < maxIter; i++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xTol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  throw new BallastError('NO_CONVERGENCE', `Brent did not converge in ${maxIter} iterations`);
}
