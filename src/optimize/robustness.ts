/**
 * Robustness of an optimized book: its P&L on an independent, seeded Monte Carlo scenario
 * set — not the grid it was optimized on — next to the original's, as Expected Shortfall,
 * VaR and worst loss (USD). An optimizer that games the margin grid (e.g. a calendar spread
 * the grid cannot see) shows up here as a fatter tail.
 *
 * Scenarios (`monteCarloScenarios`), per draw k and underlying u, over a horizon of h years:
 * - log return `r = σ_u·√h·ε_u − ½σ_u²h`, σ_u the 30-day at-the-money implied vol of the
 *   snapshot's surface (or `spotVol`); ε_u standardised Student-t with ν degrees of freedom
 *   (fat tails; ν = 0 gives normal), built as `z/√(χ²_ν/ν)·√((ν−2)/ν)` from normals, with a
 *   common factor across underlyings (correlation `crossCorrelation`);
 * - implied vol moves by the relative factor `exp(η·√h·w − ½η²h) − 1` (η = vol of vol,
 *   annualised), w correlated with the spot shock by `spotVolCorrelation` (negative: vol up
 *   when prices fall);
 * - the move is applied instantly (no time decay), as the margin grids do.
 * Draws come from `seededRng(seed)` (src/core/rng.ts): the same seed gives the same scenarios.
 * P&L per instrument is the P&L matrix's (settlement currency), converted at today's index.
 */
import { BallastError } from '../core/errors.ts';
import { seededRng } from '../core/rng.ts';
import { forwardAt } from '../market/forwards.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { impliedVolAt } from '../market/vol-surface.ts';
import { usdPrice } from '../risk/collateral.ts';
import { accountPnl, buildPnlMatrix } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { empiricalEs } from './cvar.ts';

/** Options of the Monte Carlo scenario set. */
export interface MonteCarloOptions {
  /** Number of scenarios (default 2000). */
  readonly count?: number;
  /** RNG seed (default 1). */
  readonly seed?: number;
  /** Horizon in days (default 7). */
  readonly horizonDays?: number;
  /** Student-t degrees of freedom of the spot shocks (default 4; 0 = normal; else > 2). */
  readonly degreesOfFreedom?: number;
  /** Annualised vol of implied vol (default 1.0). */
  readonly volOfVol?: number;
  /** Correlation of spot and vol shocks (default −0.5). */
  readonly spotVolCorrelation?: number;
  /** Correlation of spot shocks across underlyings (default 0.8). */
  readonly crossCorrelation?: number;
  /** Spot vol per underlying overriding the surface's, annualised. */
  readonly spotVol?: Readonly<Record<string, number>>;
}

/** 30-day ATM implied vol of an underlying (the Monte Carlo spot vol). */
export function atmVol30d(snapshot: MarketSnapshot, underlying: string): number {
  const u = snapshot.underlyings[underlying];
  if (!u) throw new BallastError('INVALID_INPUT', `the market snapshot has no data for ${underlying}`, underlying);
  if (u.surface.length === 0) throw new BallastError('MISSING_VOL', `no volatility surface for ${underlying}: give spotVol for the Monte Carlo scenarios`, `spotVol.${underlying}`);
  const T = 30 / 365;
  const F = forwardAt(u, snapshot.asOfMs + T * 365 * 86_400_000, snapshot.asOfMs, underlying);
  return impliedVolAt(u.surface, F, F, T);
}

