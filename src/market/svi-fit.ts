/**
 * Robust, constrained fit of one raw SVI slice to implied-vol quotes.
 *
 * Objective (stated precisely): weighted least squares **in implied vol**,
 *
 *     min Σᵢ λᵢ·ψᵢ·(σ_SVI(kᵢ) − σᵢ)²,   σ_SVI(k) = √(w(k)/T),
 *
 * with λᵢ = (quote weight, default 1) × (normalised Black vega of the quote, unless
 * `weighting: 'uniform'`) and ψᵢ the robust (Huber or soft-L1) IRLS weights. It is solved in
 * total variance without approximation through the identity
 * σ̂ − σ = (ŵ − w)/(T(σ̂ + σ)): each IRLS pass fits total variance with weights
 * λᵢψᵢ/(T(σ̂ᵢ + σᵢ))², σ̂ᵢ taken from the previous pass (σᵢ at the start), so at the
 * fixed point the vol-space objective is minimised.
 *
 * Each weighted total-variance fit is quasi-explicit (Zeliade Systems 2009, "Quasi-explicit
 * calibration of Gatheral's SVI model", white paper ZWP-0005): for fixed (m, σ), with
 * y = (k − m)/σ, w = a + d·y + c·√(y² + 1) is linear in (a, d, c) = (a, ρbσ, bσ) and the
 * constraints are linear:
 *   c ≥ 0 (b ≥ 0);  |d| ≤ ρ_max·c (|ρ| ≤ ρ_max, default 0.999);
 *   c + |d| ≤ L·σ (Lee: b(1 + |ρ|) ≤ L, default L = 2);
 *   a + c·ℓⱼ(d/c) ≥ 0 for the chords ℓⱼ of √(1 − r²) on [−ρ_max, ρ_max] (a piecewise-linear
 *   inner approximation of the minimum-variance condition a + bσ√(1 − ρ²) ≥ 0, so the
 *   condition always holds, with a slack of at most ~0.1 % of bσ).
 * That 3-variable convex QP is solved exactly by a primal active-set method; the outer
 * 2-D problem over (m, ln σ) is minimised by Nelder–Mead started from the 3 best points of a
 * fixed 7×7 grid (deterministic multi-start; no randomness) at the first IRLS iteration of
 * each round, then warm-started from the previous iterate.
 *
 * Robustness: the first iteration uses model-free starting weights (each vol against a line
 * through its two neighbours on each side, Tukey bisquare on the robust z-score), so a wild
 * quote cannot drag the start; then IRLS with Huber (default) or soft-L1 weights on the vol
 * residuals, robust scale s = max(1.4826·median|rᵢ|, `minScaleVolPoints`/100); after
 * convergence quotes with
 * |rᵢ| > `outlierMads`·s + half their bid/ask vol spread (0 if unknown) are dropped and the fit
 * is repeated (at most `maxDropRounds` times). Quotes with vol ≤ 0, weight ≤ 0 or
 * bidVol > askVol are dropped up front. Every drop is reported with its reason.
 *
 * Butterfly constraint (`enforceButterfly`): if the fit above has butterfly arbitrage
 * (Gatheral's g(k) < 0 somewhere, by `checkButterfly`), the slice is refitted on the same
 * quotes, with the same final weights λᵢψᵢ, as the constrained problem
 *
 *     min Σᵢ λᵢψᵢ·(σ_SVI(kᵢ) − σᵢ)²   subject to   g(k) ≥ ε = 10⁻⁵ for all k,
 *
 * within the same bounds (Lee's b(1 + |ρ|) ≤ min(L, 2), |ρ| < ρ_max, σ and m in the boxes of
 * the unconstrained search, positive minimum variance). The semi-infinite constraint is
 * imposed on a fixed k-grid (161 points over ±max(1, 6√w(0), the quoted range widened by its
 * span), 40 log-spaced points per wing out to 50× that), on 81 points m + σ·sinh(u),
 * u ∈ [−8, 8], that move with the slice, and, by an exchange step, at every local minimum of
 * g below ε found by a fine scan of the `checkButterfly` grid. It is solved by an augmented
 * Lagrangian whose subproblems are bounded Levenberg–Marquardt least-squares fits in
 * x = (ln(min variance), ln(b(1 + |ρ|)), atanh(ρ/ρ_max), m, ln σ), from deterministic
 * starts: the unconstrained optimum, its SSVI-based `repairButterfly`, and the two best (by
 * the penalised objective) of the optimum pulled toward smaller |ρ| and larger σ and of a
 * coarse (m, σ) grid with |ρ| ≤ ½. Every candidate (start or refinement) is checked with
 * `checkButterfly` (the caller's options) and `sviValidate`; the arbitrage-free one with the
 * smallest objective is returned, so the result is never worse, by the fit's objective, than
 * the repair alone. A refinement that still fails the full check is refined again with a
 * 10× and 100× larger ε and, failing that, moved along the segment toward the best
 * arbitrage-free candidate to the first arbitrage-free point.
 */
import { BallastError } from '../core/errors.ts';
import { normPdf } from '../core/normal.ts';
import { median } from '../core/stats.ts';
import {
  type ButterflyCheck,
  type ButterflyCheckOptions,
  checkButterfly,
  defaultButterflyRange,
  repairButterfly,
  sviButterflyG,
} from './arbitrage.ts';
import { type SviParams, sviTotalVariance, sviValidate, sviVolFloored } from './svi.ts';

/**
 * One implied-vol quote of a slice: log-moneyness `k = ln(K/F)`, implied vol `vol`
 * (decimal, 0.55 = 55 %), optional relative `weight` (default 1) and optional bid/ask vols
 * (used only to widen the outlier threshold by half the spread).
 */
export interface SviQuote {
  readonly k: number;
  readonly vol: number;
  readonly weight?: number;
  readonly bidVol?: number;
  readonly askVol?: number;
}

