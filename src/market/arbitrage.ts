/**
 * Static-arbitrage checks and repairs for SVI slices and sets of slices.
 *
 * Butterfly (strike) arbitrage of one slice — Gatheral & Jacquier 2014, "Arbitrage-free SVI
 * volatility surfaces", Quantitative Finance 14(1), Lemma 2.2: with w = w(k), w' = ∂ₖw,
 * w'' = ∂ₖₖw, the slice is free of butterfly arbitrage iff w > 0,
 *
 *     g(k) = (1 − k·w'/(2w))² − (w'²/4)·(1/w + 1/4) + w''/2 ≥ 0   for all k,
 *
 * and d₊(k) = −k/√w + √w/2 → −∞ as k → +∞. The risk-neutral density of k is
 * p(k) = g(k)/√(2πw) · exp(−d₋(k)²/2), d₋ = −k/√w − √w/2. For raw SVI the limit condition
 * holds when Lee's bound b(1 + |ρ|) ≤ 2 holds strictly on the right wing, and g tends to
 * 1/4 − (b(1 ± ρ))²/16 in the wings, so wing slopes above 2 are flagged as arbitrage.
 *
 * Calendar arbitrage — Gatheral & Jacquier 2014, Lemma 2.1: with zero rates (or k measured
 * against each expiry's own forward, as everywhere in src/market) the surface is free of
 * calendar-spread arbitrage iff total variance w(k, T) is non-decreasing in T for every k.
 *
 * All checks are numerical, on dense grids in k with refinement of the boundaries; the
 * grids are documented on each option type. Checks report; repairs run only when asked.
 */
import { BallastError } from '../core/errors.ts';
import { bisectSwitch } from '../core/optim/bisection.ts';
import { goldenSection } from '../core/optim/golden-section.ts';
import { nelderMead } from '../core/optim/nelder-mead.ts';
import {
  type SviParams,
  sviMinTotalVariance,
  sviTotalVariance,
  sviTotalVarianceD2k,
  sviTotalVarianceDk,
  sviValidate,
  type SviQuote,
  sviVolFloored,
} from './svi.ts';

/**
 * Gatheral's g(k) for a raw SVI slice:
 * `g = (1 − k·w'/(2w))² − (w'²/4)·(1/w + 1/4) + w''/2` (Gatheral & Jacquier 2014, eq. 2.1).
 * NaN or ±∞ where w ≤ 0.
 */
