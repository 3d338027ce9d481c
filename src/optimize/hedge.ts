/**
 * The hedge optimizer: trades x over a universe of candidates minimising
 *
 *   Σ_pool usd_pool · IM_pool(x)  +  λ · Σ_j (cost_buy_j·buy_j + cost_sell_j·sell_j)      (USD)
 *
 * (the book's own instruments are always candidates, priced like `listed` if the universe
 * lacks them) subject to the user's constraints (trade-problem.ts: exposure bands or "keep exposures",
 * size limits, reduce-only, allowed instruments, premium budget). IM is the model's own
 * formula for Deribit PM, a scenario surrogate for every other model (margin-lp.ts). The LP's
 * trade is rounded to lots and re-margined with the exact model; the book is returned with
 * trades only if its exact IM is lower than the input's and the saving beats λ·cost, else
 * "no improvement" (outcome.ts). λ is dimensionless: USD of trading cost per USD of IM saved
 * (default 1: pay at most a dollar of spread and fees to free a dollar of margin).
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { addMarginTerms, marginUsdObjective, type PoolMarginTerms } from './margin-lp.ts';
import {
  finalizeTrades,
  marginSummary,
  solveTradeProblem,
  tradeOutcome,
  type MarginSummary,
  type TradeOutcome,
} from './outcome.ts';
import { loadSolver, type LpSolver, type SolveOptions } from './solver.ts';
import { buildTradeProblem, type TradeConstraints, type TradeProblem } from './trade-problem.ts';
import { withHeldInstruments, type Universe } from './universe.ts';

/** Inputs of `optimizeHedge`. */
export interface HedgeInput {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly model: MarginModel<unknown>;
  /** Model parameters (default: the model's defaults). */
  readonly params?: unknown;
  readonly universe: Universe;
  readonly constraints?: TradeConstraints;
  /** USD of trading cost per USD of IM (default 1). */
  readonly lambda?: number;
  /** A loaded solver (default: the shared one). */
  readonly solver?: LpSolver;
  readonly solveOptions?: SolveOptions;
  /** Put the LP's CPLEX text in the report. */
  readonly exportLp?: boolean;
}

/** Validates λ (finite, ≥ 0). */
export function checkLambda(lambda: number, field = 'lambda'): number {
  if (!(Number.isFinite(lambda) && lambda >= 0))
    throw new BallastError('INVALID_INPUT', `must be a number ≥ 0, got ${lambda}`, field);
  return lambda;
}

/**
 * Puts `Σ_pool usd·IM_pool(x) + λ·cost(x)` (USD) into the problem's objective (module doc) and
 * returns the margin terms. `before` is the exact margin of the book as it is.
 */
export function addMarginObjective(
  problem: TradeProblem,
  input: Pick<HedgeInput, 'portfolio' | 'snapshot' | 'model'>,
  params: unknown,
  before: MarginSummary,
  lambda: number,
): PoolMarginTerms[] {
  const lp = problem.model;
  const pools = addMarginTerms(
    lp,
    problem.trades,
    input.portfolio,
    input.snapshot,
    input.model,
    params,
    {
      resultsBefore: before.results,
    },
  );
  const margin = marginUsdObjective(pools);
  for (const [v, a] of margin.terms) lp.addCost(v, a);
  lp.addOffset(margin.offset);
  if (lambda > 0) for (const [v, a] of problem.costTerms) lp.addCost(v, lambda * a);
  return pools;
}

/** Finds the hedge (see module doc). Throws INFEASIBLE (naming the constraints) when the constraints exclude every trade. */
export async function optimizeHedge(input: HedgeInput): Promise<TradeOutcome> {
  const lambda = checkLambda(input.lambda ?? 1);
  const params = input.params ?? input.model.defaultParams;
  const constraints = input.constraints ?? {};
  const solver = input.solver ?? (await loadSolver());
  const before = marginSummary(input.model, params, input.portfolio, input.snapshot);
  const universe = withHeldInstruments(input.universe, input.portfolio, input.snapshot);
  const problem = buildTradeProblem(
    `hedge ${input.portfolio.name ?? 'book'} under ${input.model.id}`,
    input.portfolio,
    input.snapshot,
    universe,
    constraints,
  );
  const pools = addMarginObjective(problem, input, params, before, lambda);
  const { sol, x } = solveTradeProblem(problem, solver, input.solveOptions);
  const fin = finalizeTrades({
    problem,
    constraints,
    x,
    model: input.model,
    params,
    portfolio: input.portfolio,
    snapshot: input.snapshot,
    before,
    lambda,
  });
  return tradeOutcome({
    modelId: input.model.id,
    universe,
    lambda,
    before,
    problem,
    pools,
    sol,
    fin,
    ...(input.exportLp ? { exportLp: true } : {}),
  });
}
