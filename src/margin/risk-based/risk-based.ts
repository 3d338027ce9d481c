/**
 * Risk-based margin: Value at Risk (`var`) and Expected Shortfall (`es`) of a pool's scenario
 * P&L at a chosen confidence and horizon, by full revaluation through the P&L matrix, over any
 * scenario set (historical, filtered historical, Monte Carlo; scenario-source.ts).
 *
 * Per segregated pool (settlement currency: coin for inverse books, USD(C) for linear ones, as
 * the venue models):
 *
 *   P&L_s = Σ_i q_i · P[i, s] · w_s          (src/risk/pnl-matrix.ts; w_s the scenario weight, 1 here)
 *   VaR_α = the k-th worst loss, ES_α = the mean of the k worst, k = ⌈n(1 − α)⌉ (src/risk/var.ts)
 *   IM = max(0, VaR_α) or max(0, ES_α),   MM = maintenanceFraction · IM,
 *   equity = the pool's balances + the marked value of its positions.
 *
 * `worstScenario` is the worst scenario of the set (the first of the tail) with each position's
 * P&L there in `contributions`; `details` lists the tail scenarios (ids, labels, P&L, worst
 * first), the scenario at the VaR quantile, both measures, each position's contribution to the
 * measure (summing to it), and the scenario source.
 */
import { BallastError } from '../../core/errors.ts';
import type { Currency } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import { tailScenarios } from '../../risk/var.ts';
import { buildBook, positionsIn, settlementPools, underlyingsOf, type Book } from '../book.ts';
import { collateralOnlyPool } from '../collateral-pool.ts';
import { marginInputsHash } from '../inputs-hash.ts';
import type { MarginModel } from '../margin-model.ts';
import {
  marginResult,
  type Contribution,
  type MarginResult,
  type WorstScenario,
} from '../margin-result.ts';
import {
  RISK_BASED_DEFAULTS,
  validateRiskBasedParams,
  type RiskBasedParams,
  type ScenarioParams,
} from './params.ts';
import {
  requireEnoughScenarios,
  scenarioSet,
  type ScenarioSet,
  type SimulationModel,
} from './scenario-source.ts';

/** A scenario named in a report. */
export interface NamedScenarioPnl {
  readonly index: number;
  readonly id: string;
  readonly label: string;
  /** Pool P&L in the scenario (weighted), pool currency. */
  readonly pnl: number;
}

/** One position's share of a risk measure (pool currency; the shares sum to the measure). */
export interface MeasureContribution {
  readonly symbol: string;
  readonly size: number;
  readonly loss: number;
}

/** The tail analysis of one pool's scenario P&L. */
export interface PoolTail {
  readonly book: Book;
  /** Weighted pool P&L per scenario. */
  readonly pnl: Float64Array;
  /** VaR and ES (signed losses, not floored). */
  readonly valueAtRisk: number;
  readonly expectedShortfall: number;
  /** Tail scenario indices, worst first (k of them; the last is the VaR scenario). */
  readonly tail: readonly number[];
}

/** Weighted P&L of a book (`w_s · pnl_s`). */
export function weightedPnl(book: Book): Float64Array {
  const sc = book.matrix.scenarios;
  return Float64Array.from(book.pnl, (v, s) => v * sc[s]!.weight);
}

/** VaR, ES and the tail of the pool's positions under `scenarios` at `confidence`. */
export function poolTail(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  set: ScenarioSet,
  confidence: number,
  p: Pick<ScenarioParams, 'inverseOptionPnl'>,
): PoolTail {
  const book = buildBook(positions, snapshot, set.scenarios, {
    inverseOptionPnl: p.inverseOptionPnl,
  });
  const pnl = weightedPnl(book);
  const tail = tailScenarios(pnl, confidence);
  let sum = 0;
  for (const s of tail) sum += -pnl[s]!;
  return {
    book,
    pnl,
    valueAtRisk: -pnl[tail[tail.length - 1]!]!,
    expectedShortfall: sum / tail.length,
    tail,
  };
}