export function sviButterflyG(p: SviParams, k: number): number {
  const w = sviTotalVariance(p, k);
  const w1 = sviTotalVarianceDk(p, k);
  const w2 = sviTotalVarianceD2k(p, k);
  const t = 1 - (k * w1) / (2 * w);
  return t * t - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/**
 * Risk-neutral density of log-moneyness implied by a slice (Gatheral & Jacquier 2014, §2.1):
 * `p(k) = g(k)/√(2πw(k)) · exp(−d₋(k)²/2)`, `d₋ = −k/√w − √w/2`. Negative where the slice
 * has butterfly arbitrage; NaN where w ≤ 0.
 */
export function sviDensity(p: SviParams, k: number): number {
  const w = sviTotalVariance(p, k);
  if (!(w > 0)) return NaN;
  const sw = Math.sqrt(w);
  const dm = -k / sw - sw / 2;
  return (sviButterflyG(p, k) / Math.sqrt(2 * Math.PI * w)) * Math.exp(-0.5 * dm * dm);
}

/**
 * Options of `checkButterfly`.
 * - `kMin`, `kMax`: the core grid range. Default ±max(1, 6·√w(0)) widened to contain
 *   m ± 10σ (capped at ±10) — i.e. the "[-3, 3] scaled by √w" region with generous margin.
 * - `points`: points of the uniform core grid (default 2001). A further 401 points
 *   `k = m + σ·sinh(u)` concentrate on the curvature region, and unless `wings` is false,
 *   100 log-spaced points per side extend the grid to 50× the core range.
 * - `tolerance`: g ≥ −tolerance counts as arbitrage-free (default 1e-12).
 */
export interface ButterflyCheckOptions {
  readonly kMin?: number;
  readonly kMax?: number;
  readonly points?: number;
  readonly wings?: boolean;
  readonly tolerance?: number;
}

/** An interval of log-moneyness where g < 0 or w ≤ 0 (ends may be ±∞ for a wing). */
export interface ButterflyViolation {
  readonly kFrom: number;
  readonly kTo: number;
}

/** Result of `checkButterfly`. */
export interface ButterflyCheck {
  /** True when g ≥ −tolerance and w > 0 on the whole grid and Lee's wing bound holds. */
  readonly arbitrageFree: boolean;
  /** Minimum of Gatheral's g(k) over the grid (points with w > 0), refined locally. */
  readonly minDensity: number;
  /** The k where `minDensity` is attained. */
  readonly kAtMin: number;
  /** Maximal intervals where the slice has butterfly arbitrage, boundaries refined. */
  readonly violations: ButterflyViolation[];
  /** Minimum total variance a + bσ√(1 − ρ²); negative means negative variance somewhere. */
  readonly minTotalVariance: number;
  /** The core grid range that was checked. */
  readonly kRange: readonly [number, number];
}

function requireFiniteParams(p: SviParams, where: string): void {
  for (const f of ['a', 'b', 'rho', 'm', 'sigma'] as const) {
    if (typeof p[f] !== 'number' || !Number.isFinite(p[f])) {
      throw new BallastError(
        'INVALID_INPUT',
        `must be a finite number, got ${String(p[f])}`,
        `${where}.${f}`,
      );
    }
  }
  if (!(p.sigma > 0))
    throw new BallastError('INVALID_INPUT', `must be > 0, got ${p.sigma}`, `${where}.sigma`);
}

/** Bisection for the switch of a boolean predicate between a and b (60 halvings). */
function bisectPredicate(pred: (x: number) => boolean, a: number, b: number): number {
  const pa = pred(a);
  const { lo, hi } = bisectSwitch((x) => pred(x) !== pa, a, b);
  return 0.5 * (lo + hi);
}

/**
 * The default core k-range of `checkButterfly`: ±max(1, 6·√w(0)) widened to contain m ± 10σ,
 * capped at ±10 (see `ButterflyCheckOptions`).
 */
export function defaultButterflyRange(p: SviParams): [number, number] {
  const w0 = Math.max(0, sviTotalVariance(p, 0));
  const half = Math.max(1, 6 * Math.sqrt(w0));
  const lo = Math.min(-half, Math.max(-10, p.m - 10 * p.sigma));
  const hi = Math.max(half, Math.min(10, p.m + 10 * p.sigma));
  return [lo, hi];
}

function butterflyGrid(
  p: SviParams,
  kMin: number,
  kMax: number,
  points: number,
  wings: boolean,
): number[] {
  const ks: number[] = [];
  const n = Math.max(2, Math.floor(points));
  for (let i = 0; i < n; i++) ks.push(kMin + ((kMax - kMin) * i) / (n - 1));
  const span = Math.max(Math.abs(kMin - p.m), Math.abs(kMax - p.m));
  const u = Math.asinh(span / p.sigma);
  for (let i = 0; i <= 400; i++) {
    const k = p.m + p.sigma * Math.sinh(-u + (2 * u * i) / 400);
    if (k >= kMin && k <= kMax) ks.push(k);
  }
  if (wings) {
    const left = Math.min(kMin, -1e-3);
    const right = Math.max(kMax, 1e-3);
    for (let i = 1; i <= 100; i++) {
      const f = Math.pow(50, i / 100);
      ks.push(left * f, right * f);
    }
  }
  const sorted = Float64Array.from(ks).sort();
  const out: number[] = [];
  for (const k of sorted) if (out.length === 0 || k > out[out.length - 1]!) out.push(k);
  return out;
}

/**
 * Butterfly-arbitrage check of one raw SVI slice: evaluates Gatheral's g(k) and w(k) on a
 * dense grid (see `ButterflyCheckOptions`), refines the minimum of g by golden section and
 * the boundaries of every violating interval by bisection, and adds the asymptotic wing
 * test (g → 1/4 − (b(1 ± ρ))²/16, so a wing slope above Lee's 2 is an arbitrage out to ±∞).
 * A negative minimum total variance is reported as arbitrage too (the interval where w ≤ 0
 * is part of `violations`). Throws `INVALID_INPUT` for non-finite parameters or σ ≤ 0.
 */
export function checkButterfly(p: SviParams, options: ButterflyCheckOptions = {}): ButterflyCheck {
  requireFiniteParams(p, 'params');
  const tol = options.tolerance ?? 1e-12;
  const [dMin, dMax] = defaultButterflyRange(p);
  const kMin = options.kMin ?? dMin;
  const kMax = options.kMax ?? dMax;
  if (!(Number.isFinite(kMin) && Number.isFinite(kMax) && kMin < kMax)) {
    throw new BallastError(
      'INVALID_INPUT',
      `need finite kMin < kMax, got [${kMin}, ${kMax}]`,
      'options.kMin',
    );
  }
  const ks = butterflyGrid(p, kMin, kMax, options.points ?? 2001, options.wings ?? true);
  const bad = (k: number): boolean => {
    const w = sviTotalVariance(p, k);
    if (!(w > 0)) return true;
    return !(sviButterflyG(p, k) >= -tol);
  };
  const gOrInf = (k: number): number => {
    const g = sviButterflyG(p, k);
    return sviTotalVariance(p, k) > 0 && !Number.isNaN(g) ? g : Infinity;
  };
  let iMin = -1;
  let gMin = Infinity;
  const flags: boolean[] = [];
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    const g = gOrInf(k);
    if (g < gMin) {
      gMin = g;
      iMin = i;
    }
    flags.push(bad(k));
  }
  let kAtMin = iMin >= 0 ? ks[iMin]! : NaN;
  if (iMin >= 0) {
    const lo = ks[Math.max(0, iMin - 1)]!;
    const hi = ks[Math.min(ks.length - 1, iMin + 1)]!;
    const r = goldenSection(gOrInf, lo, hi);
    if (r.fx < gMin) {
      gMin = r.fx;
      kAtMin = r.x;
    }
  }
  const violations: ButterflyViolation[] = [];
  let start: number | undefined;
  for (let i = 0; i < ks.length; i++) {
    if (flags[i] && start === undefined) {
      start = i === 0 ? -Infinity : bisectPredicate(bad, ks[i - 1]!, ks[i]!);
    }
    if (!flags[i] && start !== undefined) {
      violations.push({ kFrom: start, kTo: bisectPredicate(bad, ks[i - 1]!, ks[i]!) });
      start = undefined;
    }
  }
  if (start !== undefined) violations.push({ kFrom: start, kTo: Infinity });
  // Asymptotic wings: the grid is finite, the wing limit of g is 1/4 − slope²/16.
  const leftSlope = p.b * (1 - p.rho);
  const rightSlope = p.b * (1 + p.rho);
  const first = violations[0];
  if (leftSlope > 2 && !(first !== undefined && first.kFrom === -Infinity)) {
    violations.unshift({ kFrom: -Infinity, kTo: ks[0]! });
  }
  const last = violations[violations.length - 1];
  if (rightSlope > 2 && !(last !== undefined && last.kTo === Infinity)) {
    violations.push({ kFrom: ks[ks.length - 1]!, kTo: Infinity });
  }
  const minTotalVariance = sviMinTotalVariance(p);
  return {
    arbitrageFree: violations.length === 0 && minTotalVariance >= 0,
    minDensity: gMin,
    kAtMin,
    violations,
    minTotalVariance,
    kRange: [kMin, kMax],
  };
}

