/**
 * Liquidation distance by root finding on the full margin model (not a closed form).
 *
 * For a margin pool and a move of the market, `g(move) = equity(move) − MM(move)`, where both
 * are recomputed by the chosen model on the book re-margined at the moved snapshot
 * (src/risk/scaled-snapshot.ts: index, forwards, perp basis and the surface moved by the same
 * multiplier, smile sticky in moneyness). The liquidation point is the nearest root of `g`:
 *
 * - per underlying, up and down: the multiplier `m` of that underlying alone, searched in
 *   `x = ln m` over a fixed outward grid (to `maxMultiplier` / `minMultiplier`) until `g`
 *   changes sign, then Brent's method (src/core/roots.ts) inside that bracket;
 * - jointly, along the market's first principal component: every underlying moves by
 *   `exp(t·d_j)` with `d = √λ₁·v₁` from the daily covariance of log returns (largest eigenvalue
 *   λ₁ and its unit eigenvector v₁, sign chosen so Σd > 0), so `t` is in σ of that factor.
 *
 * Distances are reported as a % move of the underlying (`m − 1`) and in σ: `ln m / (σ·√(h/365))`
 * with σ the underlying's annualised vol from the risk model (by default the snapshot's 30-day
 * ATM implied vol, market-vols.ts) and h = `sigmaHorizonDays` (default 1: daily σ).
 *
 * Sizes: inverse futures and perpetuals are USD contracts whose coin size moves with the price;
 * the engine stores them as coin-equivalents at the current mark (docs/architecture.md), so by
 * default (`inverseSize: 'usd-notional'`) the re-margined book keeps their USD face and holds
 * `size / m` coin-equivalents at the moved mark (this reproduces the contract's coin P&L
 * `N·(1/E − 1/F)` exactly). `'coin'` keeps the coin size instead. Linear products and options
 * keep their sizes.
 *
 * A grid step can in principle jump over two roots (a band of liquidation inside a healthy
 * region narrower than the step); the grid is dense near the money (0.5 % steps) to make that
 * unlikely, and the search reports how far it looked.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { BallastError } from '../core/errors.ts';
import { brent } from '../core/roots.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { covarianceOf, snapshotRiskModel, type MarketRiskModel } from '../market/market-vols.ts';
import { isInverseDeltaOne, type Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';

/** How inverse futures/perpetual sizes are held when the price moves (module doc). */
export type InverseSizeConvention = 'usd-notional' | 'coin';

/** Options of `liquidationDistances`. */
export interface LiquidationOptions<P> {
  readonly model: MarginModel<P>;
  readonly params: P;
  readonly inverseSize?: InverseSizeConvention;
  /** Vols and correlation for σ distances and the joint direction (default: the snapshot's). */
  readonly riskModel?: MarketRiskModel;
  /** Horizon of the σ unit, days (default 1). */
  readonly sigmaHorizonDays?: number;
  /** Search bounds on the multiplier (default 10 and 0.01). */
  readonly maxMultiplier?: number;
  readonly minMultiplier?: number;
  /** Absolute tolerance of Brent on x = ln m (default 1e-13). */
  readonly tolerance?: number;
  /** Also search the joint first-principal-component move (default true). */
  readonly joint?: boolean;
}

/** One side (up or down) of a liquidation search. */
export interface LiquidationPoint {
  readonly direction: 'up' | 'down';
  /** Multiplier at liquidation (1 if already liquidatable; undefined if none within the search). */
  readonly multiplier: number | undefined;
  /** Index of the underlying at liquidation (USD). */
  readonly price: number | undefined;
  /** `m − 1`. */
  readonly distancePct: number | undefined;
  /** `ln m / (σ·√(h/365))`. */
  readonly distanceSigma: number | undefined;
  /** Equity and MM of the pool at the reported point (equal within the tolerance). */
  readonly equity: number | undefined;
  readonly maintenanceMargin: number | undefined;
  /** The furthest multiplier searched (a bound, or where the model stopped). */
  readonly searchedTo: number;
  /** Why the search stopped early, if it did (a model error at an extreme move). */
  readonly note?: string;
}

