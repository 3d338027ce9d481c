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
 * Each weighted total-variance fit is the quasi-explicit fit of svi-inner-fit.ts (Zeliade
 * Systems 2009): an exact 3-variable convex QP in (a, ρbσ, bσ) for fixed (m, σ) under
 * b ≥ 0, |ρ| ≤ ρ_max (default 0.999), Lee's b(1 + |ρ|) ≤ L (default 2) and a positive
 * minimum variance, and Nelder–Mead over (m, ln σ) started from the 3 best points of a fixed
 * 7×7 grid (deterministic multi-start; no randomness) at the first IRLS iteration of each
 * round, then warm-started from the previous iterate.
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
 * Butterfly constraint (`enforceButterfly`): if the fit has butterfly arbitrage, the slice is
 * refitted under g(k) ≥ ε with the same final weights (svi-butterfly-fit.ts).
 * Defaults and grid sizes: svi-fit-settings.ts.
 */
import { BallastError } from '../core/errors.ts';
import { normPdf } from '../core/normal.ts';
import { median } from '../core/stats.ts';
import { type ButterflyCheck, type ButterflyCheckOptions, checkButterfly } from './arbitrage.ts';
import { type SviParams, type SviQuote, sviVolFloored } from './svi.ts';
import { butterflyFreeFit } from './svi-butterfly-fit.ts';
import {
  HUBER_TUNING,
  MAD_TO_SIGMA,
  MIN_DISTINCT_K,
  MIN_QUOTES,
  SCREEN_NEIGHBOURS,
  SVI_FIT_DEFAULTS,
  TUKEY_TUNING,
} from './svi-fit-settings.ts';
import {
  type InnerBounds,
  type InnerData,
  minVarianceChords,
  type OuterBox,
  outerFit,
} from './svi-inner-fit.ts';

export type { SviQuote } from './svi.ts';

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

/** Robust IRLS weight of a standardised residual z: Huber or soft-L1. */
function robustWeight(z: number, loss: 'huber' | 'soft-l1'): number {
  const a = Math.abs(z);
  return loss === 'huber' ? (a <= HUBER_TUNING ? 1 : HUBER_TUNING / a) : 1 / Math.sqrt(1 + a * a);
}