/** One expiry for the calendar check: maturity T (years) and its SVI slice. */
export interface CalendarSlice {
  readonly T: number;
  readonly params: SviParams;
}

/**
 * Options of `checkCalendar` / `repairCalendar`.
 * - `kMin`, `kMax`: a fixed grid range for every pair. Default, per pair of consecutive
 *   slices T1 < T2: k ∈ ±`stdDevs`·√w₁(0), that many ATM standard deviations of the
 *   **earlier** slice. Beyond it the earlier expiry's OTM option is worth less than about
 *   Φ(−stdDevs) of the forward, so a "violation" there — the later option
 *   cheaper still — is economically void, while SVI wings fitted to a few short-dated quotes
 *   are pure extrapolation. Depending on the earlier slice only also makes the single sweep
 *   of `repairCalendar` final (it never changes a pair's earlier slice after using it).
 * - `stdDevs`: default 4 (beyond 4 ATM standard deviations an OTM option is worth well under
 *   Φ(−4) ≈ 3e-5 of the forward, i.e. below a 0.0001-coin tick on Deribit).
 * - `points`: uniform grid points per pair (default 1201); every local minimum of
 *   w(T₂) − w(T₁) on the grid is refined by golden section.
 * - `tolerance`: w(T₂) − w(T₁) ≥ −tolerance counts as calendar-free (default 1e-10 in
 *   total variance; `repairCalendar` leaves a margin of `tolerance`/10 above zero).
 */
