/**
 * The butterfly-constrained SVI fit (`enforceButterfly` of `fitSviSlice`): if the robust fit
 * has butterfly arbitrage (Gatheral's g(k) < 0 somewhere, by `checkButterfly`), the slice is
 * refitted on the same quotes, with the same final weights λᵢψᵢ, as the constrained problem
 *
 *     min Σᵢ λᵢψᵢ·(σ_SVI(kᵢ) − σᵢ)²   subject to   g(k) ≥ ε = 10⁻⁵ for all k,
 *
 * within the same bounds (Lee's b(1 + |ρ|) ≤ min(L, 2), |ρ| < ρ_max, σ and m in the boxes of
 * the unconstrained search, positive minimum variance). The semi-infinite constraint is
 * imposed on a fixed k-grid (161 points over ±max(1, 6√w(0), the quoted range widened by its
 * span), 40 log-spaced points per wing out to 50× that), on 81 points m + σ·sinh(u),
 * u ∈ [−8, 8], that move with the slice, and, by an exchange step, at every local minimum of
 * g below ε found by a fine scan of the `checkButterfly` grid. It is solved by an augmented
 * Lagrangian whose subproblems are bounded Levenberg–Marquardt least-squares fits (core/optim)
 * in x = (ln(min variance), ln(b(1 + |ρ|)), atanh(ρ/ρ_max), m, ln σ), from deterministic
 * starts: the unconstrained optimum, its SSVI-based `repairButterfly`, and the two best (by
 * the penalised objective) of the optimum pulled toward smaller |ρ| and larger σ and of a
 * coarse (m, σ) grid with |ρ| ≤ ½. Every candidate (start or refinement) is checked with
 * `checkButterfly` (the caller's options) and `sviValidate`; the arbitrage-free one with the
 * smallest objective is returned, so the result is never worse, by the fit's objective, than
 * the repair alone. A refinement that still fails the full check is refined again with a
 * 10× and 100× larger ε and, failing that, moved along the segment toward the best
 * arbitrage-free candidate to the first arbitrage-free point.
 * Grid sizes and iteration counts: svi-fit-settings.ts.
 */
import { BallastError } from '../core/errors.ts';
import { bisectSwitch } from '../core/optim/bisection.ts';
import { goldenSection } from '../core/optim/golden-section.ts';
import { levenbergMarquardt } from '../core/optim/levenberg-marquardt.ts';
import {
  type ButterflyCheckOptions,
  checkButterfly,
  defaultButterflyRange,
  repairButterfly,
  sviButterflyG,
} from './arbitrage.ts';
import {
  type SviParams,
  type SviQuote,
  sviTotalVariance,
  sviValidate,
  sviVolFloored,
} from './svi.ts';
import {
  AL_LM_ITERATIONS,
  AL_MU_MAX,
  AL_MU_START,
  AL_ROUNDS,
  BUTTERFLY_MARGIN,
  BUTTERFLY_MARGIN_RAISES,
  CONSTRAINT_GRID_INTERVALS,
  CONSTRAINT_WING_POINTS,
  DIP_GOLDEN_STEPS,
  DIP_SCAN_SINH,
  DIP_SCAN_UNIFORM,
  DIP_SCAN_WING,
  FEASIBLE_BISECTION_STEPS,
  SINH_POINTS,
  SINH_REACH,
  WING_REACH,
} from './svi-fit-settings.ts';
import { type InnerData, innerFit, minVarianceChords, type OuterBox } from './svi-inner-fit.ts';

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
 * `lower`/`upper` of x (handled by the bounded Levenberg–Marquardt).
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

/** Offsets u of the moving penalty points m + σ·sinh(u) (dense near m, out to ±1490σ). */
const SINH = Array.from(
  { length: SINH_POINTS },
  (_, i) => -SINH_REACH + (2 * SINH_REACH * i) / (SINH_POINTS - 1),
).map(Math.sinh);

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

/** The augmented-Lagrangian state of one round: multipliers λ, penalty μ, margin ε, points. */
interface AlState {
  readonly lambda: readonly number[];
  readonly mu: number;
  readonly eps: number;
  readonly fixed: readonly number[];
  readonly moving: readonly number[];
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
  al: AlState,
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
  const g = penaltyG(p, al.fixed, al.moving, gBuf);
  const { lambda, mu, eps } = al;
  const sm = Math.sqrt(mu);
  for (let j = 0; j < g.length; j++) out[nq + j] = sm * Math.max(0, lambda[j]! / mu + eps - g[j]!);
  return out;
}