/** Liquidation distances for one underlying moved alone. */
export interface UnderlyingLiquidation {
  readonly underlying: string;
  readonly index: number;
  /** Annualised σ used for distances in σ (undefined if the risk model has none). */
  readonly sigmaAnnual: number | undefined;
  readonly up: LiquidationPoint;
  readonly down: LiquidationPoint;
}

/** One side of the joint move: `t` in σ of the first factor and each underlying's move there. */
export interface JointPoint {
  readonly direction: 'up' | 'down';
  /** Factor move at liquidation in σ (signed), undefined if none within the search. */
  readonly sigmas: number | undefined;
  /** Each underlying's multiplier − 1 at liquidation. */
  readonly moves: Readonly<Record<string, number>> | undefined;
  readonly equity: number | undefined;
  readonly maintenanceMargin: number | undefined;
  readonly note?: string;
}

/** The joint first-principal-component move. */
export interface JointLiquidation {
  /** Daily log move per 1σ of the factor, per underlying. */
  readonly direction: Readonly<Record<string, number>>;
  /** λ₁ / trace(Σ): share of the variance the factor explains. */
  readonly explainedVariance: number;
  readonly up: JointPoint;
  readonly down: JointPoint;
}

/** Liquidation report of one pool. */
export interface PoolLiquidation {
  readonly currency: string;
  readonly equity: number;
  readonly maintenanceMargin: number;
  /** Equity ≤ MM already: every distance is 0. */
  readonly alreadyLiquidatable: boolean;
  readonly underlyings: readonly UnderlyingLiquidation[];
  readonly joint: JointLiquidation | undefined;
}

/** The whole report. */
export interface LiquidationReport {
  readonly model: string;
  readonly inverseSize: InverseSizeConvention;
  readonly sigmaHorizonDays: number;
  /** Where σ and the correlation came from. */
  readonly volSource: string | undefined;
  readonly correlationSource: string | undefined;
  readonly pools: readonly PoolLiquidation[];
  /** Model evaluations used (each distinct move margined once). */
  readonly evaluations: number;
  readonly warnings: readonly string[];
}

/**
 * The book as held after the underlyings move by `multipliers` (module doc, "Sizes"): inverse
 * futures/perps keep their USD face under `usd-notional`.
 */
export function portfolioAfterMove(
  p: Portfolio,
  multipliers: Readonly<Record<string, number>>,
  convention: InverseSizeConvention,
): Portfolio {
  if (convention === 'coin') return p;
  return {
    ...p,
    positions: p.positions.map((x) => {
      const inst = x.instrument;
      const m = multipliers[inst.underlying];
      if (m === undefined || m === 1 || !isInverseDeltaOne(inst)) return x;
      return { ...x, size: x.size / m };
    }),
  };
}

const UP_GRID = [
  1.005, 1.01, 1.02, 1.035, 1.05, 1.075, 1.1, 1.15, 1.2, 1.3, 1.4, 1.5, 1.75, 2, 2.5, 3, 4, 5, 7,
  10, 20, 50, 100,
];
const DOWN_GRID = [
  0.995, 0.99, 0.98, 0.965, 0.95, 0.925, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1,
  0.05, 0.02, 0.01, 0.005, 0.001,
];
const SIGMA_GRID = [
  0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200,
];

/**
 * Underlyings of a pool's positions, plus coin balances of a USD (cross) pool, that the snapshot
 * has. None for a segregated pool of collateral only (margin/book.ts `settlementPools`: not USD,
 * no position settles in it, no requirement): no move changes its numbers in its currency.
 */
function poolUnderlyings(p: Portfolio, pool: MarginResult, snapshot: MarketSnapshot): string[] {
  const set = new Set<string>();
  const cross = !p.positions.some((x) => x.instrument.settlementCurrency === pool.currency);
  if (
    cross &&
    pool.currency !== 'USD' &&
    pool.initialMargin === 0 &&
    pool.maintenanceMargin === 0 &&
    p.balances.some((b) => b.currency === pool.currency)
  )
    return [];
  for (const x of p.positions)
    if (cross || x.instrument.settlementCurrency === pool.currency)
      set.add(x.instrument.underlying);
  if (cross) for (const b of p.balances) if (snapshot.underlyings[b.currency]) set.add(b.currency);
  return [...set].filter((u) => snapshot.underlyings[u] !== undefined).sort();
}