export interface CalendarCheckOptions {
  readonly kMin?: number;
  readonly kMax?: number;
  readonly stdDevs?: number;
  readonly points?: number;
  readonly tolerance?: number;
}

/** A calendar violation: at log-moneyness k, w(k, T2) = w2 < w1 = w(k, T1) with T1 < T2. */
export interface CalendarViolation {
  readonly T1: number;
  readonly T2: number;
  readonly k: number;
  readonly w1: number;
  readonly w2: number;
}

/** Result of `checkCalendar`: one violation per maximal violating k-interval and pair. */
export interface CalendarCheck {
  readonly arbitrageFree: boolean;
  readonly violations: CalendarViolation[];
}

function sortedSlices<S extends CalendarSlice>(slices: readonly S[]): S[] {
  slices.forEach((s, i) => {
    if (!(Number.isFinite(s.T) && s.T > 0)) {
      throw new BallastError(
        'INVALID_INPUT',
        `maturity must be finite and > 0, got ${s.T}`,
        `slices[${i}].T`,
      );
    }
    requireFiniteParams(s.params, `slices[${i}].params`);
  });
  const out = [...slices].sort((x, y) => x.T - y.T);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.T === out[i - 1]!.T) {
      throw new BallastError(
        'INVALID_INPUT',
        `two slices share the maturity T = ${out[i]!.T}`,
        'slices',
      );
    }
  }
  return out;
}

/** The k grid for the pair (p1, p2) (see `CalendarCheckOptions`). */
function pairGrid(p1: SviParams, options: CalendarCheckOptions): number[] {
  let kMin = options.kMin;
  let kMax = options.kMax;
  if (kMin === undefined || kMax === undefined) {
    const half = Math.max(
      1e-4,
      (options.stdDevs ?? 4) * Math.sqrt(Math.max(0, sviTotalVariance(p1, 0))),
    );
    kMin ??= -half;
    kMax ??= half;
  }
  if (!(Number.isFinite(kMin) && Number.isFinite(kMax) && kMin < kMax)) {
    throw new BallastError(
      'INVALID_INPUT',
      `need finite kMin < kMax, got [${kMin}, ${kMax}]`,
      'options.kMin',
    );
  }
  return uniformGrid(kMin, kMax, options.points ?? 1201);
}

/** Local minima of d(k) = w2(k) − w1(k) on the grid, refined: [k, d(k)] pairs. */
function refinedMinima(d: (k: number) => number, ks: readonly number[]): [number, number][] {
  const ds = ks.map(d);
  const out: [number, number][] = [];
  for (let i = 0; i < ks.length; i++) {
    const left = i > 0 ? ds[i - 1]! : Infinity;
    const right = i < ks.length - 1 ? ds[i + 1]! : Infinity;
    const di = ds[i]!;
    // Strict on one side so flat stretches (e.g. identical slices) are not all refined.
    if (di < 1e-6 && di <= left && di <= right && (di < left || di < right)) {
      const r = goldenSection(d, ks[Math.max(0, i - 1)]!, ks[Math.min(ks.length - 1, i + 1)]!);
      out.push(r.fx < di ? [r.x, r.fx] : [ks[i]!, di]);
    }
  }
  return out;
}

function uniformGrid(kMin: number, kMax: number, points: number): number[] {
  const n = Math.max(2, Math.floor(points));
  const ks: number[] = [];
  for (let i = 0; i < n; i++) ks.push(kMin + ((kMax - kMin) * i) / (n - 1));
  return ks;
}