/** The sorted k-points of the dip scan of g covering the `checkButterfly` grid of p. */
function dipScanPoints(p: SviParams): number[] {
  const [lo, hi] = defaultButterflyRange(p);
  const ks: number[] = [];
  for (let i = 0; i <= DIP_SCAN_UNIFORM; i++) ks.push(lo + ((hi - lo) * i) / DIP_SCAN_UNIFORM);
  const u = Math.asinh(Math.max(Math.abs(lo - p.m), Math.abs(hi - p.m)) / p.sigma);
  for (let i = 0; i <= DIP_SCAN_SINH; i++) {
    const k = p.m + p.sigma * Math.sinh(-u + (2 * u * i) / DIP_SCAN_SINH);
    if (k > lo && k < hi) ks.push(k);
  }
  for (let i = 1; i <= DIP_SCAN_WING; i++) {
    const f = Math.pow(WING_REACH, i / DIP_SCAN_WING);
    ks.push(lo * f, hi * f);
  }
  return ks.sort((x, y) => x - y);
}

/**
 * Local minima of g below `below` on a fine scan covering the `checkButterfly` grid of p
 * (uniform on `defaultButterflyRange(p)`, points m + σ·sinh(u) over it, log-spaced wings out
 * to 50× that range), each refined by golden section between its scan neighbours.
 */
function gDips(p: SviParams, below: number): number[] {
  const ks = dipScanPoints(p);
  const gs = penaltyG(p, ks, [], new Float64Array(ks.length));
  const one = new Float64Array(1);
  const g = (k: number): number => penaltyG(p, [k], [], one)[0]!;
  const out: number[] = [];
  for (let i = 1; i + 1 < ks.length; i++) {
    if (!(gs[i]! <= gs[i - 1]! && gs[i]! <= gs[i + 1]! && gs[i]! < below)) continue;
    const r = goldenSection(g, ks[i - 1]!, ks[i + 1]!, {
      maxIter: DIP_GOLDEN_STEPS,
      relTol: 0,
      reuseInterior: false,
    });
    const k = 0.5 * (r.lo + r.hi);
    const km = g(k) <= gs[i]! ? k : ks[i]!;
    if (out.length === 0 || Math.abs(out[out.length - 1]! - km) > 1e-9) out.push(km);
  }
  return out;
}

/**
 * Multiplier update λⱼ ← max(0, λⱼ − μ(gⱼ − ε)); returns the new λ, the worst violation and
 * the KKT residual max |min(gⱼ − ε, λⱼ/μ)|.
 */
function updateMultipliers(
  lambda: readonly number[],
  g: Float64Array,
  mu: number,
  eps: number,
): { lambda: number[]; viol: number; kkt: number } {
  let viol = 0;
  let kkt = 0;
  const next = lambda.map((l, j) => {
    const c = g[j]! - eps;
    const ln = Math.max(0, l - mu * c);
    viol = Math.max(viol, -c);
    kkt = Math.max(kkt, Math.abs(Math.min(c, ln / mu)));
    return ln;
  });
  return { lambda: next, viol, kkt };
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
 * is below 10⁻³ε and the scan adds no point, or after 20 rounds; the result may still be
 * infeasible (the caller checks it).
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
  let mu = AL_MU_START;
  let prevViol = Infinity;
  for (let outer = 0; outer < AL_ROUNDS; outer++) {
    const nPen = fixed.length + moving.length;
    const gBuf = new Float64Array(nPen);
    const al: AlState = { lambda, mu, eps, fixed, moving: [...moving] };
    x = levenbergMarquardt(
      (y, out) => alResiduals(y, pr, scale, al, gBuf, out),
      pr.k.length + nPen,
      x,
      { lo, hi, maxIter: AL_LM_ITERATIONS },
    );
    const p = xToParams(x, pr);
    const updated = updateMultipliers(lambda, penaltyG(p, fixed, moving, gBuf), mu, eps);
    lambda = updated.lambda;
    let viol = updated.viol;
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
    if (updated.kkt <= 1e-3 * eps && added === 0) break;
    if (viol > 0.25 * prevViol) mu = Math.min(mu * 10, AL_MU_MAX);
    prevViol = viol;
  }
  return xToParams(x, pr);
}