/** Finds the first sign change of `g` along `steps` (g(0) > 0), then the root by Brent. */
function searchRoot(
  g: (x: number) => number,
  steps: readonly number[],
  tol: number,
): { x: number | undefined; searchedTo: number; note?: string } {
  let prev = 0;
  let reached = 0;
  for (const s of steps) {
    let v: number;
    try {
      v = g(s);
    } catch (e) {
      if (!(e instanceof BallastError)) throw e;
      return {
        x: undefined,
        searchedTo: reached,
        note: `the model could not margin the book beyond this move: ${e.code}: ${e.message}`,
      };
    }
    if (!Number.isFinite(v))
      return { x: undefined, searchedTo: reached, note: `equity − MM is ${v} beyond this move` };
    if (v <= 0) {
      if (v === 0) return { x: s, searchedTo: s };
      return { x: brent(g, prev, s, { xTol: tol, maxIter: 500 }), searchedTo: s };
    }
    prev = s;
    reached = s;
  }
  return { x: undefined, searchedTo: reached };
}

/**
 * Largest eigenpair of a symmetric covariance: `d = √λ₁·v₁` with Σd > 0 (ties: first non-zero
 * component > 0) and the share λ₁/trace.
 */
export function firstPrincipalDirection(cov: readonly (readonly number[])[]): {
  direction: number[];
  explained: number;
} {
  const n = cov.length;
  if (n === 1) return { direction: [Math.sqrt(cov[0]![0]!)], explained: 1 };
  const e = new EigenvalueDecomposition(new Matrix(cov.map((r) => [...r])), {
    assumeSymmetric: true,
  });
  const values = e.realEigenvalues;
  let k = 0;
  for (let i = 1; i < n; i++) if (values[i]! > values[k]!) k = i;
  const lambda = Math.max(0, values[k]!);
  const v = e.eigenvectorMatrix.getColumn(k);
  const sum = v.reduce((a, b) => a + b, 0);
  const firstNonZero = v.find((x) => Math.abs(x) > 1e-15) ?? 1;
  const sign = Math.abs(sum) > 1e-12 ? Math.sign(sum) : Math.sign(firstNonZero);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += cov[i]![i]!;
  return {
    direction: v.map((x) => sign * x * Math.sqrt(lambda)),
    explained: trace > 0 ? lambda / trace : 1,
  };
}

/** What every pool's search shares: the book, market, settings, margin cache and σ. */
interface SearchContext {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly h: number;
  readonly maxM: number;
  readonly minM: number;
  readonly tol: number;
  readonly joint: boolean;
  readonly risk: MarketRiskModel | undefined;
  readonly evalAt: (multipliers: Readonly<Record<string, number>>) => MarginResult[];
}

/** Equity − MM of one pool after a move, and the pool's result there. */
type PoolGap = (multipliers: Readonly<Record<string, number>>) => {
  value: number;
  r: MarginResult;
};

/** Annual σ of u in the risk model, if it has u. */
function sigmaOf(ctx: SearchContext, u: string): number | undefined {
  const i = ctx.risk?.underlyings.indexOf(u) ?? -1;
  return i >= 0 ? ctx.risk!.vols[i] : undefined;
}