/**
 * Calendar-spread check of a set of slices (any order; sorted by T here): for each pair of
 * consecutive maturities T1 < T2 (sufficient, by transitivity on a common grid),
 * w(k, T2) ≥ w(k, T1) − tolerance on a k grid (see `CalendarCheckOptions`), k being
 * log-moneyness against each expiry's own forward. Each maximal violating interval of a pair
 * is reported once, at its worst (refined) k. Throws `INVALID_INPUT` for T ≤ 0, duplicate T
 * or non-finite parameters.
 */
export function checkCalendar(
  slices: readonly CalendarSlice[],
  options: CalendarCheckOptions = {},
): CalendarCheck {
  const s = sortedSlices(slices);
  const tol = options.tolerance ?? 1e-10;
  const violations: CalendarViolation[] = [];
  for (let i = 1; i < s.length; i++) {
    const p1 = s[i - 1]!.params;
    const p2 = s[i]!.params;
    const ks = pairGrid(p1, options);
    const d = (k: number): number => sviTotalVariance(p2, k) - sviTotalVariance(p1, k);
    // Group refined local minima below −tol into maximal violating runs of the grid.
    const minima = refinedMinima(d, ks).filter(([, v]) => v < -tol);
    const runs: [number, number][] = [];
    for (const [k, v] of minima) {
      const prev = runs[runs.length - 1];
      if (prev !== undefined) {
        // Same run if d stays below −tol on the grid between the two minima.
        let joined = true;
        for (const kg of ks) if (kg > prev[0] && kg < k && d(kg) >= -tol) joined = false;
        if (joined) {
          if (v < prev[1]) runs[runs.length - 1] = [k, v];
          continue;
        }
      }
      runs.push([k, v]);
    }
    for (const [k] of runs) {
      violations.push({
        T1: s[i - 1]!.T,
        T2: s[i]!.T,
        k,
        w1: sviTotalVariance(p1, k),
        w2: sviTotalVariance(p2, k),
      });
    }
  }
  return { arbitrageFree: violations.length === 0, violations };
}

/**
 * Calendar repair: walking up in T, raises each later slice's `a` by the minimum needed so
 * that w(k, T2) ≥ w(k, T1) on the pair's check grid (plus a margin of `tolerance`/10), i.e.
 * `a₂ += max(0, −min_k (w₂(k) − w₁(k)))`. The pair's grid depends only on the earlier
 * (already final) slice, so `checkCalendar` with the same options passes on the result.
 * Other fields of each slice are kept; the result is sorted by T. Raising `a` keeps b, ρ,
 * m, σ (hence Lee's bound) and raises the minimum variance; it usually but not provably
 * keeps g ≥ 0 — re-run `checkButterfly` if needed. Crossings outside the grid (a later
 * slice with a smaller wing slope) cannot be cured by a shift of `a` and are out of scope.
 */
export function repairCalendar<S extends CalendarSlice>(
  slices: readonly S[],
  options: CalendarCheckOptions = {},
): S[] {
  const cur = sortedSlices(slices);
  const tol = options.tolerance ?? 1e-10;
  if (cur.length === 0) return cur;
  const out: S[] = [cur[0]!];
  for (let i = 1; i < cur.length; i++) {
    const p1 = out[i - 1]!.params;
    const p2 = cur[i]!.params;
    const d = (k: number): number => sviTotalVariance(p2, k) - sviTotalVariance(p1, k);
    let worst = Infinity;
    for (const [, v] of refinedMinima(d, pairGrid(p1, options))) worst = Math.min(worst, v);
    out.push(worst < 0 ? { ...cur[i]!, params: { ...p2, a: p2.a - worst + tol / 10 } } : cur[i]!);
  }
  return out;
}

/** Options of `repairButterfly`. `check` is passed to the final `checkButterfly`. */
export interface RepairButterflyOptions {
  readonly check?: ButterflyCheckOptions;
}

/**
 * Raw parameters of an SSVI slice (Gatheral & Jacquier 2014, eq. 4.1 and Lemma 3.3):
 * `w(k) = θ/2 (1 + ρφk + √((φk + ρ)² + 1 − ρ²))` ⇔ a = θ(1 − ρ²)/2, b = θφ/2, ρ,
 * m = −ρ/φ, σ = √(1 − ρ²)/φ. It has w(0) = θ, w'(0) = θρφ, w''(0) = θφ²(1 − ρ²)/2 and is
 * free of butterfly arbitrage when θφ(1 + |ρ|) < 4 and θφ²(1 + |ρ|) ≤ 4 (their Thm 4.2).
 */