/**
 * Options of `fitSviSlice` (defaults in brackets):
 * - `weighting`: 'vega' [default] multiplies each quote's weight by its Black vega
 *   φ(d₁)√T (per unit forward, normalised to max 1, d₁ = −k/(σ√T) + σ√T/2); 'uniform' does not.
 * - `loss`: robust loss for IRLS, 'huber' [default, tuning 1.345 s], 'soft-l1'
 *   (ρ(z) = 2(√(1 + z²) − 1), weight 1/√(1 + z²) with z = r/s) or 'linear' (plain LS).
 * - `robustIterations` [12]: maximum IRLS iterations per round.
 * - `outlierMads` [5]: drop threshold in robust scales (Infinity disables dropping).
 * - `minScaleVolPoints` [0.25]: floor of the robust scale, in vol points.
 * - `maxDropRounds` [3]: how many times outliers may be dropped and the fit repeated.
 * - `sigmaMin` [1e-3]: lower bound of σ. `rhoMax` [0.999]: bound of |ρ|.
 * - `sigmaMax` [the k-span of the quotes, max k − min k]: upper bound of σ. With σ much
 *   larger than the quoted range SVI is a parabola over the data and its wings (slopes up to
 *   Lee's bound) are pure extrapolation, which breeds butterfly and calendar arbitrage just
 *   outside the quotes; capping σ at the span keeps the wings close to the edge slopes.
 * - `mMargin` [0.5]: m is kept in [min k − mMargin·span, max k + mMargin·span].
 * - `leeBound` [2]: bound L in b(1 + |ρ|) ≤ L.
 * - `enforceButterfly` [false]: if the fitted slice has butterfly arbitrage, replace it by
 *   the butterfly-constrained fit to the same quotes with the fit's final weights (λᵢψᵢ) —
 *   see the module comment — and report the statistics of that slice (`repaired: true`).
 * - `butterfly`: options of the `checkButterfly` run on the result.
 */
export interface SviFitOptions {
  readonly weighting?: 'vega' | 'uniform';
  readonly loss?: 'huber' | 'soft-l1' | 'linear';
  readonly robustIterations?: number;
  readonly outlierMads?: number;
  readonly minScaleVolPoints?: number;
  readonly maxDropRounds?: number;
  readonly sigmaMin?: number;
  readonly rhoMax?: number;
  readonly leeBound?: number;
  readonly sigmaMax?: number;
  readonly mMargin?: number;
  readonly enforceButterfly?: boolean;
  readonly butterfly?: ButterflyCheckOptions;
}

/** A quote left out of the fit: its index in the input, why, and its residual if known. */
export interface SviDroppedQuote {
  readonly index: number;
  readonly reason: 'non-positive vol' | 'non-positive weight' | 'crossed bid/ask' | 'outlier';
  /** Fitted minus quoted vol in vol points, for outliers. */
  readonly residualVolPoints?: number;
}

/** Result of `fitSviSlice`. */
export interface SviFit {
  readonly params: SviParams;
  /** Maturity the slice was fitted for (years). */
  readonly T: number;
  /** √(Σλᵢrᵢ²/Σλᵢ)·100 over the used quotes, rᵢ = fitted − quoted vol, λᵢ the base weights. */
  readonly rmseVolPoints: number;
  /** max |rᵢ|·100 over the used quotes. */
  readonly maxAbsErrorVolPoints: number;
  /** Number of quotes used in the final fit. */
  readonly n: number;
  /** Indices (into the input array) of the quotes used, ascending. */
  readonly used: number[];
  /** Quotes left out, with reasons. */
  readonly dropped: SviDroppedQuote[];
  /** Fitted minus quoted vol in vol points, aligned with `used`. */
  readonly residualsVolPoints: number[];
  /** Final robust IRLS weights ψᵢ (1 = full weight), aligned with `used`. */
  readonly robustWeights: number[];
  /** Butterfly check of the returned slice (reported; enforced only with `enforceButterfly`). */
  readonly butterfly: ButterflyCheck;
  /** True when `enforceButterfly` replaced an arbitrageable fit by the constrained fit. */
  readonly repaired: boolean;
}

// ---------------------------------------------------------------------------------------
// Small dense linear algebra and the inner QP.