/** Each position's share of VaR (loss at the VaR scenario) or ES (mean loss over the tail). */
export function measureContributions(t: PoolTail, measure: 'var' | 'es'): MeasureContribution[] {
  const { book } = t;
  const nS = book.matrix.nScenarios;
  const cols = measure === 'var' ? [t.tail[t.tail.length - 1]!] : t.tail;
  return book.positions.map((pos, i) => {
    let s = 0;
    for (const c of cols)
      s += pos.size * book.matrix.pnl[i * nS + c]! * book.matrix.scenarios[c]!.weight;
    return { symbol: pos.instrument.symbol, size: pos.size, loss: -s / cols.length };
  });
}

/** A scenario of the book as a report line. */
export function namedScenario(t: PoolTail, s: number): NamedScenarioPnl {
  const sc = t.book.matrix.scenarios[s]!;
  return { index: s, id: sc.id, label: sc.label, pnl: t.pnl[s]! };
}

/** The worst scenario of the tail and each position's P&L there. */
export function worstOf(t: PoolTail): {
  worstScenario: WorstScenario;
  contributions: Contribution[];
} {
  const s = t.tail[0]!;
  const sc = t.book.matrix.scenarios[s]!;
  const pnl = t.pnl[s]!;
  const nS = t.book.matrix.nScenarios;
  return {
    worstScenario: { id: sc.id, label: sc.label, index: s, pnl, loss: Math.max(0, -pnl) },
    contributions: t.book.positions.map((pos, i) => ({
      symbol: pos.instrument.symbol,
      size: pos.size,
      pnl: pos.size * t.book.matrix.pnl[i * nS + s]! * sc.weight,
    })),
  };
}

/** Equity of a segregated pool: its balances + the marked value of its positions. */
export function poolEquity(
  portfolio: Portfolio,
  ccy: Currency,
  t: PoolTail,
): { equity: number; warnings: string[] } {
  const pv = positionsValue(t.book.positions, t.book.matrix.states);
  return {
    equity: segregatedCollateral(portfolio.balances, ccy) + pv.value,
    warnings: pv.warnings,
  };
}

/** `details` of a `var` / `es` result. */
export interface RiskBasedDetails {
  readonly measure: 'var' | 'es';
  readonly method: string;
  readonly confidence: number;
  readonly horizonDays: number;
  readonly scenarioSource: string;
  readonly scenarios: number;
  /** VaR and ES of the pool (signed losses; IM floors the chosen one at 0). */
  readonly valueAtRisk: number;
  readonly expectedShortfall: number;
  /** k = ⌈n(1 − α)⌉ tail scenarios; the first `maxTailListed` are listed, worst first. */
  readonly tailCount: number;
  readonly tail: readonly NamedScenarioPnl[];
  readonly varScenario: NamedScenarioPnl;
  readonly measureContributions: readonly MeasureContribution[];
  readonly maintenanceFraction: number;
  readonly simulation: SimulationModel | null;
  readonly seed: number;
  readonly timeDecay: boolean;
}

/** Unverified notes every risk-based result carries. */
export const RISK_BASED_UNVERIFIED = {
  maintenance:
    'risk-based-mm: MM = maintenanceFraction × IM (0.8 by default, as Deribit PM) is our convention, not a venue rule [G]',
  noTimeDecay:
    'risk-based-horizon: scenarios are instantaneous shocks of horizon size (no option time decay over the horizon) [I]',
} as const;