function ssviRaw(theta: number, rho: number, phi: number): SviParams {
  return {
    a: (theta * (1 - rho * rho)) / 2,
    b: (theta * phi) / 2,
    rho,
    m: -rho / phi,
    sigma: Math.sqrt(1 - rho * rho) / phi,
  };
}

function blend(p: SviParams, q: SviParams, t: number): SviParams {
  const rho = (1 - t) * p.rho + t * q.rho;
  let b = (1 - t) * p.b + t * q.b;
  // Lee's bound is not convex in (b, ρ): clip so the blend stays within it.
  b = Math.min(b, 2 / (1 + Math.abs(rho)));
  return {
    a: (1 - t) * p.a + t * q.a,
    b,
    rho,
    m: (1 - t) * p.m + t * q.m,
    sigma: (1 - t) * p.sigma + t * q.sigma,
  };
}

/** Sanitised copy of p: b ≥ 0, |ρ| ≤ 0.999, σ ≥ 1e-8, Lee's bound, min variance ≥ 0. */
function sanitize(p: SviParams): SviParams {
  const rho = Math.max(-0.999, Math.min(0.999, p.rho));
  const sigma = Math.max(1e-8, p.sigma);
  const b = Math.min(Math.max(0, p.b), 2 / (1 + Math.abs(rho)));
  let a = p.a;
  const minW = a + b * sigma * Math.sqrt(1 - rho * rho);
  if (minW < 0) a -= minW;
  return { a, b, rho, m: p.m, sigma };
}

const RHO_CAP = 0.999;
const toX = (p: SviParams): number[] => [
  p.a,
  Math.log(Math.max(p.b, 1e-12)),
  Math.atanh((Math.max(-RHO_CAP, Math.min(RHO_CAP, p.rho)) / RHO_CAP) * (1 - 1e-12)),
  p.m,
  Math.log(p.sigma),
];
const fromX = (x: readonly number[]): SviParams => ({
  a: x[0]!,
  b: Math.exp(x[1]!),
  rho: RHO_CAP * Math.tanh(x[2]!),
  m: x[3]!,
  sigma: Math.exp(x[4]!),
});

/**
 * Butterfly repair: returns a slice free of butterfly arbitrage (by `checkButterfly` with
 * `options.check`) and valid by `sviValidate`, close to `p`. Returns `p` itself when it is
 * already clean. Deterministic.
 *
 * "Close" means: with `quotes` and `T`, the weighted sum of squared implied-vol errors at the
 * quotes (weights `quote.weight`, default 1); without, the squared implied-vol distance to p
 * on a uniform grid of the check range.
 *
 * Method: (1) sanitise (b ≥ 0, |ρ| ≤ 0.999, Lee's bound b(1 + |ρ|) ≤ 2, minimum variance
 * ≥ 0); (2) a guaranteed feasible point: for a few arbitrage-free SSVI anchor slices q with
 * the same ATM total variance θ = w_p(0) (ρ and φ matching p's ATM skew or curvature, φ
 * capped by the Gatheral–Jacquier sufficient conditions θφ(1 + |ρ|) < 4, θφ²(1 + |ρ|) ≤ 4),
 * bisect the raw-parameter blend (1 − t)·p + t·q for the smallest arbitrage-free t and keep
 * the closest; (3) local improvement: Nelder–Mead on (a, ln b, atanh ρ, m, ln σ) of
 * closeness + μ·Σ max(0, 10⁻⁴ − g(k))² on a grid, μ = 1, 10², 10⁴; the result is used if it
 * passes the full check, otherwise the blend towards the feasible point of step 2 is bisected
 * again. Throws `FIT_FAILED` if no arbitrage-free slice is found (not expected).
 */