/** The liquidation point of one underlying moved alone, up or down (module doc). */
function singleSide(
  ctx: SearchContext,
  pool: MarginResult,
  g: PoolGap,
  u: string,
  direction: 'up' | 'down',
): LiquidationPoint {
  const index = ctx.snapshot.underlyings[u]!.index;
  const sigma = sigmaOf(ctx, u);
  const scale = sigma === undefined ? undefined : sigma * Math.sqrt(ctx.h / 365);
  if (!(pool.equity - pool.maintenanceMargin > 0)) {
    return {
      direction,
      multiplier: 1,
      price: index,
      distancePct: 0,
      distanceSigma: 0,
      equity: pool.equity,
      maintenanceMargin: pool.maintenanceMargin,
      searchedTo: 1,
    };
  }
  const grid = (
    direction === 'up'
      ? UP_GRID.filter((m) => m < ctx.maxM).concat([ctx.maxM])
      : DOWN_GRID.filter((m) => m > ctx.minM).concat([ctx.minM])
  ).map(Math.log);
  const res = searchRoot((x) => g({ [u]: Math.exp(x) }).value, grid, ctx.tol);
  if (res.x === undefined) {
    return {
      direction,
      multiplier: undefined,
      price: undefined,
      distancePct: undefined,
      distanceSigma: undefined,
      equity: undefined,
      maintenanceMargin: undefined,
      searchedTo: Math.exp(res.searchedTo),
      ...(res.note ? { note: res.note } : {}),
    };
  }
  const m = Math.exp(res.x);
  const at = g({ [u]: m }).r;
  return {
    direction,
    multiplier: m,
    price: index * m,
    distancePct: m - 1,
    distanceSigma: scale === undefined ? undefined : res.x / scale,
    equity: at.equity,
    maintenanceMargin: at.maintenanceMargin,
    searchedTo: Math.exp(res.searchedTo),
  };
}

/** The liquidation point along ±d (the first principal direction), in σ of the joint move. */
function jointSide(
  ctx: SearchContext,
  pool: MarginResult,
  g: PoolGap,
  unds: readonly string[],
  d: readonly number[],
  dir: 'up' | 'down',
): JointPoint {
  if (!(pool.equity - pool.maintenanceMargin > 0))
    return {
      direction: dir,
      sigmas: 0,
      moves: Object.fromEntries(unds.map((u) => [u, 0])),
      equity: pool.equity,
      maintenanceMargin: pool.maintenanceMargin,
    };
  const movesAt = (t: number): Record<string, number> =>
    Object.fromEntries(unds.map((u, k) => [u, Math.exp(t * d[k]!)]));
  const sgn = dir === 'up' ? 1 : -1;
  const dmax = Math.max(...d.map(Math.abs));
  const tMax = dmax > 0 ? Math.min(Math.log(ctx.maxM), -Math.log(ctx.minM)) / dmax : 0;
  const steps = SIGMA_GRID.filter((t) => t < tMax)
    .concat([tMax])
    .map((t) => sgn * t);
  const res = searchRoot((t) => g(movesAt(t)).value, steps, ctx.tol);
  if (res.x === undefined)
    return {
      direction: dir,
      sigmas: undefined,
      moves: undefined,
      equity: undefined,
      maintenanceMargin: undefined,
      ...(res.note ? { note: res.note } : {}),
    };
  const mv = movesAt(res.x);
  const at = g(mv).r;
  return {
    direction: dir,
    sigmas: res.x,
    moves: Object.fromEntries(Object.entries(mv).map(([k, v]) => [k, v - 1])),
    equity: at.equity,
    maintenanceMargin: at.maintenanceMargin,
  };
}

/** The joint move of the pool's underlyings, when asked and the risk model covers them. */
function jointLiquidation(
  ctx: SearchContext,
  pool: MarginResult,
  g: PoolGap,
  unds: readonly string[],
): JointLiquidation | undefined {
  const risk = ctx.risk;
  if (!(ctx.joint && risk && unds.length > 0)) return undefined;
  const idx = unds.map((u) => risk.underlyings.indexOf(u));
  if (!idx.every((i) => i >= 0)) return undefined;
  const cov = covarianceOf(risk, ctx.h);
  const sub = idx.map((i) => idx.map((j) => cov[i]![j]!));
  const { direction: d, explained } = firstPrincipalDirection(sub);
  return {
    direction: Object.fromEntries(unds.map((u, k) => [u, d[k]!])),
    explainedVariance: explained,
    up: jointSide(ctx, pool, g, unds, d, 'up'),
    down: jointSide(ctx, pool, g, unds, d, 'down'),
  };
}