/** Input of `butterflyFreeFit`: the used quotes, their final weights, the robust fit's box. */
export interface ButterflyFreeInput {
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

/** The fixed penalty k-grid: uniform over ±R, R = max(1, 6√w₀(0), quoted range + span). */
function constraintGrid(p0: SviParams, box: OuterBox): number[] {
  const w0 = Math.max(1e-8, sviTotalVariance(p0, 0));
  const R = Math.max(
    1,
    6 * Math.sqrt(w0),
    Math.abs(box.kLo) + box.span,
    Math.abs(box.kHi) + box.span,
  );
  const grid: number[] = [];
  for (let i = 0; i <= CONSTRAINT_GRID_INTERVALS; i++)
    grid.push(-R + (2 * R * i) / CONSTRAINT_GRID_INTERVALS);
  for (let i = 1; i <= CONSTRAINT_WING_POINTS; i++) {
    const f = Math.pow(WING_REACH, i / CONSTRAINT_WING_POINTS);
    grid.push(-R * f, R * f);
  }
  return grid;
}

/** The constrained problem of `inp` around the unconstrained optimum p0. */
function constrainedProblem(p0: SviParams, inp: ButterflyFreeInput): ConstrainedProblem {
  const sw = inp.lamPsi.reduce((s, v) => s + v, 0);
  return {
    k: inp.k,
    vol: inp.vol,
    omega: inp.lamPsi.map((v) => v / sw),
    T: inp.T,
    mLo: inp.box.mLo,
    mHi: inp.box.mHi,
    lnSigmaLo: inp.box.lsMin,
    lnSigmaHi: inp.box.lsMax,
    rhoMax: inp.rhoMax,
    lee: Math.min(inp.lee, 2),
    grid: constraintGrid(p0, inp.box),
  };
}

/**
 * Extra starts: inner QP fits (total variance, weights linearised at p0) at fixed (m, σ)
 * with |ρ| capped — the unconstrained optimum pulled toward smaller |ρ| and larger σ, and a
 * coarse (m, σ) grid with |ρ| ≤ ½ — of which the two best by the penalised objective
 * (degenerate ones with b = 0 skipped).
 */
function extraStarts(
  p0: SviParams,
  inp: ButterflyFreeInput,
  pr: ConstrainedProblem,
  scale: number,
): SviParams[] {
  const { k, vol, T, box } = inp;
  const wData: InnerData = {
    k,
    w: vol.map((v) => v * v * T),
    omega: k.map((kk, i) => {
      const vh = sviVolFloored(p0, kk, T);
      return pr.omega[i]! / (T * (vh + vol[i]!)) ** 2;
    }),
  };
  const sLo = Math.exp(box.lsMin);
  const sHi = Math.exp(box.lsMax);
  const capped = (m: number, sigma: number, rhoCap: number): SviParams => {
    const r = Math.max(1e-3, Math.min(inp.rhoMax, rhoCap));
    const sg = Math.min(sHi, Math.max(sLo, sigma));
    const bounds = { rhoMax: r, lee: inp.lee, chords: minVarianceChords(r, 8) };
    return innerFit(wData, m, sg, bounds).params;
  };
  const nPen = pr.grid.length + SINH.length;
  const merit = (q: SviParams): number =>
    volObjective(q, pr) / scale +
    (100 / nPen) *
      penaltyG(q, pr.grid, SINH, new Float64Array(nPen)).reduce(
        (acc, g) => acc + Math.max(0, BUTTERFLY_MARGIN - g) ** 2,
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
  return extra
    .filter((q) => q.b > 0)
    .map((q) => ({ q, f: merit(q) }))
    .sort((x, y) => x.f - y.f)
    .slice(0, 2)
    .map((r) => r.q);
}

/** The unconstrained optimum and its `repairButterfly` (when the repair succeeds). */
function baseStarts(p0: SviParams, inp: ButterflyFreeInput): SviParams[] {
  const starts: SviParams[] = [p0];
  try {
    const qs: SviQuote[] = inp.k.map((kk, i) => ({
      k: kk,
      vol: inp.vol[i]!,
      weight: inp.lamPsi[i]!,
    }));
    starts.push(repairButterfly(p0, qs, inp.T, { check: inp.check }));
  } catch (e) {
    if (!(e instanceof BallastError)) throw e;
  }
  return starts;
}

/**
 * The butterfly-constrained fit (see the module comment): candidates from several
 * deterministic starts, each refined by `constrainedRefine`; returns the arbitrage-free
 * candidate (by `checkButterfly` with the caller's options, and `sviValidate`) with the
 * smallest weighted vol objective. Throws FIT_FAILED if there is none (not expected: the
 * `repairButterfly` start is arbitrage-free by construction).
 */
export function butterflyFreeFit(p0: SviParams, inp: ButterflyFreeInput): SviParams {
  const pr = constrainedProblem(p0, inp);
  const ok = (q: SviParams): boolean =>
    sviValidate(q).length === 0 && checkButterfly(q, inp.check).arbitrageFree;
  // Objective scale: the unconstrained optimum, floored at (0.01 vol points)².
  const scale = Math.max(volObjective(p0, pr), 1e-8);
  const starts = [...baseStarts(p0, inp), ...extraStarts(p0, inp, pr, scale)];

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
    let r = constrainedRefine(s, pr, scale, BUTTERFLY_MARGIN);
    let feasible = consider(r);
    for (const raise of BUTTERFLY_MARGIN_RAISES) {
      if (feasible) break;
      r = constrainedRefine(r, pr, scale, raise * BUTTERFLY_MARGIN);
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
    const { hi } = bisectSwitch((t) => ok(at(t)), 0, 1, FEASIBLE_BISECTION_STEPS);
    if (hi < 1) consider(at(hi));
  }
  return best;
}