export function repairButterfly(
  p: SviParams,
  quotes?: readonly SviQuote[],
  T?: number,
  options: RepairButterflyOptions = {},
): SviParams {
  requireFiniteParams(p, 'params');
  if (quotes !== undefined && !(T !== undefined && Number.isFinite(T) && T > 0)) {
    throw new BallastError('INVALID_INPUT', 'a positive maturity T is required with quotes', 'T');
  }
  const checkOpts = options.check ?? {};
  const ok = (q: SviParams): boolean =>
    sviValidate(q).length === 0 && checkButterfly(q, checkOpts).arbitrageFree;
  if (ok(p)) return p;
  const s = sanitize(p);
  if (ok(s)) return s;
  const fastOpts: ButterflyCheckOptions = {
    ...checkOpts,
    points: Math.min(checkOpts.points ?? 2001, 401),
  };
  const okFast = (q: SviParams): boolean =>
    sviValidate(q).length === 0 && checkButterfly(q, fastOpts).arbitrageFree;
  const [kLo, kHi] =
    checkOpts.kMin !== undefined && checkOpts.kMax !== undefined
      ? [checkOpts.kMin, checkOpts.kMax]
      : defaultButterflyRange(p);
  const ctx: RepairContext = {
    s,
    ok,
    okFast,
    score: closenessScore(s, kLo, kHi, quotes, T),
    penGrid: uniformGrid(kLo, kHi, 401),
  };
  // (2) Feasible point by bisection towards SSVI anchors.
  const { feasible, feasibleScore } = bestFeasibleBlend(ctx);
  // (3) Local penalised improvement.
  const local = penalisedImprovement(ctx, feasible, feasibleScore);
  let best = feasible;
  if (ok(local)) {
    if (ctx.score(local) < feasibleScore) best = local;
  } else {
    const cand = bisectToFeasible(ctx, local, feasible);
    if (cand !== undefined && ctx.score(cand) < feasibleScore) best = cand;
  }
  return best;
}

/** What the steps of `repairButterfly` share: the sanitised slice, checks, score, grid. */
interface RepairContext {
  /** The sanitised input slice. */
  readonly s: SviParams;
  /** Full check (caller's options) and fast check (≤ 401 points). */
  readonly ok: (q: SviParams) => boolean;
  readonly okFast: (q: SviParams) => boolean;
  /** Closeness to the quotes (or to s on a grid); smaller is closer. */
  readonly score: (q: SviParams) => number;
  /** k-grid of the butterfly penalty. */
  readonly penGrid: readonly number[];
}

/**
 * Closeness of a slice q: with quotes and T the weighted mean squared implied-vol error at
 * the quotes, else the mean squared implied-vol distance to s on a 201-point grid.
 */
function closenessScore(
  s: SviParams,
  kLo: number,
  kHi: number,
  quotes: readonly SviQuote[] | undefined,
  T: number | undefined,
): (q: SviParams) => number {
  if (quotes !== undefined && T !== undefined) {
    return (q) => {
      let e = 0;
      let sw = 0;
      for (const qu of quotes) {
        const d = sviVolFloored(q, qu.k, T) - qu.vol;
        e += (qu.weight ?? 1) * d * d;
        sw += qu.weight ?? 1;
      }
      return e / sw;
    };
  }
  const gridK = uniformGrid(kLo, kHi, 201);
  const volP = gridK.map((k) => Math.sqrt(Math.max(0, sviTotalVariance(s, k))));
  return (q) => {
    let e = 0;
    for (let i = 0; i < gridK.length; i++) {
      const d = Math.sqrt(Math.max(0, sviTotalVariance(q, gridK[i]!))) - volP[i]!;
      e += d * d;
    }
    return e / gridK.length;
  };
}

/**
 * Arbitrage-free SSVI anchors with s's ATM total variance θ: ρ = s's (capped at 0.95) and 0,
 * φ at half the Gatheral–Jacquier cap and matching s's ATM skew or curvature.
 */