/** One pool's distances: each underlying up and down, and the joint move. */
function poolLiquidation(ctx: SearchContext, pool: MarginResult): PoolLiquidation {
  const g: PoolGap = (multipliers) => {
    const r = ctx.evalAt(multipliers).find((x) => x.currency === pool.currency);
    if (!r)
      throw new BallastError(
        'INVALID_INPUT',
        `pool ${pool.currency} disappeared after the move`,
        'pool',
      );
    return { value: r.equity - r.maintenanceMargin, r };
  };
  const unds = poolUnderlyings(ctx.portfolio, pool, ctx.snapshot);
  const underlyings = unds.map((u): UnderlyingLiquidation => ({
    underlying: u,
    index: ctx.snapshot.underlyings[u]!.index,
    sigmaAnnual: sigmaOf(ctx, u),
    up: singleSide(ctx, pool, g, u, 'up'),
    down: singleSide(ctx, pool, g, u, 'down'),
  }));
  return {
    currency: pool.currency,
    equity: pool.equity,
    maintenanceMargin: pool.maintenanceMargin,
    alreadyLiquidatable: !(pool.equity - pool.maintenanceMargin > 0),
    underlyings,
    joint: jointLiquidation(ctx, pool, g, unds),
  };
}

/** The risk model for σ-distances: the caller's, else the snapshot's (a warning if none). */
function riskModelFor(
  options: LiquidationOptions<unknown>,
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
  warnings: string[],
): MarketRiskModel | undefined {
  if (options.riskModel || underlyings.length === 0) return options.riskModel;
  try {
    return snapshotRiskModel(snapshot, [...underlyings]);
  } catch (e) {
    if (!(e instanceof BallastError)) throw e;
    warnings.push(`no σ for distances in σ (${e.message}); give vols or a price history`);
    return undefined;
  }
}

/**
 * Liquidation distances of every pool of `portfolio` under `options.model` (module doc): per
 * underlying up and down, and the joint first-principal-component move.
 */
export function liquidationDistances<P>(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  options: LiquidationOptions<P>,
): LiquidationReport {
  const { model, params } = options;
  const convention = options.inverseSize ?? 'usd-notional';
  const h = options.sigmaHorizonDays ?? 1;
  const maxM = options.maxMultiplier ?? 10;
  const minM = options.minMultiplier ?? 0.01;
  if (!(h > 0))
    throw new BallastError('INVALID_INPUT', `must be > 0, got ${h}`, 'sigmaHorizonDays');
  if (!(maxM > 1 && minM > 0 && minM < 1))
    throw new BallastError(
      'INVALID_INPUT',
      `need maxMultiplier > 1 and 0 < minMultiplier < 1, got ${maxM} and ${minM}`,
      'multipliers',
    );
  const warnings: string[] = [];
  let evaluations = 0;
  // Results per move: Brent starts from the bracket the grid found, the report re-reads the
  // root, and the pools of one book search the same moves of a shared underlying.
  const margined = new Map<string, MarginResult[]>();
  const evalAt = (multipliers: Readonly<Record<string, number>>): MarginResult[] => {
    const key = Object.entries(multipliers)
      .map(([u, m]) => `${u}=${m}`)
      .join(',');
    let results = margined.get(key);
    if (!results) {
      evaluations++;
      results = model.evaluate(
        portfolioAfterMove(portfolio, multipliers, convention),
        scaleSnapshot(snapshot, multipliers),
        params,
      );
      margined.set(key, results);
    }
    return results;
  };
  const base = evalAt({});
  const allUnderlyings = [
    ...new Set(base.flatMap((r) => poolUnderlyings(portfolio, r, snapshot))),
  ].sort();
  const risk = riskModelFor(options, snapshot, allUnderlyings, warnings);
  const ctx: SearchContext = {
    portfolio,
    snapshot,
    h,
    maxM,
    minM,
    tol: options.tolerance ?? 1e-13,
    joint: options.joint ?? true,
    risk,
    evalAt,
  };
  const pools = base.map((pool) => poolLiquidation(ctx, pool));
  return {
    model: model.id,
    inverseSize: convention,
    sigmaHorizonDays: h,
    volSource: risk?.volSource,
    correlationSource: risk?.correlationSource,
    pools,
    evaluations,
    warnings,
  };
}
