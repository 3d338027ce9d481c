/**
 * The quasi-explicit weighted total-variance fit of one raw SVI slice (Zeliade Systems 2009,
 * "Quasi-explicit calibration of Gatheral's SVI model", white paper ZWP-0005), shared by the
 * robust fit (svi-fit.ts) and the starts of the butterfly-constrained fit
 * (svi-butterfly-fit.ts).
 *
 * For fixed (m, σ), with y = (k − m)/σ, w = a + d·y + c·√(y² + 1) is linear in
 * (a, d, c) = (a, ρbσ, bσ) and the constraints are linear:
 *   c ≥ 0 (b ≥ 0);  |d| ≤ ρ_max·c (|ρ| ≤ ρ_max);  c + |d| ≤ L·σ (Lee: b(1 + |ρ|) ≤ L);
 *   a + c·ℓⱼ(d/c) ≥ 0 for the chords ℓⱼ of √(1 − r²) on [−ρ_max, ρ_max] (a piecewise-linear
 *   inner approximation of the minimum-variance condition a + bσ√(1 − ρ²) ≥ 0, so the
 *   condition always holds, with a slack of at most ~0.1 % of bσ).
 * That 3-variable convex QP is solved exactly by `activeSetQp` (core/optim); the outer 2-D
 * problem over (m, ln σ) is minimised by `nelderMead` from the best points of a fixed grid
 * (deterministic multi-start), or from a warm start.
 */
import { activeSetQp, type LinearInequalities } from '../core/optim/active-set-qp.ts';
import { nelderMead, type SimplexPoint } from '../core/optim/nelder-mead.ts';
import { type SviParams, sviTotalVariance } from './svi.ts';
import {
  MIN_VARIANCE_CHORDS,
  OUTER_GRID,
  OUTER_NELDER_MEAD,
  OUTER_SIGMA_HI_SPAN,
  OUTER_SIGMA_LO_SPAN,
  OUTER_STARTS,
  OUTER_STEP_LN_SIGMA,
  OUTER_STEP_M_SPAN,
} from './svi-fit-settings.ts';

