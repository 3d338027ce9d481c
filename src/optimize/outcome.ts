/**
 * The last step every trade optimizer shares: take the LP's continuous trade, round it to
 * lots (execution.ts), re-margin each rounding with the **exact** model, and keep the best one
 * only if it needs strictly less initial margin than the book as it is — fail closed: when no
 * rounding does, the answer is "no improvement" and the book is returned unchanged.
 *
 * Also: solving a trade problem (`solveTradeProblem`: an INFEASIBLE answer re-stated in the
 * user's terms, with the range each violated band could reach under the size limits), the
 * readable pieces of the report (margin before/after, exposures, binding constraints from the
 * LP duals, LP statistics) and the whole `TradeOutcome` of a margin LP (`tradeOutcome`).
 */
import { BallastError, isBallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { totalsUsd } from '../margin/usd-totals.ts';
import { segregatedCollateral } from '../risk/collateral.ts';
import type { Balance, Portfolio } from '../risk/portfolio.ts';
import { GREEK_UNITS, type ExposureTable } from './exposures.ts';
import {
  applyTrades,
  executeTrades,
  exposuresAfter,
  roundingCandidates,
  type ExecutedTrade,
} from './execution.ts';
import type { PoolMarginTerms } from './margin-lp.ts';
import type { BindingConstraint, LpSolution, LpSolver, SolveOptions } from './solver.ts';
import {
  isUserConstraint,
  type EffectiveBand,
  type TradeConstraints,
  type TradeProblem,
} from './trade-problem.ts';
import type { Universe } from './universe.ts';

/** Exact margin of a book, USD totals and per-pool results. */
export interface MarginSummary {
  readonly initialMarginUsd: number;
  readonly maintenanceMarginUsd: number;
  readonly equityUsd: number;
  readonly results: readonly MarginResult[];
}

/** A binding user constraint in words, with its shadow price. */
export interface BindingReport extends BindingConstraint {
  /** e.g. `BTC delta ≤ 1 coins`. */
  readonly description: string;
  /** |dual|: objective USD saved per unit the bound is relaxed. */
  readonly shadowPriceUsd: number;
}

/** LP statistics for the report. */
export interface LpReport {
  readonly variables: number;
  readonly constraints: number;
  readonly nonzeros: number;
  /** LP objective at the optimum (USD: margin + λ·cost, or the mode's objective). */
  readonly objective: number;
  /** Initial margin the LP predicts for its continuous trade, USD. */
  readonly predictedInitialMarginUsd: number;
  readonly iterations: number;
  readonly method: string;
  /** `exact` (model's formula in the LP) or `surrogate` (scenario stand-in, checked afterwards). */
  readonly representation: 'exact' | 'surrogate' | 'none';
  /** CPLEX LP text of the model, when asked for. */
  readonly lpText?: string;
}

/** One rounding the exact model was asked about. */
export interface RoundingTry {
  readonly label: string;
  readonly initialMarginUsd: number;
  readonly costUsd: number;
  readonly objectiveUsd: number;
  readonly accepted: boolean;
}

/** What a trade optimizer returns. */
export interface TradeOutcome {
  /** `improved`: trades found that lower the exact IM; `no-improvement`: the book is returned as is. */
  readonly status: 'improved' | 'no-improvement';
  /** Why there is no improvement (or notes on the improvement). */
  readonly reason?: string;
  readonly model: string;
  readonly universe: string;
  readonly lambda: number;
  readonly before: MarginSummary;
  readonly after: MarginSummary;
  /** before − after initial margin, USD (0 without improvement). */
  readonly savingUsd: number;
  readonly savingFraction: number;
  readonly trades: readonly ExecutedTrade[];
  /** Σ trading cost (spread + fees vs marks), USD. */
  readonly costUsd: number;
  /** Σ cash paid (premium and fees), USD (negative = received). */
  readonly cashUsd: number;
  readonly exposuresBefore: ExposureTable;
  readonly exposuresAfter: ExposureTable;
  readonly bands: readonly EffectiveBand[];
  readonly binding: readonly BindingReport[];
  readonly rounding?: string;
  readonly tried: readonly RoundingTry[];
  readonly lp: LpReport;
  readonly portfolioAfter: Portfolio;
  readonly warnings: readonly string[];
}

/**
 * Exact margin summary of a book. A book without positions is evaluated too: its pools are
 * its collateral (margin/book.ts `settlementPools`), so closing every position leaves the
 * balances' equity, not 0.
 */
export function marginSummary(
  model: MarginModel<unknown>,
  params: unknown,
  p: Portfolio,
  snapshot: MarketSnapshot,
): MarginSummary {
  const results = model.evaluate(p, snapshot, params);
  const t = totalsUsd(results, snapshot);
  return {
    initialMarginUsd: t.initialMargin,
    maintenanceMarginUsd: t.maintenanceMargin,
    equityUsd: t.equity,
    results,
  };
}

/**
 * Equity of a margin pool before trading, pool currency: the equity of the model's result in
 * that currency, or, when there is none (a pool the book does not have yet, or a cross model's
 * USD result), its balances in it.
 */
export function poolEquity(
  results: readonly MarginResult[],
  balances: readonly Balance[],
  currency: string,
): number {
  const inPool = results.filter((r) => r.currency === currency);
  return inPool.length > 0
    ? inPool.reduce((s, r) => s + r.equity, 0)
    : segregatedCollateral(balances, currency);
}

/** Initial margin the LP's pool terms give at its solution, USD. */
export function predictedMarginUsd(pools: readonly PoolMarginTerms[], sol: LpSolution): number {
  let s = 0;
  for (const p of pools) {
    let v = p.constant;
    for (const [x, a] of p.terms) v += a * sol.values[x]!;
    s += p.usdPrice * v;
  }
  return s;
}

/** How an LP wrote the model's margin: every pool exactly, some by the surrogate, or not at all. */
export function marginRepresentation(
  pools: readonly PoolMarginTerms[],
): LpReport['representation'] {
  if (pools.length === 0) return 'none';
  return pools.every((p) => p.representation === 'exact') ? 'exact' : 'surrogate';
}

/**
 * Solves the LP of a trade problem. An INFEASIBLE answer is re-stated in the user's terms
 * (`explainInfeasible`). Returns the solution and the net trade per candidate (coins, aligned
 * with `problem.trades`), solver noise below 1e-9 of a lot set to exactly 0.
 */
export function solveTradeProblem(
  problem: TradeProblem,
  solver: LpSolver,
  options?: SolveOptions,
): { sol: LpSolution; x: number[] } {
  let sol: LpSolution;
  try {
    sol = solver.solve(problem.model, options);
  } catch (e) {
    if (isBallastError(e, 'INFEASIBLE')) throw explainInfeasible(e, problem);
    throw e;
  }
  const x = problem.trades.map((t) => {
    const v = sol.values[t.net]!;
    return Math.abs(v) < 1e-9 * Math.max(t.lot, 1e-9) ? 0 : v;
  });
  return { sol, x };
}

/** What `tradeOutcome` assembles a report from. */
export interface OutcomeParts {
  readonly modelId: string;
  /** The universe the problem was built on (its `source` names it). */
  readonly universe: Universe;
  readonly lambda: number;
  readonly before: MarginSummary;
  readonly problem: TradeProblem;
  /** The margin terms the LP minimised. */
  readonly pools: readonly PoolMarginTerms[];
  readonly sol: LpSolution;
  readonly fin: Finalized;
  /** Put the LP's CPLEX text in the report. */
  readonly exportLp?: boolean;
}

/**
 * The report of a margin LP (hedge, tracking QP): margin before and after, the saving, the
 * trades with their cost and cash, exposures, binding constraints, the roundings tried, LP
 * statistics, and warnings for a surrogate model or universe instruments left out.
 */
export function tradeOutcome(p: OutcomeParts): TradeOutcome {
  const { before, problem, sol, fin, pools } = p;
  const lp = problem.model;
  const representation = marginRepresentation(pools);
  const warnings: string[] = [];
  if (representation === 'surrogate')
    warnings.push(
      `${p.modelId} has no LP form here: the LP minimised a scenario surrogate (worst loss on the standard Deribit grid) and the exact model checked the result`,
    );
  if (problem.skipped.length > 0)
    warnings.push(
      `${problem.skipped.length} universe instruments left out (${problem.skipped.slice(0, 3).join('; ')}${problem.skipped.length > 3 ? '; …' : ''})`,
    );
  const saving = before.initialMarginUsd - fin.after.initialMarginUsd;
  return {
    status: fin.status,
    ...(fin.reason ? { reason: fin.reason } : {}),
    model: p.modelId,
    universe: p.universe.source,
    lambda: p.lambda,
    before,
    after: fin.after,
    savingUsd: saving,
    savingFraction: before.initialMarginUsd > 0 ? saving / before.initialMarginUsd : 0,
    trades: fin.trades,
    costUsd: fin.trades.reduce((s, t) => s + t.costUsd, 0),
    cashUsd: fin.trades.reduce((s, t) => s + t.cashUsd, 0),
    exposuresBefore: problem.exposuresBefore,
    exposuresAfter: fin.exposuresAfter,
    bands: problem.bands,
    binding: bindingReport(sol, problem),
    ...(fin.rounding ? { rounding: fin.rounding } : {}),
    tried: fin.tried,
    lp: {
      variables: lp.numVariables,
      constraints: lp.numConstraints,
      nonzeros: lp.numNonzeros,
      objective: sol.objective,
      predictedInitialMarginUsd: predictedMarginUsd(pools, sol),
      iterations: sol.iterations,
      method: lp.isQuadratic ? `${sol.method} (QP)` : sol.method,
      representation,
      ...(p.exportLp ? { lpText: lp.toLpText() } : {}),
    },
    portfolioAfter: fin.portfolioAfter,
    warnings,
  };
}

function describe(b: BindingConstraint, problem: TradeProblem): string {
  const band = problem.bands.find((x) => x.row === b.name);
  if (band) {
    const rel = b.bound === 'upper' ? '≤' : b.bound === 'lower' ? '≥' : '=';
    const val = b.bound === 'upper' ? band.max : band.min;
    return `${band.underlying} ${band.greek} ${rel} ${Number(val.toPrecision(6))} ${GREEK_UNITS[band.greek]}${band.source === 'band' ? '' : ' (keep exposures)'}`;
  }
  const m = /^(buy|sell)\[(.*)\]$/.exec(b.name);
  if (m)
    return `${m[1]} ${m[2]} ≤ ${Number(b.value.toPrecision(6))} coins (size limit${problem.trades.find((t) => t.candidate.instrument.symbol === m[2])?.held ? ' / reduce-only' : ''})`;
  if (b.name === 'total-size') return `total traded size ≤ ${b.value} coins`;
  if (b.name === 'budget') return `premium and fees paid ≤ ${b.value} USD`;
  return b.name;
}

/** Binding user constraints (bands, limits, budget) from the LP duals, in words. */
export function bindingReport(
  sol: LpSolution,
  problem: TradeProblem,
  extra: (name: string) => boolean = () => false,
): BindingReport[] {
  return sol
    .binding((name) => isUserConstraint(name) || extra(name))
    .filter(
      (b) =>
        !(
          b.kind === 'variable-bound' &&
          (b.bound === 'lower' || b.value === 0) &&
          /^(buy|sell)\[/.test(b.name)
        ),
    )
    .map((b) => ({ ...b, description: describe(b, problem), shadowPriceUsd: Math.abs(b.dual) }));
}

/**
 * Re-states an INFEASIBLE error in the user's terms: for each band involved, the range the
 * allowed trades can reach under the per-instrument size limits.
 */
export function explainInfeasible(e: BallastError, problem: TradeProblem): BallastError {
  const details = (e.details ?? {}) as { constraints?: string[]; bounds?: string[] };
  const involved = new Set(details.constraints ?? []);
  const bands = problem.bands.filter((b) => involved.has(b.row) || involved.size === 0);
  const lines: string[] = [];
  for (const b of bands) {
    let lo = b.current;
    let hi = b.current;
    for (const t of problem.trades) {
      if (t.candidate.instrument.underlying !== b.underlying) continue;
      const e1 = t.exposure[b.greek];
      if (e1 === 0) continue;
      const up = e1 > 0 ? e1 * t.buyLimit : -e1 * t.sellLimit;
      const down = e1 > 0 ? e1 * t.sellLimit : -e1 * t.buyLimit;
      hi += up;
      lo -= down;
    }
    const fmt = (v: number) =>
      Number.isFinite(v) ? String(Number(v.toPrecision(6))) : v > 0 ? '+∞' : '−∞';
    const reach = `[${fmt(lo)}, ${fmt(hi)}]`;
    const want = `[${fmt(b.min)}, ${fmt(b.max)}]`;
    if (hi < b.min || lo > b.max)
      lines.push(
        `${b.row}: the ${b.underlying} ${b.greek} band ${want} is out of reach — the allowed trades move it only within ${reach} (now ${fmt(b.current)})`,
      );
    else if (involved.has(b.row))
      lines.push(
        `${b.row}: the ${b.underlying} ${b.greek} band ${want} conflicts with the other constraints listed (reachable alone: ${reach})`,
      );
  }
  const userRows = [...involved].filter((n) => isUserConstraint(n) && !/^(buy|sell)\[/.test(n));
  const limited = new Set(
    (details.bounds ?? []).flatMap((b) => {
      const m = /^(?:buy|sell)\[(.*)\] ≤/.exec(b);
      return m ? [m[1]!] : [];
    }),
  );
  const parts: string[] = [];
  if (userRows.length > 0) parts.push(userRows.join(', '));
  if (limited.size > 0)
    parts.push(`the size limits of ${limited.size} instrument${limited.size === 1 ? '' : 's'}`);
  const involvedText =
    parts.length > 0
      ? `constraints involved: ${parts.join(' and ')}`
      : e.message.replace(/^[^:]*: /, '');
  const msg =
    lines.length > 0
      ? `${lines.join('; ')} (${involvedText})`
      : `no trade satisfies every constraint (${involvedText})`;
  return new BallastError('INFEASIBLE', msg, 'constraints', {
    ...details,
    bands: bands.map((b) => b.row),
  });
}

/** Inputs of `finalizeTrades`. */
export interface FinalizeInput {
  readonly problem: TradeProblem;
  readonly constraints: TradeConstraints;
  readonly x: ArrayLike<number>;
  readonly model: MarginModel<unknown>;
  readonly params: unknown;
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly before: MarginSummary;
  readonly lambda: number;
  /** Extra acceptance test on the book after (e.g. cure: utilization ≤ target); returns a reason to reject. */
  readonly accept?: (after: MarginSummary, trades: readonly ExecutedTrade[]) => string | undefined;
  /**
   * What a rounding must improve on the book as it is: `margin` (default, the hedge's
   * fail-closed rule: lower exact IM and lower IM + λ·cost), `objective` (lower `objective`),
   * or `none` (only `accept` decides, e.g. a cure).
   */
  readonly require?: 'margin' | 'objective' | 'none';
  /** Objective of a rounding (default IM + λ·cost, USD); lower is better. */
  readonly objective?: (after: MarginSummary, costUsd: number, exposures: ExposureTable) => number;
}

/** Result of `finalizeTrades`. */
export interface Finalized {
  readonly status: 'improved' | 'no-improvement';
  readonly reason?: string;
  readonly trades: readonly ExecutedTrade[];
  readonly after: MarginSummary;
  readonly portfolioAfter: Portfolio;
  readonly exposuresAfter: ExposureTable;
  readonly rounding?: string;
  readonly tried: RoundingTry[];
}

/**
 * Why a rounded candidate fails `require` (undefined when it passes): `margin`, exact IM not
 * below the book's (relative 1e-12 and 1e-9 USD), or not worth its cost (margin + λ·cost not
 * below the book's); `objective`, the objective not below that of no trade; `none`, always passes.
 */
function requirementMissed(
  require: NonNullable<FinalizeInput['require']>,
  summary: MarginSummary,
  before: MarginSummary,
  obj: number,
  beforeObj: number,
  cost: number,
): string | undefined {
  if (
    require === 'margin' &&
    !(summary.initialMarginUsd < before.initialMarginUsd * (1 - 1e-12) - 1e-9)
  )
    return `exact IM ${summary.initialMarginUsd.toFixed(2)} USD is not below ${before.initialMarginUsd.toFixed(2)}`;
  if (require !== 'none' && !(obj < beforeObj - 1e-9 * Math.max(1, Math.abs(beforeObj))))
    return require === 'margin'
      ? `saves ${(before.initialMarginUsd - summary.initialMarginUsd).toFixed(2)} USD of IM but costs λ·${cost.toFixed(2)} USD`
      : `objective ${obj.toFixed(2)} is not below ${beforeObj.toFixed(2)} (no trade)`;
  return undefined;
}

/** Rounds, re-margins exactly and picks (see module doc). */
export function finalizeTrades(f: FinalizeInput): Finalized {
  const { problem, snapshot } = f;
  const require = f.require ?? 'margin';
  const objective =
    f.objective ?? ((a: MarginSummary, cost: number) => a.initialMarginUsd + f.lambda * cost);
  const none: Finalized = {
    status: 'no-improvement',
    trades: [],
    after: f.before,
    portfolioAfter: f.portfolio,
    exposuresAfter: problem.exposuresBefore,
    tried: [],
  };
  const candidates = roundingCandidates(
    problem.trades,
    f.x,
    problem.bands,
    problem.exposuresBefore,
    f.constraints,
  );
  if (candidates.length === 0) {
    const anyTrade = Array.from(f.x).some((v) => v !== 0);
    return {
      ...none,
      reason: anyTrade
        ? 'the optimal trade is smaller than one lot of every instrument (or cannot be rounded to lots within the constraints)'
        : 'the optimum is not to trade: no allowed trade lowers margin + λ·cost',
    };
  }
  const tried: RoundingTry[] = [];
  let best: (Finalized & { obj: number }) | undefined;
  const beforeObj = objective(f.before, 0, problem.exposuresBefore);
  const reasons: string[] = [];
  for (const c of candidates) {
    const trades = executeTrades(problem.trades, c.sizes, f.x);
    const after = applyTrades(f.portfolio, trades);
    const summary = marginSummary(f.model, f.params, after, snapshot);
    const cost = trades.reduce((s, t) => s + t.costUsd, 0);
    const exposures = exposuresAfter(problem.exposuresBefore, problem.trades, c.sizes);
    const obj = objective(summary, cost, exposures);
    const why =
      requirementMissed(require, summary, f.before, obj, beforeObj, cost) ??
      f.accept?.(summary, trades);
    const ok = !why;
    if (why) reasons.push(`${c.label}: ${why}`);
    tried.push({
      label: c.label,
      initialMarginUsd: summary.initialMarginUsd,
      costUsd: cost,
      objectiveUsd: obj,
      accepted: ok,
    });
    if (ok && (!best || obj < best.obj))
      best = {
        status: 'improved',
        trades,
        after: summary,
        portfolioAfter: after,
        exposuresAfter: exposures,
        rounding: c.label,
        tried,
        obj,
      };
  }
  if (!best)
    return {
      ...none,
      tried,
      reason: `no rounding of the LP trade improves on the book under the exact model (${reasons.join('; ')})`,
    };
  const { obj: _obj, ...rest } = best;
  return { ...rest, tried };
}