/** Evaluates one measure (`var` or `es`) on every pool (module doc). */
export function evaluateRiskBased(
  id: string,
  version: string,
  measure: 'var' | 'es',
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: RiskBasedParams,
): MarginResult[] {
  validateRiskBasedParams(params);
  const inputsHash = marginInputsHash(id, version, params, portfolio, snapshot);
  return settlementPools(portfolio).map((ccy): MarginResult => {
    const positions = positionsIn(portfolio, ccy);
    if (positions.length === 0)
      return collateralOnlyPool(
        id,
        version,
        ccy,
        segregatedCollateral(portfolio.balances, ccy),
        inputsHash,
      );
    const set = scenarioSet(params, snapshot, underlyingsOf(positions));
    requireEnoughScenarios(set, params.confidence);
    const t = poolTail(positions, snapshot, set, params.confidence, params);
    const value = measure === 'var' ? t.valueAtRisk : t.expectedShortfall;
    if (!Number.isFinite(value))
      throw new BallastError('NOT_FINITE', `${measure} is ${value}`, `pool ${ccy}`);
    const im = Math.max(0, value);
    const mm = params.maintenanceFraction * im;
    const { equity, warnings } = poolEquity(portfolio, ccy, t);
    const { worstScenario, contributions } = worstOf(t);
    const details: RiskBasedDetails = {
      measure,
      method: set.kind,
      confidence: params.confidence,
      horizonDays: params.horizonDays,
      scenarioSource: set.description,
      scenarios: set.scenarios.length,
      valueAtRisk: t.valueAtRisk,
      expectedShortfall: t.expectedShortfall,
      tailCount: t.tail.length,
      tail: t.tail.slice(0, params.maxTailListed).map((s) => namedScenario(t, s)),
      varScenario: namedScenario(t, t.tail[t.tail.length - 1]!),
      measureContributions: measureContributions(t, measure),
      maintenanceFraction: params.maintenanceFraction,
      simulation: set.model ?? null,
      seed: params.seed,
      timeDecay: params.timeDecay,
    };
    const label = measure === 'var' ? 'VaR' : 'ES';
    return marginResult({
      model: id,
      modelVersion: version,
      currency: ccy,
      equity,
      initialMargin: im,
      maintenanceMargin: mm,
      worstScenario,
      contributions,
      addOns: [],
      unverified: [
        ...set.unverified,
        RISK_BASED_UNVERIFIED.maintenance,
        ...(params.timeDecay ? [] : [RISK_BASED_UNVERIFIED.noTimeDecay]),
      ],
      warnings: [
        ...warnings,
        ...(t.tail.length < 5
          ? [
              `only ${t.tail.length} scenario(s) beyond the ${100 * params.confidence}% quantile of ${set.scenarios.length}: the ${label} rests on very few scenarios`,
            ]
          : []),
      ],
      inputsHash,
      details,
    });
  });
}

/** Model ids and version. */
export const VAR_ID = 'var';
export const ES_ID = 'es';
export const RISK_BASED_VERSION = '1.0.0';

/**
 * Value-at-Risk margin: IM = max(0, VaR_α) of the pool's full-revaluation scenario P&L over a
 * horizon (default 99 %, 1 day, 10,000 Student-t Monte Carlo paths on the snapshot's ATM vols).
 */
export const varModel: MarginModel<RiskBasedParams> = {
  id: VAR_ID,
  version: RISK_BASED_VERSION,
  title:
    'Value at Risk (historical, filtered historical or Monte Carlo), full revaluation, per settlement currency',
  scenarioBased: true,
  defaultParams: RISK_BASED_DEFAULTS,
  evaluate: (portfolio, snapshot, params) =>
    evaluateRiskBased(VAR_ID, RISK_BASED_VERSION, 'var', portfolio, snapshot, params),
};

/**
 * Expected-Shortfall margin: IM = max(0, ES_α), the mean of the worst ⌈n(1 − α)⌉ scenario losses
 * (defaults as `var`).
 */
export const esModel: MarginModel<RiskBasedParams> = {
  id: ES_ID,
  version: RISK_BASED_VERSION,
  title:
    'Expected Shortfall (historical, filtered historical or Monte Carlo), full revaluation, per settlement currency',
  scenarioBased: true,
  defaultParams: RISK_BASED_DEFAULTS,
  evaluate: (portfolio, snapshot, params) =>
    evaluateRiskBased(ES_ID, RISK_BASED_VERSION, 'es', portfolio, snapshot, params),
};