/** Solves A x = b (n ≤ 6) by Gaussian elimination with partial pivoting; null if singular. */
function solveDense(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    const pr = M[piv]!;
    if (!(Math.abs(pr[col]!) > 1e-300)) return null;
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

/** Linear inequality constraints A·x ≥ lo on x = (a, d, c). */
interface Constraints {
  readonly A: readonly (readonly [number, number, number])[];
  readonly lo: readonly number[];
}

/**
 * Primal active-set method (Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 16.3)
 * for min ½xᵀGx − hᵀx subject to Aᵢx ≥ loᵢ, G 3×3 positive definite, from a feasible x0.
 */
function activeSetQp(G: number[][], h: number[], cons: Constraints, x0: number[]): number[] {
  const nc = cons.lo.length;
  const feasible = (x: number[]): boolean => {
    for (let i = 0; i < nc; i++) {
      const a = cons.A[i]!;
      const v = a[0] * x[0]! + a[1] * x[1]! + a[2] * x[2]! - cons.lo[i]!;
      if (v < -1e-12 * (1 + Math.abs(cons.lo[i]!))) return false;
    }
    return true;
  };
  const free = solveDense(G, h);
  if (free !== null && feasible(free)) return free;
  let x = [...x0];
  const W: number[] = [];
  for (let iter = 0; iter < 60; iter++) {
    const m = W.length;
    const n = 3 + m;
    const K: number[][] = [];
    const rhs: number[] = [];
    const grad = [0, 1, 2].map(
      (r) => G[r]![0]! * x[0]! + G[r]![1]! * x[1]! + G[r]![2]! * x[2]! - h[r]!,
    );
    for (let r = 0; r < 3; r++) {
      const row = new Array<number>(n).fill(0);
      for (let c = 0; c < 3; c++) row[c] = G[r]![c]!;
      for (let j = 0; j < m; j++) row[3 + j] = -cons.A[W[j]!]![r]!;
      K.push(row);
      rhs.push(-grad[r]!);
    }
    for (let j = 0; j < m; j++) {
      const row = new Array<number>(n).fill(0);
      const a = cons.A[W[j]!]!;
      row[0] = a[0];
      row[1] = a[1];
      row[2] = a[2];
      K.push(row);
      rhs.push(0);
    }
    const sol = solveDense(K, rhs);
    if (sol === null) break;
    const p = sol.slice(0, 3);
    const scale = 1 + Math.abs(x[0]!) + Math.abs(x[1]!) + Math.abs(x[2]!);
    if (Math.abs(p[0]!) + Math.abs(p[1]!) + Math.abs(p[2]!) <= 1e-13 * scale) {
      let jMin = -1;
      let lMin = -1e-14;
      for (let j = 0; j < m; j++) {
        if (sol[3 + j]! < lMin) {
          lMin = sol[3 + j]!;
          jMin = j;
        }
      }
      if (jMin < 0) return x;
      W.splice(jMin, 1);
      continue;
    }
    let alpha = 1;
    let block = -1;
    for (let i = 0; i < nc; i++) {
      if (W.includes(i)) continue;
      const a = cons.A[i]!;
      const ap = a[0] * p[0]! + a[1] * p[1]! + a[2] * p[2]!;
      if (ap < -1e-300) {
        const slack = a[0] * x[0]! + a[1] * x[1]! + a[2] * x[2]! - cons.lo[i]!;
        const t = Math.max(0, slack) / -ap;
        if (t < alpha) {
          alpha = t;
          block = i;
        }
      }
    }
    x = [x[0]! + alpha * p[0]!, x[1]! + alpha * p[1]!, x[2]! + alpha * p[2]!];
    if (block >= 0 && W.length < 3) W.push(block);
    else if (block >= 0) break;
  }
  return x;
}

/** Chords of √(1 − r²) on [−rMax, rMax], nodes equally spaced in angle: [α, β] per chord. */
function minVarianceChords(rMax: number, pieces = 32): [number, number][] {
  const th = Math.asin(rMax);
  const out: [number, number][] = [];
  for (let j = 0; j < pieces; j++) {
    const r0 = Math.sin(-th + (2 * th * j) / pieces);
    const r1 = Math.sin(-th + (2 * th * (j + 1)) / pieces);
    const f0 = Math.sqrt(1 - r0 * r0);
    const f1 = Math.sqrt(1 - r1 * r1);
    const beta = (f1 - f0) / (r1 - r0);
    out.push([f0 - beta * r0, beta]);
  }
  return out;
}

interface InnerData {
  readonly k: readonly number[];
  readonly w: readonly number[]; // target total variances
  readonly omega: readonly number[]; // total-variance weights
}

interface InnerResult {
  readonly params: SviParams;
  readonly objective: number;
}

/** For fixed (m, σ): the constrained weighted LS fit of (a, d, c) and its objective. */
function innerFit(
  data: InnerData,
  m: number,
  sigma: number,
  rhoMax: number,
  lee: number,
  chords: readonly [number, number][],
): InnerResult {
  const G = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const h = [0, 0, 0];
  let sw = 0;
  let swW = 0;
  const n = data.k.length;
  for (let i = 0; i < n; i++) {
    const y = (data.k[i]! - m) / sigma;
    const z = Math.sqrt(y * y + 1);
    const om = data.omega[i]!;
    const W = data.w[i]!;
    const row = [1, y, z];
    for (let r = 0; r < 3; r++) {
      h[r]! += om * row[r]! * W;
      for (let c = r; c < 3; c++) G[r]![c]! += om * row[r]! * row[c]!;
    }
    sw += om;
    swW += om * W;
  }
  for (let r = 0; r < 3; r++) for (let c = 0; c < r; c++) G[r]![c] = G[c]![r]!;
  const tr = G[0]![0]! + G[1]![1]! + G[2]![2]!;
  for (let r = 0; r < 3; r++) G[r]![r]! += 1e-13 * tr;
  const A: [number, number, number][] = [
    [0, 0, 1],
    [0, -1, -1],
    [0, 1, -1],
    [0, -1, rhoMax],
    [0, 1, rhoMax],
  ];
  const lo = [0, -lee * sigma, -lee * sigma, 0, 0];
  for (const [alpha, beta] of chords) {
    A.push([1, beta, alpha]);
    lo.push(0);
  }
  const x0 = [Math.max(0, sw > 0 ? swW / sw : 0), 0, 0];
  const [a, d, c] = activeSetQp(G, h, { A, lo }, x0) as [number, number, number];
  const cc = Math.max(0, c);
  const rho = cc > 0 ? Math.max(-rhoMax, Math.min(rhoMax, d / cc)) : 0;
  const params: SviParams = { a, b: cc / sigma, rho, m, sigma };
  let obj = 0;
  for (let i = 0; i < n; i++) {
    const e = sviTotalVariance(params, data.k[i]!) - data.w[i]!;
    obj += data.omega[i]! * e * e;
  }
  return { params, objective: obj };
}

/** Nelder–Mead on R² (Lagarias et al. 1998 coefficients 1, 2, ½, ½). */
function nelderMead2(
  f: (x: readonly [number, number]) => number,
  start: readonly [number, number],
  step: readonly [number, number],
  maxEval = 400,
): { x: [number, number]; f: number } {
  type P = { x: [number, number]; f: number };
  const mk = (x: [number, number]): P => ({ x, f: f(x) });
  let s: P[] = [
    mk([start[0], start[1]]),
    mk([start[0] + step[0], start[1]]),
    mk([start[0], start[1] + step[1]]),
  ];
  let evals = 3;
  while (evals < maxEval) {
    s.sort((p, q) => p.f - q.f);
    const [best, mid, worst] = s as [P, P, P];
    const size = Math.max(
      Math.abs(mid.x[0] - best.x[0]) + Math.abs(worst.x[0] - best.x[0]),
      Math.abs(mid.x[1] - best.x[1]) + Math.abs(worst.x[1] - best.x[1]),
    );
    if (size < 1e-9 || worst.f - best.f <= 1e-15 * Math.abs(best.f) + 1e-300) break;
    const c: [number, number] = [(best.x[0] + mid.x[0]) / 2, (best.x[1] + mid.x[1]) / 2];
    const at = (t: number): [number, number] => [
      c[0] + t * (worst.x[0] - c[0]),
      c[1] + t * (worst.x[1] - c[1]),
    ];
    const r = mk(at(-1));
    evals++;
    if (r.f < best.f) {
      const e = mk(at(-2));
      evals++;
      s = [best, mid, e.f < r.f ? e : r];
    } else if (r.f < mid.f) {
      s = [best, mid, r];
    } else {
      const cIn = r.f < worst.f ? mk(at(-0.5)) : mk(at(0.5));
      evals++;
      if (cIn.f < Math.min(r.f, worst.f)) {
        s = [best, mid, cIn];
      } else {
        const shrink = (p: P): P => mk([(best.x[0] + p.x[0]) / 2, (best.x[1] + p.x[1]) / 2]);
        s = [best, shrink(mid), shrink(worst)];
        evals += 2;
      }
    }
  }
  s.sort((p, q) => p.f - q.f);
  return s[0]!;
}

/** The search box of the outer (m, ln σ) problem. */
interface OuterBox {
  readonly kLo: number;
  readonly kHi: number;
  readonly span: number;
  readonly mLo: number;
  readonly mHi: number;
  readonly lsMin: number;
  readonly lsMax: number;
  readonly sigmaMin: number;
}

/**
 * The quasi-explicit fit for fixed weights: Nelder–Mead over (m, ln σ) of the inner QP's
 * optimum, started from the 3 best points of a 7×7 grid (plus `prevX`) when `fullSearch`,
 * else from `prevX` only.
 */
function outerFit(
  data: InnerData,
  box: OuterBox,
  rhoMax: number,
  lee: number,
  chords: readonly [number, number][],
  prevX: [number, number] | undefined,
  fullSearch: boolean,
): { x: [number, number]; params: SviParams; objective: number } {
  const { kLo, kHi, span, mLo, mHi, lsMin, lsMax, sigmaMin } = box;
  const clampX = (x: readonly [number, number]): [number, number] => [
    Math.min(mHi, Math.max(mLo, x[0])),
    Math.min(lsMax, Math.max(lsMin, x[1])),
  ];
  const obj = (x: readonly [number, number]): number => {
    const [m, ls] = clampX(x);
    return innerFit(data, m, Math.exp(ls), rhoMax, lee, chords).objective;
  };
  const starts: [number, number][] = [];
  if (fullSearch || prevX === undefined) {
    const grid: { x: [number, number]; f: number }[] = [];
    const sLo = Math.log(Math.max(sigmaMin, 0.02 * span));
    const sHi = Math.log(Math.max(Math.max(sigmaMin, 0.02 * span) * 1.01, 2 * span));
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        const x: [number, number] = [kLo + ((kHi - kLo) * i) / 6, sLo + ((sHi - sLo) * j) / 6];
        grid.push({ x, f: obj(x) });
      }
    }
    grid.sort((p, q) => p.f - q.f);
    for (const g of grid.slice(0, 3)) starts.push(g.x);
    if (prevX !== undefined) starts.push(prevX);
  } else {
    starts.push(prevX);
  }
  let best: { x: [number, number]; f: number } | undefined;
  for (const x0 of starts) {
    const r = nelderMead2(obj, x0, [0.1 * span, 0.5]);
    if (best === undefined || r.f < best.f) best = r;
  }
  const [m, ls] = clampX(best!.x);
  const inner = innerFit(data, m, Math.exp(ls), rhoMax, lee, chords);
  return { x: [m, ls], params: inner.params, objective: inner.objective };
}