/** The seeded Monte Carlo scenario set (see module doc). */
export function monteCarloScenarios(snapshot: MarketSnapshot, underlyings: readonly string[], options: MonteCarloOptions = {}): Scenario[] {
  const count = options.count ?? 2000;
  const h = (options.horizonDays ?? 7) / 365;
  const nu = options.degreesOfFreedom ?? 4;
  const eta = options.volOfVol ?? 1.0;
  const rho = options.spotVolCorrelation ?? -0.5;
  const cross = options.crossCorrelation ?? 0.8;
  if (!(Number.isInteger(count) && count > 0)) throw new BallastError('INVALID_INPUT', `must be a positive integer, got ${count}`, 'count');
  if (!(h > 0 && Number.isFinite(h))) throw new BallastError('INVALID_INPUT', `must be > 0, got ${options.horizonDays}`, 'horizonDays');
  if (!(nu === 0 || (Number.isInteger(nu) && nu > 2))) throw new BallastError('INVALID_INPUT', `must be 0 (normal) or an integer > 2, got ${nu}`, 'degreesOfFreedom');
  if (!(Math.abs(rho) <= 1) || !(cross >= 0 && cross <= 1)) throw new BallastError('INVALID_INPUT', 'correlations must be in [−1, 1] (crossCorrelation in [0, 1])', 'correlation');
  const vols = underlyings.map((u) => options.spotVol?.[u] ?? atmVol30d(snapshot, u));
  const rng = seededRng(options.seed ?? 1);
  const tScale = nu > 0 ? Math.sqrt((nu - 2) / nu) : 1;
  const out: Scenario[] = [];
  for (let k = 0; k < count; k++) {
    const common = rng.normal();
    let mix = 1;
    if (nu > 0) {
      let chi = 0;
      for (let i = 0; i < nu; i++) chi += rng.normal() ** 2;
      mix = tScale / Math.sqrt(chi / nu);
    }
    const moves: Record<string, Scenario['moves'][string]> = {};
    underlyings.forEach((u, i) => {
      const z = Math.sqrt(cross) * common + Math.sqrt(1 - cross) * rng.normal();
      const w = rho * z + Math.sqrt(1 - rho * rho) * rng.normal();
      const sigma = vols[i]!;
      const r = sigma * Math.sqrt(h) * z * mix - 0.5 * sigma * sigma * h;
      const volFactor = Math.exp(eta * Math.sqrt(h) * w - 0.5 * eta * eta * h) - 1;
      moves[u] = { spotMultiplier: Math.exp(r), vol: { kind: 'relative', size: volFactor } };
    });
    out.push({ id: `mc-${k}`, label: `Monte Carlo ${k}`, moves, weight: 1, timeShiftDays: 0, group: 'monte-carlo' });
  }
  return out;
}

/** Tail figures of one book on the scenario set, USD (losses positive). */
export interface TailRisk {
  readonly expectedShortfallUsd: number;
  readonly valueAtRiskUsd: number;
  readonly worstLossUsd: number;
  readonly meanPnlUsd: number;
}

/** The robustness comparison. */
export interface RobustnessReport {
  readonly scenarios: number;
  readonly seed: number;
  readonly horizonDays: number;
  readonly beta: number;
  readonly original: TailRisk;
  readonly optimized: TailRisk;
  /** True if the optimized book's ES on these scenarios exceeds the original's. */
  readonly fatterTail: boolean;
}

/** Evaluates both books on the same seeded Monte Carlo set (see module doc). */
export function robustnessReport(original: Portfolio, optimized: Portfolio, snapshot: MarketSnapshot, options: MonteCarloOptions & { readonly beta?: number } = {}): RobustnessReport {
  const beta = options.beta ?? 0.99;
  const instruments = [...new Map([...original.positions, ...optimized.positions].map((p) => [p.instrument.symbol, p.instrument])).values()];
  const unds = [...new Set(instruments.map((i) => i.underlying))].sort();
  const scenarios = monteCarloScenarios(snapshot, unds, options);
  const matrix = buildPnlMatrix(instruments, snapshot, scenarios);
  const figures = (p: Portfolio): TailRisk => {
    const sizes = new Float64Array(matrix.nInstruments);
    for (const x of p.positions) {
      const r = matrix.rowOf.get(x.instrument.symbol)!;
      sizes[r] = sizes[r]! + x.size * usdPrice(x.instrument.settlementCurrency, snapshot);
    }
    const pnl = accountPnl(matrix, sizes);
    const e = empiricalEs(pnl, beta);
    let mean = 0;
    for (const v of pnl) mean += v / pnl.length;
    return { expectedShortfallUsd: e.expectedShortfall, valueAtRiskUsd: e.valueAtRisk, worstLossUsd: e.worstLoss, meanPnlUsd: mean };
  };
  const o = figures(original);
  const n = figures(optimized);
  return { scenarios: scenarios.length, seed: options.seed ?? 1, horizonDays: options.horizonDays ?? 7, beta, original: o, optimized: n, fatterTail: n.expectedShortfallUsd > o.expectedShortfallUsd };
}
