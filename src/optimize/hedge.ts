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
import { BallastError, isBallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { addMarginTerms, marginUsdObjective } from './margin-lp.ts';
import {
  bindingReport,
  explainInfeasible,
  finalizeTrades,
  marginSummary,
  predictedMarginUsd,
  type TradeOutcome,
} from './outcome.ts';
import { loadSolver, type LpSolver, type SolveOptions } from './solver.ts';
import { buildTradeProblem, type TradeConstraints } from './trade-problem.ts';
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
  const { model: lp, trades } = problem;
  const pools = addMarginTerms(lp, trades, input.portfolio, input.snapshot, input.model, params);
  const margin = marginUsdObjective(pools);
  for (const [v, a] of margin.terms) lp.addCost(v, a);
  lp.addOffset(margin.offset);
  if (lambda > 0) for (const [v, a] of problem.costTerms) lp.addCost(v, lambda * a);

  let sol;
  try {
    sol = solver.solve(lp, input.solveOptions);
  } catch (e) {
    if (isBallastError(e, 'INFEASIBLE')) throw explainInfeasible(e, problem);
    throw e;
  }
  const x = trades.map((t) => {
    const v = sol.values[t.net]!;
    return Math.abs(v) < 1e-9 * Math.max(t.lot, 1e-9) ? 0 : v;
  });
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
  const representation =
    pools.length === 0
      ? 'none'
      : pools.every((p) => p.representation === 'exact')
        ? 'exact'
        : 'surrogate';
  const warnings: string[] = [];
  if (representation === 'surrogate')
    warnings.push(
      `${input.model.id} has no LP form here: the LP minimised a scenario surrogate (worst loss on the standard Deribit grid) and the exact model checked the result`,
    );
  if (problem.skipped.length > 0)
    warnings.push(
      `${problem.skipped.length} universe instruments left out (${problem.skipped.slice(0, 3).join('; ')}${problem.skipped.length > 3 ? '; …' : ''})`,
    );
  const saving = before.initialMarginUsd - fin.after.initialMarginUsd;
  return {
    status: fin.status,
    ...(fin.reason ? { reason: fin.reason } : {}),
    model: input.model.id,
    universe: universe.source,
    lambda,
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
      method: sol.method,
      representation,
      ...(input.exportLp ? { lpText: lp.toLpText() } : {}),
    },
    portfolioAfter: fin.portfolioAfter,
    warnings,
  };
}