/** Robust IRLS weight of a standardised residual z: Huber (tuning 1.345) or soft-L1. */
function robustWeight(z: number, loss: 'huber' | 'soft-l1'): number {
  const a = Math.abs(z);
  return loss === 'huber' ? (a <= 1.345 ? 1 : 1.345 / a) : 1 / Math.sqrt(1 + a * a);
}

/**
 * Initial robust weights, so that IRLS does not start from a least-squares fit dragged by
 * a wild quote: each vol is compared with the least-squares line through its (up to) two
 * neighbours on each side in k (itself excluded); the residuals, standardised by their
 * robust scale 1.4826·MAD, give the first weights by Tukey's bisquare. Huber and soft-L1
 * are not redescending (a far outlier keeps a pull that grows with its distance), so the
 * first fit must not see the gross outliers at all; later IRLS passes use the chosen loss.
 */
function neighbourScreen(
  ks: readonly number[],
  vols: readonly number[],
  minScale: number,
): number[] {
  const n = ks.length;
  const order = ks.map((_, i) => i).sort((x, y) => ks[x]! - ks[y]!);
  const res = new Array<number>(n).fill(0);
  order.forEach((i, pos) => {
    const nb: number[] = [];
    for (let d = 1; d <= 2; d++) {
      if (pos - d >= 0) nb.push(order[pos - d]!);
      if (pos + d < n) nb.push(order[pos + d]!);
    }
    let sx = 0;
    let sy = 0;
    for (const j of nb) {
      sx += ks[j]!;
      sy += vols[j]!;
    }
    const mx = sx / nb.length;
    const my = sy / nb.length;
    let sxx = 0;
    let sxy = 0;
    for (const j of nb) {
      sxx += (ks[j]! - mx) ** 2;
      sxy += (ks[j]! - mx) * (vols[j]! - my);
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    res[i] = vols[i]! - (my + slope * (ks[i]! - mx));
  });
  const scale = Math.max(1.4826 * median(res.map(Math.abs)), minScale);
  // Tukey's bisquare (c = 4.685): a gross outlier against its neighbours starts at weight 0.
  return res.map((r) => {
    const u = r / (4.685 * scale);
    return Math.abs(u) < 1 ? (1 - u * u) ** 2 : 0;
  });
}

// ---------------------------------------------------------------------------------------
// Butterfly-constrained refinement.

/** The data and bounds of the constrained problem (see `constrainedRefine`). */
interface ConstrainedProblem {
  readonly k: readonly number[];
  readonly vol: readonly number[];
  /** Vol-space weights λᵢψᵢ, normalised to sum 1. */
  readonly omega: readonly number[];
  readonly T: number;
  readonly mLo: number;
  readonly mHi: number;
  readonly lnSigmaLo: number;
  readonly lnSigmaHi: number;
  readonly rhoMax: number;
  /** Wing-slope bound used here: min(L, 2) (g → 1/4 − slope²/16 in the wings). */
  readonly lee: number;
  /** Fixed penalty grid in k. */
  readonly grid: readonly number[];
}

/**
 * Coordinates of the constrained search: x = (ln v, ln(b(1 + |ρ|)), atanh(ρ/ρ_max), m, ln σ)
 * with v = a + bσ√(1 − ρ²) the minimum total variance, so every x maps to a slice with
 * positive variance and |ρ| < ρ_max; Lee's bound and the boxes of m and σ are the bounds
 * `lower`/`upper` of x (handled by the bounded Levenberg–Marquardt below).
 */
function xToParams(x: readonly number[], pr: ConstrainedProblem): SviParams {
  const rho = pr.rhoMax * Math.tanh(x[2]!);
  const b = Math.exp(x[1]!) / (1 + Math.abs(rho));
  const m = x[3]!;
  const sigma = Math.exp(x[4]!);
  const a = Math.exp(x[0]!) - b * sigma * Math.sqrt(1 - rho * rho);
  return { a, b, rho, m, sigma };
}

function paramsToX(p: SviParams, pr: ConstrainedProblem): number[] {
  const rho = Math.max(-pr.rhoMax, Math.min(pr.rhoMax, p.rho)) * (1 - 1e-9);
  const sigma = Math.min(Math.exp(pr.lnSigmaHi), Math.max(Math.exp(pr.lnSigmaLo), p.sigma));
  const b = Math.max(0, p.b);
  const v = Math.max(p.a + b * sigma * Math.sqrt(1 - rho * rho), 1e-8);
  const x = [
    Math.log(v),
    Math.log(Math.max(b * (1 + Math.abs(rho)), 1e-8)),
    Math.atanh(rho / pr.rhoMax),
    p.m,
    Math.log(sigma),
  ];
  const [lo, hi] = xBounds(pr);
  return x.map((v, i) => Math.min(hi[i]!, Math.max(lo[i]!, v)));
}

function xBounds(pr: ConstrainedProblem): [number[], number[]] {
  return [
    [-Infinity, -Infinity, -Infinity, pr.mLo, pr.lnSigmaLo],
    [Infinity, Math.log(pr.lee), Infinity, pr.mHi, pr.lnSigmaHi],
  ];
}

/** Weighted vol-space objective Σωᵢ(σ_SVI(kᵢ) − σᵢ)². */
function volObjective(p: SviParams, pr: ConstrainedProblem): number {
  let s = 0;
  for (let i = 0; i < pr.k.length; i++) {
    const e = sviVolFloored(p, pr.k[i]!, pr.T) - pr.vol[i]!;
    s += pr.omega[i]! * e * e;
  }
  return s;
}

/** Margin ε of the constraint g ≥ ε in the constrained fit. */
const BUTTERFLY_MARGIN = 1e-5;

/** Offsets u of the moving penalty points m + σ·sinh(u) (dense near m, out to ±1490σ). */
const SINH_OFFSETS = Array.from({ length: 81 }, (_, i) => -8 + (16 * i) / 80);
const SINH = SINH_OFFSETS.map(Math.sinh);

/**
 * Gatheral's g at the penalty points (the `fixed` ones k, then the `moving` ones m + σ·s),
 * written into `out`; −1 where w ≤ 0 (never, in the search coordinates). Same formula as
 * `sviButterflyG`.
 */
function penaltyG(
  p: SviParams,
  fixed: readonly number[],
  moving: readonly number[],
  out: Float64Array,
): Float64Array {
  const { a, b, rho, m, sigma } = p;
  const s2 = sigma * sigma;
  const nGrid = fixed.length;
  const n = nGrid + moving.length;
  for (let j = 0; j < n; j++) {
    const k = j < nGrid ? fixed[j]! : m + sigma * moving[j - nGrid]!;
    const x = k - m;
    const r2 = x * x + s2;
    const r = Math.sqrt(r2);
    const w = a + b * (rho * x + r);
    const w1 = b * (rho + x / r);
    const w2 = (b * s2) / (r2 * r);
    const t = 1 - (k * w1) / (2 * w);
    const g = t * t - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
    out[j] = w > 0 && Number.isFinite(g) ? g : -1;
  }
  return out;
}

/**
 * Residual vector of the augmented Lagrangian of
 *   min S(p)/scale  s.t.  g(kⱼ) ≥ ε  (penalty points j),
 * S the weighted vol objective: √(ωᵢ/scale)·(σ_SVI(kᵢ) − σᵢ) for the quotes, then
 * √μ·max(0, λⱼ/μ + ε − g(kⱼ)) per penalty point (multipliers λ ≥ 0, penalty μ).
 */
function alResiduals(
  x: readonly number[],
  pr: ConstrainedProblem,
  scale: number,
  lambda: readonly number[],
  mu: number,
  eps: number,
  fixed: readonly number[],
  moving: readonly number[],
  gBuf: Float64Array,
  out: Float64Array,
): Float64Array {
  const p = xToParams(x, pr);
  const rs = 1 / Math.sqrt(scale);
  const nq = pr.k.length;
  for (let i = 0; i < nq; i++) {
    const e = sviVolFloored(p, pr.k[i]!, pr.T) - pr.vol[i]!;
    out[i] = rs * Math.sqrt(pr.omega[i]!) * e;
  }
  const g = penaltyG(p, fixed, moving, gBuf);
  const sm = Math.sqrt(mu);
  for (let j = 0; j < g.length; j++) out[nq + j] = sm * Math.max(0, lambda[j]! / mu + eps - g[j]!);
  return out;
}

/**
 * Levenberg–Marquardt (Marquardt's diagonal scaling, forward-difference Jacobian) for
 * min ½‖r(x)‖² subject to lo ≤ x ≤ hi: coordinates at a bound whose gradient points outwards
 * are frozen for the step, and the step is cut back to the box. Deterministic.
 */
function levenbergMarquardt(
  res: (x: readonly number[], out: Float64Array) => Float64Array,
  nRes: number,
  x0: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  maxIter: number,
): number[] {
  const n = x0.length;
  const sumSq = (v: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
    return s;
  };
  let x = [...x0];
  let r: Float64Array = res(x, new Float64Array(nRes));
  let f = sumSq(r);
  let spare: Float64Array = new Float64Array(nRes);
  const J = Array.from({ length: n }, () => new Float64Array(nRes));
  const rh = new Float64Array(nRes);
  let lambda = 1e-3;
  for (let iter = 0; iter < maxIter; iter++) {
    const Jtr: number[] = [];
    for (let j = 0; j < n; j++) {
      // Difference inwards at an upper bound, so the residuals stay defined in the box.
      const h = (x[j]! >= hi[j]! ? -1 : 1) * 1e-7 * Math.max(1, Math.abs(x[j]!));
      const xh = [...x];
      xh[j]! += h;
      res(xh, rh);
      const Jj = J[j]!;
      let g = 0;
      for (let i = 0; i < nRes; i++) {
        Jj[i] = (rh[i]! - r[i]!) / h;
        g += Jj[i]! * r[i]!;
      }
      Jtr.push(g);
    }
    // Free coordinates: not at a bound, or at a bound with descent pointing inwards.
    const free: number[] = [];
    for (let j = 0; j < n; j++) {
      const atLo = x[j]! <= lo[j]! && Jtr[j]! > 0;
      const atHi = x[j]! >= hi[j]! && Jtr[j]! < 0;
      if (!atLo && !atHi) free.push(j);
    }
    if (free.length === 0) break;
    const JtJ = free.map((i) =>
      free.map((j) => {
        const a = J[i]!;
        const b = J[j]!;
        let s = 0;
        for (let t = 0; t < nRes; t++) s += a[t]! * b[t]!;
        return s;
      }),
    );
    let improved = false;
    for (let tries = 0; tries < 12; tries++) {
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
        lambda = Math.max(lambda / 3, 1e-12);
        improved = rel > 1e-10;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return x;
}

/**
 * Local minima of g below `below` on a fine scan covering the `checkButterfly` grid of p
 * (uniform on `defaultButterflyRange(p)`, points m + σ·sinh(u) over it, log-spaced wings out
 * to 50× that range), each refined by golden section between its scan neighbours.
 */
function gDips(p: SviParams, below: number): number[] {
  const [lo, hi] = defaultButterflyRange(p);
  const ks: number[] = [];
  for (let i = 0; i <= 1000; i++) ks.push(lo + ((hi - lo) * i) / 1000);
  const u = Math.asinh(Math.max(Math.abs(lo - p.m), Math.abs(hi - p.m)) / p.sigma);
  for (let i = 0; i <= 400; i++) {
    const k = p.m + p.sigma * Math.sinh(-u + (2 * u * i) / 400);
    if (k > lo && k < hi) ks.push(k);
  }
  for (let i = 1; i <= 200; i++) {
    const f = Math.pow(50, i / 200);
    ks.push(lo * f, hi * f);
  }
  ks.sort((x, y) => x - y);
  const gs = penaltyG(p, ks, [], new Float64Array(ks.length));
  const one = new Float64Array(1);
  const g = (k: number): number => penaltyG(p, [k], [], one)[0]!;
  const out: number[] = [];
  const r = (Math.sqrt(5) - 1) / 2;
  for (let i = 1; i + 1 < ks.length; i++) {
    if (!(gs[i]! <= gs[i - 1]! && gs[i]! <= gs[i + 1]! && gs[i]! < below)) continue;
    let a = ks[i - 1]!;
    let b = ks[i + 1]!;
    for (let it = 0; it < 40; it++) {
      const c = b - r * (b - a);
      const d = a + r * (b - a);
      if (g(c) < g(d)) b = d;
      else a = c;
    }
    const k = 0.5 * (a + b);
    const km = g(k) <= gs[i]! ? k : ks[i]!;
    if (out.length === 0 || Math.abs(out[out.length - 1]! - km) > 1e-9) out.push(km);
  }
  return out;
}

/**
 * Constrained refinement from one start: augmented Lagrangian (Nocedal & Wright, ch. 17.4,
 * for inequality constraints) of min S(p)/scale subject to g(kⱼ) ≥ ε on the penalty points,
 * each subproblem solved by bounded Levenberg–Marquardt; multipliers
 * λⱼ ← max(0, λⱼ − μ(gⱼ − ε)), μ (from 100) raised ×10, up to 10⁹, when the worst violation
 * does not fall below a quarter of the previous one. The penalty points are the fixed grid,
 * the moving points m + σ·sinh(u), and (exchange method for the semi-infinite constraint)
 * moving points m + σ·s placed at the local minima of g below ε found by `gDips` after each
 * subproblem, so that g ≥ ε holds between grid points too. Stops when the KKT residual
 * max |min(gⱼ − ε, λⱼ/μ)| is below 10⁻³ε and the scan adds no point, or after 20 rounds; the
 * result may still be infeasible (the caller checks it).
 */
function constrainedRefine(
  start: SviParams,
  pr: ConstrainedProblem,
  scale: number,
  eps: number,
): SviParams {
  let x = paramsToX(start, pr);
  const [lo, hi] = xBounds(pr);
  const fixed = pr.grid;
  const moving = [...SINH];
  let lambda: number[] = new Array<number>(fixed.length + moving.length).fill(0);
  let mu = 100;
  let prevViol = Infinity;
  for (let outer = 0; outer < 20; outer++) {
    const nPen = fixed.length + moving.length;
    const gBuf = new Float64Array(nPen);
    const lam = lambda;
    const mm = mu;
    x = levenbergMarquardt(
      (y, out) => alResiduals(y, pr, scale, lam, mm, eps, fixed, moving, gBuf, out),
      pr.k.length + nPen,
      x,
      lo,
      hi,
      100,
    );
    const p = xToParams(x, pr);
    const g = penaltyG(p, fixed, moving, gBuf);
    // KKT residual of g ≥ ε: violation, and complementarity min(g − ε, λ/μ) of the updated λ.
    let viol = 0;
    let kkt = 0;
    lambda = lambda.map((l, j) => {
      const c = g[j]! - eps;
      const ln = Math.max(0, l - mu * c);
      viol = Math.max(viol, -c);
      kkt = Math.max(kkt, Math.abs(Math.min(c, ln / mu)));
      return ln;
    });
    // Exchange step: new (moving) constraint points at the dips of g between the others.
    let added = 0;
    for (const k of gDips(p, eps * (1 - 1e-3))) {
      const sk = (k - p.m) / p.sigma;
      if (moving.some((v) => Math.abs(v - sk) < 1e-9 * (1 + Math.abs(sk)))) continue;
      viol = Math.max(viol, eps - sviButterflyG(p, k));
      moving.push(sk);
      lambda.push(0);
      added++;
    }
    if (kkt <= 1e-3 * eps && added === 0) break;
    if (viol > 0.25 * prevViol) mu = Math.min(mu * 10, 1e9);
    prevViol = viol;
  }
  return xToParams(x, pr);
}

interface ButterflyFreeInput {
  readonly k: readonly number[];
  readonly vol: readonly number[];
  /** Final weights λᵢψᵢ of the unconstrained fit. */
  readonly lamPsi: readonly number[];
  readonly T: number;
  readonly box: OuterBox;
  readonly rhoMax: number;
  readonly lee: number;
  readonly check: ButterflyCheckOptions;
}

/**
 * The butterfly-constrained fit (see the module comment): candidates from several
 * deterministic starts, each refined by `constrainedRefine`; returns the arbitrage-free
 * candidate (by `checkButterfly` with the caller's options, and `sviValidate`) with the
 * smallest weighted vol objective. Throws FIT_FAILED if there is none (not expected: the
 * `repairButterfly` start is arbitrage-free by construction).
 */
function butterflyFreeFit(p0: SviParams, inp: ButterflyFreeInput): SviParams {
  const { k, vol, T, box } = inp;
  const sw = inp.lamPsi.reduce((s, v) => s + v, 0);
  const omega = inp.lamPsi.map((v) => v / sw);
  const w0 = Math.max(1e-8, sviTotalVariance(p0, 0));
  const R = Math.max(
    1,
    6 * Math.sqrt(w0),
    Math.abs(box.kLo) + box.span,
    Math.abs(box.kHi) + box.span,
  );
  const grid: number[] = [];
  for (let i = 0; i <= 160; i++) grid.push(-R + (2 * R * i) / 160);
  for (let i = 1; i <= 40; i++) {
    const f = Math.pow(50, i / 40);
    grid.push(-R * f, R * f);
  }
  const pr: ConstrainedProblem = {
    k,
    vol,
    omega,
    T,
    mLo: box.mLo,
    mHi: box.mHi,
    lnSigmaLo: box.lsMin,
    lnSigmaHi: box.lsMax,
    rhoMax: inp.rhoMax,
    lee: Math.min(inp.lee, 2),
    grid,
  };
  const ok = (q: SviParams): boolean =>
    sviValidate(q).length === 0 && checkButterfly(q, inp.check).arbitrageFree;
  // Objective scale: the unconstrained optimum, floored at (0.01 vol points)².
  const scale = Math.max(volObjective(p0, pr), 1e-8);
  const eps = BUTTERFLY_MARGIN;

  // Deterministic starts.
  const starts: SviParams[] = [p0];
  try {
    const qs: SviQuote[] = k.map((kk, i) => ({ k: kk, vol: vol[i]!, weight: inp.lamPsi[i]! }));
    starts.push(repairButterfly(p0, qs, T, { check: inp.check }));
  } catch (e) {
    if (!(e instanceof BallastError)) throw e;
  }
  // Inner QP fits (total variance, weights linearised at p0) at fixed (m, σ) with |ρ| capped.
  const wData: InnerData = {
    k,
    w: vol.map((v) => v * v * T),
    omega: k.map((kk, i) => {
      const vh = sviVolFloored(p0, kk, T);
      return omega[i]! / (T * (vh + vol[i]!)) ** 2;
    }),
  };
  const sLo = Math.exp(box.lsMin);
  const sHi = Math.exp(box.lsMax);
  const capped = (m: number, sigma: number, rhoCap: number): SviParams => {
    const r = Math.max(1e-3, Math.min(inp.rhoMax, rhoCap));
    const sg = Math.min(sHi, Math.max(sLo, sigma));
    return innerFit(wData, m, sg, r, inp.lee, minVarianceChords(r, 8)).params;
  };
  // Further starts, of which the two best by the penalised objective are refined: the
  // unconstrained optimum pulled toward smaller |ρ| and larger σ, and a coarse (m, σ) grid
  // with |ρ| ≤ ½ (inner QP fits; degenerate ones with b = 0 are skipped).
  const nPen = grid.length + SINH.length;
  const merit = (q: SviParams): number =>
    volObjective(q, pr) / scale +
    (100 / nPen) *
      penaltyG(q, pr.grid, SINH, new Float64Array(nPen)).reduce(
        (acc, g) => acc + Math.max(0, eps - g) ** 2,
        0,
      );
  const extra: SviParams[] = [];
  const r0 = Math.abs(p0.rho);
  for (const [fr, fs] of [
    [0.5, 1],
    [0.5, 2],
    [0, 2],
  ] as const) {
    extra.push(capped(p0.m, fs * p0.sigma, fr * r0));
  }
  for (const mf of [0, 0.5, 1]) {
    for (const sf of [0.25, 1])
      extra.push(capped(box.kLo + mf * (box.kHi - box.kLo), sf * box.span, 0.5));
  }
  const ranked = extra
    .filter((q) => q.b > 0)
    .map((q) => ({ q, f: merit(q) }))
    .sort((x, y) => x.f - y.f);
  for (const r of ranked.slice(0, 2)) starts.push(r.q);

  let best: SviParams | undefined;
  let bestF = Infinity;
  const consider = (q: SviParams): boolean => {
    if (!ok(q)) return false;
    const f = volObjective(q, pr);
    if (f < bestF) {
      bestF = f;
      best = q;
    }
    return true;
  };
  const infeasible: SviParams[] = [];
  for (const s of starts) {
    consider(s);
    // The margin ε guards g between the penalty points; raised if the full check still fails.
    let r = constrainedRefine(s, pr, scale, eps);
    let feasible = consider(r);
    for (const e of [10 * eps, 100 * eps]) {
      if (feasible) break;
      r = constrainedRefine(r, pr, scale, e);
      feasible = consider(r);
    }
    if (!feasible) infeasible.push(r);
  }
  if (best === undefined) {
    throw new BallastError('FIT_FAILED', 'no butterfly-free slice found near the fit', 'quotes');
  }
  // Last resort for refinements that stayed infeasible: the feasible point nearest to them on
  // the segment (in search coordinates) towards the best feasible candidate.
  for (const r of infeasible) {
    const xr = paramsToX(r, pr);
    const xb = paramsToX(best, pr);
    const at = (t: number): SviParams =>
      xToParams(
        xr.map((v, i) => v + t * (xb[i]! - v)),
        pr,
      );
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 30; i++) {
      const mid = 0.5 * (lo + hi);
      if (ok(at(mid))) hi = mid;
      else lo = mid;
    }
    if (hi < 1) consider(at(hi));
  }
  return best;
}

function fail(message: string, field?: string): never {
  throw new BallastError('FIT_FAILED', message, field);
}

/**
 * Fits a raw SVI slice to implied-vol quotes of one expiry with maturity `T` (years); see
 * the module comment for the objective, constraints, robust loss and outlier rule, and
 * `SviFitOptions` for the knobs. Deterministic: same input, same output.
 *
 * Throws `BallastError('FIT_FAILED')` naming the field for a non-finite `T`, k, vol, weight,
 * bidVol or askVol, for T ≤ 0, and when fewer than 5 usable quotes (or fewer than 3
 * distinct k) remain.
 */
export function fitSviSlice(
  quotes: readonly SviQuote[],
  T: number,
  options: SviFitOptions = {},
): SviFit {
  if (!(typeof T === 'number' && Number.isFinite(T)))
    fail(`must be a finite number, got ${String(T)}`, 'T');
  if (!(T > 0)) fail(`maturity must be > 0, got ${T}`, 'T');
  if (!Array.isArray(quotes)) fail('quotes must be an array', 'quotes');
  const dropped: SviDroppedQuote[] = [];
  let used: number[] = [];
  quotes.forEach((q, i) => {
    for (const f of ['k', 'vol', 'weight', 'bidVol', 'askVol'] as const) {
      const v = q[f];
      if (f !== 'k' && f !== 'vol' && v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail(`must be a finite number, got ${String(v)}`, `quotes[${i}].${f}`);
    }
    if (!(q.vol > 0)) dropped.push({ index: i, reason: 'non-positive vol' });
    else if (q.weight !== undefined && !(q.weight > 0))
      dropped.push({ index: i, reason: 'non-positive weight' });
    else if (q.bidVol !== undefined && q.askVol !== undefined && q.bidVol > q.askVol) {
      dropped.push({ index: i, reason: 'crossed bid/ask' });
    } else used.push(i);
  });
  const requireEnough = (): void => {
    if (used.length < 5) fail(`need at least 5 usable quotes, got ${used.length}`, 'quotes');
    if (new Set(used.map((i) => quotes[i]!.k)).size < 3)
      fail('need at least 3 distinct log-moneyness values', 'quotes');
  };
  requireEnough();

  const weighting = options.weighting ?? 'vega';
  const loss = options.loss ?? 'huber';
  const maxIt = options.robustIterations ?? 12;
  const nMad = options.outlierMads ?? 5;
  const minScale = (options.minScaleVolPoints ?? 0.25) / 100;
  const maxDrop = options.maxDropRounds ?? 3;
  const sigmaMin = options.sigmaMin ?? 1e-3;
  const rhoMax = options.rhoMax ?? 0.999;
  const lee = options.leeBound ?? 2;
  const mSpan = options.mMargin ?? 0.5;
  const chords = minVarianceChords(rhoMax);
  const sqT = Math.sqrt(T);

  // Base weights λᵢ: user weight × normalised vega.
  const baseRaw = quotes.map((q) => {
    const u = q.weight ?? 1;
    if (weighting === 'uniform' || !(q.vol > 0)) return u;
    const d1 = -q.k / (q.vol * sqT) + (q.vol * sqT) / 2;
    return u * normPdf(d1) * sqT;
  });

  let params: SviParams | undefined;
  let residuals: number[] = [];
  let robust: number[] = [];
  let box: OuterBox | undefined;
  for (let round = 0; ; round++) {
    const idx = used;
    const ks = idx.map((i) => quotes[i]!.k);
    const vols = idx.map((i) => quotes[i]!.vol);
    const wMkt = vols.map((v) => v * v * T);
    const maxBase = Math.max(...idx.map((i) => baseRaw[i]!));
    const base = idx.map((i) => baseRaw[i]! / maxBase);
    const kLo = Math.min(...ks);
    const kHi = Math.max(...ks);
    const span = Math.max(kHi - kLo, 1e-4);
    const mLo = kLo - mSpan * span;
    const mHi = kHi + mSpan * span;
    const lsMin = Math.log(sigmaMin);
    const lsMax = Math.log(Math.max(sigmaMin * 10, options.sigmaMax ?? span));
    box = { kLo, kHi, span, mLo, mHi, lsMin, lsMax, sigmaMin };
    robust = loss === 'linear' ? idx.map(() => 1) : neighbourScreen(ks, vols, minScale);
    let volHat = [...vols];
    let prevX: [number, number] | undefined;
    let scale = minScale;
    for (let it = 0; it < maxIt; it++) {
      const omega = idx.map((_, j) => (base[j]! * robust[j]!) / (T * (volHat[j]! + vols[j]!)) ** 2);
      const data: InnerData = { k: ks, w: wMkt, omega };
      const fitted = outerFit(
        data,
        box,
        rhoMax,
        lee,
        chords,
        it === 0 ? undefined : prevX,
        it === 0,
      );
      prevX = fitted.x;
      const next = fitted.params;
      const moved =
        params === undefined ||
        Math.abs(next.a - params.a) +
          Math.abs(next.b - params.b) * 0.1 +
          Math.abs(next.m - params.m) * 0.1 >
          1e-10 + 1e-8 * Math.abs(next.a);
      params = next;
      volHat = ks.map((k) => sviVolFloored(next, k, T));
      residuals = volHat.map((v, j) => v - vols[j]!);
      scale = Math.max(1.4826 * median(residuals.map(Math.abs)), minScale);
      if (loss !== 'linear') {
        robust = residuals.map((r) => robustWeight(r / scale, loss));
      }
      if (!moved && it > 0) break;
    }
    if (round >= maxDrop || !Number.isFinite(nMad)) break;
    const keep: number[] = [];
    let nDropped = 0;
    idx.forEach((i, j) => {
      const q = quotes[i]!;
      const half = q.bidVol !== undefined && q.askVol !== undefined ? (q.askVol - q.bidVol) / 2 : 0;
      if (Math.abs(residuals[j]!) > nMad * scale + half) {
        dropped.push({ index: i, reason: 'outlier', residualVolPoints: 100 * residuals[j]! });
        nDropped++;
      } else keep.push(i);
    });
    if (nDropped === 0) break;
    used = keep;
    requireEnough();
  }
  let p = params!;
  let butterfly = checkButterfly(p, options.butterfly);
  let repaired = false;
  if (options.enforceButterfly === true && !butterfly.arbitrageFree) {
    const maxLam = Math.max(...used.map((i) => baseRaw[i]!));
    const lamPsi = used.map((i, j) => (baseRaw[i]! / maxLam) * robust[j]!);
    p = butterflyFreeFit(p, {
      k: used.map((i) => quotes[i]!.k),
      vol: used.map((i) => quotes[i]!.vol),
      lamPsi,
      T,
      box: box!,
      rhoMax,
      lee,
      check: options.butterfly ?? {},
    });
    butterfly = checkButterfly(p, options.butterfly);
    repaired = true;
    residuals = used.map((i) => sviVolFloored(p, quotes[i]!.k, T) - quotes[i]!.vol);
  }
  const lam = used.map((i) => baseRaw[i]!);
  const sl = lam.reduce((x, y) => x + y, 0);
  const rmse = Math.sqrt(residuals.reduce((s, r, j) => s + lam[j]! * r * r, 0) / sl);
  dropped.sort((x, y) => x.index - y.index);
  return {
    params: p,
    T,
    rmseVolPoints: 100 * rmse,
    maxAbsErrorVolPoints: 100 * Math.max(...residuals.map(Math.abs)),
    n: used.length,
    used: [...used],
    dropped,
    residualsVolPoints: residuals.map((r) => 100 * r),
    robustWeights: robust,
    butterfly,
    repaired,
  };
}