function ssviAnchors(ctx: RepairContext): SviParams[] {
  const { s, ok } = ctx;
  const theta = Math.max(sviTotalVariance(s, 0), 1e-10);
  const skew = sviTotalVarianceDk(s, 0);
  const curv = sviTotalVarianceD2k(s, 0);
  const anchors: SviParams[] = [];
  for (const rho of [Math.max(-0.95, Math.min(0.95, s.rho)), 0]) {
    const phiMax =
      0.98 *
      Math.min(4 / (theta * (1 + Math.abs(rho))), Math.sqrt(4 / (theta * (1 + Math.abs(rho)))));
    const phis: number[] = [0.5 * phiMax];
    if (rho !== 0 && skew / (theta * rho) > 0) phis.push(skew / (theta * rho));
    if (curv > 0) phis.push(Math.sqrt((2 * curv) / (theta * (1 - rho * rho))));
    for (const phi of phis) {
      const q = ssviRaw(theta, rho, Math.min(Math.max(phi, 1e-6), phiMax));
      if (ok(q)) anchors.push(q);
    }
  }
  return anchors;
}

/**
 * The first arbitrage-free blend (1 − t)·from + t·to: 30 bisection steps on the fast check,
 * then t raised until the full check passes; undefined if even t = 1 fails.
 */
function bisectToFeasible(
  ctx: RepairContext,
  from: SviParams,
  to: SviParams,
): SviParams | undefined {
  const { lo, hi } = bisectSwitch((t) => ctx.okFast(blend(from, to, t)), 0, 1, 30);
  let t = hi;
  let cand = blend(from, to, t);
  while (!ctx.ok(cand) && t < 1) {
    t = Math.min(1, t + Math.max(1e-6, 2 * (t - lo)));
    cand = blend(from, to, t);
  }
  return ctx.ok(cand) ? cand : undefined;
}

/** The closest arbitrage-free blend of s toward an SSVI anchor; FIT_FAILED if none. */
function bestFeasibleBlend(ctx: RepairContext): { feasible: SviParams; feasibleScore: number } {
  let feasible: SviParams | undefined;
  let feasibleScore = Infinity;
  for (const q of ssviAnchors(ctx)) {
    const cand = bisectToFeasible(ctx, ctx.s, q);
    if (cand === undefined) continue;
    const sc = ctx.score(cand);
    if (sc < feasibleScore) {
      feasibleScore = sc;
      feasible = cand;
    }
  }
  if (feasible === undefined) {
    throw new BallastError(
      'FIT_FAILED',
      'could not find a butterfly-free slice near the given parameters',
      'params',
    );
  }
  return { feasible, feasibleScore };
}

/**
 * Mean squared shortfall of g below 10⁻⁴ on the penalty grid, plus 100× the squared excess
 * over Lee's bound and the squared negative minimum variance.
 */
function butterflyPenalty(q: SviParams, penGrid: readonly number[]): number {
  let pen = 0;
  for (const k of penGrid) {
    const w = sviTotalVariance(q, k);
    const g = w > 0 ? sviButterflyG(q, k) : -1;
    const v = 1e-4 - (Number.isNaN(g) ? -1 : g);
    if (v > 0) pen += v * v;
  }
  const lee = q.b * (1 + Math.abs(q.rho)) - 2;
  if (lee > 0) pen += 100 * lee * lee;
  const mv = sviMinTotalVariance(q);
  if (mv < 0) pen += 100 * mv * mv;
  return pen / penGrid.length;
}

/**
 * Nelder–Mead on (a, ln b, atanh ρ, m, ln σ) of closeness + μ·penalty, μ = 1, 10², 10⁴, from
 * the closer of the feasible blend and s.
 */
function penalisedImprovement(
  ctx: RepairContext,
  feasible: SviParams,
  feasibleScore: number,
): SviParams {
  const { s, score } = ctx;
  const theta = Math.max(sviTotalVariance(s, 0), 1e-10);
  let x = toX(feasibleScore <= score(s) ? feasible : s);
  const scale0 = Math.max(feasibleScore, 1e-10);
  for (const mu of [1, 1e2, 1e4]) {
    const obj = (y: readonly number[]): number => {
      const q = fromX(y);
      return score(q) / scale0 + mu * butterflyPenalty(q, ctx.penGrid) * 1e4;
    };
    const steps = [
      0.1 * Math.max(Math.abs(s.a), theta),
      0.1,
      0.1,
      0.1 * Math.max(s.sigma, 0.01),
      0.1,
    ];
    x = nelderMead(obj, x, steps, { maxEval: 1500, fRelTol: 1e-14, fAbsTol: 1e-26 }).x;
  }
  return fromX(x);
}