/** Residual of each vol against the least-squares line through its scan neighbours. */
function neighbourResiduals(ks: readonly number[], vols: readonly number[]): number[] {
  const n = ks.length;
  const order = ks.map((_, i) => i).sort((x, y) => ks[x]! - ks[y]!);
  const res = new Array<number>(n).fill(0);
  order.forEach((i, pos) => {
    const nb: number[] = [];
    for (let d = 1; d <= SCREEN_NEIGHBOURS; d++) {
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
  return res;
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
  const res = neighbourResiduals(ks, vols);
  const scale = Math.max(MAD_TO_SIGMA * median(res.map(Math.abs)), minScale);
  // Tukey's bisquare: a gross outlier against its neighbours starts at weight 0.
  return res.map((r) => {
    const u = r / (TUKEY_TUNING * scale);
    return Math.abs(u) < 1 ? (1 - u * u) ** 2 : 0;
  });
}

function fail(message: string, field?: string): never {
  throw new BallastError('FIT_FAILED', message, field);
}

/** The options with their defaults filled in (svi-fit-settings.ts). */
type ResolvedOptions = Required<
  Omit<SviFitOptions, 'sigmaMax' | 'butterfly' | 'minScaleVolPoints'>
> & {
  readonly sigmaMax: number | undefined;
  readonly butterfly: ButterflyCheckOptions | undefined;
  /** Floor of the robust scale, in vol (decimal). */
  readonly minScale: number;
};

function resolveOptions(options: SviFitOptions): ResolvedOptions {
  const d = SVI_FIT_DEFAULTS;
  return {
    weighting: options.weighting ?? d.weighting,
    loss: options.loss ?? d.loss,
    robustIterations: options.robustIterations ?? d.robustIterations,
    outlierMads: options.outlierMads ?? d.outlierMads,
    minScale: (options.minScaleVolPoints ?? d.minScaleVolPoints) / 100,
    maxDropRounds: options.maxDropRounds ?? d.maxDropRounds,
    sigmaMin: options.sigmaMin ?? d.sigmaMin,
    rhoMax: options.rhoMax ?? d.rhoMax,
    leeBound: options.leeBound ?? d.leeBound,
    sigmaMax: options.sigmaMax,
    mMargin: options.mMargin ?? d.mMargin,
    enforceButterfly: options.enforceButterfly ?? d.enforceButterfly,
    butterfly: options.butterfly,
  };
}

/**
 * Checks T and every quote field (non-finite → FIT_FAILED naming it) and splits the quotes
 * into the usable ones and those dropped up front with their reason.
 */
function screenQuotes(
  quotes: readonly SviQuote[],
  T: number,
): { used: number[]; dropped: SviDroppedQuote[] } {
  if (!(typeof T === 'number' && Number.isFinite(T)))
    fail(`must be a finite number, got ${String(T)}`, 'T');
  if (!(T > 0)) fail(`maturity must be > 0, got ${T}`, 'T');
  if (!Array.isArray(quotes)) fail('quotes must be an array', 'quotes');
  const dropped: SviDroppedQuote[] = [];
  const used: number[] = [];
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
  return { used, dropped };
}

/** FIT_FAILED unless at least MIN_QUOTES quotes at MIN_DISTINCT_K distinct k remain. */
function requireEnough(quotes: readonly SviQuote[], used: readonly number[]): void {
  if (used.length < MIN_QUOTES)
    fail(`need at least ${MIN_QUOTES} usable quotes, got ${used.length}`, 'quotes');
  if (new Set(used.map((i) => quotes[i]!.k)).size < MIN_DISTINCT_K)
    fail(`need at least ${MIN_DISTINCT_K} distinct log-moneyness values`, 'quotes');
}

/** Base weights λᵢ: user weight × (normalised later) Black vega φ(d₁)√T unless 'uniform'. */
function baseWeights(quotes: readonly SviQuote[], T: number, o: ResolvedOptions): number[] {
  const sqT = Math.sqrt(T);
  return quotes.map((q) => {
    const u = q.weight ?? 1;
    if (o.weighting === 'uniform' || !(q.vol > 0)) return u;
    const d1 = -q.k / (q.vol * sqT) + (q.vol * sqT) / 2;
    return u * normPdf(d1) * sqT;
  });
}

/** The outer search box for the quotes' k-range (m margin, σ bounds). */
function outerBox(ks: readonly number[], o: ResolvedOptions): OuterBox {
  const kLo = Math.min(...ks);
  const kHi = Math.max(...ks);
  const span = Math.max(kHi - kLo, 1e-4);
  const lsMin = Math.log(o.sigmaMin);
  const lsMax = Math.log(Math.max(o.sigmaMin * 10, o.sigmaMax ?? span));
  return {
    kLo,
    kHi,
    span,
    mLo: kLo - o.mMargin * span,
    mHi: kHi + o.mMargin * span,
    lsMin,
    lsMax,
    sigmaMin: o.sigmaMin,
  };
}

/** One round's fit: the slice, vol residuals, robust weights and scale after IRLS. */
interface RoundFit {
  readonly params: SviParams;
  readonly residuals: number[];
  readonly robust: number[];
  readonly scale: number;
  readonly box: OuterBox;
}

/** True when the slice moved by more than the IRLS tolerance (a, b, m). */
function movedFrom(next: SviParams, prev: SviParams | undefined): boolean {
  return (
    prev === undefined ||
    Math.abs(next.a - prev.a) + Math.abs(next.b - prev.b) * 0.1 + Math.abs(next.m - prev.m) * 0.1 >
      1e-10 + 1e-8 * Math.abs(next.a)
  );
}

/**
 * IRLS on the quotes `idx`: neighbour-screen start weights, then each pass fits total
 * variance with weights λψ/(T(σ̂ + σ))² and updates ψ from the vol residuals, until the slice
 * stops moving or `robustIterations` passes. `prev` is the previous round's slice (it only
 * sets the first convergence test, as in one continuous iteration).
 */
function irlsRound(
  quotes: readonly SviQuote[],
  idx: readonly number[],
  baseRaw: readonly number[],
  T: number,
  o: ResolvedOptions,
  bounds: InnerBounds,
  prev: SviParams | undefined,
): RoundFit {
  const ks = idx.map((i) => quotes[i]!.k);
  const vols = idx.map((i) => quotes[i]!.vol);
  const wMkt = vols.map((v) => v * v * T);
  const maxBase = Math.max(...idx.map((i) => baseRaw[i]!));
  const base = idx.map((i) => baseRaw[i]! / maxBase);
  const box = outerBox(ks, o);
  let robust = o.loss === 'linear' ? idx.map(() => 1) : neighbourScreen(ks, vols, o.minScale);
  let volHat = [...vols];
  let prevX: [number, number] | undefined;
  let scale = o.minScale;
  let params = prev;
  let residuals: number[] = [];
  for (let it = 0; it < o.robustIterations; it++) {
    const omega = idx.map((_, j) => (base[j]! * robust[j]!) / (T * (volHat[j]! + vols[j]!)) ** 2);
    const data: InnerData = { k: ks, w: wMkt, omega };
    const fitted = outerFit(data, box, bounds, it === 0 ? undefined : prevX, it === 0);
    prevX = fitted.x;
    const next = fitted.params;
    const moved = movedFrom(next, params);
    params = next;
    volHat = ks.map((k) => sviVolFloored(next, k, T));
    residuals = volHat.map((v, j) => v - vols[j]!);
    scale = Math.max(MAD_TO_SIGMA * median(residuals.map(Math.abs)), o.minScale);
    if (o.loss !== 'linear') {
      const loss = o.loss;
      robust = residuals.map((r) => robustWeight(r / scale, loss));
    }
    if (!moved && it > 0) break;
  }
  return { params: params!, residuals, robust, scale, box };
}

/** Splits `idx` into kept quotes and outliers (|r| > outlierMads·s + half bid/ask spread). */
function dropOutliers(
  quotes: readonly SviQuote[],
  idx: readonly number[],
  fit: RoundFit,
  outlierMads: number,
): { keep: number[]; outliers: SviDroppedQuote[] } {
  const keep: number[] = [];
  const outliers: SviDroppedQuote[] = [];
  idx.forEach((i, j) => {
    const q = quotes[i]!;
    const half = q.bidVol !== undefined && q.askVol !== undefined ? (q.askVol - q.bidVol) / 2 : 0;
    const r = fit.residuals[j]!;
    if (Math.abs(r) > outlierMads * fit.scale + half) {
      outliers.push({ index: i, reason: 'outlier', residualVolPoints: 100 * r });
    } else keep.push(i);
  });
  return { keep, outliers };
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
  const screened = screenQuotes(quotes, T);
  const dropped = screened.dropped;
  let used = screened.used;
  requireEnough(quotes, used);
  const o = resolveOptions(options);
  const bounds: InnerBounds = {
    rhoMax: o.rhoMax,
    lee: o.leeBound,
    chords: minVarianceChords(o.rhoMax),
  };
  const baseRaw = baseWeights(quotes, T, o);
  let fit: RoundFit | undefined;
  for (let round = 0; ; round++) {
    fit = irlsRound(quotes, used, baseRaw, T, o, bounds, fit?.params);
    if (round >= o.maxDropRounds || !Number.isFinite(o.outlierMads)) break;
    const { keep, outliers } = dropOutliers(quotes, used, fit, o.outlierMads);
    if (outliers.length === 0) break;
    dropped.push(...outliers);
    used = keep;
    requireEnough(quotes, used);
  }
  return finishFit(quotes, T, o, used, baseRaw, fit, dropped);
}

/**
 * The result of the last round: the butterfly check, the constrained refit when
 * `enforceButterfly` and the fit has arbitrage, and the fit statistics.
 */
function finishFit(
  quotes: readonly SviQuote[],
  T: number,
  o: ResolvedOptions,
  used: readonly number[],
  baseRaw: readonly number[],
  fit: RoundFit,
  dropped: SviDroppedQuote[],
): SviFit {
  let p = fit.params;
  let residuals = fit.residuals;
  let butterfly = checkButterfly(p, o.butterfly);
  let repaired = false;
  if (o.enforceButterfly && !butterfly.arbitrageFree) {
    const maxLam = Math.max(...used.map((i) => baseRaw[i]!));
    const lamPsi = used.map((i, j) => (baseRaw[i]! / maxLam) * fit.robust[j]!);
    p = butterflyFreeFit(p, {
      k: used.map((i) => quotes[i]!.k),
      vol: used.map((i) => quotes[i]!.vol),
      lamPsi,
      T,
      box: fit.box,
      rhoMax: o.rhoMax,
      lee: o.leeBound,
      check: o.butterfly ?? {},
    });
    butterfly = checkButterfly(p, o.butterfly);
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
    robustWeights: fit.robust,
    butterfly,
    repaired,
  };
}