/** Chords of √(1 − r²) on [−rMax, rMax], nodes equally spaced in angle: [α, β] per chord. */
export function minVarianceChords(rMax: number, pieces = MIN_VARIANCE_CHORDS): [number, number][] {
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

/** Quotes of the total-variance fit: k, target total variances w, weights ω. */
export interface InnerData {
  readonly k: readonly number[];
  readonly w: readonly number[];
  readonly omega: readonly number[];
}

/** Bounds of the inner QP: |ρ| ≤ rhoMax, Lee's L, the minimum-variance chords. */
export interface InnerBounds {
  readonly rhoMax: number;
  readonly lee: number;
  readonly chords: readonly [number, number][];
}

/** Normal equations G, h of Σωᵢ(a + d·yᵢ + c·zᵢ − wᵢ)², with Σω and Σωw. */
function normalEquations(data: InnerData, m: number, sigma: number) {
  const G = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const h = [0, 0, 0];
  let sw = 0;
  let swW = 0;
  for (let i = 0; i < data.k.length; i++) {
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
  return { G, h, sw, swW };
}

/** The linear constraints on (a, d, c) for σ (see module doc). */
function innerConstraints(sigma: number, bounds: InnerBounds): LinearInequalities {
  const { rhoMax, lee } = bounds;
  const A: [number, number, number][] = [
    [0, 0, 1],
    [0, -1, -1],
    [0, 1, -1],
    [0, -1, rhoMax],
    [0, 1, rhoMax],
  ];
  const lo = [0, -lee * sigma, -lee * sigma, 0, 0];
  for (const [alpha, beta] of bounds.chords) {
    A.push([1, beta, alpha]);
    lo.push(0);
  }
  return { A, lo };
}

/** For fixed (m, σ): the constrained weighted LS fit of (a, d, c) and its objective. */
export function innerFit(
  data: InnerData,
  m: number,
  sigma: number,
  bounds: InnerBounds,
): { params: SviParams; objective: number } {
  const { G, h, sw, swW } = normalEquations(data, m, sigma);
  const x0 = [Math.max(0, sw > 0 ? swW / sw : 0), 0, 0];
  const [a, d, c] = activeSetQp(G, h, innerConstraints(sigma, bounds), x0) as [
    number,
    number,
    number,
  ];
  const cc = Math.max(0, c);
  const rho = cc > 0 ? Math.max(-bounds.rhoMax, Math.min(bounds.rhoMax, d / cc)) : 0;
  const params: SviParams = { a, b: cc / sigma, rho, m, sigma };
  let obj = 0;
  for (let i = 0; i < data.k.length; i++) {
    const e = sviTotalVariance(params, data.k[i]!) - data.w[i]!;
    obj += data.omega[i]! * e * e;
  }
  return { params, objective: obj };
}

/** The search box of the outer (m, ln σ) problem. */
export interface OuterBox {
  readonly kLo: number;
  readonly kHi: number;
  readonly span: number;
  readonly mLo: number;
  readonly mHi: number;
  readonly lsMin: number;
  readonly lsMax: number;
  readonly sigmaMin: number;
}

/** The best `OUTER_STARTS` points of the OUTER_GRID × OUTER_GRID (m, ln σ) start grid. */
function gridStarts(box: OuterBox, obj: (x: readonly number[]) => number): [number, number][] {
  const { kLo, kHi, span, sigmaMin } = box;
  const grid: { x: [number, number]; f: number }[] = [];
  const sLo = Math.log(Math.max(sigmaMin, OUTER_SIGMA_LO_SPAN * span));
  const sHi = Math.log(
    Math.max(Math.max(sigmaMin, OUTER_SIGMA_LO_SPAN * span) * 1.01, OUTER_SIGMA_HI_SPAN * span),
  );
  const last = OUTER_GRID - 1;
  for (let i = 0; i < OUTER_GRID; i++) {
    for (let j = 0; j < OUTER_GRID; j++) {
      const x: [number, number] = [kLo + ((kHi - kLo) * i) / last, sLo + ((sHi - sLo) * j) / last];
      grid.push({ x, f: obj(x) });
    }
  }
  grid.sort((p, q) => p.f - q.f);
  return grid.slice(0, OUTER_STARTS).map((g) => g.x);
}

/**
 * The quasi-explicit fit for fixed weights: Nelder–Mead over (m, ln σ) of the inner QP's
 * optimum, started from the best points of the start grid (plus `prevX`) when `fullSearch`,
 * else from `prevX` only.
 */
export function outerFit(
  data: InnerData,
  box: OuterBox,
  bounds: InnerBounds,
  prevX: [number, number] | undefined,
  fullSearch: boolean,
): { x: [number, number]; params: SviParams; objective: number } {
  const { span, mLo, mHi, lsMin, lsMax } = box;
  const clampX = (x: readonly number[]): [number, number] => [
    Math.min(mHi, Math.max(mLo, x[0]!)),
    Math.min(lsMax, Math.max(lsMin, x[1]!)),
  ];
  const obj = (x: readonly number[]): number => {
    const [m, ls] = clampX(x);
    return innerFit(data, m, Math.exp(ls), bounds).objective;
  };
  const starts: [number, number][] = [];
  if (fullSearch || prevX === undefined) {
    starts.push(...gridStarts(box, obj));
    if (prevX !== undefined) starts.push(prevX);
  } else {
    starts.push(prevX);
  }
  let best: SimplexPoint | undefined;
  for (const x0 of starts) {
    const r = nelderMead(
      obj,
      x0,
      [OUTER_STEP_M_SPAN * span, OUTER_STEP_LN_SIGMA],
      OUTER_NELDER_MEAD,
    );
    if (best === undefined || r.f < best.f) best = r;
  }
  const [m, ls] = clampX(best!.x);
  const inner = innerFit(data, m, Math.exp(ls), bounds);
  return { x: [m, ls], params: inner.params, objective: inner.objective };
}
